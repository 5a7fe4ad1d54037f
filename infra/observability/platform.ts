/**
 * The observability step of the platform: the monitoring stack, alerting,
 * dashboards and log shipping, with Grafana behind the stack's identity.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

import { OPA_LOG_SOURCE } from "../authz";
import type { PlatformConfig, SecretInputs } from "../config";
import type { DataStores } from "../datastores";
import { grafanaIdentityValues, SECURITY_HEADERS_CONFIGMAP, securityHeaders, type Identity } from "../identity";
import { NAMESPACE, SERVICE_NAMES, SERVICES } from "../runbook";
import { resolveObservabilitySettings } from "./config";
import { Observability, type GrafanaIdentity } from "./index";

/** What the observability step reads from the steps before it. */
export interface ObservabilityInputs {
    readonly dataStores: DataStores;
    readonly identity: Identity;
    /** Backup jobs are deployed (their alerts are added). */
    readonly backups: boolean;
    /** Where the GPU Triton is deployed, a missing or unready deployment/triton pages. */
    readonly tritonGpu: boolean;
}

export function declareObservability(
    config: PlatformConfig,
    secrets: SecretInputs,
    inputs: ObservabilityInputs,
    opts: { provider: k8s.Provider; dependsOn: pulumi.Resource[] },
): Observability {
    return new Observability(
        "observability",
        {
            // Resolved once, here at the edge; the component only reads the result.
            settings: resolveObservabilitySettings(config),
            services: SERVICE_NAMES.map((name) => SERVICES[name]),
            secrets,
            namespace: NAMESPACE,
            // The StatefulSets of the in-cluster stores (ECK, and the S3 store in dev).
            dataStores: inputs.dataStores.statefulSets,
            // PostgreSQL (CloudNativePG has no StatefulSet), Elasticsearch status and data-store volumes.
            dataStoreHealth: inputs.dataStores.health,
            backups: inputs.backups,
            tritonGpu: inputs.tritonGpu,
            grafanaIdentity: grafanaIdentity(config, secrets, inputs.identity),
            // OPA's decision log (its stdout) reaches the SIEM through an input of its own.
            decisionLogs: OPA_LOG_SOURCE,
        },
        // Grafana's Ingress waits for the ingress path too.
        opts,
    );
}

/** Grafana: ConfigMap-only RBAC; with OIDC, login through the same issuer, behind oauth2-proxy. */
function grafanaIdentity(config: PlatformConfig, secrets: SecretInputs, identity: Identity): GrafanaIdentity {
    return {
        values: grafanaIdentityValues({
            oidc: config.oidc,
            namespace: config.monitoring.namespace,
            ...(config.ingress.enabled ? { ingress: config.ingress } : {}),
        }),
        // Grafana's own client secret: never oauth2-proxy's.
        ...(config.oidc === undefined || secrets.grafanaOidcClientSecret === undefined
            ? {}
            : { oidcClientSecret: secrets.grafanaOidcClientSecret }),
        // nginx reads custom-headers only from the Ingress's own namespace.
        ...(config.ingress.enabled
            ? { configMaps: [{ name: SECURITY_HEADERS_CONFIGMAP, data: securityHeaders(config.ingress.hsts) }] }
            : {}),
        dependsOn: identity.prerequisites,
    };
}
