/**
 * The cloud step of the platform: staging/prod get the cloud layer (cluster,
 * registry, database, buckets and roles); dev has none.
 */
import type * as pulumi from "@pulumi/pulumi";

import type { PlatformConfig, SecretInputs } from "../config";
import { resolveSiemOutput } from "../observability/config";
import { NAMESPACE } from "../runbook";
import { CloudLayer, type CloudLayerArgs, type CloudOutputs } from "./index";

/** What the stack outputs of the cloud layer hold (`pulumi stack output cloud`). */
export interface CloudStackOutputs {
    readonly clusterName: pulumi.Output<string>;
    readonly updateKubeconfigCommand: string;
    readonly registry: string;
    readonly buckets: { readonly models: pulumi.Output<string>; readonly backups: pulumi.Output<string> };
    readonly rdsEndpoint: pulumi.Output<string>;
}

/** staging/prod: the cloud layer's outputs; dev (or no `cloud` config): undefined. */
export function declareCloud(config: PlatformConfig, secrets: SecretInputs): CloudOutputs | undefined {
    if (config.environment === "dev" || config.cloud === undefined) return undefined;
    return new CloudLayer("cloud", {
        stack: config.stack,
        environment: config.environment,
        config: config.cloud,
        // On-call operators read the platform's namespaces (docs/identity.md).
        viewNamespaces: [NAMESPACE, config.monitoring.namespace],
        ...siemDelivery(config, secrets),
    }).outputs;
}

/** The audit path's HTTP delivery to the SIEM, when the SIEM output is HTTP and its host, alarm e-mail and token are set. */
function siemDelivery(config: PlatformConfig, secrets: SecretInputs): Pick<CloudLayerArgs, "siem"> {
    if (
        resolveSiemOutput(config) !== "http" ||
        config.siem.host === undefined ||
        config.siem.deliveryAlarmEmail === undefined ||
        secrets.siemToken === undefined
    )
        return {};
    return {
        siem: {
            host: config.siem.host,
            uri: config.siem.uri,
            receiver: config.siem.receiver,
            alarmEmail: config.siem.deliveryAlarmEmail,
            token: secrets.siemToken,
        },
    };
}

/** The stack outputs of the cloud layer: what it created, and the kubeconfig as a secret output of its own. */
export function cloudStackOutputs(cloud: CloudOutputs | undefined): { cloud?: CloudStackOutputs; kubeconfig?: pulumi.Output<string> } {
    if (cloud === undefined) return {};
    return {
        cloud: {
            clusterName: cloud.clusterName,
            updateKubeconfigCommand: cloud.updateKubeconfigCommand,
            registry: cloud.registry,
            buckets: cloud.buckets,
            rdsEndpoint: cloud.database.endpoint,
        },
        kubeconfig: cloud.kubeconfig,
    };
}
