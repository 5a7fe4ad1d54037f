/**
 * Stack configuration: one schema, parsed and validated once, before any
 * resource is registered.
 *
 * This module only composes: each component owns the schema of its section
 * next to its code, and nothing under `infra/` imports this file except the
 * program and its steps (`infra/<layer>/platform.ts`, `infra/k8s/cluster.ts`),
 * which no component imports (imports go one way, checked by `npm run lint`):
 *
 * | key(s) | schema |
 * |---|---|
 * | `serviceDefaults`, `services`, `ingress`, `topologySpread` | `infra/services/config.ts` |
 * | `monitoring`, `alerting`, `siem` and the credentials | `infra/observability/config.ts` |
 * | `backups`, `backupSigningKey`, `backupSigningKeyPrevious` | `infra/backups/config.ts` (the jobs' args and rules: `from-config.ts`) |
 * | `logrotate` | `infra/logrotate/config.ts` |
 * | `database`, `objectStorage`, `dataStores`, `databaseAdminPassword` | `infra/datastores/config.ts` |
 * | `oidc`, `oidcClientSecret`, `oauth2ProxyCookieSecret` | `infra/identity/config.ts` |
 * | `pacs`, `network` | `infra/network/config.ts` |
 * | `authz` | `infra/authz/config.ts` |
 * | `environment`, `release`, `registry`, `imagePullPolicy`, `imagePullSecrets`, `kubeContext` | here |
 *
 * Keys live under the `med-agi:` namespace of `Pulumi.<stack>.yaml`; scalar
 * keys are declared (with the same defaults) in `Pulumi.yaml`, structured keys
 * are documented in README.md ("Configuration reference"). Every problem found
 * is reported at once, each naming the key, the bad value and what is allowed.
 */
import * as pulumi from "@pulumi/pulumi";
import { ingressProblems } from "./ingress/config";
import { z } from "zod";

import { BACKUP_SECRET_KEYS, backupsSchema, type BackupsConfig } from "./backups/config";
import { backupProblems } from "./backups/from-config";
import {
    databaseSchema,
    DATASTORE_SECRET_KEYS,
    dataStoreProblems,
    dataStoresSchema,
    objectStorageSchema,
    requiredDataStoreSecrets,
    type DatabaseConfig,
    type DataStoresConfig,
    type ObjectStorageConfig,
} from "./datastores/config";
import { ENVIRONMENTS, type Environment } from "./environment";
import {
    cookieSecretProblems,
    IDENTITY_SECRET_KEYS,
    identityProblems,
    oidcSchema,
    plaintextEnvProblems,
    type OidcConfig,
} from "./identity/config";
import { imageTag, k8sName } from "./formats";
import { logrotateSchema, type LogrotateConfig } from "./logrotate/config";
import {
    alertingSchema,
    checkObservabilityConfig,
    monitoringSchema,
    OBSERVABILITY_SECRET_KEYS,
    resolveSiemOutput,
    siemSchema,
    type AlertingConfig,
    type MonitoringConfig,
    type SiemConfig,
} from "./observability/config";
import type { ServiceName } from "./runbook";
import {
    INGRESS_DEFAULTS,
    ingressSchema,
    resolveServices,
    SERVICE_DEFAULTS,
    serviceProblems,
    servicePatchSchema,
    servicesSchema,
    TOPOLOGY_SPREAD_DEFAULTS,
    topologySpreadSchema,
    type IngressConfig,
    type ServiceSettings,
    type TopologySpreadConfig,
} from "./services/config";
import { ConfigValidationError, problem, problemsFromIssues, type ConfigProblem } from "./validation";
import { gpuReplicaBounds, inferenceProblems, inferenceSchema, type InferenceConfig } from "./inference/config";
import { capacityProblems, type CapacityInput } from "./aws/capacity";
import { NODE_DAEMONSETS, poolPods, type WorkloadSettings } from "./aws/workloads";
import { cloudProblems, cloudSchema, derivedKeyProblems, type CloudConfig } from "./aws/config";
import { sharedAccountProblems } from "./aws/accounts";
import { readRegistryClaims, registryOwnershipProblems, type RegistryClaim } from "./aws/registry-owner";
import { networkProblems, networkSchema, pacsSchema, type NetworkConfig, type PacsConfig } from "./network/config";
import { authzProblems, authzSchema, resolveAuthz, type AuthzSettings } from "./authz/config";

