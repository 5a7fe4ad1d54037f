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
