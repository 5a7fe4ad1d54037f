/**
 * Stack configuration of the data stores the platform uses, composed by
 * `infra/config.ts` under the keys `database` and `objectStorage`. The data
 * store and cloud layers will provide them (DESIGN.md); until then, and for
 * external ones, they are configured here. Today the backup jobs read them
 * (`backupsArgsFor` in `infra/backups/from-config.ts`).
 */
import { z } from "zod";

import type { Environment } from "../environment";
import { bucketName, cpuQuantity, hostName, httpUrl, k8sName, memoryQuantity } from "../formats";
import { BACKUP } from "../runbook";
import { quantityValue } from "../services/config";
import { problem, type ConfigProblem } from "../validation";

/** AWS's bundle of every RDS certificate authority (all regions), served over HTTPS by AWS (RDS user guide, "Using SSL/TLS"). */
export const RDS_GLOBAL_BUNDLE_URL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem";

/** `med-agi:database` — the PostgreSQL the platform uses and the backups protect. */
export const databaseSchema = z
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
    .strict();
export type DatabaseConfig = z.infer<typeof databaseSchema>;

/** `med-agi:objectStorage` — the S3 buckets (MinIO in dev) holding model versions and backups. */
export const objectStorageSchema = z
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
    .strict();
export type ObjectStorageConfig = z.infer<typeof objectStorageSchema>;

/** Largest retention accepted (10 years): beyond it an index lifecycle is an archive, which this is not. */
export const MAX_RETENTION_DAYS = 3650;

/** An Elasticsearch time value in whole days, "1d" to "3650d". */
const retentionDays = z
    .string()
    .regex(/^[1-9][0-9]*d$/, 'whole days such as "30d"')
    // Only the ceiling of a well-formed value: a malformed one is reported once, by the regex.
    .refine((v) => !/^[0-9]+d$/.test(v) || Number(v.slice(0, -1)) <= MAX_RETENTION_DAYS, { message: `at most "${MAX_RETENTION_DAYS}d"` });

/**
 * Default retention of the search data streams per environment. logs: the
 * runbook's 30 daily rotations (`rotate 30`); audit: a year in staging/prod
 * (clinical audit trails outlive application logs; raise it to what your
 * records policy requires), shorter in dev, which holds no patient data.
 */
export const SEARCH_RETENTION_DEFAULTS = {
    dev: { logs: "7d", audit: "30d" },
    staging: { logs: "30d", audit: "365d" },
    prod: { logs: "30d", audit: "365d" },
} as const satisfies Record<Environment, { logs: string; audit: string }>;

/** The least retention staging/prod accept (the policy pack enforces the same floor on what is deployed). */
export const SEARCH_RETENTION_MINIMUM = { logs: 30, audit: 365 } as const;

/** Days in an Elasticsearch day value ("30d" → 30). */
export function retentionToDays(value: string): number {
    const m = /^([1-9][0-9]*)d$/.exec(value);
    if (m === null) throw new Error(`not a whole-day retention: ${JSON.stringify(value)}`);
    return Number(m[1]);
}

/** The retention in force: the configured values over the environment's defaults. */
export function resolveSearchRetention(
    environment: Environment,
    configured: { readonly logs?: string | undefined; readonly audit?: string | undefined },
): { readonly logs: string; readonly audit: string } {
    const d = SEARCH_RETENTION_DEFAULTS[environment];
    return { logs: configured.logs ?? d.logs, audit: configured.audit ?? d.audit };
}

/**
 * Rules across keys and environments that the schema cannot express: audit is
 * kept at least as long as logs, and staging/prod keep at least
 * {@link SEARCH_RETENTION_MINIMUM}. Every problem names the key, the value and
 * what is allowed.
 */
