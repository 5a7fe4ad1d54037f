/**
 * Stack configuration of authorisation (`med-agi:authz` in `Pulumi.<stack>.yaml`),
 * composed by `infra/config.ts`.
 *
 * ```yaml
 * med-agi:authz:
 *   replicas: 3                 # default 1 (dev), 2 (staging), 3 (prod; prod refuses fewer)
 *   resources: { requests: { cpu: 100m, memory: 128Mi }, limits: { cpu: 500m, memory: 256Mi } }
 *   grants:                     # when set, the whole grant table (default: DEFAULT_GRANTS per environment)
 *     clinician: { imaging: [read, infer], ekg: [read, infer] }
 * ```
 *
 * The schema names every bad key and value: a role not in {@link ROLES}, a
 * service not among the six runbook services (or `*`), an action not in
 * {@link ACTIONS} (or `*`). {@link authzProblems} adds the rules that depend on
 * the environment: prod refuses wildcard grants and fewer than
 * {@link OPA_PROD_MIN_REPLICAS} replicas.
 */
import { z } from "zod";

import type { Environment } from "../environment";
import { pinnedImage } from "../formats";
import { SERVICE_NAMES } from "../runbook";
import { resolveResources, resourcesPatchSchema, type ResourceSettings } from "../services/config";
import { problem, type ConfigProblem } from "../validation";
import { ACTIONS, DEFAULT_GRANTS, ROLES, WILDCARD, wildcardGrants, type Grants } from "./model";
import { OPA_PROD_MIN_REPLICAS } from "./names";

/**
 * OPA image: the statically linked build of OPA 1.21.1, by tag and digest
 * (docs/versions.md records where both were checked). Runs as any non-root UID.
 */
export const OPA_IMAGE = "openpolicyagent/opa:1.21.1-static@sha256:4675ab04ad1627f74741d2d9c5142698c79e18b7b09f192587d31d6dba20838e";

/** Replicas per environment when `authz.replicas` is not set. */
export const OPA_DEFAULT_REPLICAS: Readonly<Record<Environment, number>> = { dev: 1, staging: 2, prod: OPA_PROD_MIN_REPLICAS };

/** OPA's requests and limits when `authz.resources` does not set them: the policy and table are small. */
export const OPA_DEFAULT_RESOURCES = {
    requests: { cpu: "100m", memory: "128Mi" },
    limits: { cpu: "500m", memory: "256Mi" },
} as const;

// Unknown roles and services are reported as unknown keys with the allowed ones listed,
// unknown actions with the allowed values (infra/validation.ts).
const action = z.enum([...ACTIONS, WILDCARD]);
const serviceKey = z.enum([...SERVICE_NAMES, WILDCARD]);
const roleKey = z.enum(ROLES);

/** `authz.grants`: role → service → actions; each list non-empty and without repeats. */
export const grantsSchema = z.partialRecord(
    roleKey,
    z.partialRecord(
        serviceKey,
        z
            .array(action)
            .min(1)
            .refine((list) => new Set(list).size === list.length, "each action at most once"),
    ),
);

/** `med-agi:authz` */
export const authzSchema = z
    .object({
        /** OPA replicas. @default OPA_DEFAULT_REPLICAS[environment] */
        replicas: z.number().int().min(1).max(15).optional(),
        /** OPA container requests and limits. @default OPA_DEFAULT_RESOURCES */
        resources: resourcesPatchSchema.optional(),
        /** OPA image, pinned by tag or digest. @default OPA_IMAGE */
        image: pinnedImage.optional(),
        /** The whole grant table (replaces the default, does not merge with it). @default DEFAULT_GRANTS[environment] */
        grants: grantsSchema.optional(),
    })
    .strict();
export type AuthzConfig = z.infer<typeof authzSchema>;

/** `med-agi:authz` with the environment's defaults applied: what the component deploys. */
export interface AuthzSettings {
    readonly environment: Environment;
    readonly replicas: number;
    readonly resources: ResourceSettings;
    readonly image: string;
    readonly grants: Grants;
}

/** The settings for this environment and config section. Pure. */
export function resolveAuthz(environment: Environment, config: AuthzConfig): AuthzSettings {
    return {
        environment,
        replicas: config.replicas ?? OPA_DEFAULT_REPLICAS[environment],
        resources: resolveResources(OPA_DEFAULT_RESOURCES, config.resources),
        image: config.image ?? OPA_IMAGE,
        grants: (config.grants as Grants | undefined) ?? DEFAULT_GRANTS[environment],
    };
}

/**
 * The rules that depend on the environment, on the resolved settings: prod
 * grants name every service and action, and prod runs at least
 * {@link OPA_PROD_MIN_REPLICAS} OPA replicas. Pure.
 */
export function authzProblems(environment: Environment, config: AuthzConfig): ConfigProblem[] {
    if (environment !== "prod") return [];
    const settings = resolveAuthz(environment, config);
    const out: ConfigProblem[] = [];
    if (settings.replicas < OPA_PROD_MIN_REPLICAS) {
        out.push(
            problem(
                "authz.replicas",
                settings.replicas,
                `prod runs ≥ ${OPA_PROD_MIN_REPLICAS} OPA replicas, one per availability zone: every request of every service asks OPA`,
            ),
        );
    }
    for (const w of wildcardGrants(settings.grants)) {
        const what = w.path.split(".").length === 4 ? `services: ${SERVICE_NAMES.join(", ")}` : `actions: ${ACTIONS.join(", ")}`;
        out.push(problem(w.path, w.value, `prod refuses wildcard grants: name each of the ${what} that the role needs`));
    }
    return out;
}
