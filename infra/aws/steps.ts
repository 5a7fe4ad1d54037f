/**
 * The named steps of the `CloudLayer` constructor (infra/aws/index.ts): each
 * wires one concern (network, cluster, node pools, buckets, IAM, database,
 * registry, audit path, deploy runner, Kubernetes provider) from the validated
 * config and the outputs of the steps before it, and returns typed outputs.
 * The constructor calls them in registration order.
 */
import type * as aws from "@pulumi/aws";
import { Provider as AwsProvider } from "@pulumi/aws/provider";
import { Provider as KubernetesProvider } from "@pulumi/kubernetes/provider";
import * as storagev1 from "@pulumi/kubernetes/storage/v1";
import * as pulumi from "@pulumi/pulumi";

import type { Environment } from "../environment";
import { createAuditPath, type SiemReceiver } from "./audit";
import { clusterAutoscalerValues, createClusterAutoscaler, gp3StorageClassArgs } from "./autoscaler";
import { operatorRoleArns } from "./access";
import { createBuckets, type Buckets } from "./buckets";
import { standardSupportStatus } from "./calendar";
import { ADDONS_AFTER_NODES, ADDONS_BEFORE_NODES, createAddons, createCluster, type Cluster } from "./cluster";
import { availabilityZonesFor, multiAzFor, type CloudConfig } from "./config";
import { createDatabase, type Database } from "./database";
import {
    backupRestorePolicy,
    clusterAutoscalerPolicy,
    configBackupPolicy,
    createIrsaRole,
    modelBackupPolicy,
    policyJson,
    postgresBackupPolicy,
    tritonPolicy,
    WORKLOAD_SERVICE_ACCOUNTS,
    type BucketFacts,
    type PolicyDocument,
} from "./iam";
import { bucketNamesFor, clusterNameFor, dataSafety, prefixFor } from "./naming";
import { createNetwork, type Network } from "./network";
import { createNodePools, type NodePools } from "./nodepools";
import { createRegistry } from "./registry";
import { createRunner, type Runner } from "./runner";

/** The SIEM collector (`siem` config) and its token. */
export interface SiemArgs {
    readonly host: string;
    readonly uri: string;
    readonly receiver: SiemReceiver;
    readonly alarmEmail: string;
    readonly token: pulumi.Input<string>;
}

/** IRSA role ARNs by workload. */
export interface CloudRoles {
    readonly triton: pulumi.Output<string>;
    readonly postgresBackup: pulumi.Output<string>;
    readonly modelBackup: pulumi.Output<string>;
    readonly configBackup: pulumi.Output<string>;
    /** The restore drill's and restore's read-only role. */
    readonly backupRestore: pulumi.Output<string>;
    readonly clusterAutoscaler: pulumi.Output<string>;
    readonly ebsCsi: pulumi.Output<string>;
}

/** What every step reads: the stack, its validated config, the derived names and the options of AWS children. */
export interface CloudContext {
    readonly stack: string;
    readonly environment: Exclude<Environment, "dev">;
    readonly cfg: CloudConfig;
    readonly prod: boolean;
    readonly prefix: string;
    readonly clusterName: string;
    /** `{ parent, provider }`: the component and the stack's AWS provider. */
    readonly child: pulumi.CustomResourceOptions;
}

/** Warns on the component when the EKS version has under 90 days of standard support left. */
export function warnOnEksSupport(cfg: CloudConfig, today: Date, component: pulumi.Resource): void {
    const support = standardSupportStatus(cfg.cluster.version, today);
    if (support.level !== "ok") pulumi.log.warn(support.message, component);
}

/** The stack's AWS provider: the configured region, pinned to the stack's account, with the default tags. */
export function declareAwsProvider(
    name: string,
    stack: string,
    environment: Exclude<Environment, "dev">,
    cfg: CloudConfig,
    parent: pulumi.Resource,
): AwsProvider {
    return new AwsProvider(
        `${name}-aws`,
        {
            region: cfg.region as aws.Region,
            allowedAccountIds: [cfg.accountId],
            defaultTags: { tags: { project: "med-agi", stack, environment, "managed-by": "pulumi" } },
        },
        { parent },
    );
}

/** The context of the steps, derived from the stack and its config. */
export function cloudContext(
    stack: string,
    environment: Exclude<Environment, "dev">,
    cfg: CloudConfig,
    child: pulumi.CustomResourceOptions,
): CloudContext {
    return { stack, environment, cfg, prod: environment === "prod", prefix: prefixFor(stack), clusterName: clusterNameFor(stack), child };
}

