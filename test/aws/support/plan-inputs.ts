/**
 * Runs one stack under mocks in its own process (mocks are process-global),
 * once per set of overrides, one run after another (each from a fresh SDK
 * state, as separate processes would: tools/lib/mock-run.ts), and prints a
 * JSON array with, per run, `{ aws, kubernetes, dataStores }`: every aws:
 * resource's URN and inputs, every Kubernetes object's inputs, and every
 * resource of the data-store layer (infra/datastores: its URN, inputs and
 * protect flag). One process for all the runs: loading the SDK and the
 * program costs as much as a run. Usage: plan-inputs.ts <stack> '<overrides JSON>'...
 */
import * as path from "node:path";

import type { Plan } from "../../../tools/lib/plan";

/** The parts of a plan the invariance test compares. */
export function pickInputs(plan: Plan): Record<"aws" | "kubernetes" | "dataStores", unknown[]> {
    const pick = (prefix: string) => plan.resources.filter((r) => r.type.startsWith(prefix)).map((r) => ({ urn: r.urn, inputs: r.inputs }));
    return {
        aws: pick("aws:"),
        kubernetes: pick("kubernetes:"),
        dataStores: plan.resources
            .filter((r) => r.urn.includes("::med-agi:datastores:"))
            .map((r) => ({ urn: r.urn, inputs: r.inputs, protect: r.protect })),
    };
}

async function run(): Promise<void> {
    const [stack = "staging", ...overrides] = process.argv.slice(2);
    // Loaded here, not at the top: the test imports pickInputs without loading the SDK.
    const { planStack } = await import("../../../tools/lib/render-stack");
    const picked: unknown[] = [];
    for (const o of overrides.length === 0 ? ["{}"] : overrides) {
        picked.push(pickInputs(await planStack(path.resolve(__dirname, "../../.."), stack, JSON.parse(o) as Record<string, unknown>)));
    }
    // Written in full before the process exits (a pipe is asynchronous: exit would cut it short).
    await new Promise<void>((resolve) => process.stdout.write(`${JSON.stringify(picked)}\n`, () => resolve()));
}

if (require.main === module)
    run().then(
        () => process.exit(0),
        (err: unknown) => {
            process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
            process.exit(1);
        },
    );
