/**
 * AWS: S3 buckets, RDS, EKS, the GPU node group, IAM and KMS.
 *
 * In @pulumi/aws v7 a bucket's public-access block, encryption, versioning,
 * policy and lifecycle are resources of their own that name the bucket by its
 * id (= its name): whether a bucket has them is a stack policy.
 */
import { EKS_CALENDAR_SOURCE, STANDARD_SUPPORT_FAIL_DAYS, STANDARD_SUPPORT_WARN_DAYS, standardSupportStatus } from "../infra/aws/calendar";
import { DEFAULT_GPU_POOL } from "../infra/inference/defaults";
import { BACKUP, RDS_BACKUP_RETENTION_DAYS } from "../infra/runbook";
import { ENVIRONMENT_DEFAULTS, ENVIRONMENT_SCHEMA, environmentOf } from "./matchers";
import {
    isOneOf,
    resourcePolicy,
    stackPolicy,
    type MedAgiPolicy,
    type PolicyResource,
    type ReportViolation,
    type StackValidationArgs,
} from "./policy";

export const AWS = {
    bucket: "aws:s3/bucket:Bucket",
    bucketV2: "aws:s3/bucketV2:BucketV2",
    publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    sseV2: "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    versioningV2: "aws:s3/bucketVersioningV2:BucketVersioningV2",
    lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    lifecycleV2: "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    bucketLogging: "aws:s3/bucketLogging:BucketLogging",
    bucketLoggingV2: "aws:s3/bucketLoggingV2:BucketLoggingV2",
    rdsInstance: "aws:rds/instance:Instance",
    rdsCluster: "aws:rds/cluster:Cluster",
    eksCluster: "aws:eks/cluster:Cluster",
    nodeGroup: "aws:eks/nodeGroup:NodeGroup",
    kmsKey: "aws:kms/key:Key",
    iamPolicy: "aws:iam/policy:Policy",
    iamRolePolicy: "aws:iam/rolePolicy:RolePolicy",
    iamUserPolicy: "aws:iam/userPolicy:UserPolicy",
    iamGroupPolicy: "aws:iam/groupPolicy:GroupPolicy",
    iamRole: "aws:iam/role:Role",
    iamRolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
} as const;

const BUCKETS = [AWS.bucket, AWS.bucketV2];
const CIS_AWS = "CIS AWS Foundations Benchmark v3.0";

/**
 * The values a bucket's companion resources use to name it: its physical name
 * (`bucket`, which is also its id in AWS) and, in an offline render, the id the
 * mock runtime gives it (`<logical name>-id`, tools/lib/mock-run.ts).
 */
function bucketKeys(bucket: PolicyResource): string[] {
    const keys = [`${bucket.name}-id`];
    if (typeof bucket.props.bucket === "string") keys.push(bucket.props.bucket);
    return keys;
}

/** For each bucket of the stack, its companion resources of `tokens`. */
function companions(args: StackValidationArgs, tokens: readonly string[]): { bucket: PolicyResource; found: PolicyResource[] }[] {
    const buckets = args.resources.filter((r) => isOneOf(r, BUCKETS));
    if (buckets.length === 0) args.notApplicable("no S3 bucket");
    const others = args.resources.filter((r) => isOneOf(r, tokens));
    return buckets.map((bucket) => {
        const keys = bucketKeys(bucket);
        return { bucket, found: others.filter((o) => keys.includes(o.props.bucket)) };
    });
}

function bucketName(bucket: PolicyResource): string {
    return `bucket ${typeof bucket.props.bucket === "string" ? bucket.props.bucket : bucket.name}`;
}

function bucketPolicy(
    name: string,
    description: string,
    rationale: string,
    remediationSteps: string,
    tokens: readonly string[],
    check: (bucket: PolicyResource, found: PolicyResource[], report: ReportViolation) => void,
): MedAgiPolicy {
    return stackPolicy({
        name,
        reads: [...BUCKETS, ...tokens],
        area: "aws",
        description,
        rationale,
        remediationSteps,
        enforcementLevel: "mandatory",
        defaults: {},
        schema: {},
        validate: (args, report) => {
            for (const { bucket, found } of companions(args, tokens)) check(bucket, found, report);
        },
    });
}

