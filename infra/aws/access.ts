/**
 * Who may touch the stack's data in S3 and its keys:
 * the stack's own roles, by ARN, and the operators of the account named in
 * config (`cloud.cluster.adminRoleArns`, `breakGlassRoleArns`). The role ARNs
 * are derived from the role names, so the key and bucket policies can name
 * roles that are created after the key (an `aws:PrincipalArn` condition does
 * not need the role to exist, a `Principal` would). See docs/aws.md,
 * "Bucket policies that name the stack's roles".
 */
import type { CloudConfig } from "./config";
import type { Workload } from "./iam";

/** The account's operator roles from config: the cluster admin roles (the deploy role among them), then break-glass. */
export function operatorRoleArns(cfg: CloudConfig): string[] {
    return [...new Set([...cfg.cluster.adminRoleArns, ...cfg.cluster.breakGlassRoleArns])];
}

/** The IRSA role name of a workload: `<prefix>-<kebab-case workload>` (`med-agi-prod-postgres-backup`). */
export function workloadRoleName(prefix: string, workload: Workload): string {
    return `${prefix}-${workload.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** The role of the audit path's Firehose delivery stream (infra/aws/audit.ts). */
export function auditFirehoseRoleName(prefix: string): string {
    return `${prefix}-audit-firehose`;
}

export function roleArn(accountId: string, roleName: string): string {
    return `arn:aws:iam::${accountId}:role/${roleName}`;
}

/** The workloads whose IAM policies read or write each data bucket (infra/aws/iam.ts). */
export const BUCKET_WORKLOADS = {
    models: ["triton", "modelBackup"],
    backups: ["postgresBackup", "modelBackup", "configBackup", "backupRestore"],
} as const satisfies Record<"models" | "backups", readonly Workload[]>;

export interface DataAccess {
    readonly accountId: string;
    readonly prefix: string;
    /** The account's operator roles from config (admin, break-glass): they keep object access by hand. */
    readonly operatorRoleArns: readonly string[];
}

/** The role ARNs that may touch the objects of a data bucket: its workloads' roles, then the operators. */
export function bucketPrincipals(a: DataAccess, purpose: keyof typeof BUCKET_WORKLOADS): string[] {
    return [...BUCKET_WORKLOADS[purpose].map((w) => roleArn(a.accountId, workloadRoleName(a.prefix, w))), ...a.operatorRoleArns];
}

/** The role ARNs that may touch the audit path's failed records: the Firehose role, then the operators. */
export function auditPrincipals(a: DataAccess): string[] {
    return [roleArn(a.accountId, auditFirehoseRoleName(a.prefix)), ...a.operatorRoleArns];
}

/** Every role that uses the data buckets' key: each bucket's principals (and the audit path's, when it exists), once. */
export function dataKeyUsers(a: DataAccess, audit: boolean): string[] {
    const all = [...bucketPrincipals(a, "models"), ...bucketPrincipals(a, "backups"), ...(audit ? auditPrincipals(a) : [])];
    return [...new Set(all)];
}
