/**
 * The cloud layer of staging and prod (DESIGN.md layer 3): composes the
 * builders of this folder into one `CloudLayer` component whose outputs feed
 * the platform through one typed object ({@link CloudOutputs}).
 */
import type * as aws from "@pulumi/aws";
import { Provider as AwsProvider } from "@pulumi/aws/provider";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import type { Environment } from "../environment";
import { createAuditPath, type SiemReceiver } from "./audit";
import { clusterAutoscalerValues, createClusterAutoscaler, gp3StorageClassArgs } from "./autoscaler";
import { operatorRoleArns } from "./access";
import { createBuckets } from "./buckets";
import { standardSupportStatus } from "./calendar";
import { ADDONS_AFTER_NODES, ADDONS_BEFORE_NODES, createAddons, createCluster, updateKubeconfigCommand } from "./cluster";
import { availabilityZonesFor, multiAzFor, type CloudConfig } from "./config";
import { createDatabase } from "./database";
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
    type ServiceAccountRef,
} from "./iam";
import { bucketNamesFor, clusterNameFor, dataSafety, prefixFor, registryFor } from "./naming";
import { createNetwork } from "./network";
import { createNodePools, GPU_POOL } from "./nodepools";
import { createRegistry } from "./registry";
import { createRunner } from "./runner";

export interface CloudLayerArgs {
    readonly stack: string;
    readonly environment: Exclude<Environment, "dev">;
    /** The validated `cloud` config. */
    readonly config: CloudConfig;
    /** The SIEM collector (`siem` config) and its token; unset: no audit path. @default none */
    readonly siem?: {
        readonly host: string;
        readonly uri: string;
        readonly receiver: SiemReceiver;
        readonly alarmEmail: string;
        readonly token: pulumi.Input<string>;
    };
    /** The namespaces the on-call roles may read (view). @default [] */
    readonly viewNamespaces?: readonly string[];
    /** The date the EKS support calendar is read at (the render warns under 90 days of standard support left). @default now */
    readonly today?: Date;
}

/** What the Triton component (infra/inference/) schedules and authenticates by. */
export interface TritonPlacement {
    /** nodeSelector for the GPU pool: `med-agi.io/pool=triton-gpu`. */
    readonly nodeSelector: { readonly key: string; readonly value: string };
    /** The GPU pool's taint, to tolerate: `nvidia.com/gpu=true:NoSchedule`. */
    readonly taint: { readonly key: string; readonly value: string; readonly effect: "NoSchedule" };
    /** The ServiceAccount the IRSA role trusts (med-agi/triton). */
    readonly serviceAccount: ServiceAccountRef;
    readonly roleArn: pulumi.Output<string>;
    readonly modelsBucket: pulumi.Output<string>;
}

/** Everything the platform takes from the cloud layer. */
export interface CloudOutputs {
    /** The ECR registry host (`<account>.dkr.ecr.<region>.amazonaws.com`); the provider is pinned to that account. */
    readonly registry: string;
    readonly region: string;
    /** The stack's AWS provider (region, allowedAccountIds): every AWS call of the platform goes through it. */
    readonly awsProvider: AwsProvider;
    readonly clusterName: pulumi.Output<string>;
    /** The kubeconfig (secret) and the provider built from it. */
    readonly kubeconfig: pulumi.Output<string>;
    readonly kubernetes: k8s.Provider;
    readonly updateKubeconfigCommand: string;
    readonly database: {
        readonly host: pulumi.Output<string>;
        readonly port: pulumi.Output<number>;
        readonly endpoint: pulumi.Output<string>;
        readonly masterUserSecretArn: pulumi.Output<string>;
        readonly masterUserSecretKmsKeyArn: pulumi.Output<string>;
    };
    readonly buckets: { readonly models: pulumi.Output<string>; readonly backups: pulumi.Output<string> };
    /** IRSA role ARNs by workload. */
    readonly roles: {
        readonly triton: pulumi.Output<string>;
        readonly postgresBackup: pulumi.Output<string>;
        readonly modelBackup: pulumi.Output<string>;
        readonly configBackup: pulumi.Output<string>;
        /** The restore drill's and restore's read-only role. */
        readonly backupRestore: pulumi.Output<string>;
        readonly clusterAutoscaler: pulumi.Output<string>;
        readonly ebsCsi: pulumi.Output<string>;
    };
    readonly triton: TritonPlacement;
    /** What NetworkPolicies need: the VPC CIDR (RDS, the API server), S3's CIDR blocks and the STS endpoint's subnets. */
    readonly network: { readonly vpcCidr: string; readonly s3Cidrs: pulumi.Output<string[]>; readonly stsCidrs: readonly string[] };
}