const s3PublicAccess = bucketPolicy(
    "aws-s3-public-access-block",
    "Every S3 bucket has a public-access block with all four settings on.",
    `${CIS_AWS} 2.1.4 (S3 Block Public Access); the model and backup buckets hold clinical models and database dumps.`,
    "Declare aws.s3.BucketPublicAccessBlock for the bucket with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets true (infra/aws).",
    [AWS.publicAccessBlock],
    (bucket, found, report) => {
        const fields = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];
        if (found.length === 0) return report(`${bucketName(bucket)} has no public-access block.`, bucket.urn);
        for (const pab of found) {
            const off = fields.filter((f) => pab.props[f] !== true);
            if (off.length > 0) report(`${bucketName(bucket)}: public-access block leaves ${off.join(", ")} off.`, pab.urn);
        }
    },
);

/** Buckets that receive S3 server access logs (the `targetBucket` of a BucketLogging). */
function logTargets(resources: readonly PolicyResource[]): Set<string> {
    return new Set(resources.filter((r) => isOneOf(r, [AWS.bucketLogging, AWS.bucketLoggingV2])).map((r) => String(r.props.targetBucket)));
}

const s3Kms = stackPolicy({
    name: "aws-s3-sse-kms",
    reads: [...BUCKETS, AWS.sse, AWS.sseV2, AWS.bucketLogging, AWS.bucketLoggingV2],
    area: "aws",
    description:
        "Every S3 bucket encrypts by default with SSE-KMS; a bucket that receives S3 server access logs uses SSE-S3, the only default encryption log delivery supports.",
    rationale: `${CIS_AWS} 2.1.1 (encryption at rest); HIPAA §164.312(a)(2)(iv) for stored clinical data; AWS S3 User Guide "Enabling Amazon S3 server access logging" (target buckets: SSE-S3 only).`,
    remediationSteps:
        'Declare aws.s3.BucketServerSideEncryptionConfiguration with applyServerSideEncryptionByDefault {sseAlgorithm: "aws:kms", kmsMasterKeyId: <the platform key>} (AES256 only for the access-log target bucket).',
    enforcementLevel: "mandatory",
    defaults: {},
    schema: {},
    validate: (args, report) => {
        const targets = logTargets(args.resources);
        for (const { bucket, found } of companions(args, [AWS.sse, AWS.sseV2])) {
            const algorithms = found.flatMap((c) =>
                ((c.props.rules ?? []) as Record<string, any>[]).map((r) =>
                    String(r.applyServerSideEncryptionByDefault?.sseAlgorithm ?? ""),
                ),
            );
            const logTarget = bucketKeys(bucket).some((k) => targets.has(k));
            const ok = algorithms.some((a) => a.startsWith("aws:kms") || (logTarget && a === "AES256"));
            if (!ok) {
                report(
                    `${bucketName(bucket)} has no default ${logTarget ? "encryption" : "SSE-KMS encryption"}${algorithms.length > 0 ? ` (found ${algorithms.join(", ")})` : ""}.`,
                    found[0]?.urn ?? bucket.urn,
                );
            }
        }
    },
});

const s3Versioning = bucketPolicy(
    "aws-s3-versioning",
    "Every S3 bucket has versioning enabled.",
    'runbook "Model Rollback": `aws s3 sync s3://med-agi-models/v1.0.0/` must find the old objects; an overwrite or delete must be recoverable.',
    'Declare aws.s3.BucketVersioning with versioningConfiguration.status "Enabled".',
    [AWS.versioning, AWS.versioningV2],
    (bucket, found, report) => {
        if (!found.some((v) => v.props.versioningConfiguration?.status === "Enabled")) {
            report(`${bucketName(bucket)} does not have versioning enabled.`, found[0]?.urn ?? bucket.urn);
        }
    },
);

