/**
 * Every policy of the pack, in one list: what `index.ts` serves to the CLI and
 * what the offline runner (tools/lib/policy-run.ts) and the tests run.
 */
import { AUTHZ_POLICIES } from "./authz";
import { AWS_POLICIES } from "./aws";
import { DATA_SAFETY_POLICIES } from "./data-safety";
import { IDENTITY_POLICIES } from "./identity";
import { KUBERNETES_POLICIES } from "./kubernetes";
import type { MedAgiPolicy } from "./policy";
import { RUNBOOK_POLICIES } from "./runbook";

export const PACK_NAME = "med-agi";

export const POLICIES: readonly MedAgiPolicy[] = [
    ...RUNBOOK_POLICIES,
    ...KUBERNETES_POLICIES,
    ...AWS_POLICIES,
    ...DATA_SAFETY_POLICIES,
    ...IDENTITY_POLICIES,
    ...AUTHZ_POLICIES,
];

export type { MedAgiPolicy };
