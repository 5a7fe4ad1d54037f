/**
 * Stack configuration: one schema, parsed and validated once, before any
 * resource is registered.
 *
 * Keys live under the `med-agi:` namespace of `Pulumi.<stack>.yaml`; scalar
 * keys are declared (with the same defaults) in `Pulumi.yaml`, structured keys
 * are documented in README.md ("Configuration reference"). Every problem found
 * is reported at once, each naming the key, the bad value and what is allowed.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

import {
    alertingSchema,
    checkObservabilityConfig,
    monitoringSchema,
    OBSERVABILITY_SECRET_KEYS,
    siemSchema,
    type AlertingConfig,
    type MonitoringConfig,
    type SiemConfig,
} from "./observability/config";
import {
    BACKUP_SECRET_KEYS,
    backupsSchema,
    logrotateSchema,
    SIGNING_KEY_PATTERN,
    SIGNING_KEY_RULE,
    validateBackupsArgs,
    type BackupsArgs,
    type BackupsConfig,
    type LogrotateConfig,
} from "./backups";
import { BACKUP, NAMESPACE, SERVICE_NAMES, type ServiceName } from "./runbook";
// `isConfigSecret` is exported by the SDK's runtime but missing from its typings;
// it reads PULUMI_CONFIG_SECRET_KEYS, which the CLI (and setAllConfig) fill in.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

import { cpuQuantity, dnsName, hostName, httpUrl, k8sName, memoryQuantity } from "./formats";
import { ConfigValidationError, problem, problemsFromIssues, type ConfigProblem } from "./validation";

export const CONFIG_NAMESPACE = "med-agi";

export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/**
 * Keys that hold credentials. They must be set with `pulumi config set --secret`
 * (stored as `secure:` ciphertext); a plain-text value is rejected without
 * echoing it.
 */
export const SECRET_CONFIG_KEYS = [...OBSERVABILITY_SECRET_KEYS, ...BACKUP_SECRET_KEYS] as const;
export type SecretConfigKey = (typeof SECRET_CONFIG_KEYS)[number];

/** The built-in defaults: the `dev` stack runs on these alone. Secure by default. */
export const CONFIG_DEFAULTS = {
    environment: "dev",
    release: "v1.0.0",
    imagePullPolicy: "IfNotPresent",
    service: {
        replicas: 1,
        autoscaling: { enabled: true, maxReplicas: 3, targetCpuUtilization: 70 },
        resources: {
            requests: { cpu: "250m", memory: "512Mi" },
            limits: { cpu: "1", memory: "1Gi" },
        },
    },
    ingress: {
        enabled: true,
        className: "nginx",
        domain: "med-agi.localhost",
    },
    topologySpread: { zone: "ScheduleAnyway", node: "ScheduleAnyway" },
} as const;

// ---------------------------------------------------------------------------
// Value formats

/** OCI tag grammar; `latest` is refused because it is mutable and cannot be rolled back. */
const imageTag = z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "an image tag: letters, digits, '_', '.', '-', at most 128")
    .refine((tag) => tag !== "latest", 'a pinned release tag such as "v1.0.0"; "latest" is mutable and cannot be rolled back');

const registry = z
    .string()
    .regex(
        /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*$/,
        'a registry host with optional port and path, e.g. "123456789012.dkr.ecr.eu-west-1.amazonaws.com", without a trailing "/"',
    );

/** An S3 bucket name. */
const bucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "an S3 bucket name (3–63 lower-case letters, digits, '.', '-')");

const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name");

// ---------------------------------------------------------------------------
// Schemas

const resourceAmounts = z.object({ cpu: cpuQuantity.optional(), memory: memoryQuantity.optional() }).strict();

/**
 * Per-service settings as written in config: every field optional, merged
 * over `serviceDefaults`, which is merged over the built-in defaults.
 */
const servicePatch = z
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
        resources: z.object({ requests: resourceAmounts.optional(), limits: resourceAmounts.optional() }).strict().optional(),
        /** Image tag for this service only; defaults to `release`. */
        tag: imageTag.optional(),
        /** Extra plain environment variables (never secrets: those come from Kubernetes Secrets). */
        env: z.record(envVarName, z.string()).optional(),
    })
    .strict();
type ServicePatch = z.infer<typeof servicePatch>;

const whenUnsatisfiable = z.enum(["ScheduleAnyway", "DoNotSchedule"]);

const secretValue = z.string().min(1);

