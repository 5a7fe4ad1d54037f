/**
 * Managed node groups: the on-demand system pool and the Triton GPU pool
 * (AL2023 NVIDIA AMI, GPU label and taint, IMDSv2, a root volume for the model
 * cache), and the scale-from-zero tags Cluster Autoscaler needs when the GPU
 * pool may be empty.
 */
import * as autoscaling from "@pulumi/aws/autoscaling";
import * as ec2 from "@pulumi/aws/ec2";
import * as eks from "@pulumi/aws/eks";
import * as iam from "@pulumi/aws/iam";
import * as pulumi from "@pulumi/pulumi";

import { GPU_INSTANCE_FAMILIES, gpuFamilyOf, type CloudConfig } from "./config";
import { serviceTrustPolicy } from "./iam";

/** The label every pool carries with its name; the Triton Deployment selects `triton-gpu`. */
export const POOL_LABEL = "med-agi.io/pool";

/** What the Triton component schedules by (exported for infra/inference/). */
export const GPU_POOL = {
    /** Node label key/value the Triton Deployment's nodeSelector uses. */
    label: { key: POOL_LABEL, value: "triton-gpu" },
    /** Set on every GPU node; the NVIDIA device plugin's default affinity needs it. */
    gpuPresentLabel: { key: "nvidia.com/gpu.present", value: "true" },
    /** Keeps every pod without the matching toleration off the GPU nodes. */
    taint: { key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" },
} as const;

export const SYSTEM_POOL = { label: { key: POOL_LABEL, value: "system" } } as const;

/** Kubernetes taint effect → the EKS API's spelling. */
const EKS_TAINT_EFFECT = { NoSchedule: "NO_SCHEDULE", NoExecute: "NO_EXECUTE", PreferNoSchedule: "PREFER_NO_SCHEDULE" } as const;

/** Managed policies of the node role (AWS managed: no `*` actions of ours). */
export const NODE_ROLE_POLICIES = [
    "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
    "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
] as const;

type PoolConfig = CloudConfig["nodePools"]["system"];

/** The GPU pool's labels: the pool label, GPU present, and the accelerator CA reads. */
export function gpuPoolLabels(instanceTypes: readonly string[]): Record<string, string> {
    const family = gpuFamilyOf(instanceTypes[0] ?? "");
    return {
        [GPU_POOL.label.key]: GPU_POOL.label.value,
        [GPU_POOL.gpuPresentLabel.key]: GPU_POOL.gpuPresentLabel.value,
        ...(family === undefined ? {} : { "k8s.amazonaws.com/accelerator": GPU_INSTANCE_FAMILIES[family].accelerator }),
    };
}

/**
 * Auto Scaling group tags that let Cluster Autoscaler build a node template
 * for an empty GPU pool (scale from zero): its labels and its taint.
 */
export function scaleFromZeroTags(labels: Readonly<Record<string, string>>): Record<string, string> {
    const tags: Record<string, string> = {};
    for (const [k, v] of Object.entries(labels)) tags[`k8s.io/cluster-autoscaler/node-template/label/${k}`] = v;
    tags[`k8s.io/cluster-autoscaler/node-template/taint/${GPU_POOL.taint.key}`] = `${GPU_POOL.taint.value}:${GPU_POOL.taint.effect}`;
    return tags;
}

/** The launch template data: IMDSv2 required (hop limit 1: pods get AWS access only through IRSA), encrypted gp3 root. */
export function launchTemplateArgs(diskSizeGiB: number): Pick<ec2.LaunchTemplateArgs, "metadataOptions" | "blockDeviceMappings"> {
    return {
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" },
        blockDeviceMappings: [
            {
                deviceName: "/dev/xvda",
                ebs: { volumeSize: diskSizeGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
            },
        ],
    };
}

export interface NodePoolsArgs {
    readonly prefix: string;
    readonly clusterName: pulumi.Input<string>;
    readonly accountId: string;
    readonly subnetIds: pulumi.Input<string>[];
    readonly system: PoolConfig;
    readonly gpu: PoolConfig;
}

export interface NodePools {
    readonly system: eks.NodeGroup;
    readonly gpu: eks.NodeGroup;
    readonly nodeRoleArn: pulumi.Output<string>;
}

/** Declares the node role, both pools and (GPU pool at min 0) the scale-from-zero tags. */
export function createNodePools(args: NodePoolsArgs, opts: pulumi.CustomResourceOptions): NodePools {
    const name = args.prefix;
    const role = new iam.Role(
        `${name}-node`,
        { name: `${name}-node`, assumeRolePolicy: JSON.stringify(serviceTrustPolicy("ec2.amazonaws.com", args.accountId)) },
        opts,
    );
    const attachments = NODE_ROLE_POLICIES.map(
        (arn) => new iam.RolePolicyAttachment(`${name}-node-${arn.split("/").pop()}`, { role: role.name, policyArn: arn }, opts),
    );

    const pool = (
        pool: "system" | "gpu",
        config: PoolConfig,
        extra: Pick<eks.NodeGroupArgs, "amiType" | "labels" | "taints" | "capacityType">,
    ): eks.NodeGroup => {
        const template = new ec2.LaunchTemplate(
            `${name}-${pool}`,
            {
                namePrefix: `${name}-${pool}-`,
                ...launchTemplateArgs(config.diskSizeGiB),
                tagSpecifications: [{ resourceType: "instance", tags: { Name: `${name}-${pool}` } }],
            },
            opts,
        );
        return new eks.NodeGroup(
            `${name}-${pool}`,
            {
                clusterName: args.clusterName,
                nodeGroupNamePrefix: `${pool}-`,
                nodeRoleArn: role.arn,
                subnetIds: args.subnetIds,
                instanceTypes: [...config.instanceTypes],
                scalingConfig: { minSize: config.minSize, desiredSize: config.desiredSize, maxSize: config.maxSize },
                updateConfig: { maxUnavailable: config.maxUnavailable },
                launchTemplate: { id: template.id, version: pulumi.interpolate`${template.latestVersion}` },
                ...extra,
            },
            // Cluster Autoscaler owns the desired size once the pool exists.
            { ...opts, dependsOn: attachments, ignoreChanges: ["scalingConfig.desiredSize"] },
        );
    };

    const system = pool("system", args.system, {
        amiType: "AL2023_x86_64_STANDARD",
        capacityType: "ON_DEMAND",
        labels: { [SYSTEM_POOL.label.key]: SYSTEM_POOL.label.value },
    });
    const gpuLabels = gpuPoolLabels(args.gpu.instanceTypes);
    const gpu = pool("gpu", args.gpu, {
        amiType: "AL2023_x86_64_NVIDIA",
        capacityType: "ON_DEMAND",
        labels: gpuLabels,
        taints: [{ key: GPU_POOL.taint.key, value: GPU_POOL.taint.value, effect: EKS_TAINT_EFFECT[GPU_POOL.taint.effect] }],
    });

    if (args.gpu.minSize === 0) {
        const asgName = gpu.resources.apply((r) => r[0]?.autoscalingGroups?.[0]?.name ?? "");
        for (const [key, value] of Object.entries(scaleFromZeroTags(gpuLabels))) {
            new autoscaling.Tag(
                `${name}-gpu-${key.replace(/^k8s\.io\/cluster-autoscaler\/node-template\//, "").replace(/[^A-Za-z0-9-]/g, "-")}`,
                { autoscalingGroupName: asgName, tag: { key, value, propagateAtLaunch: false } },
                opts,
            );
        }
    }
    return { system, gpu, nodeRoleArn: role.arn };
}