/** `postgresBackup` → `postgres-backup` (role and resource names). */
function kebab(name: string): string {
    return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export class CloudLayer extends pulumi.ComponentResource {
    public readonly outputs: CloudOutputs;

    constructor(name: string, args: CloudLayerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("med-agi:aws:CloudLayer", name, {}, opts);
        const cfg = args.config;
        const prod = args.environment === "prod";
        const prefix = prefixFor(args.stack);
        const clusterName = clusterNameFor(args.stack);

        const support = standardSupportStatus(cfg.cluster.version, args.today ?? new Date());
        if (support.level !== "ok") pulumi.log.warn(support.message, this);

        const provider = new AwsProvider(
            `${name}-aws`,
            {
                region: cfg.region as aws.Region,
                allowedAccountIds: [cfg.accountId],
                defaultTags: { tags: { project: "med-agi", stack: args.stack, environment: args.environment, "managed-by": "pulumi" } },
            },
            { parent: this },
        );
        const child: pulumi.CustomResourceOptions = { parent: this, provider };

        const names = bucketNamesFor(args.stack, cfg.accountId);
        const network = createNetwork(
            {
                prefix,
                cidr: cfg.network.cidr,
                zones: availabilityZonesFor(cfg, args.environment),
                region: cfg.region,
                clusterName,
                prod,
                endpointPolicy: {
                    accountId: cfg.accountId,
                    region: cfg.region,
                    buckets: [names.models, names.backups],
                    rolePrefix: prefix,
                },
            },
            child,
        );
        const cluster = createCluster(
            {
                prefix,
                clusterName,
                accountId: cfg.accountId,
                region: cfg.region,
                version: cfg.cluster.version,
                privateSubnetIds: network.privateSubnetIds,
                publicAccessCidrs: cfg.cluster.publicAccessCidrs,
                adminRoleArns: cfg.cluster.adminRoleArns,
                operators: {
                    onCall: cfg.cluster.onCallRoleArns,
                    breakGlass: cfg.cluster.breakGlassRoleArns,
                    viewNamespaces: args.viewNamespaces ?? [],
                },
                logRetentionDays: cfg.cluster.logRetentionDays,
                prod,
            },
            child,
        );
        const early = createAddons(
            prefix,
            cluster,
            cfg.cluster.version,
            ADDONS_BEFORE_NODES,
            {},
            { ...child, dependsOn: [cluster.cluster] },
        );
        const pools = createNodePools(
            {
                prefix,
                clusterName: cluster.name,
                accountId: cfg.accountId,
                subnetIds: network.privateSubnetIds,
                system: cfg.nodePools.system,
                gpu: cfg.nodePools.gpu,
            },
            { ...child, dependsOn: early },
        );

        const buckets = createBuckets(
            {
                prefix,
                names,
                accountId: cfg.accountId,
                region: cfg.region,
                operatorRoleArns: operatorRoleArns(cfg),
                audit: args.siem !== undefined,
                noncurrentModelVersionDays: cfg.buckets.noncurrentModelVersionDays,
                prod,
            },
            child,
        );

        const irsa = (workload: keyof typeof WORKLOAD_SERVICE_ACCOUNTS, policy?: pulumi.Input<string>, managed?: string[]) =>
            createIrsaRole(
                `${prefix}-${kebab(workload)}`,
                {
                    roleName: `${prefix}-${kebab(workload)}`,
                    serviceAccount: WORKLOAD_SERVICE_ACCOUNTS[workload],
                    oidcProviderArn: cluster.oidcProviderArn,
                    issuerUrl: cluster.issuerUrl,
                    ...(policy === undefined ? {} : { policy }),
                    ...(managed === undefined ? {} : { managedPolicyArns: managed }),
                },
                child,
            ).arn;
        const bucketPolicy = (build: (b: BucketFacts) => PolicyDocument) =>
            policyJson([buckets.models, buckets.backups, buckets.kmsKeyArn], (models: string, backups: string, kmsKeyArn: string) =>
                build({ models, backups, kmsKeyArn }),
            );
        const roles: CloudOutputs["roles"] = {
            triton: irsa("triton", bucketPolicy(tritonPolicy)),
            postgresBackup: irsa("postgresBackup", bucketPolicy(postgresBackupPolicy)),
            modelBackup: irsa("modelBackup", bucketPolicy(modelBackupPolicy)),
            configBackup: irsa("configBackup", bucketPolicy(configBackupPolicy)),
            backupRestore: irsa("backupRestore", bucketPolicy(backupRestorePolicy)),
            clusterAutoscaler: irsa("clusterAutoscaler", JSON.stringify(clusterAutoscalerPolicy(clusterName))),
            ebsCsi: irsa("ebsCsi", undefined, ["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"]),
        };

        createAddons(
            prefix,
            cluster,
            cfg.cluster.version,
            ADDONS_AFTER_NODES,
            { "aws-ebs-csi-driver": roles.ebsCsi },
            {
                ...child,
                dependsOn: [pools.system],
            },
        );

        // The deploy runner inside the VPC: pulumi up reaches the private EKS endpoint and RDS from there.
        const runner = createRunner(
            {
                prefix,
                stack: args.stack,
                accountId: cfg.accountId,
                vpcId: network.vpcId,
                vpcCidr: cfg.network.cidr,
                subnetIds: network.privateSubnetIds,
                clusterSecurityGroupId: cluster.nodeSecurityGroupId,
            },
            child,
        );
        const database = createDatabase(
            {
                prefix,
                vpcId: network.vpcId,
                subnetIds: network.privateSubnetIds,
                nodeSecurityGroupId: cluster.nodeSecurityGroupId,
                deployRunnerSecurityGroupId: runner.securityGroupId,
                instanceClass: cfg.database.instanceClass,
                engineVersion: cfg.database.engineVersion,
                allocatedStorageGiB: cfg.database.allocatedStorageGiB,
                maxAllocatedStorageGiB: cfg.database.maxAllocatedStorageGiB,
                backupRetentionDays: cfg.database.backupRetentionDays,
                multiAz: multiAzFor(cfg, args.environment),
                logRetentionDays: cfg.cluster.logRetentionDays,
                keyAccess: { accountId: cfg.accountId, region: cfg.region, deployRoleArns: cfg.cluster.adminRoleArns },
                prod,
            },
            child,
        );
        if (cfg.registry.create) createRegistry(prefix, cfg.registry.keepImages, { ...child, ...dataSafety(prod) });
        if (args.siem !== undefined) {
            createAuditPath(
                {
                    prefix,
                    stack: args.stack,
                    prod,
                    accountId: cfg.accountId,
                    region: cfg.region,
                    logGroupName: cluster.logGroupName,
                    siem: args.siem,
                    siemToken: args.siem.token,
                    kmsKeyArn: buckets.kmsKeyArn,
                    accessLogBucket: buckets.logs,
                    operatorRoleArns: operatorRoleArns(cfg),
                },
                child,
            );
        }

        // The platform's Kubernetes provider: this cluster, reached as one of the admin roles.
        const kubernetes = new k8s.Provider(
            `${name}-eks`,
            { kubeconfig: cluster.kubeconfig, enableServerSideApply: true },
            { parent: this, dependsOn: [...cluster.accessEntries, pools.system] },
        );
        const k8sChild = { parent: this, provider: kubernetes };
        new k8s.storage.v1.StorageClass(`${name}-gp3`, gp3StorageClassArgs(prod), k8sChild);
        createClusterAutoscaler(
            `${name}-cluster-autoscaler`,
            roles.clusterAutoscaler.apply((roleArn) =>
                clusterAutoscalerValues({ clusterName, region: cfg.region, roleArn, version: cfg.cluster.version }),
            ),
            k8sChild,
        );

        this.outputs = {
            registry: registryFor(cfg.accountId, cfg.region),
            region: cfg.region,
            awsProvider: provider,
            clusterName: cluster.name,
            kubeconfig: cluster.kubeconfig,
            kubernetes,
            updateKubeconfigCommand: updateKubeconfigCommand(clusterName, cfg.region),
            database,
            buckets: { models: buckets.models, backups: buckets.backups },
            roles,
            triton: {
                nodeSelector: GPU_POOL.label,
                taint: GPU_POOL.taint,
                serviceAccount: WORKLOAD_SERVICE_ACCOUNTS.triton,
                roleArn: roles.triton,
                modelsBucket: buckets.models,
            },
            network: { vpcCidr: cfg.network.cidr, s3Cidrs: network.s3Cidrs, stsCidrs: network.stsCidrs },
        };
        this.registerOutputs({
            clusterName: this.outputs.clusterName,
            registry: this.outputs.registry,
            databaseEndpoint: database.endpoint,
            buckets: this.outputs.buckets,
            roles: this.outputs.roles,
        });
    }
}

export { GPU_POOL, POOL_LABEL, SYSTEM_POOL } from "./nodepools";
export { WORKLOAD_SERVICE_ACCOUNTS } from "./iam";
export { cloudSchema, cloudProblems, derivedKeyProblems, DERIVED_KEYS, GPU_INSTANCE_FAMILIES, KUBERNETES_VERSIONS } from "./config";
export type { CloudConfig } from "./config";
