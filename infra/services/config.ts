/**
 * Stack configuration of the HTTP services, composed by `infra/config.ts`
 * under the keys `serviceDefaults`, `services`, `ingress` and
 * `topologySpread` (`med-agi:services: {...}` in `Pulumi.<stack>.yaml`).
 *
 * Per-service settings are patches: every field optional, merged as
 * `services.<name>` over `serviceDefaults` over {@link SERVICE_DEFAULTS}
 * ({@link resolveServices}). The rules that need the merged result (prod
 * replicas, requests ≤ limits, max ≥ min replicas) are {@link serviceProblems}.
 */
import { z } from "zod";

import type { Environment } from "../environment";
import { DEFAULT_TOPOLOGY_SPREAD } from "../k8s/pod";
import { cpuQuantity, dnsName, imageTag, k8sName, memoryQuantity } from "../formats";
import { PROD_MIN_REPLICAS, SERVICE_NAMES, type ServiceName } from "../runbook";
import { problem, type ConfigProblem } from "../validation";

/** Built-in per-service defaults: the `dev` stack runs on these alone. */
export const SERVICE_DEFAULTS = {
    replicas: 1,
    autoscaling: { enabled: true, maxReplicas: 3, targetCpuUtilization: 70 },
    resources: {
        requests: { cpu: "250m", memory: "512Mi" },
        limits: { cpu: "1", memory: "1Gi" },
    },
} as const;

/**
 * Namespace of the ingress controller: Traefik's, which staging/prod deploy
 * (infra/ingress); in dev, where the local cluster's controller runs.
 * NetworkPolicies admit it to the services.
 */
export const INGRESS_CONTROLLER_NAMESPACE = "traefik";

/** Built-in ingress defaults: every service at `<service>.med-agi.localhost` through nginx. */
export const INGRESS_DEFAULTS = {
    enabled: true,
    className: "nginx",
    domain: "med-agi.localhost",
    controllerNamespace: INGRESS_CONTROLLER_NAMESPACE,
    hsts: { maxAgeSeconds: 31_536_000, includeSubDomains: true, preload: false },
} as const;

/** Built-in topology spread: prefer spreading over zones and nodes, never block scheduling. */
export const TOPOLOGY_SPREAD_DEFAULTS = DEFAULT_TOPOLOGY_SPREAD;

const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name");

const resourceAmounts = z.object({ cpu: cpuQuantity.optional(), memory: memoryQuantity.optional() }).strict();

/** Container requests and limits as config writes them (`services.<name>.resources`, `authz.resources`): every amount optional. */
export const resourcesPatchSchema = z.object({ requests: resourceAmounts.optional(), limits: resourceAmounts.optional() }).strict();
export type ResourcesPatch = z.infer<typeof resourcesPatchSchema>;

/** Container requests and limits with every amount set. */
export interface ResourceSettings {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly cpu: string; readonly memory: string };
}

/** Each amount from the first layer that sets it, else from `base`. Pure. */
export function resolveResources(base: ResourceSettings, ...layers: readonly (ResourcesPatch | undefined)[]): ResourceSettings {
    const pick = (side: "requests" | "limits", amount: "cpu" | "memory"): string =>
        layers.map((l) => l?.[side]?.[amount]).find((v) => v !== undefined) ?? base[side][amount];
    return {
        requests: { cpu: pick("requests", "cpu"), memory: pick("requests", "memory") },
        limits: { cpu: pick("limits", "cpu"), memory: pick("limits", "memory") },
    };
}

/**
 * Per-service settings as written in config (`serviceDefaults`, `services.<name>`):
 * every field optional, merged over `serviceDefaults`, which is merged over
 * {@link SERVICE_DEFAULTS}.
 */