export function dataStoreProblems(environment: Environment, cfg: DataStoresConfig): ConfigProblem[] {
    const out: ConfigProblem[] = [];
    const r = resolveSearchRetention(environment, cfg.elasticsearch.retention);
    const key = "dataStores.elasticsearch.retention";
    if (environment !== "dev") {
        for (const kind of ["logs", "audit"] as const) {
            if (retentionToDays(r[kind]) < SEARCH_RETENTION_MINIMUM[kind]) {
                out.push(
                    problem(
                        `${key}.${kind}`,
                        r[kind],
                        `${environment} keeps ${kind} at least "${SEARCH_RETENTION_MINIMUM[kind]}d"${kind === "logs" ? " (the runbook's 30 daily log rotations)" : " (clinical audit trail)"}; raise it or leave it unset for "${SEARCH_RETENTION_DEFAULTS[environment][kind]}"`,
                    ),
                );
            }
        }
    }
    if (retentionToDays(r.audit) < retentionToDays(r.logs)) {
        out.push(
            problem(`${key}.audit`, r.audit, `must be at least ${key}.logs (${JSON.stringify(r.logs)}): the audit trail outlives the logs`),
        );
    }
    const resources = cfg.elasticsearch.resources;
    if (quantityValue(resources.requests.memory) > quantityValue(resources.limits.memory)) {
        out.push(
            problem(
                "dataStores.elasticsearch.resources.requests.memory",
                resources.requests.memory,
                `must be ≤ dataStores.elasticsearch.resources.limits.memory (${resources.limits.memory}): Kubernetes refuses a request above its limit`,
            ),
        );
    }
    return out;
}

/**
 * Each Elasticsearch node's requests and limits when `dataStores.elasticsearch.resources`
 * does not set them. No CPU limit (ECK's "Manage compute resources": Kubernetes
 * throttles a container at its CPU limit, which slows Elasticsearch even on a
 * node with CPU to spare); memory requested as limited (the Guaranteed-QoS
 * advice there; Elasticsearch sizes its heap from the container's memory).
 * Capacity validation holds the requests to the system pool's nodes
 * (infra/aws/capacity.ts).
 */
export const ELASTICSEARCH_DEFAULT_RESOURCES = { requests: { cpu: "500m", memory: "2Gi" }, limits: { memory: "2Gi" } } as const;

/** Elasticsearch nodes when `dataStores.elasticsearch.nodes` is not set: one in dev, three (one per zone in prod) otherwise. */
export const ELASTICSEARCH_DEFAULT_NODES = { dev: 1, staging: 3, prod: 3 } as const satisfies Record<Environment, number>;

/** Elasticsearch nodes: `dataStores.elasticsearch.nodes`, else {@link ELASTICSEARCH_DEFAULT_NODES}. The builder and capacity validation read this. */
export function elasticsearchNodes(environment: Environment, elasticsearch: { readonly nodes?: number | undefined }): number {
    return elasticsearch.nodes ?? ELASTICSEARCH_DEFAULT_NODES[environment];
}

/** Chart and image of an S3-compatible store the site may select in dev. */
const objectStoreImplementation = z.enum(["seaweedfs", "minio", "aistor"]);

/**
 * `med-agi:dataStores` — the in-cluster data stores (infra/datastores/): sizes,
 * replicas, storage, and which S3-compatible server fills the runbook's
 * "MinIO" role in dev.
 */