/** Whether a bucket policy denies every request that is not over TLS. */
export function deniesInsecureTransport(policy: unknown): boolean {
    const doc = typeof policy === "string" ? safeJson(policy) : policy;
    const statements = toArray((doc as { Statement?: unknown } | undefined)?.Statement);
    return statements.some((s: any) => {
        const bool = s?.Condition?.Bool?.["aws:SecureTransport"];
        return s?.Effect === "Deny" && (bool === "false" || bool === false) && toArray(s.Action).some((a) => a === "s3:*" || a === "*");
    });
}

const s3Tls = bucketPolicy(
    "aws-s3-tls-only",
    "Every S3 bucket's policy denies requests that are not over TLS (aws:SecureTransport false).",
    `${CIS_AWS} 2.1.2 (deny HTTP requests to S3); HIPAA §164.312(e)(1) transmission security.`,
    'Declare aws.s3.BucketPolicy with a statement {Effect: Deny, Principal: "*", Action: "s3:*", Condition: {Bool: {"aws:SecureTransport": "false"}}}.',
    [AWS.bucketPolicy],
    (bucket, found, report) => {
        if (!found.some((p) => deniesInsecureTransport(p.props.policy)))
            report(`${bucketName(bucket)} accepts requests without TLS.`, found[0]?.urn ?? bucket.urn);
    },
);

const s3Lifecycle = stackPolicy({
    name: "aws-s3-lifecycle",
    reads: [...BUCKETS, AWS.lifecycle, AWS.lifecycleV2],
    area: "aws",
    description: `Every S3 bucket has an enabled lifecycle rule, and no rule expires objects before ${BACKUP.retentionDays} days.`,
    rationale:
        'runbook "Weekly: Clean up old logs and artifacts" and "Backup Procedures" (dated backups kept BACKUP.retentionDays = 30 days).',
    remediationSteps: `Declare aws.s3.BucketLifecycleConfiguration with an Enabled rule (expire old versions/backups) whose expiration.days ≥ ${BACKUP.retentionDays}.`,
    enforcementLevel: "mandatory",
    defaults: { minExpirationDays: BACKUP.retentionDays },
    schema: { minExpirationDays: { type: "integer", minimum: 1 } },
    validate: (args, report, config) => {
        for (const { bucket, found } of companions(args, [AWS.lifecycle, AWS.lifecycleV2])) {
            const rules = found.flatMap((l) => ((l.props.rules ?? []) as Record<string, any>[]).map((rule) => ({ rule, urn: l.urn })));
            if (!rules.some(({ rule }) => rule.status === "Enabled"))
                report(`${bucketName(bucket)} has no enabled lifecycle rule.`, found[0]?.urn ?? bucket.urn);
            for (const { rule, urn } of rules) {
                const days = rule.expiration?.days;
                if (typeof days === "number" && days < config.minExpirationDays) {
                    report(
                        `${bucketName(bucket)}: lifecycle rule "${rule.id}" expires objects after ${days} days, fewer than ${config.minExpirationDays}.`,
                        urn,
                    );
                }
            }
        }
    },
});

const RDS = [AWS.rdsInstance, AWS.rdsCluster];

function rdsPolicy<C extends object>(spec: {
    name: string;
    description: string;
    rationale: string;
    remediationSteps: string;
    defaults: C;
    schema: { readonly [K in keyof C]: object };
    check: (props: Record<string, any>, resource: { urn: string; type: string }, config: C) => string | undefined;
}): MedAgiPolicy {
    return resourcePolicy({
        ...spec,
        area: "aws",
        enforcementLevel: "mandatory",
        types: RDS,
        validate: (props, args, report, config) => {
            const problem = spec.check(props, args, config);
            if (problem !== undefined) report(`RDS ${props.identifier ?? args.name}: ${problem}`);
        },
    });
}

