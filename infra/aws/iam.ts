/**
 * IAM: one role per workload that needs AWS, each with least privilege.
 * The policy documents are pure builders (tested directly); IRSA trust is
 * scoped to one ServiceAccount in one namespace.
 *
 * No statement allows `*` actions, and S3/KMS resources are always the
 * stack's own buckets, prefixes and keys.
 */
import * as iam from "@pulumi/aws/iam";
import * as pulumi from "@pulumi/pulumi";

import { SERVICE_ACCOUNT_NAMES } from "../backups/defaults";
import { NAMESPACE } from "../runbook";

/** An IAM policy document (the subset this layer writes). */
export interface PolicyDocument {
    readonly Version: "2012-10-17";
    readonly Statement: readonly PolicyStatement[];
}
export interface PolicyStatement {
    readonly Sid?: string;
    readonly Effect: "Allow" | "Deny";
    readonly Action: string | readonly string[];
    readonly Resource?: string | readonly string[];
    readonly Principal?: Record<string, string | readonly string[]> | "*";
    readonly Condition?: Record<string, Record<string, string | boolean | readonly string[]>>;
}

/** A Kubernetes ServiceAccount that assumes a role through IRSA. */
export interface ServiceAccountRef {
    readonly namespace: string;
    readonly name: string;
}

/** The ServiceAccounts the roles trust (fixed names: the chart values and components use them). */
export const WORKLOAD_SERVICE_ACCOUNTS = {
    triton: { namespace: NAMESPACE, name: "triton" },
    postgresBackup: { namespace: NAMESPACE, name: SERVICE_ACCOUNT_NAMES.backup },
    modelBackup: { namespace: NAMESPACE, name: SERVICE_ACCOUNT_NAMES.modelBackup },
    configBackup: { namespace: NAMESPACE, name: SERVICE_ACCOUNT_NAMES.configBackup },
    /** The restore drill and the restore: read `postgres/` of the backups bucket, nothing else. */
    backupRestore: { namespace: NAMESPACE, name: SERVICE_ACCOUNT_NAMES.restore },
    clusterAutoscaler: { namespace: "kube-system", name: "cluster-autoscaler" },
    ebsCsi: { namespace: "kube-system", name: "ebs-csi-controller-sa" },
    /** The identity the `med-agi` SecretStore of External Secrets authenticates as (infra/identity/external-secrets.ts). */
    externalSecrets: { namespace: NAMESPACE, name: "external-secrets-aws" },
} as const satisfies Record<string, ServiceAccountRef>;
export type Workload = keyof typeof WORKLOAD_SERVICE_ACCOUNTS;

/** Prefixes of the backups bucket, one per writer. */
export const BACKUP_PREFIXES = { postgres: "postgres/", models: "models/", config: "config/" } as const;