// `isConfigSecret` is exported by the SDK's runtime but missing from its typings;
// it reads PULUMI_CONFIG_SECRET_KEYS, which the CLI (and setAllConfig) fill in.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

export { ENVIRONMENTS, type Environment } from "./environment";
export { quantityValue, type ServiceSettings } from "./services/config";
export { backupsArgsFor, type BackupCloudFacts, type BackupSigningKeys } from "./backups/from-config";

export const CONFIG_NAMESPACE = "med-agi";

/**
 * Keys that hold credentials. They must be set with `pulumi config set --secret`
 * (stored as `secure:` ciphertext); a plain-text value is rejected without
 * echoing it.
 */
export const SECRET_CONFIG_KEYS = [
    ...OBSERVABILITY_SECRET_KEYS,
    ...DATASTORE_SECRET_KEYS,
    ...BACKUP_SECRET_KEYS,
    ...IDENTITY_SECRET_KEYS,
] as const;
export type SecretConfigKey = (typeof SECRET_CONFIG_KEYS)[number];

/** The credentials that are set, read as Pulumi secrets (never as plain values). */
export type SecretInputs = Partial<Record<SecretConfigKey, pulumi.Output<string>>>;

/** The built-in defaults: the `dev` stack runs on these alone. Secure by default. */
export const CONFIG_DEFAULTS = {
    environment: "dev",
    release: "v1.0.0",
    imagePullPolicy: "IfNotPresent",
    service: SERVICE_DEFAULTS,
    ingress: INGRESS_DEFAULTS,
    topologySpread: TOPOLOGY_SPREAD_DEFAULTS,
} as const;

// ---------------------------------------------------------------------------
// Value formats of the top-level keys

const registry = z
    .string()
    .regex(
        /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*$/,
        'a registry host with optional port and path, e.g. "123456789012.dkr.ecr.eu-west-1.amazonaws.com", without a trailing "/"',
    );

// ---------------------------------------------------------------------------
// Schemas

const secretValue = z.string().min(1);

export const configSchema = z
    .object({
        environment: z.enum(ENVIRONMENTS).default(CONFIG_DEFAULTS.environment),
        release: imageTag.default(CONFIG_DEFAULTS.release),
        registry: registry.optional(),
        imagePullPolicy: z.enum(["IfNotPresent", "Always"]).default(CONFIG_DEFAULTS.imagePullPolicy),
        imagePullSecrets: z.array(k8sName).default([]),
        kubeContext: z.string().min(1).optional(),
        /** Settings every service gets unless `services.<name>` overrides them (infra/services/config.ts). */
        serviceDefaults: servicePatchSchema.default({}),
        services: servicesSchema.default({}),
        ingress: ingressSchema.prefault({}),
        topologySpread: topologySpreadSchema.default({ ...TOPOLOGY_SPREAD_DEFAULTS }),
        /** kube-prometheus-stack: retention, storage, replicas, Grafana (infra/observability/config.ts). */
        monitoring: monitoringSchema.prefault({}),
        /** Alert routing: team receiver, SIEM webhook, grouping and repeat intervals. */
        alerting: alertingSchema.prefault({}),
        /** Log shipping to the SIEM (Fluent Bit). */
        siem: siemSchema.prefault({}),
        /** The PostgreSQL the platform uses and the backups protect (infra/datastores/config.ts). */
        database: databaseSchema.prefault({}),
        /** The S3 buckets (MinIO in dev) holding model versions and backups (infra/datastores/config.ts). */
        objectStorage: objectStorageSchema.prefault({}),
        /** The in-cluster data stores: PostgreSQL (dev), Elasticsearch, the S3-compatible store (infra/datastores/config.ts). */
        dataStores: dataStoresSchema.prefault({}),
        /** Backup CronJobs (infra/backups/config.ts). */
        backups: backupsSchema.prefault({}),
        /** Node log rotation (infra/logrotate/config.ts). */
        logrotate: logrotateSchema.prefault({}),
        /** Triton on the GPU pool with CPU failover (infra/inference/config.ts). */
        inference: inferenceSchema.prefault({}),
        /** The AWS cloud layer of staging/prod (infra/aws/config.ts); absent in dev. */
        cloud: cloudSchema.optional(),
        /** The OpenID Connect provider (infra/identity/config.ts); required in staging/prod. */
        oidc: oidcSchema.optional(),
        /** The external DICOM/PACS imaging talks to (infra/network/config.ts); absent: no PACS, no DICOM egress. */
        pacs: pacsSchema.optional(),
        /** Address blocks the NetworkPolicies need for peers outside the cluster (infra/network/config.ts). */
        network: networkSchema.prefault({}),
        /** OPA and the grant table (infra/authz/config.ts). */
        authz: authzSchema.prefault({}),
        ...(Object.fromEntries(SECRET_CONFIG_KEYS.map((key) => [key, secretValue.optional()])) as Record<
            SecretConfigKey,
            z.ZodOptional<typeof secretValue>
        >),
    })
    .strict();