const rdsEncrypted = rdsPolicy({
    name: "aws-rds-encrypted",
    description: "RDS storage is encrypted.",
    rationale: `${CIS_AWS} 2.3.1 (RDS encryption at rest); HIPAA §164.312(a)(2)(iv).`,
    remediationSteps: "Set storageEncrypted: true with the platform KMS key (kmsKeyId).",
    defaults: {},
    schema: {},
    check: (p) => (p.storageEncrypted === true ? undefined : "storageEncrypted is not true."),
});

const rdsPrivate = rdsPolicy({
    name: "aws-rds-not-public",
    description: "RDS is not publicly accessible.",
    rationale: `${CIS_AWS} 2.3.3 (RDS instances not publicly accessible).`,
    remediationSteps: "Set publiclyAccessible: false and place the database in the private subnets.",
    defaults: {},
    schema: {},
    check: (p) => (p.publiclyAccessible === true ? "publiclyAccessible is true." : undefined),
});

const rdsBackups = rdsPolicy({
    name: "aws-rds-backup-retention",
    description: `RDS keeps automated backups for at least ${RDS_BACKUP_RETENTION_DAYS} days.`,
    rationale:
        'runbook "Daily: Verify backup completion" and "Database Rollback → restore from backup"; RDS_BACKUP_RETENTION_DAYS in infra/runbook.ts.',
    remediationSteps: `Set backupRetentionPeriod ≥ ${RDS_BACKUP_RETENTION_DAYS}.`,
    defaults: { minDays: RDS_BACKUP_RETENTION_DAYS },
    schema: { minDays: { type: "integer", minimum: 1 } },
    check: (p, _urn, c) =>
        Number(p.backupRetentionPeriod ?? 0) >= c.minDays
            ? undefined
            : `backupRetentionPeriod ${p.backupRetentionPeriod ?? "unset"} < ${c.minDays}.`,
});

const rdsProd = rdsPolicy({
    name: "aws-rds-prod-resilience",
    description: "In prod, RDS is multi-AZ and has deletion protection.",
    rationale: 'DESIGN.md "prod: … multi-AZ, deletion protection"; runbook P1 "Complete service outage, data loss risk".',
    remediationSteps: "Set multiAz: true (instances; clusters span AZs by their instances) and deletionProtection: true in prod.",
    defaults: { ...ENVIRONMENT_DEFAULTS },
    schema: { ...ENVIRONMENT_SCHEMA },
    check: (p, resource, c) => {
        if (environmentOf(resource.urn, c) !== "prod") return undefined;
        const problems = [
            ...(resource.type === AWS.rdsInstance && p.multiAz !== true ? ["multiAz is not true"] : []),
            ...(p.deletionProtection === true ? [] : ["deletionProtection is not true"]),
        ];
        return problems.length === 0 ? undefined : `${problems.join("; ")}.`;
    },
});

const rdsFinalSnapshot = rdsPolicy({
    name: "aws-rds-final-snapshot",
    description: "RDS takes a final snapshot when it is deleted.",
    rationale: 'runbook "Database Rollback → Or restore from backup": a deleted database must leave a snapshot to restore.',
    remediationSteps: "Set skipFinalSnapshot: false and a finalSnapshotIdentifier.",
    defaults: {},
    schema: {},
    check: (p) =>
        p.skipFinalSnapshot === true
            ? "skipFinalSnapshot is true."
            : typeof p.finalSnapshotIdentifier === "string" && p.finalSnapshotIdentifier.length > 0
              ? undefined
              : "no finalSnapshotIdentifier.",
});

