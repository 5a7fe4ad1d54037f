/**
 * S3: the models bucket (the runbook's `<version>/` layout) and the backups
 * bucket, one pair per stack, plus the access-log bucket they log to.
 *
 * Both data buckets: versioning, SSE-KMS with a rotating key, all four
 * public-access blocks, bucket-owner-enforced ownership, a TLS-only policy,
 * access logging, and lifecycle rules (backups expire after the runbook's 30
 * days; noncurrent model versions after a configured time).
 *
 * The backups bucket also has S3 Object Lock with a default retention of the
 * runbook's 30 days (compliance mode in prod, governance in staging): no object
 * version written there can be deleted or overwritten before then, whoever asks
 * (in governance mode, only a principal granted s3:BypassGovernanceRetention,
 * which the backup roles are explicitly denied). See docs/backups.md.
 */
import type * as aws from "@pulumi/aws";
import * as s3 from "@pulumi/aws/s3";
import * as pulumi from "@pulumi/pulumi";

import { BACKUP } from "../runbook";
import { bucketPrincipals, dataKeyUsers } from "./access";
import type { PolicyDocument } from "./iam";
import { rotatingKmsKey } from "./kms";
import { dataSafety } from "./naming";

/** Deny every request that does not use TLS (and TLS older than 1.2). */
export function tlsOnlyPolicy(bucket: string): PolicyDocument {
    const arn = `arn:aws:s3:::${bucket}`;
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [arn, `${arn}/*`],
                Condition: { Bool: { "aws:SecureTransport": false } },
            },
            {
                Sid: "DenyOldTls",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [arn, `${arn}/*`],
                Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
            },
        ],
    };
}

/** Listing a bucket's keys: what object names (backup dates, model versions) reveal is data too. */
export const BUCKET_LIST_ACTIONS = ["s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads"] as const;

/**
 * A data bucket's policy: TLS only, and no principal but `principals` (the
 * stack's roles that use the bucket, then the account's operator roles) may
 * touch an object or list the keys, whatever its IAM policies allow. The deny
 * covers every action on the objects (`<bucket>/*`) and the listings, and no
 * bucket-management action: the deploy role manages the bucket (versioning,
 * lock, lifecycle, this policy) without object rights. A request without a
 * principal ARN (anonymous) is denied too: `ArnNotEquals` on a missing key is
 * true. See docs/aws.md, "Bucket policies that name the stack's roles".
 */
export function dataBucketPolicy(bucket: string, principals: readonly string[]): PolicyDocument {
    const arn = `arn:aws:s3:::${bucket}`;
    const others = { ArnNotEquals: { "aws:PrincipalArn": [...principals] } };
    return {
        Version: "2012-10-17",
        Statement: [
            ...tlsOnlyPolicy(bucket).Statement,
            { Sid: "DenyObjectsOutsideTheStack", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: `${arn}/*`, Condition: others },
            {
                Sid: "DenyListingOutsideTheStack",
                Effect: "Deny",
                Principal: "*",
                Action: [...BUCKET_LIST_ACTIONS],
                Resource: arn,
                Condition: others,
            },
        ],
    };
}

/** The log bucket's policy: TLS only, plus S3 server access log delivery from this account's buckets. */
export function logBucketPolicy(bucket: string, accountId: string, sourceBuckets: readonly string[]): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            ...tlsOnlyPolicy(bucket).Statement,
            {
                Sid: "S3ServerAccessLogs",
                Effect: "Allow",
                Principal: { Service: "logging.s3.amazonaws.com" },
                Action: "s3:PutObject",
                Resource: `arn:aws:s3:::${bucket}/*`,
                Condition: {
                    StringEquals: { "aws:SourceAccount": accountId },
                    ArnLike: { "aws:SourceArn": sourceBuckets.map((b) => `arn:aws:s3:::${b}`) },
                },
            },
        ],
    };
}

/**
 * The backups bucket's Object Lock: every new object version is locked for the
 * runbook's retention. prod: COMPLIANCE (no one, the account root included, can
 * delete or shorten it); staging: GOVERNANCE (the same for the backup roles, but
 * an administrator granted s3:BypassGovernanceRetention can clean a test stack up).
 */
export function backupObjectLock(prod: boolean): {
    objectLockEnabled: "Enabled";
    rule: { defaultRetention: { mode: "COMPLIANCE" | "GOVERNANCE"; days: number } };
} {
    return {
        objectLockEnabled: "Enabled",
        rule: { defaultRetention: { mode: prod ? "COMPLIANCE" : "GOVERNANCE", days: BACKUP.retentionDays } },
    };
}

/** Lifecycle rules per bucket purpose. */
export function lifecycleRules(
    purpose: "models" | "backups" | "logs",
    noncurrentModelVersionDays: number,
): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
    const abortUploads = { abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } };
    switch (purpose) {
        case "models":
            return [
                {
                    id: "noncurrent-model-versions",
                    status: "Enabled",
                    filter: {},
                    noncurrentVersionExpiration: { noncurrentDays: noncurrentModelVersionDays },
                    ...abortUploads,
                },
            ];
        case "backups":
            return [
                {
                    // The runbook keeps 30 days of backups. The writers cannot delete (Object Lock, IAM
                    // denies): this rule is the retention. At 30 days a delete marker hides the run
                    // (Object Lock allows markers); 7 days later the version itself goes, its lock expired.
                    id: "backup-retention",
                    status: "Enabled",
                    filter: {},
                    expiration: { days: BACKUP.retentionDays },
                    noncurrentVersionExpiration: { noncurrentDays: 7 },
                    ...abortUploads,
                },
            ];
        case "logs":
            // Versioned: expiring the current version leaves a noncurrent one, which must expire too.
            return [
                {
                    id: "access-log-retention",
                    status: "Enabled",
                    filter: {},
                    expiration: { days: 90 },
                    noncurrentVersionExpiration: { noncurrentDays: 1 },
                    ...abortUploads,
                },
            ];
    }
}