type ParsedConfig = z.infer<typeof configSchema>;

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
    readonly ingress: IngressConfig;
    readonly topologySpread: TopologySpreadConfig;
    readonly monitoring: MonitoringConfig;
    readonly alerting: AlertingConfig;
    readonly siem: SiemConfig;
    readonly database: DatabaseConfig;
    readonly objectStorage: ObjectStorageConfig;
    readonly dataStores: DataStoresConfig;
    readonly backups: BackupsConfig;
    readonly logrotate: LogrotateConfig;
    readonly inference: InferenceConfig;
    /** The cloud layer's settings (staging/prod); undefined in dev. */
    readonly cloud: CloudConfig | undefined;
    /** The OpenID Connect provider; undefined only in dev (no IdP: no auth proxy, a warning). */
    readonly oidc: OidcConfig | undefined;
    /** The PACS imaging talks to; undefined: none. */
    readonly pacs: PacsConfig | undefined;
    readonly network: NetworkConfig;
    /** OPA and the grant table, with the environment's defaults applied. */
    readonly authz: AuthzSettings;
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
    /** What every stack file of the project says about its ECR registry (infra/aws/registry-owner.ts). @default [] (not checked) */
    readonly registryClaims?: readonly RegistryClaim[];
}

/**
 * Parses and validates the raw config of one stack. Pure: throws
 * {@link ConfigValidationError} listing every problem, or returns the typed config.
 */
export function parseConfig(input: RawConfigInput): PlatformConfig {
    const prefix = `${CONFIG_NAMESPACE}:`;
    const raw: Record<string, unknown> = {};
    for (const [fullKey, value] of Object.entries(input.values)) {
        if (!fullKey.startsWith(prefix)) continue; // other providers' config (aws:region, kubernetes:context)
        const key = fullKey.slice(prefix.length);
        raw[key] = STRING_KEYS.has(key) ? value : decode(value);
    }
    const { problems, plainText } = plainTextSecretProblems(raw, input.isSecret);

    // Keys the cloud layer derives are refused before the schema, so the message says where the value comes from.
    const environment = (ENVIRONMENTS as readonly unknown[]).includes(raw.environment) ? (raw.environment as Environment) : undefined;
    if (environment !== undefined) problems.push(...derivedKeyProblems(raw, environment, input.stack));

    // jitless: zod would compile a fast path for each object schema on its first parse (code generated with
    // `new Function`, which no compile cache keeps), and a run parses a stack's config once or twice: that
    // compilation cost about 45 ms of the first parse and saved nothing. Same result either way.
    const result = configSchema.safeParse(raw, { reportInput: true, jitless: true });
    if (!result.success) {
        problems.push(...problemsFromIssues(result.error.issues, configSchema));
        throw new ConfigValidationError(input.stack, problems);
    }
    const parsed = result.data;
    const services = resolveServices(parsed.release, parsed.serviceDefaults, parsed.services);
    const secretsSet = new Set(SECRET_CONFIG_KEYS.filter((key) => parsed[key] !== undefined));
    problems.push(...parsedProblems(input, parsed, services, secretsSet, plainText));
    if (problems.length > 0) throw new ConfigValidationError(input.stack, problems);
    return platformConfig(input.stack, parsed, services, secretsSet);
}