/** The VPC, its subnets, NAT and endpoints (the S3 endpoint policy names the stack's buckets). */
export function declareNetwork(ctx: CloudContext): Network {
    const { cfg, prefix } = ctx;
    const names = bucketNamesFor(ctx.stack, cfg.accountId);
    return createNetwork(
        {
            prefix,
            cidr: cfg.network.cidr,
            zones: availabilityZonesFor(cfg, ctx.environment),
            region: cfg.region,
            clusterName: ctx.clusterName,
            prod: ctx.prod,
            endpointPolicy: {
                accountId: cfg.accountId,
                region: cfg.region,
                buckets: [names.models, names.backups],
                rolePrefix: prefix,
            },
        },
        ctx.child,
    );
}

/** The EKS control plane in the private subnets, with the admin and operator access entries. */
export function declareCluster(ctx: CloudContext, network: Network, viewNamespaces: readonly string[]): Cluster {
    const { cfg } = ctx;
    return createCluster(
        {
            prefix: ctx.prefix,
            clusterName: ctx.clusterName,
            accountId: cfg.accountId,
            region: cfg.region,
            version: cfg.cluster.version,
            privateSubnetIds: network.privateSubnetIds,
            publicAccessCidrs: cfg.cluster.publicAccessCidrs,
            adminRoleArns: cfg.cluster.adminRoleArns,
            operators: {
                onCall: cfg.cluster.onCallRoleArns,
                breakGlass: cfg.cluster.breakGlassRoleArns,
                viewNamespaces,
            },
            logRetentionDays: cfg.cluster.logRetentionDays,
            prod: ctx.prod,
        },
        ctx.child,
    );
}

/** The add-ons the nodes need to join (vpc-cni, kube-proxy), then the system and GPU pools. */
export function declareNodePools(ctx: CloudContext, network: Network, cluster: Cluster): NodePools {
    const { cfg } = ctx;
    const early = createAddons(
        ctx.prefix,
        cluster,
        cfg.cluster.version,
        ADDONS_BEFORE_NODES,
        {},
        { ...ctx.child, dependsOn: [cluster.cluster] },
    );
    return createNodePools(
        {
            prefix: ctx.prefix,
            clusterName: cluster.name,
            accountId: cfg.accountId,
            subnetIds: network.privateSubnetIds,
            system: cfg.nodePools.system,
            gpu: cfg.nodePools.gpu,
        },
        { ...ctx.child, dependsOn: early },
    );
}

/** The models, backups and access-log buckets and their KMS key. */
export function declareBuckets(ctx: CloudContext, audit: boolean): Buckets {
    const { cfg } = ctx;
    return createBuckets(
        {
            prefix: ctx.prefix,
            names: bucketNamesFor(ctx.stack, cfg.accountId),
            accountId: cfg.accountId,
            region: cfg.region,
            operatorRoleArns: operatorRoleArns(cfg),
            audit,
            noncurrentModelVersionDays: cfg.buckets.noncurrentModelVersionDays,
            prod: ctx.prod,
        },
        ctx.child,
    );
}

