/**
 * Runs one stack under mocks in its own process (mocks are process-global) and
 * prints `{ aws, kubernetes }`: every aws: resource's URN and inputs, and every
 * Kubernetes object's inputs. Usage: tsx plan-inputs.ts <stack> '<overrides JSON>'.
 */
import * as path from "node:path";

import { planStack } from "../../../tools/lib/render-stack";

async function run(): Promise<void> {
    const [stack = "staging", overrides = "{}"] = process.argv.slice(2);
    const plan = await planStack(path.resolve(__dirname, "../../.."), stack, JSON.parse(overrides) as Record<string, unknown>);
    const pick = (prefix: string) => plan.resources.filter((r) => r.type.startsWith(prefix)).map((r) => ({ urn: r.urn, inputs: r.inputs }));
    // Written in full before the process exits (a pipe is asynchronous: exit would cut it short).
    await new Promise<void>((resolve) =>
        process.stdout.write(`${JSON.stringify({ aws: pick("aws:"), kubernetes: pick("kubernetes:") })}\n`, () => resolve()),
    );
}

run().then(
    () => process.exit(0),
    (err: unknown) => {
        process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
        process.exit(1);
    },
);
