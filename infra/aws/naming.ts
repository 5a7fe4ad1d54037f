/**
 * Names and shared option helpers of the cloud layer. Every physical name is
 * derived from the stack (and, for globally unique S3 names, the account), so
 * no two stacks ever share a bucket, cluster or database.
 */
import type * as pulumi from "@pulumi/pulumi";

/** `med-agi-<stack>`: the prefix of every physical name. */
export function prefixFor(stack: string): string {
    return `med-agi-${stack}`;
}

/** The EKS cluster's name. */
export function clusterNameFor(stack: string): string {
    return prefixFor(stack);
}

/** The stack's bucket names (S3 names are global: the account ID keeps them unique). */
export function bucketNamesFor(
    stack: string,
    accountId: string,
): { readonly models: string; readonly backups: string; readonly logs: string } {
    return {
        models: `med-agi-models-${stack}-${accountId}`,
        backups: `med-agi-backups-${stack}-${accountId}`,
        logs: `med-agi-s3-access-logs-${stack}-${accountId}`,
    };
}

/** The ECR registry host of an account and region. */
export function registryFor(accountId: string, region: string): string {
    return `${accountId}.dkr.ecr.${region}.amazonaws.com`;
}

/**
 * Options for a resource whose deletion loses data (database, buckets, KMS
 * keys): protected and retained on delete in prod.
 */
export function dataSafety(prod: boolean): Pick<pulumi.CustomResourceOptions, "protect" | "retainOnDelete"> {
    return prod ? { protect: true, retainOnDelete: true } : {};
}