/** `postgresBackup` → `postgres-backup` (role and resource names). */
function kebab(name: string): string {
    return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** One IRSA role per workload, each trusting its ServiceAccount and granted its bucket or cluster policy. */
export function declareIrsaRoles(ctx: CloudContext, cluster: Cluster, buckets: Buckets): CloudRoles {
    const irsa = (workload: keyof typeof WORKLOAD_SERVICE_ACCOUNTS, policy?: pulumi.Input<string>, managed?: string[]) =>
        createIrsaRole(
            `${ctx.prefix}-${kebab(workload)}`,
            {
                roleName: `${ctx.prefix}-${kebab(workload)}`,
                serviceAccount: WORKLOAD_SERVICE_ACCOUNTS[workload],
                oidcProviderArn: cluster.oidcProviderArn,
                issuerUrl: cluster.issuerUrl,
                ...(policy === undefined ? {} : { policy }),
                ...(managed === undefined ? {} : { managedPolicyArns: managed }),
            },
            ctx.child,
        ).arn;
    const bucketPolicy = (build: (b: BucketFacts) => PolicyDocument) =>
        policyJson([buckets.models, buckets.backups, buckets.kmsKeyArn], (models: string, backups: string, kmsKeyArn: string) =>
            build({ models, backups, kmsKeyArn }),
        );
    return {
        triton: irsa("triton", bucketPolicy(tritonPolicy)),
        postgresBackup: irsa("postgresBackup", bucketPolicy(postgresBackupPolicy)),
        modelBackup: irsa("modelBackup", bucketPolicy(modelBackupPolicy)),
        configBackup: irsa("configBackup", bucketPolicy(configBackupPolicy)),
        backupRestore: irsa("backupRestore", bucketPolicy(backupRestorePolicy)),
        clusterAutoscaler: irsa("clusterAutoscaler", JSON.stringify(clusterAutoscalerPolicy(ctx.clusterName))),
        ebsCsi: irsa("ebsCsi", undefined, ["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"]),
    };
}

/** The add-ons that need nodes (coredns, the EBS CSI driver with its IRSA role), after the system pool. */
export function declareLateAddons(ctx: CloudContext, cluster: Cluster, pools: NodePools, roles: CloudRoles): void {
    createAddons(
        ctx.prefix,
        cluster,
        ctx.cfg.cluster.version,
        ADDONS_AFTER_NODES,
        { "aws-ebs-csi-driver": roles.ebsCsi },
        {
            ...ctx.child,
            dependsOn: [pools.system],
        },
    );
}

/** The deploy runner inside the VPC: pulumi up reaches the private EKS endpoint and RDS from there. */
export function declareRunner(ctx: CloudContext, network: Network, cluster: Cluster): Runner {
    return createRunner(
        {
            prefix: ctx.prefix,
            stack: ctx.stack,
            accountId: ctx.cfg.accountId,
            vpcId: network.vpcId,
            vpcCidr: ctx.cfg.network.cidr,
            subnetIds: network.privateSubnetIds,
            clusterSecurityGroupId: cluster.nodeSecurityGroupId,
        },
        ctx.child,
    );
}

/** The RDS PostgreSQL instance, reachable from the nodes and the deploy runner. */
export function declareDatabase(ctx: CloudContext, network: Network, cluster: Cluster, runner: Runner): Database {
    const { cfg } = ctx;
    return createDatabase(
        {
            prefix: ctx.prefix,
            vpcId: network.vpcId,
            subnetIds: network.privateSubnetIds,
            nodeSecurityGroupId: cluster.nodeSecurityGroupId,
            deployRunnerSecurityGroupId: runner.securityGroupId,
            instanceClass: cfg.database.instanceClass,
            engineVersion: cfg.database.engineVersion,
            allocatedStorageGiB: cfg.database.allocatedStorageGiB,
            maxAllocatedStorageGiB: cfg.database.maxAllocatedStorageGiB,
            backupRetentionDays: cfg.database.backupRetentionDays,
            multiAz: multiAzFor(cfg, ctx.environment),
            logRetentionDays: cfg.cluster.logRetentionDays,
            keyAccess: { accountId: cfg.accountId, region: cfg.region, deployRoleArns: cfg.cluster.adminRoleArns },
            prod: ctx.prod,
        },
        ctx.child,
    );
}

/** The ECR repositories, when `cloud.registry.create` is set. */
export function declareRegistry(ctx: CloudContext): void {
    if (ctx.cfg.registry.create) createRegistry(ctx.prefix, ctx.cfg.registry.keepImages, { ...ctx.child, ...dataSafety(ctx.prod) });
}

/** The audit log path from the control-plane log group to the SIEM, when a SIEM is configured. */
export function declareAudit(ctx: CloudContext, siem: SiemArgs | undefined, cluster: Cluster, buckets: Buckets): void {
    if (siem === undefined) return;
    const { cfg } = ctx;
    createAuditPath(
        {
            prefix: ctx.prefix,
            stack: ctx.stack,
            prod: ctx.prod,
            accountId: cfg.accountId,
            region: cfg.region,
            logGroupName: cluster.logGroupName,
            siem,
            siemToken: siem.token,
            kmsKeyArn: buckets.kmsKeyArn,
            accessLogBucket: buckets.logs,
            operatorRoleArns: operatorRoleArns(cfg),
        },
        ctx.child,
    );
}

/**
 * The platform's Kubernetes provider (this cluster, reached as one of the
 * admin roles), the gp3 StorageClass and the cluster autoscaler.
 */
export function declareKubernetes(
    name: string,
    ctx: CloudContext,
    parent: pulumi.Resource,
    cluster: Cluster,
    pools: NodePools,
    roles: CloudRoles,
): KubernetesProvider {
    const kubernetes = new KubernetesProvider(
        `${name}-eks`,
        { kubeconfig: cluster.kubeconfig, enableServerSideApply: true },
        { parent, dependsOn: [...cluster.accessEntries, pools.system] },
    );
    const k8sChild = { parent, provider: kubernetes };
    new storagev1.StorageClass(`${name}-gp3`, gp3StorageClassArgs(ctx.prod), k8sChild);
    createClusterAutoscaler(
        `${name}-cluster-autoscaler`,
        roles.clusterAutoscaler.apply((roleArn) =>
            clusterAutoscalerValues({ clusterName: ctx.clusterName, region: ctx.cfg.region, roleArn, version: ctx.cfg.cluster.version }),
        ),
        k8sChild,
    );
    return kubernetes;
}
