/**
 * Pure builders for watching the in-cluster data stores: the PodMonitor of the CloudNativePG instances,
 * the prometheus-elasticsearch-exporter chart values, and the targets the
 * alert rules and dashboard panels read.
 *
 * CloudNativePG runs its instances as Pods without a StatefulSet, so
 * kube-state-metrics' StatefulSet series cannot see it. Its
 * `spec.monitoring.enablePodMonitor` is deprecated in 1.30 ("create a
 * PodMonitor manually", CRD description), hence the PodMonitor here. ECK has
 * no built-in exporter: the community exporter reads cluster health as its
 * own file-realm user (cluster `monitor`), verifying ECK's CA.
 */
import { ELASTICSEARCH_NAME, ELASTICSEARCH_STATEFULSET, ELASTICSEARCH_URL } from "../elasticsearch/spec";
import { ELASTICSEARCH_CA } from "../elasticsearch/users";
import { POSTGRES_SERVICE } from "../postgres/spec";

/** Name of the PodMonitor (and of the CloudNativePG cluster it selects). */
export const POSTGRES_POD_MONITOR = POSTGRES_SERVICE;

/** The exporter's Helm release name (its Deployment and Service carry it). */
export const ELASTICSEARCH_EXPORTER_RELEASE = "elasticsearch-exporter";

/** The exporter's requests and limits (`resources` of the chart); capacity validation reads the same (infra/aws/workloads.ts). */
export const ELASTICSEARCH_EXPORTER_RESOURCES = {
    requests: { cpu: "20m", memory: "32Mi" },
    limits: { cpu: "200m", memory: "128Mi" },
} as const;

/** The `monitoring.coreos.com/v1` PodMonitor spec: CloudNativePG instance pods, their `metrics` port (9187). */
export function postgresPodMonitorSpec(cluster: string = POSTGRES_SERVICE): Record<string, unknown> {
    return {
        selector: { matchLabels: { "cnpg.io/cluster": cluster, "cnpg.io/podRole": "instance" } },
        podMetricsEndpoints: [{ port: "metrics", interval: "30s" }],
    };
}

/** Where the exporter mounts ECK's CA. */
const EXPORTER_CA_DIR = "/ssl";

/** prometheus-elasticsearch-exporter values (chart 7.4.0): TLS verified with ECK's CA, credentials from the exporter user's Secret. */
export function elasticsearchExporterValues(credentialsSecret: string, url: string = ELASTICSEARCH_URL): Record<string, unknown> {
    return {
        es: {
            uri: url,
            all: true,
            indices: true,
            indices_settings: false,
            indices_mappings: false,
            shards: false,
            // Snapshot stats need snapshot privileges the exporter user does not have.
            snapshots: false,
            timeout: "20s",
            sslSkipVerify: false,
            ssl: {
                enabled: true,
                useExistingSecrets: true,
                ca: { path: `${EXPORTER_CA_DIR}/${ELASTICSEARCH_CA.key}` },
                client: { enabled: false },
            },
        },
        secretMounts: [{ name: "elasticsearch-ca", secretName: ELASTICSEARCH_CA.name, path: EXPORTER_CA_DIR }],
        // elasticsearch_exporter ≥ 1.3.0 reads basic-auth credentials from ES_USERNAME / ES_PASSWORD.
        extraEnvSecrets: {
            ES_USERNAME: { secret: credentialsSecret, key: "username" },
            ES_PASSWORD: { secret: credentialsSecret, key: "password" },
        },
        serviceMonitor: { enabled: true, interval: "30s", scrapeTimeout: "25s" },
        resources: { requests: { ...ELASTICSEARCH_EXPORTER_RESOURCES.requests }, limits: { ...ELASTICSEARCH_EXPORTER_RESOURCES.limits } },
        podSecurityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true },
    };
}

/** What the data-store alerts and dashboard panels watch (structurally the observability layer's DataStoreHealthTargets). */
export interface DataStoreHealth {
    readonly postgres?: { readonly cluster: string; readonly instances: number };
    readonly elasticsearch?: { readonly cluster: string; readonly nodes: number };
    readonly volumeClaims: readonly string[];
}

/**
 * The health targets of what is deployed: the CloudNativePG cluster (dev),
 * Elasticsearch (every stack), and the claim-name patterns of their volumes
 * and of the object store's StatefulSets (`<template>-<statefulset>-<n>`).
 * RDS and S3 are watched by AWS, not here.
 */
export function dataStoreHealthTargets(o: {
    readonly postgresInstances?: number;
    readonly elasticsearchNodes: number;
    readonly objectStoreStatefulSets: readonly string[];
}): DataStoreHealth {
    const pg = o.postgresInstances;
    return {
        ...(pg === undefined ? {} : { postgres: { cluster: POSTGRES_SERVICE, instances: pg } }),
        elasticsearch: { cluster: ELASTICSEARCH_NAME, nodes: o.elasticsearchNodes },
        volumeClaims: [
            // CloudNativePG names each instance's PGDATA claim after the pod (and `-wal` for a separate WAL volume).
            ...(pg === undefined ? [] : [`${POSTGRES_SERVICE}-[0-9]+(-wal)?`]),
            `elasticsearch-data-${ELASTICSEARCH_STATEFULSET}-[0-9]+`,
            ...o.objectStoreStatefulSets.map((s) => `.+-${s}-[0-9]+`),
        ],
    };
}