export const configSchema = z
    .object({
        environment: z.enum(ENVIRONMENTS).default(CONFIG_DEFAULTS.environment),
        release: imageTag.default(CONFIG_DEFAULTS.release),
        registry: registry.optional(),
        imagePullPolicy: z.enum(["IfNotPresent", "Always"]).default(CONFIG_DEFAULTS.imagePullPolicy),
        imagePullSecrets: z.array(k8sName).default([]),
        kubeContext: z.string().min(1).optional(),
        serviceDefaults: servicePatch.default({}),
        services: z
            .object(
                Object.fromEntries(SERVICE_NAMES.map((name) => [name, servicePatch.optional()])) as Record<
                    ServiceName,
                    z.ZodOptional<typeof servicePatch>
                >,
            )
            .strict()
            .default({}),
        ingress: z
            .object({
                enabled: z.boolean().default(CONFIG_DEFAULTS.ingress.enabled),
                className: k8sName.default(CONFIG_DEFAULTS.ingress.className),
                /** Each service is served at `<service>.<domain>`. */
                domain: dnsName.default(CONFIG_DEFAULTS.ingress.domain),
                /** cert-manager ClusterIssuer that signs the TLS certificates; unset: bring your own `<service>-tls` Secrets. */
                clusterIssuer: k8sName.optional(),
                annotations: z.record(z.string(), z.string()).default({}),
            })
            .strict()
            .default({
                enabled: CONFIG_DEFAULTS.ingress.enabled,
                className: CONFIG_DEFAULTS.ingress.className,
                domain: CONFIG_DEFAULTS.ingress.domain,
                annotations: {},
            }),
        topologySpread: z
            .object({
                zone: whenUnsatisfiable.default(CONFIG_DEFAULTS.topologySpread.zone),
                node: whenUnsatisfiable.default(CONFIG_DEFAULTS.topologySpread.node),
            })
            .strict()
            .default({ ...CONFIG_DEFAULTS.topologySpread }),
        /** kube-prometheus-stack: retention, storage, replicas, Grafana (infra/observability/config.ts). */
        monitoring: monitoringSchema.prefault({}),
        /** Alert routing: team receiver, SIEM webhook, grouping and repeat intervals. */
        alerting: alertingSchema.prefault({}),
        /** Log shipping to the SIEM (Fluent Bit). */
        siem: siemSchema.prefault({}),
        /**
         * The PostgreSQL the platform uses and the backups protect. The data
         * store and cloud layers will provide it; until then (and for an
         * external database) it is configured here.
         */
        database: z
            .object({
                /** Host name; unset in dev: no database yet, so no backup jobs. Required in staging/prod while backups are enabled. */
                host: hostName.optional(),
                port: z.number().int().min(1).max(65535).default(5432),
                /** Kubernetes Secret (in med-agi) holding the `medagi` user's password. */
                passwordSecret: z
                    .object({ name: k8sName.default("postgres-credentials"), key: z.string().min(1).default("password") })
                    .strict()
                    .prefault({}),
            })
            .strict()
            .prefault({}),
        /** The S3 buckets (MinIO in dev) holding model versions and backups. */
        objectStorage: z
            .object({
                /** S3 API endpoint; unset: AWS S3. In dev, the in-cluster MinIO. */
                endpointUrl: httpUrl.optional(),
                region: z
                    .string()
                    .regex(/^[a-z]{2}(-[a-z]+)+-[0-9]$/, 'an AWS region such as "eu-west-1"')
                    .default("us-east-1"),
                backupBucket: bucketName.default("med-agi-backups"),
                modelBucket: bucketName.default(BACKUP.modelBucket),
                /** IAM role the backup jobs assume through IRSA (staging/prod). */
                roleArn: z
                    .string()
                    .regex(/^arn:aws[a-z-]*:iam::[0-9]{12}:role\/[A-Za-z0-9+=,.@_/-]+$/, "an IAM role ARN")
                    .optional(),
                /** Secret with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (dev/MinIO only). */
                credentialsSecret: k8sName.optional(),
            })
            .strict()
            .prefault({}),
        /** Backup CronJobs (infra/backups/config.ts). */
        backups: backupsSchema.prefault({}),
        /** Node log rotation (infra/backups/config.ts). */
        logrotate: logrotateSchema.prefault({}),
        ...(Object.fromEntries(SECRET_CONFIG_KEYS.map((key) => [key, secretValue.optional()])) as Record<
            SecretConfigKey,
            z.ZodOptional<typeof secretValue>
        >),
    })
    .strict();

type ParsedConfig = z.infer<typeof configSchema>;