/** Credentials set in plain text: refused without echoing them, and dropped from `raw` so no later message shows them. */
function plainTextSecretProblems(
    raw: Record<string, unknown>,
    isSecret: (fullKey: string) => boolean,
): { problems: ConfigProblem[]; plainText: Set<string> } {
    const prefix = `${CONFIG_NAMESPACE}:`;
    const problems: ConfigProblem[] = [];
    const plainText = new Set<string>();
    for (const key of SECRET_CONFIG_KEYS) {
        if (raw[key] !== undefined && !isSecret(`${prefix}${key}`)) {
            problems.push({
                path: key,
                message: `${key}: a plain-text value is not allowed (it is a credential: set it with \`pulumi config set --secret ${prefix}${key} <value>\`)`,
            });
            raw[key] = undefined; // never echo it in later messages
            plainText.add(key);
        }
    }
    return { problems, plainText };
}

/** Every component's rules over the parsed config, in the order they are reported. */
function parsedProblems(
    input: RawConfigInput,
    parsed: ParsedConfig,
    services: Record<ServiceName, ServiceSettings>,
    secretsSet: ReadonlySet<SecretConfigKey>,
    plainText: ReadonlySet<string>,
): ConfigProblem[] {
    // A credential already refused as plain text is not reported again as missing.
    const notRefusedAsPlainText = (p: ConfigProblem): boolean => p.missingSecret === undefined || !plainText.has(p.missingSecret);
    const problems: ConfigProblem[] = [];
    problems.push(...crossFieldProblems(input.stack, parsed, services));
    problems.push(...backupProblems(parsed, secretsSet).filter(notRefusedAsPlainText));
    problems.push(...inferenceProblems(parsed.environment, parsed.inference));
    problems.push(...cloudLayerProblems(input, parsed, services));
    problems.push(
        ...identityProblems(
            { environment: parsed.environment, oidc: parsed.oidc, grafanaEnabled: parsed.monitoring.grafana.enabled },
            secretsSet,
        ).filter(notRefusedAsPlainText),
    );
    problems.push(...cookieSecretProblems(parsed.oauth2ProxyCookieSecret));
    problems.push(...plaintextEnvProblems(parsed.serviceDefaults, parsed.services));
    problems.push(
        ...networkProblems(
            parsed.network,
            { output: resolveSiemOutput(parsed), host: parsed.siem.host },
            parsed.environment,
            parsed.oidc?.issuerUrl,
        ),
    );
    problems.push(...authzProblems(parsed.environment, parsed.authz));
    problems.push(...ingressProblems(parsed.environment, parsed.ingress));
    problems.push(...dataStoreProblems(parsed.environment, parsed.dataStores));
    problems.push(...observabilityProblems(parsed, secretsSet).filter(notRefusedAsPlainText));
    problems.push(...missingDatabaseSecretProblems(parsed, secretsSet, plainText));
    return problems;
}

/** The cloud layer's settings, then (on valid pools) capacity, then which stack creates the ECR repositories. */
function cloudLayerProblems(input: RawConfigInput, parsed: ParsedConfig, services: Record<ServiceName, ServiceSettings>): ConfigProblem[] {
    const cloudIssues = cloudProblems(parsed.cloud, parsed.environment);
    const problems = [...cloudIssues];
    // Capacity is judged on valid pools (known sizes and GPU families), so a bad pool is reported once.
    if (parsed.cloud !== undefined && parsed.environment !== "dev" && cloudIssues.length === 0)
        problems.push(
            ...capacityProblems(
                capacityInputFor({ ...parsed, cloud: parsed.cloud, services, authz: resolveAuthz(parsed.environment, parsed.authz) }),
            ),
        );
    if (parsed.cloud !== undefined && input.registryClaims !== undefined) {
        const self = {
            stack: input.stack,
            accountId: parsed.cloud.accountId,
            region: parsed.cloud.region,
            creates: parsed.cloud.registry.create,
            environment: parsed.environment,
            ...(parsed.cloud.allowSharedAccount === undefined ? {} : { sharedAccountReason: parsed.cloud.allowSharedAccount.reason }),
        };
        problems.push(...registryOwnershipProblems(self, input.registryClaims));
        problems.push(...sharedAccountProblems(self, input.registryClaims));
    }
    return problems;
}