export const dataStoresSchema = z
    .object({
        /** CSI provisioner of the Retain StorageClass the data stores' volumes use. @default by environment: rancher.io/local-path (dev), ebs.csi.aws.com */
        storageProvisioner: z.string().min(1).optional(),
        postgres: z
            .object({
                /** CloudNativePG instances in dev (RDS in staging/prod). */
                instances: z.number().int().min(1).max(5).default(1),
                storageSize: z
                    .string()
                    .regex(/^[1-9][0-9]*(Mi|Gi|Ti)$/, 'a size such as "10Gi"')
                    .default("10Gi"),
                /** Where `pulumi up` reaches the server to create roles and grants (a tunnel or an in-VPC runner). @default the server itself (dev: localhost through kubectl port-forward) */
                adminHost: hostName.optional(),
                adminPort: z.number().int().min(1).max(65535).optional(),
                /** RDS master user (staging/prod). */
                adminUser: z.string().min(1).default("postgres"),
                /** PEM bundle on the machine running `pulumi up` (the RDS CA) for the provider's verify-full. */
                caFile: z.string().min(1).optional(),
                /** ConfigMap in med-agi with the server's CA (`ca.crt`) for the backup jobs (staging/prod: the RDS bundle). */
                caConfigMap: k8sName.default("rds-ca-bundle"),
                /**
                 * staging/prod: declare `caConfigMap` (no object made by hand): from the PEM at `caFile` when set
                 * (air-gapped deployers), otherwise from AWS's RDS global bundle fetched over HTTPS at `pulumi up`
                 * ({@link RDS_GLOBAL_BUNDLE_URL}). `false` leaves the ConfigMap to the operator. @default true
                 */
                manageCaConfigMap: z.boolean().default(true),
            })
            .strict()
            .prefault({}),
        elasticsearch: z
            .object({
                /** Elasticsearch nodes: prod 3 across zones, dev 1. @default 1 (dev), 3 otherwise */
                nodes: z.number().int().min(1).max(9).optional(),
                storageSize: z
                    .string()
                    .regex(/^[1-9][0-9]*(Mi|Gi|Ti)$/, 'a size such as "50Gi"')
                    .default("20Gi"),
                /**
                 * How long the log and audit data streams are kept (index lifecycle policy, delete phase
                 * `min_age` after rollover), as Elasticsearch days such as "30d". @default by environment:
                 * {@link SEARCH_RETENTION_DEFAULTS}; staging/prod may raise them, not lower them below
                 * {@link SEARCH_RETENTION_MINIMUM}.
                 */
                retention: z.object({ logs: retentionDays.optional(), audit: retentionDays.optional() }).strict().prefault({}),
                /** Each node's container requests and limits. @default ELASTICSEARCH_DEFAULT_RESOURCES */
                resources: z
                    .object({
                        requests: z
                            .object({
                                cpu: cpuQuantity.default(ELASTICSEARCH_DEFAULT_RESOURCES.requests.cpu),
                                memory: memoryQuantity.default(ELASTICSEARCH_DEFAULT_RESOURCES.requests.memory),
                            })
                            .strict()
                            .prefault({}),
                        limits: z
                            .object({ memory: memoryQuantity.default(ELASTICSEARCH_DEFAULT_RESOURCES.limits.memory) })
                            .strict()
                            .prefault({}),
                    })
                    .strict()
                    .prefault({}),
            })
            .strict()
            .prefault({}),
        objectStore: z
            .object({
                /** Dev's S3-compatible server. `minio` is the archived community image (warned about); `aistor` a licensed MinIO build. */
                implementation: objectStoreImplementation.default("seaweedfs"),
                /** Image override (`repository:tag`) for minio/aistor. */
                image: z.string().min(1).optional(),
                storageSize: z
                    .string()
                    .regex(/^[1-9][0-9]*(Mi|Gi|Ti)$/, 'a size such as "50Gi"')
                    .default("20Gi"),
            })
            .strict()
            .prefault({}),
    })
    .strict();
export type DataStoresConfig = z.infer<typeof dataStoresSchema>;

/** Credentials of the data stores read from stack config (secret). */
export const DATASTORE_SECRET_KEYS = ["databaseAdminPassword"] as const;

/**
 * The secret keys this configuration needs: the admin password of an external
 * database configured by hand (`database.host` outside dev, without the cloud
 * layer). With the cloud layer, RDS manages its master password in Secrets
 * Manager and the program reads it there: nothing to set.
 */
export function requiredDataStoreSecrets(
    environment: string,
    cloud: boolean,
    externalHost: string | undefined,
): (typeof DATASTORE_SECRET_KEYS)[number][] {
    return environment === "dev" || cloud || externalHost === undefined ? [] : ["databaseAdminPassword"];
}