/** A service's settings after merging built-in defaults, `serviceDefaults` and `services.<name>`. */
export interface ServiceSettings {
    readonly replicas: number;
    readonly autoscaling: {
        readonly enabled: boolean;
        readonly maxReplicas: number;
        readonly targetCpuUtilization: number;
    };
    readonly resources: {
        readonly requests: { readonly cpu: string; readonly memory: string };
        readonly limits: { readonly cpu: string; readonly memory: string };
    };
    /** The image tag: `services.<name>.tag`, else `release`. */
    readonly tag: string;
    readonly env: Readonly<Record<string, string>>;
}

/** The validated configuration of one stack. */
export interface PlatformConfig {
    readonly stack: string;
    readonly environment: Environment;
    readonly release: string;
    readonly registry: string | undefined;
    readonly imagePullPolicy: "IfNotPresent" | "Always";
    readonly imagePullSecrets: readonly string[];
    readonly kubeContext: string | undefined;
    /** Stateful and shared resources get `protect: true` (prod). */
    readonly protect: boolean;
    readonly services: Readonly<Record<ServiceName, ServiceSettings>>;
    readonly ingress: ParsedConfig["ingress"];
    readonly topologySpread: ParsedConfig["topologySpread"];
    readonly monitoring: MonitoringConfig;
    readonly alerting: AlertingConfig;
    readonly siem: SiemConfig;
    readonly database: ParsedConfig["database"];
    readonly objectStorage: ParsedConfig["objectStorage"];
    readonly backups: BackupsConfig;
    readonly logrotate: LogrotateConfig;
    /** Which secret keys are set (their values are read as Pulumi secrets, never here). */
    readonly secretsSet: ReadonlySet<SecretConfigKey>;
}

// ---------------------------------------------------------------------------
// Parsing

/** Keys whose raw config string is taken as is (everything else is JSON-decoded). */
const STRING_KEYS = new Set<string>(["environment", "release", "registry", "imagePullPolicy", "kubeContext", ...SECRET_CONFIG_KEYS]);

/** Input to {@link parseConfig}: the raw config map as Pulumi hands it to the program. */
export interface RawConfigInput {
    /** Stack name (`pulumi.getStack()`). */
    readonly stack: string;
    /** `namespace:key` → string value, objects JSON-encoded (as `pulumi.runtime.allConfig()`). */
    readonly values: Readonly<Record<string, string>>;
    /** Whether `namespace:key` was set as a secret. */
    readonly isSecret: (fullKey: string) => boolean;
}

/**
 * Parses and validates the raw config of one stack. Pure: throws
 * {@link ConfigValidationError} listing every problem, or returns the typed config.
 */
export function parseConfig(input: RawConfigInput): PlatformConfig {
    const raw: Record<string, unknown> = {};
    const problems: ConfigProblem[] = [];
    const prefix = `${CONFIG_NAMESPACE}:`;
    const plainText = new Set<string>();
    for (const [fullKey, value] of Object.entries(input.values)) {
        if (!fullKey.startsWith(prefix)) continue; // other providers' config (aws:region, kubernetes:context)
        const key = fullKey.slice(prefix.length);
        raw[key] = STRING_KEYS.has(key) ? value : decode(value);
    }
    for (const key of SECRET_CONFIG_KEYS) {
        if (raw[key] !== undefined && !input.isSecret(`${prefix}${key}`)) {
            problems.push({
                path: key,
                message: `${key}: a plain-text value is not allowed (it is a credential: set it with \`pulumi config set --secret ${prefix}${key} <value>\`)`,
            });
            raw[key] = undefined; // never echo it in later messages
            plainText.add(key);
        }
    }

    const result = configSchema.safeParse(raw, { reportInput: true });
    if (!result.success) {
        problems.push(...problemsFromIssues(result.error.issues, configSchema));
        throw new ConfigValidationError(input.stack, problems);
    }
    const parsed = result.data;
    const services = Object.fromEntries(
        SERVICE_NAMES.map((name) => [name, resolveService(parsed.release, parsed.serviceDefaults, parsed.services[name])]),
    ) as Record<ServiceName, ServiceSettings>;
    const secretsSet = new Set(SECRET_CONFIG_KEYS.filter((key) => parsed[key] !== undefined));
    problems.push(...crossFieldProblems(input.stack, parsed, services));
    problems.push(...backupProblems(parsed, secretsSet).filter((p) => p.missingSecret === undefined || !plainText.has(p.missingSecret)));
    // A credential already refused as plain text is not reported again as missing.
    problems.push(
        ...observabilityProblems(parsed, secretsSet).filter((p) => p.missingSecret === undefined || !plainText.has(p.missingSecret)),
    );
    if (problems.length > 0) throw new ConfigValidationError(input.stack, problems);

    return {
        stack: input.stack,
        environment: parsed.environment,
        release: parsed.release,
        registry: parsed.registry,
        imagePullPolicy: parsed.imagePullPolicy,
        imagePullSecrets: parsed.imagePullSecrets,
        kubeContext: parsed.kubeContext,
        protect: parsed.environment === "prod",
        services,
        ingress: parsed.ingress,
        topologySpread: parsed.topologySpread,
        monitoring: parsed.monitoring,
        alerting: parsed.alerting,
        siem: parsed.siem,
        database: parsed.database,
        objectStorage: parsed.objectStorage,
        backups: parsed.backups,
        logrotate: parsed.logrotate,
        secretsSet,
    };
}

