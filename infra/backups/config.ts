/**
 * Stack configuration of the backup jobs, composed by `infra/config.ts` under
 * the key `backups` (`med-agi:backups: {...}` in `Pulumi.<stack>.yaml`).
 * Every field has a secure default, so `{}` (or no key at all) is a complete
 * configuration. Log rotation's section lives in `infra/logrotate/config.ts`.
 */
import { z } from "zod";

import { cpuQuantity, memoryQuantity, pinnedImage } from "../formats";
import { DEFAULT_BACKUP_IMAGES, DEFAULT_BACKUP_RESOURCES, DEFAULT_LATEST_MAX_AGE_HOURS, DEFAULT_WORK_DIR_SIZE_LIMIT } from "./defaults";

const amounts = z.object({ cpu: cpuQuantity, memory: memoryQuantity }).strict();

/**
 * A KMS key ARN (not an alias: S3 reports the key ARN on head-object, and the
 * jobs compare it with this value after every upload).
 */
export const kmsKeyArn = z
    .string()
    .regex(
        /^arn:aws[a-z-]*:kms:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:key\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/,
        'a KMS key ARN such as "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" (not an alias)',
    );

/**
 * Top-level secret config keys of the backups (`pulumi config set --secret med-agi:<key>`):
 * the key that signs every backup manifest (HMAC-SHA256), and during a rotation the
 * key it replaced, still accepted when verifying. Neither is ever written to a bucket.
 */
export const BACKUP_SECRET_KEYS = ["backupSigningKey", "backupSigningKeyPrevious"] as const;
export type BackupSecretKey = (typeof BACKUP_SECRET_KEYS)[number];

/** What a signing key must look like (the scripts check the same): `openssl rand -hex 32` makes one. */
export const SIGNING_KEY_PATTERN = /^[A-Za-z0-9+/=_-]{32,64}$/;
export const SIGNING_KEY_RULE = "32 to 64 characters of A-Z a-z 0-9 + / = _ - (generate one with: openssl rand -hex 32)";

/** `med-agi:backups` */
export const backupsSchema = z
    .object({
        /** Deploy the backup CronJobs at all. */
        enabled: z.boolean().default(true),
        /** Pause every schedule (CronJob `suspend`), e.g. during a migration. Runs already started finish. */
        suspend: z.boolean().default(false),
        images: z
            .object({
                postgres: pinnedImage.default(DEFAULT_BACKUP_IMAGES.postgres),
                awsCli: pinnedImage.default(DEFAULT_BACKUP_IMAGES.awsCli),
                kubectl: pinnedImage.default(DEFAULT_BACKUP_IMAGES.kubectl),
            })
            .strict()
            .prefault({}),
        resources: z
            .object({
                requests: amounts.default({ ...DEFAULT_BACKUP_RESOURCES.requests }),
                limits: amounts.default({ ...DEFAULT_BACKUP_RESOURCES.limits }),
            })
            .strict()
            .prefault({}),
        /** Size limit of the emptyDir that holds one dump while it is uploaded or restored. */
        workDirSizeLimit: memoryQuantity.default(DEFAULT_WORK_DIR_SIZE_LIMIT),
        /** libpq `sslmode` for the backup connections; unset: `prefer` in dev, `require` in staging/prod. */
        postgresSslMode: z.enum(["disable", "prefer", "require", "verify-ca", "verify-full"]).optional(),
        /**
         * The server-side encryption flag on every upload of dumps, config exports and
         * models (`--sse aws:kms`), checked with head-object after each upload.
         * `none` only in dev, for an S3 stand-in without KMS.
         */
        serverSideEncryption: z.enum(["aws:kms", "none"]).default("aws:kms"),
        /** KMS key for the uploads (`--sse-kms-key-id`); unset: the bucket's default KMS key (aws/s3). */
        kmsKeyId: kmsKeyArn.optional(),
        /**
         * The restore drill and a restore of `latest` refuse a newest run older than this
         * (hours; default twice the daily backup interval). A named run is restored at any age.
         */
        latestMaxAgeHours: z.number().int().min(1).max(999999).default(DEFAULT_LATEST_MAX_AGE_HOURS),
    })
    .strict();
export type BackupsConfig = z.output<typeof backupsSchema>;
