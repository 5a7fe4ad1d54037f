/**
 * The StorageClass every data-store volume uses: reclaim policy Retain, so a
 * deleted PersistentVolumeClaim (a deleted release, a dropped cluster) leaves
 * the PersistentVolume and its data behind for an operator to re-bind.
 */
import type * as k8s from "@pulumi/kubernetes";

import type { Environment } from "../environment";

/** Name of the Retain StorageClass. */
export const DATA_STORAGE_CLASS = "med-agi-retain";

/** Provisioner per environment: kind/k3d's local-path in dev, the EBS CSI driver on EKS. */
export function defaultProvisioner(environment: Environment): string {
    return environment === "dev" ? "rancher.io/local-path" : "ebs.csi.aws.com";
}

export function retainStorageClass(environment: Environment, provisioner?: string): k8s.storage.v1.StorageClassArgs {
    const cloud = environment !== "dev";
    return {
        metadata: { name: DATA_STORAGE_CLASS, labels: { "app.kubernetes.io/part-of": "med-agi" } },
        provisioner: provisioner ?? defaultProvisioner(environment),
        reclaimPolicy: "Retain",
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: cloud,
        ...(cloud ? { parameters: { type: "gp3", encrypted: "true" } } : {}),
    };
}