const rdsManagedPassword = rdsPolicy({
    name: "aws-rds-managed-password",
    description: "The RDS master password is managed by RDS in Secrets Manager (never in state or config).",
    rationale: "AWS Well-Architected SEC02-BP03 (store and use secrets securely); the password never appears in Pulumi state.",
    remediationSteps: "Set manageMasterUserPassword: true and remove password.",
    defaults: {},
    schema: {},
    check: (p) =>
        p.manageMasterUserPassword === true && p.password === undefined
            ? undefined
            : "manageMasterUserPassword is not true (or a password is set).",
});

function eksPolicy(
    name: string,
    description: string,
    rationale: string,
    remediationSteps: string,
    check: (p: Record<string, any>) => string | undefined,
): MedAgiPolicy {
    return resourcePolicy({
        name,
        area: "aws",
        description,
        rationale,
        remediationSteps,
        enforcementLevel: "mandatory",
        defaults: {},
        schema: {},
        types: [AWS.eksCluster],
        validate: (props, args, report) => {
            const problem = check(props);
            if (problem !== undefined) report(`EKS ${props.name ?? args.name}: ${problem}`);
        },
    });
}

const eksEndpoint = eksPolicy(
    "aws-eks-endpoint-not-open",
    "The EKS API endpoint is private, or public only to listed CIDRs (never 0.0.0.0/0).",
    "CIS Amazon EKS Benchmark 5.4.1 (restrict access to the control plane endpoint).",
    "Set vpcConfig.endpointPublicAccess: false, or publicAccessCidrs to the operators' and CI's ranges.",
    (p) => {
        const vpc = p.vpcConfig ?? {};
        if (vpc.endpointPublicAccess === false) return undefined;
        const cidrs: string[] = vpc.publicAccessCidrs ?? [];
        if (cidrs.length === 0) return "the public endpoint is open to 0.0.0.0/0 (no publicAccessCidrs).";
        return cidrs.includes("0.0.0.0/0") || cidrs.includes("::/0") ? "publicAccessCidrs includes 0.0.0.0/0." : undefined;
    },
);

const eksSecrets = eksPolicy(
    "aws-eks-secrets-encryption",
    "EKS encrypts Kubernetes Secrets with a KMS key (envelope encryption).",
    "CIS Amazon EKS Benchmark 5.3.1 (encrypt Kubernetes Secrets with KMS).",
    'Set encryptionConfig {resources: ["secrets"], provider: {keyArn: <the platform key>}}.',
    (p) => (((p.encryptionConfig?.resources ?? []) as string[]).includes("secrets") ? undefined : "Secrets are not encrypted with KMS."),
);

const eksAudit = eksPolicy(
    "aws-eks-audit-logs",
    "EKS control-plane audit logging is on.",
    'CIS Amazon EKS Benchmark 2.1.1 (enable audit logs); runbook "Daily: Review security alerts" (SIEM integration).',
    'Add "audit" (and "authenticator") to enabledClusterLogTypes.',
    (p) => (((p.enabledClusterLogTypes ?? []) as string[]).includes("audit") ? undefined : "audit logs are off."),
);

/**
 * prod's EKS version keeps at least 30 days of standard support
 * (infra/aws/calendar.ts). `today` is a parameter so that tests pin the date;
 * the pack reads the clock.
 */
export function eksStandardSupportPolicy(today: () => Date = () => new Date()): MedAgiPolicy {
    return resourcePolicy({
        name: "aws-eks-standard-support",
        area: "aws",
        description: `In prod, the EKS version has at least ${STANDARD_SUPPORT_FAIL_DAYS} days of standard support left (the render warns under ${STANDARD_SUPPORT_WARN_DAYS}).`,
        rationale: `${EKS_CALENDAR_SOURCE}: past the end of standard support a cluster runs in extended support at $0.60 instead of $0.10 per hour, and the upgrade policy can no longer be set to STANDARD (view-upgrade-policy).`,
        remediationSteps:
            'Move cloud.cluster.version to a newer minor of infra/aws/calendar.ts and follow docs/aws.md "Upgrading the cluster".',
        enforcementLevel: "mandatory",
        defaults: { ...ENVIRONMENT_DEFAULTS },
        schema: { ...ENVIRONMENT_SCHEMA },
        types: [AWS.eksCluster],
        validate: (props, args, report, config) => {
            if (environmentOf(args.urn, config) !== "prod") return args.notApplicable("not prod");
            const status = standardSupportStatus(String(props.version ?? "unset"), today());
            if (status.level === "fail") report(`EKS ${props.name ?? args.name}: ${status.message}.`);
        },
    });
}

