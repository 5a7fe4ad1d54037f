/**
 * One account per environment. The account is the
 * strongest boundary AWS offers: IAM policies, key policies and bucket policies
 * of one stack cannot be relied on to keep the other stack's administrators,
 * roles and mistakes out when both live in one account. AWS's multi-account
 * guidance puts production and non-production workloads in separate accounts.
 * So config validation reads every `Pulumi.<stack>.yaml` (like the ECR
 * registry-owner check) and refuses staging and prod in one account unless
 * the stack's own file sets `cloud.allowSharedAccount.reason`.
 */
import { problem, type ConfigProblem } from "../validation";
import type { RegistryClaim } from "./registry-owner";

/** The environments that must not share an account with each other. */
const SEPARATED: readonly string[] = ["staging", "prod"];

/**
 * Problems of `self` against the other stacks of the project: another
 * environment among staging/prod in the same account, without the override in
 * `self`'s own stack file. Names both stacks, the account and the override.
 */
export function sharedAccountProblems(self: RegistryClaim, peers: readonly RegistryClaim[]): ConfigProblem[] {
    if (self.environment === undefined || !SEPARATED.includes(self.environment)) return [];
    if (self.sharedAccountReason !== undefined) return [];
    const sharing = peers.filter(
        (p) =>
            p.stack !== self.stack &&
            p.accountId === self.accountId &&
            p.environment !== undefined &&
            p.environment !== self.environment &&
            SEPARATED.includes(p.environment),
    );
    if (sharing.length === 0) return [];
    const stacks = [self, ...sharing].map((p) => `"${p.stack}" (${p.environment ?? "?"})`).join(" and ");
    return [
        problem(
            "cloud.accountId",
            self.accountId,
            `stacks ${stacks} both deploy to account ${self.accountId}, and then nothing but IAM separates prod from staging; give each environment its own account (AWS multi-account guidance), or accept the shared account explicitly with cloud.allowSharedAccount.reason: "<why>" in Pulumi.${self.stack}.yaml`,
        ),
    ];
}
