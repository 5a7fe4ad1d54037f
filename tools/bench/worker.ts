/**
 * One synthetic benchmark run in its own process: N services built by the
 * real service component under the mock runtime, render files written to
 * disk, as the render does. Prints `@@bench <json>`.
 */
import { parseArgs } from "node:util";

import { runUnderMocks } from "../lib/mock-run";
import { renderFiles, writeRender } from "../lib/render-stack";
import { declareSyntheticPlatform } from "./synthetic";

async function run(): Promise<void> {
    const { values } = parseArgs({ options: { services: { type: "string" }, out: { type: "string" } } });
    if (values.services === undefined || values.out === undefined) throw new Error("--services and --out are required");
    const count = Number(values.services);
    const plan = await runUnderMocks({ project: "med-agi", stack: "bench", values: {}, secretKeys: [] }, () =>
        declareSyntheticPlatform(count),
    );
    writeRender(values.out, renderFiles(plan));
    process.stdout.write(`@@bench ${JSON.stringify({ resources: plan.resources.length })}\n`);
}

run().then(
    () => process.exit(0),
    (err: unknown) => {
        process.stderr.write(`bench worker: ${(err as Error).stack ?? String(err)}\n`);
        process.exit(1);
    },
);
