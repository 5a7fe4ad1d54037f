/**
 * The cluster step of the platform: the Kubernetes provider (the cloud layer's
 * EKS cluster, else the kube context's), the registry images come from and the
 * platform's namespace.
 */
import type * as k8s from "@pulumi/kubernetes";

import type { CloudOutputs } from "../aws";
import type { PlatformConfig } from "../config";
import { PlatformNamespace } from "../namespace";
import { NAMESPACE } from "../runbook";
import { clusterProvider } from "./provider";

/** What the later steps deploy into. */
export interface PlatformCluster {
    readonly provider: k8s.Provider;
    /** The cloud layer's registry in staging/prod, else `registry` from config (unset: images as named). */
    readonly registry: string | undefined;
    readonly namespace: PlatformNamespace;
}

export function declareCluster(config: PlatformConfig, cloud: CloudOutputs | undefined): PlatformCluster {
    const registry = cloud?.registry ?? config.registry;
    const provider =
        cloud?.kubernetes ??
        clusterProvider("kubernetes", { ...(config.kubeContext === undefined ? {} : { context: config.kubeContext }) });
    const namespace = new PlatformNamespace("platform", { name: NAMESPACE }, { provider, protect: config.protect });
    return { provider, registry, namespace };
}
