/**
 * The cloud layer of staging and prod (DESIGN.md layer 3): composes the
 * builders of this folder into one `CloudLayer` component whose outputs feed
 * the platform through one typed object ({@link CloudOutputs}).
 */
import type { Provider as AwsProvider } from "@pulumi/aws/provider";
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import type { Environment } from "../environment";
import type { Buckets } from "./buckets";
import { updateKubeconfigCommand, type Cluster } from "./cluster";
import type { CloudConfig } from "./config";
import type { Database } from "./database";
import { WORKLOAD_SERVICE_ACCOUNTS, type ServiceAccountRef } from "./iam";
import { registryFor } from "./naming";
import type { Network } from "./network";
import { GPU_POOL } from "./nodepools";
import {
    cloudContext,
    declareAudit,
    declareAwsProvider,
    declareBuckets,
    declareCluster,
    declareDatabase,
    declareIrsaRoles,
    declareKubernetes,
    declareLateAddons,
    declareNetwork,
    declareNodePools,
    declareRegistry,
    declareRunner,
    warnOnEksSupport,
    type CloudContext,
    type CloudRoles,
    type SiemArgs,
} from "./steps";

export interface CloudLayerArgs {
    readonly stack: string;
    readonly environment: Exclude<Environment, "dev">;
    /** The validated `cloud` config. */
    readonly config: CloudConfig;
    /** The SIEM collector (`siem` config) and its token; unset: no audit path. @default none */
    readonly siem?: SiemArgs;
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
    readonly roles: CloudRoles;
    readonly triton: TritonPlacement;
    /** What NetworkPolicies need: the VPC CIDR (RDS, the API server), S3's CIDR blocks and the STS endpoint's subnets. */
    readonly network: { readonly vpcCidr: string; readonly s3Cidrs: pulumi.Output<string[]>; readonly stsCidrs: readonly string[] };
}

/** What the steps declared, as the platform reads it. */
export function cloudOutputs(
    ctx: CloudContext,
    parts: {
        readonly awsProvider: AwsProvider;
        readonly network: Network;
        readonly cluster: Cluster;
        readonly buckets: Buckets;
        readonly roles: CloudRoles;
        readonly database: Database;
        readonly kubernetes: k8s.Provider;
    },
): CloudOutputs {
    const { cfg } = ctx;
    const { cluster, buckets, roles, network } = parts;
    return {
        registry: registryFor(cfg.accountId, cfg.region),
        region: cfg.region,
        awsProvider: parts.awsProvider,
        clusterName: cluster.name,
        kubeconfig: cluster.kubeconfig,
        kubernetes: parts.kubernetes,
        updateKubeconfigCommand: updateKubeconfigCommand(ctx.clusterName, cfg.region),
        database: parts.database,
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
}

export class CloudLayer extends pulumi.ComponentResource {
    public readonly outputs: CloudOutputs;

    constructor(name: string, args: CloudLayerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("med-agi:aws:CloudLayer", name, {}, opts);
        warnOnEksSupport(args.config, args.today ?? new Date(), this);
        const awsProvider = declareAwsProvider(name, args.stack, args.environment, args.config, this);
        const ctx = cloudContext(args.stack, args.environment, args.config, { parent: this, provider: awsProvider });

        const network = declareNetwork(ctx);
        const cluster = declareCluster(ctx, network, args.viewNamespaces ?? []);
        const pools = declareNodePools(ctx, network, cluster);
        const buckets = declareBuckets(ctx, args.siem !== undefined);
        const roles = declareIrsaRoles(ctx, cluster, buckets);
        declareLateAddons(ctx, cluster, pools, roles);
        const runner = declareRunner(ctx, network, cluster);
        const database = declareDatabase(ctx, network, cluster, runner);
        declareRegistry(ctx);
        declareAudit(ctx, args.siem, cluster, buckets);
        const kubernetes = declareKubernetes(name, ctx, this, cluster, pools, roles);

        this.outputs = cloudOutputs(ctx, { awsProvider, network, cluster, buckets, roles, database, kubernetes });
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