export interface BucketsArgs {
    readonly prefix: string;
    readonly names: { readonly models: string; readonly backups: string; readonly logs: string };
    readonly accountId: string;
    readonly region: string;
    /** The account's operator roles (cluster admin and break-glass roles from config): object access by hand. */
    readonly operatorRoleArns: readonly string[];
    /** Whether the audit path exists: its Firehose role then uses the key too. */
    readonly audit: boolean;
    readonly noncurrentModelVersionDays: number;
    readonly prod: boolean;
}

export interface Buckets {
    readonly models: pulumi.Output<string>;
    readonly backups: pulumi.Output<string>;
    readonly logs: pulumi.Output<string>;
    readonly modelsArn: pulumi.Output<string>;
    readonly backupsArn: pulumi.Output<string>;
    /** The KMS key of the data buckets. */
    readonly kmsKeyArn: pulumi.Output<string>;
}

/** Declares the three buckets, their key and their settings. */
export function createBuckets(args: BucketsArgs, opts: pulumi.CustomResourceOptions): Buckets {
    const safe = { ...opts, ...dataSafety(args.prod) };
    const access = { accountId: args.accountId, prefix: args.prefix, operatorRoleArns: args.operatorRoleArns };
    const key = rotatingKmsKey(
        `${args.prefix}-s3`,
        `${args.prefix}: S3 models and backups`,
        { accountId: args.accountId, region: args.region, users: { roleArns: dataKeyUsers(access, args.audit), via: ["s3"] } },
        args.prod,
        opts,
    );

    // The access-log bucket: S3 server access logs only support SSE-S3 on the target.
    const logs = bucket(`${args.prefix}-logs`, args.names.logs, safe);
    bucketBaseline(`${args.prefix}-logs`, logs, { kind: "sse-s3" }, safe);
    new s3.BucketPolicy(
        `${args.prefix}-logs`,
        {
            bucket: logs.bucket,
            policy: JSON.stringify(logBucketPolicy(args.names.logs, args.accountId, [args.names.models, args.names.backups])),
        },
        opts,
    );
    new s3.BucketLifecycleConfiguration(
        `${args.prefix}-logs`,
        { bucket: logs.bucket, rules: lifecycleRules("logs", args.noncurrentModelVersionDays) },
        opts,
    );

    const data = (purpose: "models" | "backups"): s3.Bucket => {
        const name = `${args.prefix}-${purpose}`;
        const b = bucket(name, args.names[purpose], safe);
        const versioning = bucketBaseline(name, b, { kind: "kms", keyArn: key.arn }, safe);
        if (purpose === "backups") {
            // Enabled on the existing bucket too (PutObjectLockConfiguration needs versioning first); never disabled again.
            new s3.BucketObjectLockConfiguration(
                name,
                { bucket: b.bucket, ...backupObjectLock(args.prod) },
                { ...safe, dependsOn: [versioning] },
            );
        }
        const policy = dataBucketPolicy(args.names[purpose], bucketPrincipals(access, purpose));
        new s3.BucketPolicy(name, { bucket: b.bucket, policy: JSON.stringify(policy) }, opts);
        new s3.BucketLogging(name, { bucket: b.bucket, targetBucket: logs.bucket, targetPrefix: `${args.names[purpose]}/` }, opts);
        new s3.BucketLifecycleConfiguration(
            name,
            { bucket: b.bucket, rules: lifecycleRules(purpose, args.noncurrentModelVersionDays) },
            opts,
        );
        return b;
    };
    const models = data("models");
    const backups = data("backups");
    return {
        models: models.bucket,
        backups: backups.bucket,
        logs: logs.bucket,
        modelsArn: models.arn,
        backupsArn: backups.arn,
        kmsKeyArn: key.arn,
    };
}

function bucket(name: string, bucketName: string, opts: pulumi.CustomResourceOptions): s3.Bucket {
    // forceDestroy stays false: a bucket with objects is never deleted by `pulumi destroy`.
    return new s3.Bucket(name, { bucket: bucketName, forceDestroy: false }, opts);
}

/** Versioning, encryption, the four public-access blocks and bucket-owner-enforced ownership. Returns the versioning. */
export function bucketBaseline(
    name: string,
    b: s3.Bucket,
    sse: { kind: "kms"; keyArn: pulumi.Input<string> } | { kind: "sse-s3" },
    opts: pulumi.CustomResourceOptions,
): s3.BucketVersioning {
    const versioning = new s3.BucketVersioning(name, { bucket: b.bucket, versioningConfiguration: { status: "Enabled" } }, opts);
    new s3.BucketServerSideEncryptionConfiguration(
        name,
        {
            bucket: b.bucket,
            rules: [
                sse.kind === "kms"
                    ? {
                          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: sse.keyArn },
                          bucketKeyEnabled: true,
                      }
                    : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
            ],
        },
        opts,
    );
    new s3.BucketPublicAccessBlock(
        name,
        { bucket: b.bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
        opts,
    );
    new s3.BucketOwnershipControls(name, { bucket: b.bucket, rule: { objectOwnership: "BucketOwnerEnforced" } }, opts);
    return versioning;
}
