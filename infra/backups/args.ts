/**
 * What the program hands the Backups component, and the up-front check of it
 * (STYLE rule 4: every problem at once, naming the property and the value).
 */
import type * as pulumi from "@pulumi/pulumi";

import type { Environment } from "../environment";
import { SIGNING_KEY_PATTERN, SIGNING_KEY_RULE, type BackupsConfig } from "./config";

/** A key of a Kubernetes Secret in the backup namespace. */
export interface SecretKeyRef {
    /** Secret name. */
    readonly name: pulumi.Input<string>;
    /** Key inside the Secret. */
    readonly key: string;
}

/** How the jobs reach PostgreSQL (libpq environment; the password only ever via a Secret). */
export interface BackupPostgresArgs {
    /** Server host: the in-cluster Service (dev) or the RDS endpoint (staging/prod). */
    readonly host: pulumi.Input<string>;
    /** @default 5432 */
    readonly port?: pulumi.Input<number>;
    /** Database to back up — the live database the restore guard protects. @default POSTGRES.database ("medagi") */
    readonly database?: string;
    /** Login role; needs CREATEDB for the restore drill. @default POSTGRES.user ("medagi") */
    readonly user?: pulumi.Input<string>;
    /** The Secret key holding that role's password. */
    readonly passwordSecret: SecretKeyRef;
    /** Role the restore drill connects as (CREATEDB, owns nothing live). @default `user` */
    readonly drill?: { readonly user: string; readonly passwordSecret: SecretKeyRef };
    /** CA that signs the server certificate (`ca.crt` of a Secret or ConfigMap), mounted for sslmode verify-full. @default none */
    readonly ca?: { readonly kind: "secret" | "configMap"; readonly name: string; readonly key: string };
}

/** Static AWS-style credentials from a Secret (dev: MinIO's access key). */
export interface S3CredentialsSecret {
    readonly name: pulumi.Input<string>;
    /** @default "AWS_ACCESS_KEY_ID" */
    readonly accessKeyIdKey?: string;
    /** @default "AWS_SECRET_ACCESS_KEY" */
    readonly secretAccessKeyKey?: string;
}

/** Where backups go and how the jobs authenticate to S3. */
export interface BackupS3Args {
    /** Bucket that receives dumps (`postgres/`), config exports (`config/`) and model copies (`models/`). */
    readonly backupBucket: pulumi.Input<string>;
    /** Bucket with the versioned model layout (`v1.0.0/…`). @default BACKUP.modelBucket ("med-agi-models") */
    readonly modelBucket?: pulumi.Input<string>;
    /** S3-compatible endpoint, e.g. `http://minio.med-agi.svc:9000` in dev. @default AWS S3 */
    readonly endpointUrl?: pulumi.Input<string>;
    /** @default "us-east-1" */
    readonly region?: pulumi.Input<string>;
    /** Static credentials (dev/MinIO). Exactly one of this and `roleArn` must be set. @default none */
    readonly credentialsSecret?: S3CredentialsSecret;
    /** IAM role for IRSA, set as `eks.amazonaws.com/role-arn` on the ServiceAccounts (staging/prod). @default none */
    readonly roleArn?: pulumi.Input<string>;
    /** IRSA role of model-backup's ServiceAccount (read models, write `models/`). @default roleArn */
    readonly modelRoleArn?: pulumi.Input<string>;
    /** IRSA role of config-backup's ServiceAccount (write `config/` only). @default roleArn */
    readonly configRoleArn?: pulumi.Input<string>;
    /** IRSA role of the restore drill's and restore's ServiceAccount (read `postgres/` only). @default roleArn */
    readonly restoreRoleArn?: pulumi.Input<string>;
    /**
     * Who enforces the 30-day retention: `jobs` — each backup job prunes its own kind's
     * old runs (dev's object store); `bucket` — the bucket's lifecycle rule and Object
     * Lock (AWS), and the writer roles may not delete, so the jobs do not prune.
     * @default "jobs"
     */
    readonly retention?: "jobs" | "bucket";
}

export interface BackupsArgs {
    /** Namespace of the jobs. @default NAMESPACE ("med-agi") */
    readonly namespace?: pulumi.Input<string>;
    readonly environment: Environment;
    readonly postgres: BackupPostgresArgs;
    readonly s3: BackupS3Args;
    /**
     * The key that signs every manifest (HMAC-SHA256; config `med-agi:backupSigningKey`,
     * a Pulumi secret). It goes into the Secret med-agi-backup-signing, never into a bucket.
     */
    readonly signingKey: pulumi.Input<string>;
    /** The key before the last rotation, still accepted when verifying. @default none */
    readonly previousSigningKey?: pulumi.Input<string>;
    /** Parsed `med-agi:backups` config (`backupsSchema.parse(...)`). @default backupsSchema.parse({}) */
    readonly config?: BackupsConfig;
    /** `app.kubernetes.io/version` label value. @default none */
    readonly version?: string;
}

/** Problems with `args`, each "path: what is wrong"; empty when valid. */
export function validateBackupsArgs(args: BackupsArgs): string[] {
    const problems: string[] = [];
    const hasSecret = args.s3.credentialsSecret !== undefined;
    const hasRole = args.s3.roleArn !== undefined;
    if (hasSecret && hasRole) {
        problems.push("backups.s3: both credentialsSecret and roleArn are set (use IRSA roleArn in AWS, credentialsSecret only for MinIO)");
    }
    if (!hasSecret && !hasRole) {
        problems.push("backups.s3: neither credentialsSecret nor roleArn is set (the jobs would have no S3 credentials)");
    }
    if (!hasRole && (args.s3.modelRoleArn !== undefined || args.s3.configRoleArn !== undefined || args.s3.restoreRoleArn !== undefined)) {
        problems.push(
            "backups.s3: modelRoleArn/configRoleArn/restoreRoleArn are set without roleArn (the database backups would have no S3 credentials)",
        );
    }
    if (args.environment !== "dev" && hasSecret) {
        problems.push(`backups.s3.credentialsSecret: static keys are not allowed in ${args.environment} (use roleArn / IRSA)`);
    }
    if (args.postgres.passwordSecret.key === "") {
        problems.push('backups.postgres.passwordSecret.key: "" is not allowed (name the Secret key holding the password)');
    }
    if (args.config?.postgresSslMode === "disable" && args.environment !== "dev") {
        problems.push(`backups.postgresSslMode: "disable" is not allowed in ${args.environment} (use require or verify-full)`);
    }
    if (args.config?.serverSideEncryption === "none" && args.environment !== "dev") {
        problems.push(
            `backups.serverSideEncryption: "none" is not allowed in ${args.environment} (backups hold patient data: use "aws:kms")`,
        );
    }
    if (args.config?.serverSideEncryption === "none" && args.config.kmsKeyId !== undefined) {
        problems.push(
            'backups.kmsKeyId: is set but backups.serverSideEncryption is "none" (set serverSideEncryption to "aws:kms", or drop kmsKeyId)',
        );
    }
    if (typeof args.signingKey === "string" && !SIGNING_KEY_PATTERN.test(args.signingKey)) {
        problems.push(`backups.signingKey: must be ${SIGNING_KEY_RULE}; the value is not shown`);
    }
    return problems;
}
