/**
 * The CrossGuard policy pack, as `pulumi preview --policy-pack policies` loads
 * it. This file only constructs the pack: `new PolicyPack` starts the gRPC
 * server the engine talks to, so nothing else may import this file. The
 * policies live in the area modules (runbook, kubernetes, aws, data-safety);
 * tools and tests import them from ./all.
 */
import { PolicyPack } from "@pulumi/policy";

import { PACK_NAME, POLICIES } from "./all";

new PolicyPack(PACK_NAME, {
    description:
        "Med-AGI: the operations runbook's thresholds, procedures and names, Kubernetes restricted security, AWS baselines and data safety.",
    policies: [...POLICIES],
});