export const servicePatchSchema = z
    .object({
        /** Minimum (and initial) replica count; the HPA's `minReplicas`. */
        replicas: z.number().int().min(1).max(100).optional(),
        autoscaling: z
            .object({
                enabled: z.boolean().optional(),
                maxReplicas: z.number().int().min(1).max(100).optional(),
                targetCpuUtilization: z.number().int().min(10).max(100).optional(),
            })
            .strict()
            .optional(),
        resources: resourcesPatchSchema.optional(),
        /** Image tag for this service only; defaults to `release`. */
        tag: imageTag.optional(),
        /** Extra plain environment variables (never secrets: those come from Kubernetes Secrets). */
        env: z.record(envVarName, z.string()).optional(),
    })
    .strict();
export type ServicePatch = z.infer<typeof servicePatchSchema>;

/** `med-agi:services`: one optional patch per runbook service; any other name is an error. */
export const servicesSchema = z
    .object(
        Object.fromEntries(SERVICE_NAMES.map((name) => [name, servicePatchSchema.optional()])) as Record<
            ServiceName,
            z.ZodOptional<typeof servicePatchSchema>
        >,
    )
    .strict();
export type ServicesPatch = z.infer<typeof servicesSchema>;

/** `med-agi:ingress` (cross-field rules: infra/ingress/config.ts) */
export const ingressSchema = z
    .object({
        enabled: z.boolean().default(INGRESS_DEFAULTS.enabled),
        className: k8sName.default(INGRESS_DEFAULTS.className),
        /** Each service is served at `<service>.<domain>`. */
        domain: dnsName.default(INGRESS_DEFAULTS.domain),
        /** cert-manager ClusterIssuer that signs the TLS certificates; unset: bring your own `<service>-tls` Secrets. */
        clusterIssuer: k8sName.optional(),
        /**
         * The ACME account address of the ClusterIssuer staging/prod declare (Let's Encrypt expiry
         * notices); required there while `clusterIssuer` is set.
         */
        acmeEmail: z.email({ error: "an e-mail address" }).optional(),
        annotations: z.record(z.string(), z.string()).default({}),
        /** Namespace the ingress controller's pods run in: the only source NetworkPolicies admit to the services' API ports. */
        controllerNamespace: k8sName.default(INGRESS_DEFAULTS.controllerNamespace),
        /** The `Strict-Transport-Security` header every Ingress sends (max-age ≥ 1 day; 1 year by default). */
        hsts: z
            .object({
                maxAgeSeconds: z.number().int().min(86_400).max(63_072_000).default(INGRESS_DEFAULTS.hsts.maxAgeSeconds),
                includeSubDomains: z.boolean().default(INGRESS_DEFAULTS.hsts.includeSubDomains),
                preload: z.boolean().default(INGRESS_DEFAULTS.hsts.preload),
            })
            .strict()
            .prefault({}),
    })
    .strict();
export type IngressConfig = z.infer<typeof ingressSchema>;

const whenUnsatisfiable = z.enum(["ScheduleAnyway", "DoNotSchedule"]);

/** `med-agi:topologySpread` */
export const topologySpreadSchema = z
    .object({
        zone: whenUnsatisfiable.default(TOPOLOGY_SPREAD_DEFAULTS.zone),
        node: whenUnsatisfiable.default(TOPOLOGY_SPREAD_DEFAULTS.node),
    })
    .strict();
export type TopologySpreadConfig = z.infer<typeof topologySpreadSchema>;

/** A service's settings after merging built-in defaults, `serviceDefaults` and `services.<name>`. */
export interface ServiceSettings {
    readonly replicas: number;
    readonly autoscaling: {
        readonly enabled: boolean;
        readonly maxReplicas: number;
        readonly targetCpuUtilization: number;
    };
    readonly resources: ResourceSettings;
    /** The image tag: `services.<name>.tag`, else `release`. */
    readonly tag: string;
    readonly env: Readonly<Record<string, string>>;
}