/** Reads the running program's config (the real CLI, or the mock runtime) and validates it. */
export function loadConfig(): PlatformConfig {
    return parseConfig({
        stack: pulumi.getStack(),
        values: pulumi.runtime.allConfig(),
        isSecret: (key) => runtimeConfig.isConfigSecret(key),
    });
}

function decode(value: string): unknown {
    try {
        return JSON.parse(value);
    } catch {
        return value; // the schema reports the type mismatch with the value as written
    }
}

function resolveService(release: string, defaults: ServicePatch, own: ServicePatch | undefined): ServiceSettings {
    const base = CONFIG_DEFAULTS.service;
    const pick = <T>(f: (p: ServicePatch) => T | undefined): T | undefined => (own ? f(own) : undefined) ?? f(defaults);
    return {
        replicas: pick((p) => p.replicas) ?? base.replicas,
        autoscaling: {
            enabled: pick((p) => p.autoscaling?.enabled) ?? base.autoscaling.enabled,
            maxReplicas: pick((p) => p.autoscaling?.maxReplicas) ?? base.autoscaling.maxReplicas,
            targetCpuUtilization: pick((p) => p.autoscaling?.targetCpuUtilization) ?? base.autoscaling.targetCpuUtilization,
        },
        resources: {
            requests: {
                cpu: pick((p) => p.resources?.requests?.cpu) ?? base.resources.requests.cpu,
                memory: pick((p) => p.resources?.requests?.memory) ?? base.resources.requests.memory,
            },
            limits: {
                cpu: pick((p) => p.resources?.limits?.cpu) ?? base.resources.limits.cpu,
                memory: pick((p) => p.resources?.limits?.memory) ?? base.resources.limits.memory,
            },
        },
        tag: own?.tag ?? release,
        env: { ...(defaults.env ?? {}), ...(own?.env ?? {}) },
    };
}

