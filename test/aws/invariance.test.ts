/**
 * Changing what the platform runs (the release, replica counts) must not touch
 * the cloud: every aws: resource keeps exactly the same inputs, so `pulumi up`
 * of a release never replaces a database, bucket or node group.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

import { ROOT, runStack } from "../support/harness";
import { pickInputs } from "./support/plan-inputs";

interface Inputs {
    readonly aws: { urn: string; inputs: unknown }[];
    readonly kubernetes: { urn: string; inputs: unknown }[];
    readonly dataStores: { urn: string; inputs: unknown; protect: boolean }[];
}

/** The inputs of `stack` run with each set of overrides, in order: all runs in one child process. */
function planInputs(stack: string, ...overrides: Record<string, unknown>[]): Inputs[] {
    const r = spawnSync(
        process.execPath,
        [
            "-r",
            path.join(ROOT, "tools/lib/ts-loader.js"),
            path.join(__dirname, "support/plan-inputs.ts"),
            stack,
            ...overrides.map((o) => JSON.stringify(o)),
        ],
        {
            encoding: "utf8",
            maxBuffer: 256 * 1024 * 1024,
        },
    );
    if (r.status !== 0) throw new Error(`plan-inputs ${stack} failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as Inputs[];
}

describe("the cloud layer and the data stores do not depend on the release or the replica counts", () => {
    let base: Inputs;
    let released: Inputs;
    let scaled: Inputs;
    beforeAll(async () => {
        // staging as committed: the plan every test file shares (the same planStack), else run here.
        base = JSON.parse(JSON.stringify(pickInputs(await runStack("staging")))) as Inputs;
        [released, scaled] = planInputs(
            "staging",
            { release: "v1.0.1" },
            { serviceDefaults: { replicas: 3, autoscaling: { maxReplicas: 4 } } },
        );
    }, 180_000);

    it("registers the same aws: resources with the same inputs after a release change", () => {
        expect(base.aws.length).toBeGreaterThan(100);
        expect(released.aws).toEqual(base.aws);
    });

    it("registers the same aws: resources with the same inputs after a replica change", () => {
        expect(scaled.aws).toEqual(base.aws);
    });

    it("leaves every data-store resource (roles, grants, Secrets, the Elasticsearch cluster, volumes) and its protection untouched", () => {
        expect(base.dataStores.length).toBeGreaterThan(50);
        expect(released.dataStores).toEqual(base.dataStores);
        expect(scaled.dataStores).toEqual(base.dataStores);
    });

    it("does change the platform itself (the comparison can fail)", () => {
        expect(released.kubernetes).not.toEqual(base.kubernetes);
        expect(scaled.kubernetes).not.toEqual(base.kubernetes);
    });
});
