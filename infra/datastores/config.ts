/**
 * Stack configuration of the data stores the platform uses, composed by
 * `infra/config.ts` under the keys `database` and `objectStorage`. The data
 * store and cloud layers will provide them (DESIGN.md); until then, and for
 * external ones, they are configured here. Today the backup jobs read them
 * (`backupsArgsFor` in `infra/config.ts`).
 */
import { z } from "zod";

import { bucketName, hostName, httpUrl, k8sName } from "../formats";
import { BACKUP } from "../runbook";

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
                /** Days the log and audit indices are kept (index lifecycle policy). */
                retentionDays: z.number().int().min(1).max(3650).default(30),
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