/** Trust policy: only `sa` in `sa.namespace`, through the cluster's OIDC provider, with the STS audience. */
export function irsaTrustPolicy(oidcProviderArn: string, issuerUrl: string, sa: ServiceAccountRef): PolicyDocument {
    const issuer = issuerUrl.replace(/^https:\/\//, "");
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Federated: oidcProviderArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${issuer}:sub`]: `system:serviceaccount:${sa.namespace}:${sa.name}`,
                        [`${issuer}:aud`]: "sts.amazonaws.com",
                    },
                },
            },
        ],
    };
}

/** Trust policy for an AWS service principal (EKS, EC2, Firehose, CloudWatch Logs), limited to this account. */
export function serviceTrustPolicy(service: string, accountId: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Service: service },
                Action: "sts:AssumeRole",
                ...(service.startsWith("logs.") || service.startsWith("firehose.")
                    ? { Condition: { StringEquals: { "aws:SourceAccount": accountId } } }
                    : {}),
            },
        ],
    };
}

const OBJECT_READ = ["s3:GetObject", "s3:GetObjectVersion"] as const;
const OBJECT_WRITE = ["s3:PutObject", "s3:AbortMultipartUpload"] as const;

function bucketArn(bucket: string): string {
    return `arn:aws:s3:::${bucket}`;
}

/** List `bucket` limited to `prefix` (or the whole bucket when prefix is undefined). */
function listStatement(bucket: string, prefix?: string): PolicyStatement {
    return {
        Sid: prefix === undefined ? "List" : `List${prefix.replace(/[^A-Za-z0-9]/g, "")}`,
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: bucketArn(bucket),
        ...(prefix === undefined ? {} : { Condition: { StringLike: { "s3:prefix": [prefix, `${prefix}*`] } } }),
    };
}

/** kms use of the buckets' key: decrypt to read, generate data keys to write (SSE-KMS). */
function kmsStatement(keyArn: string, write: boolean): PolicyStatement {
    return {
        Sid: "BucketKey",
        Effect: "Allow",
        Action: write ? ["kms:Decrypt", "kms:GenerateDataKey"] : ["kms:Decrypt"],
        Resource: keyArn,
    };
}

export interface BucketFacts {
    readonly models: string;
    readonly backups: string;
    readonly kmsKeyArn: string;
}

/** Triton: read the models bucket (`<version>/…`), nothing else. */
export function tritonPolicy(b: BucketFacts): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            listStatement(b.models),
            { Sid: "ReadModels", Effect: "Allow", Action: [...OBJECT_READ], Resource: `${bucketArn(b.models)}/*` },
            kmsStatement(b.kmsKeyArn, false),
        ],
    };
}

/**
 * What no backup writer may do to the backups bucket, whatever else allows it
 * (an explicit Deny wins over any Allow): delete an object or a version, shorten
 * or lift its Object Lock retention (or bypass governance mode), or change the
 * bucket's lock, lifecycle, versioning or policy. Together with Object Lock on the
 * bucket, a writer's stolen credentials can add runs but not erase the ones there.
 */
export const BACKUP_WRITER_DENIED = {
    objects: [
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:BypassGovernanceRetention",
        "s3:PutObjectRetention",
        "s3:PutObjectLegalHold",
    ],
    bucket: [
        "s3:PutBucketObjectLockConfiguration",
        "s3:PutLifecycleConfiguration",
        "s3:PutBucketVersioning",
        "s3:PutBucketPolicy",
        "s3:DeleteBucketPolicy",
        "s3:DeleteBucket",
    ],
} as const;

function writerDenies(bucket: string): PolicyStatement[] {
    return [
        { Sid: "DenyEraseBackups", Effect: "Deny", Action: [...BACKUP_WRITER_DENIED.objects], Resource: `${bucketArn(bucket)}/*` },
        { Sid: "DenyUnlockBackupsBucket", Effect: "Deny", Action: [...BACKUP_WRITER_DENIED.bucket], Resource: bucketArn(bucket) },
    ];
}

/**
 * A backup writer: list, read back and add to its own prefix of the backups
 * bucket, never delete (the bucket's lifecycle rule holds the retention).
 */
function prefixWriter(bucket: string, prefix: string): PolicyStatement[] {
    return [
        listStatement(bucket, prefix),
        {
            Sid: `Write${prefix.replace(/[^A-Za-z0-9]/g, "")}`,
            Effect: "Allow",
            Action: [...OBJECT_READ, ...OBJECT_WRITE],
            Resource: `${bucketArn(bucket)}/${prefix}*`,
        },
        ...writerDenies(bucket),
    ];
}

/** postgres-backup, restore-drill, postgres-restore: `postgres/` of the backups bucket. */
export function postgresBackupPolicy(b: BucketFacts): PolicyDocument {
    return { Version: "2012-10-17", Statement: [...prefixWriter(b.backups, BACKUP_PREFIXES.postgres), kmsStatement(b.kmsKeyArn, true)] };
}

/**
 * restore-drill and postgres-restore: list and read `postgres/` of the backups
 * bucket and decrypt it. Nothing that writes: a restore cannot change the backups
 * it restores, and holds none of the writer's rights.
 */
export function backupRestorePolicy(b: BucketFacts): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            listStatement(b.backups, BACKUP_PREFIXES.postgres),
            {
                Sid: "ReadPostgresBackups",
                Effect: "Allow",
                Action: [...OBJECT_READ],
                Resource: `${bucketArn(b.backups)}/${BACKUP_PREFIXES.postgres}*`,
            },
            kmsStatement(b.kmsKeyArn, false),
        ],
    };
}

/** model-backup: read the models bucket, write `models/` of the backups bucket. */
export function modelBackupPolicy(b: BucketFacts): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            listStatement(b.models),
            { Sid: "ReadModels", Effect: "Allow", Action: [...OBJECT_READ], Resource: `${bucketArn(b.models)}/*` },
            ...prefixWriter(b.backups, BACKUP_PREFIXES.models),
            kmsStatement(b.kmsKeyArn, true),
        ],
    };
}

/** config-backup: `config/` only; it can neither read nor delete a database dump. */
export function configBackupPolicy(b: BucketFacts): PolicyDocument {
    return { Version: "2012-10-17", Statement: [...prefixWriter(b.backups, BACKUP_PREFIXES.config), kmsStatement(b.kmsKeyArn, true)] };
}

/**
 * Cluster Autoscaler: describe (these calls take no resource), and change
 * only the node groups tagged as this cluster's (the tag EKS puts on a
 * managed node group's Auto Scaling group).
 */
