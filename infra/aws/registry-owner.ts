/**
 * Who creates the ECR repositories. Their names are the runbook's
 * (`<registry>/med-agi/<service>`), so they cannot be named per environment:
 * in one account and region exactly one stack creates them
 * (`cloud.registry.create`, default true) and the others use them. Two stacks
 * creating them would fail the second `pulumi up` with
 * RepositoryAlreadyExistsException on every repository, so config validation
 * reads every `Pulumi.<stack>.yaml` of the project and refuses it before
 * anything is created.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { problem, type ConfigProblem } from "../validation";
import { parseYaml } from "../yaml";

/** What a stack says about the registry of its account and region. */
export interface RegistryClaim {
    readonly stack: string;
    readonly accountId: string;
    readonly region: string;
    /** Whether the stack creates the repositories (`cloud.registry.create`, default true). */
    readonly creates: boolean;
    /** `med-agi:environment` of the stack, when it says one. */
    readonly environment?: string;
    /** `cloud.allowSharedAccount.reason`, when the stack sets the override (infra/aws/accounts.ts). */
    readonly sharedAccountReason?: string;
}

const STACK_FILE = /^Pulumi\.(.+)\.ya?ml$/;

/** One stack file's environment and `cloud` block, as written (unvalidated). */
export interface StackCloud {
    readonly stack: string;
    readonly environment: unknown;
    readonly cloud: { accountId?: unknown; region?: unknown; registry?: { create?: unknown }; allowSharedAccount?: { reason?: unknown } };
}

/**
 * The `med-agi:cloud` block (and `med-agi:environment`) of every stack file in
 * `root` that has one. A file that cannot be read or parsed is skipped here:
 * its own `pulumi up` reports it.
 */
export function readStackClouds(root: string, namespace = "med-agi"): StackCloud[] {
    let files: string[];
    try {
        files = fs.readdirSync(root);
    } catch {
        return [];
    }
    const out: StackCloud[] = [];
    for (const file of files.sort()) {
        const stack = STACK_FILE.exec(file)?.[1];
        if (stack === undefined) continue;
        let doc: unknown;
        try {
            doc = parseYaml(fs.readFileSync(path.join(root, file), "utf8"));
        } catch {
            continue;
        }
        const config = (doc as { config?: Record<string, unknown> } | null)?.config;
        const cloud = config?.[`${namespace}:cloud`] as StackCloud["cloud"] | undefined;
        if (cloud === undefined || cloud === null || typeof cloud !== "object") continue;
        out.push({ stack, environment: config?.[`${namespace}:environment`], cloud });
    }
    return out;
}

/**
 * The registry claims of every stack file in `root` that has a `med-agi:cloud`
 * key with an account and region.
 */
export function readRegistryClaims(root: string, namespace = "med-agi"): RegistryClaim[] {
    const claims: RegistryClaim[] = [];
    for (const { stack, environment, cloud } of readStackClouds(root, namespace)) {
        if (typeof cloud.accountId !== "string" || typeof cloud.region !== "string") continue;
        const reason = cloud.allowSharedAccount?.reason;
        claims.push({
            stack,
            accountId: cloud.accountId,
            region: cloud.region,
            creates: cloud.registry?.create !== false,
            ...(typeof environment === "string" ? { environment } : {}),
            ...(typeof reason === "string" ? { sharedAccountReason: reason } : {}),
        });
    }
    return claims;
}

/**
 * Problems of `self` against the other stacks of the project: two creators in
 * one account and region (naming both stacks), or none.
 */
export function registryOwnershipProblems(self: RegistryClaim, peers: readonly RegistryClaim[]): ConfigProblem[] {
    const same = peers.filter((p) => p.stack !== self.stack && p.accountId === self.accountId && p.region === self.region);
    const where = `account ${self.accountId}, ${self.region}`;
    if (self.creates) {
        const others = same.filter((p) => p.creates).map((p) => p.stack);
        if (others.length === 0) return [];
        return [
            problem(
                "cloud.registry.create",
                true,
                `stacks ${[self.stack, ...others].map((s) => `"${s}"`).join(" and ")} both create the ECR repositories med-agi/<service> in ${where}, and the second \`pulumi up\` would fail with RepositoryAlreadyExistsException; exactly one stack per account and region creates them: set cloud.registry.create: false in Pulumi.${others[0]}.yaml or in Pulumi.${self.stack}.yaml`,
            ),
        ];
    }
    if (same.some((p) => p.creates)) return [];
    return [
        problem(
            "cloud.registry.create",
            false,
            `no other stack of the project creates the ECR repositories in ${where}, so the images have nowhere to live; set cloud.registry.create: true in exactly one stack of that account and region`,
        ),
    ];
}
