/**
 * The inference step of the platform: Triton's settings, resolved once (the
 * same settings decide the Triton component, its alerts and its network flows),
 * and the Triton component itself.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

import type { CloudOutputs } from "../aws";
import type { PlatformConfig } from "../config";
import type { DataStores } from "../datastores";
import { NAMESPACE } from "../runbook";
import { resolveInferenceSettings, Triton, type InferenceSettings, type ObjectStorageDefaults } from "./index";

/**
 * In the cloud, the models bucket is in the cloud layer's region and the GPU
 * pool is selected by the label the cloud layer gives its nodes. In dev, Triton
 * reads the models bucket of the in-cluster S3-compatible store.
 */
export function resolvePlatformInference(
    config: PlatformConfig,
    cloud: CloudOutputs | undefined,
    dataStores: DataStores,
): InferenceSettings {
    const resolved = resolveInferenceSettings(config.environment, config.inference, modelStorage(config, cloud, dataStores));
    if (cloud === undefined || resolved.gpu === undefined) return resolved;
    return {
        ...resolved,
        gpu: {
            ...resolved.gpu,
            nodeSelector: { ...resolved.gpu.nodeSelector, [cloud.triton.nodeSelector.key]: cloud.triton.nodeSelector.value },
        },
    };
}

/** Where the models are: the cloud layer's region, else the configured store, else the in-cluster store's endpoint and credentials. */
function modelStorage(config: PlatformConfig, cloud: CloudOutputs | undefined, dataStores: DataStores): ObjectStorageDefaults {
    if (cloud !== undefined) return { ...config.objectStorage, region: cloud.region };
    if (dataStores.objectStore === undefined) return config.objectStorage;
    return {
        ...config.objectStorage,
        endpointUrl: config.objectStorage.endpointUrl ?? dataStores.objectStore.endpointUrl,
        credentialsSecret: config.objectStorage.credentialsSecret ?? dataStores.objectStore.credentialsSecret,
    };
}

/** Triton in the platform's namespace; its ServiceMonitors and rules wait for the monitoring stack. */
export function declareTriton(
    config: PlatformConfig,
    inference: InferenceSettings,
    cloud: CloudOutputs | undefined,
    monitoringStack: pulumi.Resource,
    opts: { provider: k8s.Provider; dependsOn: pulumi.Resource[] },
): Triton {
    return new Triton(
        "triton",
        {
            settings: inference,
            namespace: NAMESPACE,
            ...(cloud === undefined ? {} : { modelBucket: cloud.triton.modelsBucket, roleArn: cloud.triton.roleArn }),
            monitoring: { namespace: config.monitoring.namespace, dependsOn: [monitoringStack] },
        },
        opts,
    );
}