/** One service's settings: `own` over `defaults` over {@link SERVICE_DEFAULTS}; the tag defaults to `release`. Pure. */
export function resolveService(release: string, defaults: ServicePatch, own: ServicePatch | undefined): ServiceSettings {
    const base = SERVICE_DEFAULTS;
    const pick = <T>(f: (p: ServicePatch) => T | undefined): T | undefined => (own ? f(own) : undefined) ?? f(defaults);
    return {
        replicas: pick((p) => p.replicas) ?? base.replicas,
        autoscaling: {
            enabled: pick((p) => p.autoscaling?.enabled) ?? base.autoscaling.enabled,
            maxReplicas: pick((p) => p.autoscaling?.maxReplicas) ?? base.autoscaling.maxReplicas,
            targetCpuUtilization: pick((p) => p.autoscaling?.targetCpuUtilization) ?? base.autoscaling.targetCpuUtilization,
        },
        resources: resolveResources(base.resources, own?.resources, defaults.resources),
        tag: own?.tag ?? release,
        env: { ...(defaults.env ?? {}), ...(own?.env ?? {}) },
    };
}

/** Every runbook service's merged settings. Pure. */
export function resolveServices(release: string, defaults: ServicePatch, services: ServicesPatch): Record<ServiceName, ServiceSettings> {
    return Object.fromEntries(SERVICE_NAMES.map((name) => [name, resolveService(release, defaults, services[name])])) as Record<
        ServiceName,
        ServiceSettings
    >;
}

/**
 * Rules on the merged per-service settings, each naming the `services.<name>`
 * key and, when the value was inherited, where it came from.
 */
export function serviceProblems(
    environment: Environment,
    patches: ServicesPatch,
    services: Readonly<Record<ServiceName, ServiceSettings>>,
): ConfigProblem[] {
    const out: ConfigProblem[] = [];
    for (const name of SERVICE_NAMES) {
        const s = services[name];
        const key = (field: string): string => `services.${name}.${field}`;
        const from = (field: string): string =>
            fieldSetFor(patches[name], field) ? "" : `; inherited from serviceDefaults.${field} or the built-in default`;
        if (environment === "prod" && s.replicas < PROD_MIN_REPLICAS) {
            out.push(
                problem(
                    key("replicas"),
                    s.replicas,
                    `prod needs ≥ ${PROD_MIN_REPLICAS} replicas per service so a node loss or rollout keeps it serving${from("replicas")}`,
                ),
            );
        }
        if (s.autoscaling.enabled && s.autoscaling.maxReplicas < s.replicas) {
            out.push(
                problem(
                    key("autoscaling.maxReplicas"),
                    s.autoscaling.maxReplicas,
                    `must be ≥ replicas (${s.replicas}), the autoscaler's minimum${from("autoscaling.maxReplicas")}`,
                ),
            );
        }
        for (const kind of ["cpu", "memory"] as const) {
            const request = s.resources.requests[kind];
            const limit = s.resources.limits[kind];
            if (quantityValue(request) > quantityValue(limit)) {
                out.push(
                    problem(
                        key(`resources.requests.${kind}`),
                        request,
                        `must be ≤ resources.limits.${kind} (${limit})${from(`resources.requests.${kind}`)}`,
                    ),
                );
            }
        }
    }
    return out;
}

function fieldSetFor(patch: ServicePatch | undefined, dotted: string): boolean {
    let node: unknown = patch;
    for (const part of dotted.split(".")) {
        if (node === undefined || node === null || typeof node !== "object") return false;
        node = (node as Record<string, unknown>)[part];
    }
    return node !== undefined;
}

const UNIT_FACTORS: Readonly<Record<string, number>> = { m: 1e-3, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/** Numeric value of a CPU or memory quantity accepted by the schema (e.g. "250m" → 0.25, "1Gi" → 2^30). */
export function quantityValue(quantity: string): number {
    const match = /^([0-9.]+)(m|Ki|Mi|Gi|Ti)?$/.exec(quantity);
    if (!match) throw new Error(`not a quantity: ${quantity}`);
    return Number(match[1]) * (match[2] ? (UNIT_FACTORS[match[2]] ?? 1) : 1);
}
