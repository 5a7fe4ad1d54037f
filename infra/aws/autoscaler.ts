/**
 * Node autoscaling: Cluster Autoscaler from its chart, with its own IRSA
 * role, discovering this cluster's managed node groups by tag. When Triton's
 * HPA adds replicas because GPU utilisation is above the runbook's 90 %, the
 * new pods stay Pending until Cluster Autoscaler adds a GPU node.
 *
 * Why Cluster Autoscaler and not Karpenter: the issue defines the GPU pool as
 * a managed node group with its own min/desired/max, AMI type, labels, taint
 * and update policy. Cluster Autoscaler scales exactly that node group within
 * exactly those bounds; Karpenter would bypass it with its own NodePools and
 * EC2NodeClasses (CRDs), so the node group's settings would no longer
 * describe the nodes that run.
 */
import { Release as HelmRelease } from "@pulumi/kubernetes/helm/v3/release";
import * as storagev1 from "@pulumi/kubernetes/storage/v1";
import type * as pulumi from "@pulumi/pulumi";

import { KUBERNETES_VERSIONS, type KubernetesVersion } from "./config";
import { WORKLOAD_SERVICE_ACCOUNTS } from "./iam";
import { SYSTEM_POOL } from "./nodepools";

/** The chart, pinned (docs/versions.md). */
export const CLUSTER_AUTOSCALER_CHART = {
    chart: "cluster-autoscaler",
    version: "9.59.0",
    repo: "https://kubernetes.github.io/autoscaler",
} as const;

/** Its requests and limits (`resources` of the chart); capacity validation reads the same (infra/aws/workloads.ts). */
export const CLUSTER_AUTOSCALER_RESOURCES = { requests: { cpu: "100m", memory: "300Mi" }, limits: { memory: "600Mi" } } as const;

/** One replica (`replicaCount`): it elects a leader, a second would only stand by. Capacity validation reads the same. */
export const CLUSTER_AUTOSCALER_REPLICAS = 1;

/** Values for the cluster-autoscaler chart 9.59.0 (every key checked against that version's values.yaml). */
export function clusterAutoscalerValues(args: {
    clusterName: string;
    region: string;
    roleArn: string;
    version: KubernetesVersion;
}): Record<string, unknown> {
    return {
        cloudProvider: "aws",
        awsRegion: args.region,
        autoDiscovery: { clusterName: args.clusterName },
        image: { tag: KUBERNETES_VERSIONS[args.version].clusterAutoscalerImageTag.tag },
        rbac: {
            serviceAccount: {
                create: true,
                name: WORKLOAD_SERVICE_ACCOUNTS.clusterAutoscaler.name,
                annotations: { "eks.amazonaws.com/role-arn": args.roleArn },
            },
        },
        extraArgs: {
            logtostderr: true,
            stderrthreshold: "info",
            v: 2,
            expander: "least-waste",
            "balance-similar-node-groups": true,
            "skip-nodes-with-system-pods": false,
        },
        nodeSelector: { [SYSTEM_POOL.label.key]: SYSTEM_POOL.label.value },
        replicaCount: CLUSTER_AUTOSCALER_REPLICAS,
        resources: { requests: { ...CLUSTER_AUTOSCALER_RESOURCES.requests }, limits: { ...CLUSTER_AUTOSCALER_RESOURCES.limits } },
        securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
        containerSecurityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
    };
}

/** The Helm release in kube-system. */
export function createClusterAutoscaler(
    name: string,
    values: pulumi.Input<Record<string, unknown>>,
    opts: pulumi.CustomResourceOptions,
): HelmRelease {
    return new HelmRelease(
        name,
        {
            name: "cluster-autoscaler",
            chart: CLUSTER_AUTOSCALER_CHART.chart,
            version: CLUSTER_AUTOSCALER_CHART.version,
            repositoryOpts: { repo: CLUSTER_AUTOSCALER_CHART.repo },
            namespace: WORKLOAD_SERVICE_ACCOUNTS.clusterAutoscaler.namespace,
            values,
            atomic: true,
            timeout: 600,
        },
        opts,
    );
}

/**
 * The default StorageClass: gp3 through the EBS CSI driver, encrypted, bound
 * where the pod lands. In prod a deleted claim keeps its volume (Retain).
 */
export function gp3StorageClassArgs(prod: boolean): storagev1.StorageClassArgs {
    return {
        metadata: { name: "gp3", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
        provisioner: "ebs.csi.aws.com",
        parameters: { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" },
        reclaimPolicy: prod ? "Retain" : "Delete",
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
    };
}