/** Without the cloud layer, the external database's admin password must be set (unless refused above as plain text). */
function missingDatabaseSecretProblems(
    parsed: ParsedConfig,
    secretsSet: ReadonlySet<SecretConfigKey>,
    plainText: ReadonlySet<string>,
): ConfigProblem[] {
    const prefix = `${CONFIG_NAMESPACE}:`;
    return requiredDataStoreSecrets(parsed.environment, parsed.cloud !== undefined, parsed.database.host)
        .filter((k) => !secretsSet.has(k) && !plainText.has(k))
        .map((key) => ({
            path: key,
            message: `${key}: required in ${parsed.environment} without the cloud layer (the external database's admin password the PostgreSQL provider creates roles with: \`pulumi config set --secret ${prefix}${key} <value>\`)`,
            missingSecret: key,
        }));
}

/** The validated config the program reads. */
function platformConfig(
    stack: string,
    parsed: ParsedConfig,
    services: Record<ServiceName, ServiceSettings>,
    secretsSet: ReadonlySet<SecretConfigKey>,
): PlatformConfig {
    return {
        stack,
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
        dataStores: parsed.dataStores,
        backups: parsed.backups,
        logrotate: parsed.logrotate,
        inference: parsed.inference,
        cloud: parsed.cloud,
        oidc: parsed.oidc,
        pacs: parsed.pacs,
        network: parsed.network,
        authz: resolveAuthz(parsed.environment, parsed.authz),
        secretsSet,
    };
}

/**
 * Reads the running program's config (the real CLI, or the mock runtime) and
 * validates it, against the other stack files of the project in `projectRoot`.
 */
export function loadConfig(projectRoot?: string): PlatformConfig {
    return parseConfig({
        stack: pulumi.getStack(),
        values: pulumi.runtime.allConfig(),
        isSecret: (key) => runtimeConfig.isConfigSecret(key),
        ...(projectRoot === undefined ? {} : { registryClaims: readRegistryClaims(projectRoot, CONFIG_NAMESPACE) }),
    });
}

function decode(value: string): unknown {
    try {
        return JSON.parse(value);
    } catch {
        return value; // the schema reports the type mismatch with the value as written
    }
}

/** What the capacity check reads of a cloud stack's config (the parsed config with resolved settings, or `PlatformConfig`). */
export type CapacitySettings = Omit<WorkloadSettings, "environment"> & {
    readonly environment: Environment;
    readonly cloud: CloudConfig;
    readonly inference: InferenceConfig;
};

/**
 * The capacity check's input: the pools, every pod the stack schedules to them
 * ({@link poolPods}: config-sized ones under their keys, the rest with their
 * source), the DaemonSets, and Triton's HPA maximum.
 */
export function capacityInputFor(settings: CapacitySettings): CapacityInput {
    const environment = settings.environment;
    if (environment === "dev") throw new Error("capacityInputFor: dev has no node pools");
    const gpuOn = settings.inference.gpu.enabled ?? true;
    return {
        pools: settings.cloud.nodePools,
        pods: poolPods({ ...settings, environment }),
        daemonSets: NODE_DAEMONSETS,
        ...(gpuOn
            ? {
                  gpuHpa: {
                      maxReplicas: gpuReplicaBounds(settings.environment, settings.inference).max,
                      gpusPerPod: settings.inference.gpu.gpusPerPod,
                  },
              }
            : {}),
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
    out.push(...serviceProblems(parsed.environment, parsed.services, services));
    return out;
}

/** The observability component's cross-field rules, as config problems; a missing credential is tagged. */
function observabilityProblems(parsed: ParsedConfig, secretsSet: ReadonlySet<SecretConfigKey>): ConfigProblem[] {
    return checkObservabilityConfig(parsed, secretsSet).map((issue) => {
        const path = issue.path.map(String).join(".");
        const missingSecret = (SECRET_CONFIG_KEYS as readonly string[]).includes(path) ? (path as SecretConfigKey) : undefined;
        return { path, message: `${path}: ${issue.message}`, ...(missingSecret === undefined ? {} : { missingSecret }) };
    });
}