/** Whether a node group is a GPU pool (its labels, AMI type or instance types say so). */
export function isGpuNodeGroup(p: Record<string, any>): boolean {
    const labels: Record<string, string> = p.labels ?? {};
    const amiType = String(p.amiType ?? "");
    const types: string[] = p.instanceTypes ?? [];
    return (
        Object.keys(labels).some((k) => k.includes("gpu")) ||
        Object.values(labels).some((v) => String(v).toLowerCase().includes("gpu")) ||
        /GPU|NVIDIA/i.test(amiType) ||
        types.some((t) => /^(p\d|g\d)/.test(t))
    );
}

const gpuTaint = resourcePolicy({
    name: "aws-eks-gpu-taint",
    area: "aws",
    description: "The GPU node group is tainted so that only pods that tolerate the GPU taint (Triton) land there.",
    rationale:
        'runbook "Triton GPU cluster": GPU nodes are for inference; an untainted GPU pool fills with other pods and "GPU Utilization > 90% → Scale up" scales the wrong thing.',
    remediationSteps: `Add taint {key: "${DEFAULT_GPU_POOL.taint.key}", effect: "NO_SCHEDULE"} to the GPU node group.`,
    enforcementLevel: "mandatory",
    defaults: { taintKey: DEFAULT_GPU_POOL.taint.key as string },
    schema: { taintKey: { type: "string" } },
    types: [AWS.nodeGroup],
    validate: (props, args, report, config) => {
        if (!isGpuNodeGroup(props)) return args.notApplicable("not a GPU node group");
        const taints: Record<string, any>[] = props.taints ?? [];
        if (!taints.some((t) => t.key === config.taintKey && t.effect === "NO_SCHEDULE")) {
            report(`node group ${props.nodeGroupName ?? args.name} has no ${config.taintKey} NO_SCHEDULE taint.`);
        }
    },
});

function safeJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}