/** Rules that span several keys; checked on the merged per-service settings. */
function crossFieldProblems(stack: string, parsed: ParsedConfig, services: Record<ServiceName, ServiceSettings>): ConfigProblem[] {
    const out: ConfigProblem[] = [];
    if ((ENVIRONMENTS as readonly string[]).includes(stack) && parsed.environment !== stack) {
        out.push(
            problem(
                "environment",
                parsed.environment,
                `stack "${stack}" must run environment "${stack}"; a mismatch would deploy one environment's sizing to another`,
            ),
        );
    }
    for (const name of SERVICE_NAMES) {
        const s = services[name];
        const key = (field: string): string => `services.${name}.${field}`;
        const from = (field: string): string =>
            fieldSetFor(parsed.services[name], field) ? "" : `; inherited from serviceDefaults.${field} or the built-in default`;
        if (parsed.environment === "prod" && s.replicas < 2) {
            out.push(
                problem(
                    key("replicas"),
                    s.replicas,
                    `prod needs ≥ 2 replicas per service so a node loss or rollout keeps it serving${from("replicas")}`,
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

/** The manifest signing keys as the program reads them (Pulumi secrets). */
export interface BackupSigningKeys {
    readonly backupSigningKey?: pulumi.Input<string>;
    readonly backupSigningKeyPrevious?: pulumi.Input<string>;
}

/**
 * The backup jobs' arguments for this config, or undefined when no backup jobs
 * are deployed (backups disabled, or no database yet — dev before the data
 * store layer). `secrets` carries the signing keys; `parseConfig` has already
 * refused a config that deploys backups without `backupSigningKey`.
 */
export function backupsArgsFor(
    config: Pick<PlatformConfig, "environment" | "release" | "database" | "objectStorage" | "backups">,
    secrets: BackupSigningKeys,
): BackupsArgs | undefined {
    const { database, objectStorage: s3 } = config;
    if (!config.backups.enabled || database.host === undefined) return undefined;
    if (secrets.backupSigningKey === undefined) {
        throw new Error(
            "backupsArgsFor: backupSigningKey is required when backup jobs are deployed (pulumi config set --secret med-agi:backupSigningKey)",
        );
    }
    return {
        environment: config.environment,
        namespace: NAMESPACE,
        postgres: { host: database.host, port: database.port, passwordSecret: database.passwordSecret },
        s3: {
            backupBucket: s3.backupBucket,
            modelBucket: s3.modelBucket,
            region: s3.region,
            ...(s3.endpointUrl === undefined ? {} : { endpointUrl: s3.endpointUrl }),
            ...(s3.roleArn === undefined ? {} : { roleArn: s3.roleArn }),
            ...(s3.credentialsSecret === undefined ? {} : { credentialsSecret: { name: s3.credentialsSecret } }),
        },
        signingKey: secrets.backupSigningKey,
        ...(secrets.backupSigningKeyPrevious === undefined ? {} : { previousSigningKey: secrets.backupSigningKeyPrevious }),
        config: config.backups,
        version: config.release,
    };
}

/** Where the backup component's argument paths live in stack config. */
const BACKUP_ARG_KEYS: readonly [string, string][] = [
    ["backups.s3", "objectStorage"],
    ["backups.postgres", "database"],
    ["backups.signingKey", "backupSigningKey"],
];

/** The backup jobs' rules, checked here so a bad value stops the program before anything is registered. */
function backupProblems(parsed: ParsedConfig, secretsSet: ReadonlySet<SecretConfigKey>): ConfigProblem[] {
    if (parsed.backups.enabled && parsed.database.host === undefined && parsed.environment !== "dev") {
        return [
            problem(
                "database.host",
                undefined,
                `in ${parsed.environment} while backups.enabled: the PostgreSQL the daily backups protect, e.g. the RDS endpoint`,
            ),
        ];
    }
    const out: ConfigProblem[] = [];
    // The values are credentials: their format is reported, never the value.
    for (const key of BACKUP_SECRET_KEYS) {
        const value = parsed[key];
        if (value !== undefined && !SIGNING_KEY_PATTERN.test(value)) {
            out.push({ path: key, message: `${key}: must be ${SIGNING_KEY_RULE}; the value is not shown` });
        }
    }
    if (parsed.backupSigningKeyPrevious !== undefined && parsed.backupSigningKeyPrevious === parsed.backupSigningKey) {
        out.push({
            path: "backupSigningKeyPrevious",
            message:
                "backupSigningKeyPrevious: equals backupSigningKey (after a rotation it holds the old key; unset it once no run signed with the old key is kept)",
        });
    }
    const deployed = parsed.backups.enabled && parsed.database.host !== undefined;
    if (deployed && !secretsSet.has("backupSigningKey")) {
        out.push({
            path: "backupSigningKey",
            message:
                'backupSigningKey: is required while backup jobs are deployed (the HMAC key that signs every backup manifest, kept out of the bucket so a forged backup is refused); set it with: pulumi config set --secret med-agi:backupSigningKey "$(openssl rand -hex 32)"',
            missingSecret: "backupSigningKey",
        });
    }
    // The component's own rules; the signing key's presence and format are checked above.
    const args = backupsArgsFor(parsed, { backupSigningKey: "checked-above-not-a-real-key-0000" });
    if (args === undefined) return out;
    return [
        ...out,
        ...validateBackupsArgs(args).map((message) => {
            const mapped = BACKUP_ARG_KEYS.reduce(
                (m, [from, to]) => (m.startsWith(`${from}.`) || m.startsWith(`${from}:`) ? to + m.slice(from.length) : m),
                message,
            );
            return { path: mapped.slice(0, mapped.indexOf(":")), message: mapped };
        }),
    ];
}

/** The observability component's cross-field rules, as config problems; a missing credential is tagged. */
function observabilityProblems(parsed: ParsedConfig, secretsSet: ReadonlySet<SecretConfigKey>): ConfigProblem[] {
    return checkObservabilityConfig(parsed, secretsSet).map((issue) => {
        const path = issue.path.map(String).join(".");
        const missingSecret = (SECRET_CONFIG_KEYS as readonly string[]).includes(path) ? (path as SecretConfigKey) : undefined;
        return { path, message: `${path}: ${issue.message}`, ...(missingSecret === undefined ? {} : { missingSecret }) };
    });
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
