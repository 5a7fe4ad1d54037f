/**
 * The authorisation step of the platform: OPA serves the generic policy with
 * the stack's grant table (docs/security.md).
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

import type { PlatformConfig } from "../config";
import { NAMESPACE } from "../runbook";
import { OpaAuthz } from "./index";

/** OPA in the platform's namespace; its ServiceMonitor waits for the monitoring stack's CRDs. */
export function declareAuthz(
    config: PlatformConfig,
    monitoringStack: pulumi.Resource,
    opts: { provider: k8s.Provider; dependsOn: pulumi.Resource[] },
): OpaAuthz {
    return new OpaAuthz(
        "authz",
        {
            settings: config.authz,
            namespace: NAMESPACE,
            imagePullPolicy: config.imagePullPolicy,
            topologySpread: config.topologySpread,
            serviceMonitor: { enabled: true, dependsOn: [monitoringStack] },
        },
        opts,
    );
}
