/**
 * One stack's render in its own process (Pulumi's mocks are process-global).
 * Prints one result line `@@render-result <json>` for the parent; exit code
 * 0 rendered, 2 invalid config, 1 any other failure.
 */
import { parseArgs } from "node:util";

import { RenderError, renderStack } from "./lib/render-stack";

export const RESULT_MARKER = "@@render-result ";

async function run(): Promise<number> {
    const { values } = parseArgs({ options: { stack: { type: "string" }, out: { type: "string" }, root: { type: "string" } } });
    if (values.stack === undefined || values.out === undefined || values.root === undefined) {
        process.stderr.write("render-worker: --stack, --out and --root are required\n");
        return 1;
    }
    try {
        const result = await renderStack(values.root, values.stack, values.out);
        process.stdout.write(`${RESULT_MARKER}${JSON.stringify({ ok: true, ...result })}\n`);
        return 0;
    } catch (err) {
        const kind = err instanceof RenderError ? err.kind : "program";
        const registered = err instanceof RenderError ? err.registered : undefined;
        process.stdout.write(
            `${RESULT_MARKER}${JSON.stringify({ ok: false, stack: values.stack, kind, registered, message: (err as Error).message })}\n`,
        );
        return kind === "config" ? 2 : 1;
    }
}

run().then(
    (code) => process.exit(code),
    (err: unknown) => {
        process.stderr.write(`render-worker: ${(err as Error).stack ?? String(err)}\n`);
        process.exit(1);
    },
);
