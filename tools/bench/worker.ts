/**
 * One benchmark run in its own process, doing what the render worker does
 * (mock runtime, plan, render files written to disk) for a real stack, a
 * synthetic platform or the one-resource floor. Prints `@@bench <json>`.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";

import { runUnderMocks } from "../lib/mock-run";
import { renderFiles, renderStack, writeRender } from "../lib/render-stack";
import { declareFloor, declareSyntheticPlatform } from "./synthetic";

async function run(): Promise<void> {
    const { values } = parseArgs({
        options: { mode: { type: "string" }, stack: { type: "string" }, services: { type: "string" }, out: { type: "string" } },
    });
    const out = values.out ?? "";
    let resources: number;
    if (values.mode === "stack") {
        resources = (await renderStack(path.resolve(__dirname, "../.."), values.stack ?? "dev", out)).resources;
    } else {
        const count = Number(values.services ?? "0");
        const plan = await runUnderMocks({ project: "med-agi", stack: "bench", values: {}, secretKeys: [] }, () =>
            values.mode === "floor" ? declareFloor() : declareSyntheticPlatform(count),
        );
        writeRender(out, renderFiles(plan));
        resources = plan.resources.length;
    }
    process.stdout.write(`@@bench ${JSON.stringify({ resources })}\n`);
}

run().then(
    () => process.exit(0),
    (err: unknown) => {
        process.stderr.write(`bench worker: ${(err as Error).stack ?? String(err)}\n`);
        process.exit(1);
    },
);