function toArray(v: unknown): unknown[] {
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Statements of a policy document that Allow `*` actions on `*` resources. */
export function adminStatements(policy: unknown): unknown[] {
    const doc = typeof policy === "string" ? safeJson(policy) : policy;
    return toArray((doc as { Statement?: unknown } | undefined)?.Statement).filter((s: any) => {
        return s?.Effect === "Allow" && toArray(s.Action).includes("*") && toArray(s.Resource).includes("*");
    });
}

const iamNoAdmin = resourcePolicy({
    name: "aws-iam-no-admin",
    area: "aws",
    description: "No IAM policy Allows `*` actions on `*` resources, and no role gets the AWS-managed AdministratorAccess policy.",
    rationale: `${CIS_AWS} 1.16 (no policies with full "*:*" administrative privileges); least privilege for IRSA roles.`,
    remediationSteps: "List the actions and resource ARNs the role needs (e.g. s3:GetObject on the model bucket).",
    enforcementLevel: "mandatory",
    defaults: {},
    schema: {},
    types: [AWS.iamPolicy, AWS.iamRolePolicy, AWS.iamUserPolicy, AWS.iamGroupPolicy, AWS.iamRole, AWS.iamRolePolicyAttachment],
    validate: (props, args, report) => {
        if (args.type === AWS.iamRolePolicyAttachment) {
            if (/:policy\/AdministratorAccess$/.test(String(props.policyArn))) report(`${args.name}: attaches ${props.policyArn}.`);
            return;
        }
        const documents: unknown[] =
            args.type === AWS.iamRole ? ((props.inlinePolicies ?? []) as Record<string, any>[]).map((p) => p.policy) : [props.policy];
        for (const doc of documents) if (adminStatements(doc).length > 0) report(`${args.name}: a statement Allows "*" on "*".`);
    },
});

const kmsRotation = resourcePolicy({
    name: "aws-kms-key-rotation",
    area: "aws",
    description: "Customer-managed KMS keys rotate yearly.",
    rationale: `${CIS_AWS} 3.6 (rotation for customer-created symmetric keys).`,
    remediationSteps: "Set enableKeyRotation: true.",
    enforcementLevel: "mandatory",
    defaults: {},
    schema: {},
    types: [AWS.kmsKey],
    validate: (props, args, report) => {
        if (props.enableKeyRotation !== true) report(`KMS key ${args.name}: enableKeyRotation is not true.`);
    },
});

/** KMS actions that read, write or hand out a key's data (a grant can carry any of them). */
const KEY_DATA_ACTIONS = /^(\*|kms:\*|kms:(Decrypt|Encrypt|GenerateDataKey.*|ReEncrypt.*|CreateGrant)|kms:(De|En|Ge|Re|Cr)\*.*)$/i;

/** Why a key policy is missing or wide, or undefined when it names who uses the key. */
export function keyPolicyProblem(policy: unknown): string | undefined {
    if (policy === undefined || policy === null || policy === "")
        return "has no key policy (AWS then applies the default: any IAM policy of the account may use the key)";
    const doc = typeof policy === "string" ? safeJson(policy) : policy;
    const statements = toArray((doc as { Statement?: unknown } | undefined)?.Statement);
    if (statements.length === 0) return "has a key policy that cannot be read or has no statement";
    for (const s of statements as Record<string, any>[]) {
        if (s?.Effect !== "Allow") continue;
        const data = toArray(s.Action).filter((a) => KEY_DATA_ACTIONS.test(String(a)));
        if (data.length === 0) continue;
        const principals = s.Principal === "*" ? ["*"] : toArray(s.Principal?.AWS);
        if (principals.includes("*")) return `lets any principal (Principal "*") ${data.join(", ")}`;
        if (s.Condition === undefined || !JSON.stringify(s.Condition).includes("aws:PrincipalArn"))
            return `lets ${principals.join(", ")} ${data.join(", ")} without naming the roles (no aws:PrincipalArn condition): every IAM policy of the account could use the key`;
    }
    return undefined;
}

const kmsKeyPolicy = resourcePolicy({
    name: "aws-kms-key-policy",
    area: "aws",
    description:
        "Every KMS key has an explicit key policy: the account administers it, and only roles named by aws:PrincipalArn use its data or create grants.",
    rationale:
        "Issue 19, finding 8: without a key policy (or with the default one) any principal of the account that an IAM policy allows can decrypt the stack's data; in an account shared by staging and prod, the other environment's roles too (docs/aws.md, \"Key policies\").",
    remediationSteps:
        "Pass a KeyPolicyArgs to rotatingKmsKey (infra/aws/kms.ts): the roles that use the key and the services they use it through.",
    enforcementLevel: "mandatory",
    defaults: {},
    schema: {},
    types: [AWS.kmsKey],
    validate: (props, args, report) => {
        const problem = keyPolicyProblem(props.policy);
        if (problem !== undefined) report(`KMS key ${args.name} ${problem}.`);
    },
});

export const AWS_POLICIES: readonly MedAgiPolicy[] = [
    s3PublicAccess,
    s3Kms,
    s3Versioning,
    s3Tls,
    s3Lifecycle,
    rdsEncrypted,
    rdsPrivate,
    rdsBackups,
    rdsProd,
    rdsFinalSnapshot,
    rdsManagedPassword,
    eksEndpoint,
    eksSecrets,
    eksAudit,
    eksStandardSupportPolicy(),
    gpuTaint,
    iamNoAdmin,
    kmsRotation,
    kmsKeyPolicy,
];