export function clusterAutoscalerPolicy(clusterName: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "Describe",
                Effect: "Allow",
                Action: [
                    "autoscaling:DescribeAutoScalingGroups",
                    "autoscaling:DescribeAutoScalingInstances",
                    "autoscaling:DescribeLaunchConfigurations",
                    "autoscaling:DescribeScalingActivities",
                    "autoscaling:DescribeTags",
                    "ec2:DescribeImages",
                    "ec2:DescribeInstanceTypes",
                    "ec2:DescribeLaunchTemplateVersions",
                    "ec2:GetInstanceTypesFromInstanceRequirements",
                ],
                Resource: "*",
            },
            {
                Sid: "ScaleOwnNodeGroups",
                Effect: "Allow",
                Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
                Resource: "*",
                Condition: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: "owned" } },
            },
            {
                Sid: "DescribeOwnNodeGroups",
                Effect: "Allow",
                Action: ["eks:DescribeNodegroup"],
                Resource: `arn:aws:eks:*:*:nodegroup/${clusterName}/*`,
            },
        ],
    };
}

/**
 * Firehose: write the records the SIEM refused into the failed-records bucket
 * (nothing else), its delivery errors into its own log group, and read the
 * collector token's secret (encrypted with the AWS-managed Secrets Manager key).
 */
export function firehosePolicy(f: {
    readonly failedBucket: string;
    readonly kmsKeyArn: string;
    readonly errorLogGroupArn: string;
    readonly tokenSecretArn: string;
}): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "FailedRecords",
                Effect: "Allow",
                Action: ["s3:PutObject", "s3:AbortMultipartUpload", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
                Resource: [bucketArn(f.failedBucket), `${bucketArn(f.failedBucket)}/*`],
            },
            kmsStatement(f.kmsKeyArn, true),
            { Sid: "DeliveryErrors", Effect: "Allow", Action: ["logs:PutLogEvents"], Resource: `${f.errorLogGroupArn}:*` },
            { Sid: "CollectorToken", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: f.tokenSecretArn },
        ],
    };
}

/** CloudWatch Logs: put the subscribed audit events into this one delivery stream. */
export function logsToFirehosePolicy(deliveryStreamArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "Deliver", Effect: "Allow", Action: ["firehose:PutRecord", "firehose:PutRecordBatch"], Resource: deliveryStreamArn },
        ],
    };
}

/** Every Allow statement's actions, flattened (for the "no `*` action" check). */
/**
 * External Secrets' read access: exactly the listed Secrets Manager secrets
 * (no wildcard, no list), and their KMS keys only through Secrets Manager.
 */
export function externalSecretsPolicy(secretArns: readonly string[], kmsKeyArns: readonly string[]): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ReadSyncedSecrets",
                Effect: "Allow",
                Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                Resource: [...secretArns],
            },
            ...(kmsKeyArns.length === 0
                ? []
                : [
                      {
                          Sid: "DecryptThroughSecretsManager",
                          Effect: "Allow" as const,
                          Action: ["kms:Decrypt"],
                          Resource: [...kmsKeyArns],
                          Condition: { StringLike: { "kms:ViaService": "secretsmanager.*.amazonaws.com" } },
                      },
                  ]),
        ],
    };
}

export function allowedActions(doc: PolicyDocument): string[] {
    return doc.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => (typeof s.Action === "string" ? [s.Action] : [...s.Action]));
}

/** JSON of a document whose values may still be outputs. */
export function policyJson<T extends unknown[]>(
    inputs: { [K in keyof T]: pulumi.Input<T[K]> },
    build: (...values: T) => PolicyDocument,
): pulumi.Output<string> {
    return pulumi.all(inputs as pulumi.Input<unknown>[]).apply((values) => JSON.stringify(build(...(values as unknown as T))));
}

export interface IrsaRoleArgs {
    readonly roleName: string;
    readonly serviceAccount: ServiceAccountRef;
    readonly oidcProviderArn: pulumi.Input<string>;
    readonly issuerUrl: pulumi.Input<string>;
    /** Inline policy document (JSON). */
    readonly policy?: pulumi.Input<string>;
    /** AWS managed policy ARNs to attach. @default [] */
    readonly managedPolicyArns?: readonly string[];
}

/** An IRSA role for one ServiceAccount, with its inline policy and managed attachments. */
export function createIrsaRole(name: string, args: IrsaRoleArgs, opts: pulumi.CustomResourceOptions): iam.Role {
    const role = new iam.Role(
        name,
        {
            name: args.roleName,
            description: `IRSA: ${args.serviceAccount.namespace}/${args.serviceAccount.name}`,
            assumeRolePolicy: policyJson([args.oidcProviderArn, args.issuerUrl], (arn: string, issuer: string) =>
                irsaTrustPolicy(arn, issuer, args.serviceAccount),
            ),
        },
        opts,
    );
    if (args.policy !== undefined) {
        new iam.RolePolicy(name, { role: role.name, policy: args.policy }, opts);
    }
    for (const arn of args.managedPolicyArns ?? []) {
        new iam.RolePolicyAttachment(`${name}-${arn.split("/").pop()}`, { role: role.name, policyArn: arn }, opts);
    }
    return role;
}
