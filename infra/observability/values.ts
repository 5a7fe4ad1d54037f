/**
 * Typed values of the kube-prometheus-stack release (keys as the pinned chart
 * version documents them in its values.yaml). Pure builder.
 *
 * - Rule/ServiceMonitor/PodMonitor selection: `*SelectorNilUsesHelmValues:
 *   false` with empty selectors and namespace selectors, so Prometheus picks
 *   up the PrometheusRules and ServiceMonitors of every namespace (ours in
 *   `med-agi` carry no chart `release` label).
 * - Alertmanager reads our generated configuration from an existing Secret
 *   (`useExistingSecret` + `configSecret`) and mounts the receiver
 *   credentials Secret (`secrets`).
 * - Grafana's dashboard sidecar loads ConfigMaps labelled `grafana_dashboard: "1"`
 *   from all namespaces.
 * - Control-plane scrapers (etcd, controller-manager, scheduler, kube-proxy)
 *   are off: EKS does not expose them and on kind they only produce
 *   "target down" noise.
 */
import type { ObservabilitySettings } from "./config";
import { CONFIG_SECRET_NAME, RECEIVER_SECRET } from "./alertmanager";
import { DASHBOARD_LABEL } from "./dashboard";

/** Secret with Grafana's admin credentials when `grafanaAdminPassword` is set. */
export const GRAFANA_ADMIN_SECRET = { name: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" } as const;

/** A PersistentVolumeClaim template of the operator's `storageSpec`/`storage`. */
export interface VolumeClaimTemplate {
    readonly volumeClaimTemplate: {
        readonly spec: {
            readonly storageClassName?: string;
            readonly accessModes: readonly ["ReadWriteOnce"];
            readonly resources: { readonly requests: { readonly storage: string } };
        };
    };
}

/** A container's requests, as chart values write them. */
export interface ContainerRequests {
    readonly requests: { readonly cpu: string; readonly memory: string };
}

/**
 * Requests of the kube-prometheus-stack pods whose chart (81.4.3 and its
 * subcharts) sets none (`resources: {}`), so that the scheduler reserves room
 * for them; capacity validation reads the same (infra/aws/workloads.ts).
 * Requests only, no limits: the charts set none, and a memory limit under
 * Prometheus' working set would restart it in a loop and lose the head block.
 * kube-prometheus is the prometheus-operator project's reference deployment
 * (prometheus-operator/kube-prometheus@4d719f1, 2026-08-10,
 * `jsonnet/kube-prometheus/components/*.libsonnet`).
 */
export const KUBE_PROMETHEUS_STACK_RESOURCES = {
    /** `prometheusOperator.resources`: the chart's own example (values.yaml, under `resources: {}`) and kube-prometheus' prometheus-operator.libsonnet, both 100m / 100Mi. */
    operator: { requests: { cpu: "100m", memory: "100Mi" } },
    /**
     * `prometheus.prometheusSpec.resources` (the `prometheus` container, per replica). kube-prometheus
     * requests 400Mi (prometheus.libsonnet) for its default scrape set; this stack scrapes more (the
     * API server's histograms, kubelet and cAdvisor of every node, kube-state-metrics over every object,
     * Triton, the data stores' exporters and six services): an estimated 100k active series at a
     * few KiB each in the head block, plus room for queries, WAL replay and compaction: 1Gi. 200m
     * for the scrapes and the chart's default rules every 30 s. Compare with `kubectl top pod` after
     * a week and adjust.
     */
    prometheus: { requests: { cpu: "200m", memory: "1Gi" } },
    /**
     * `kube-state-metrics.resources`: kube-prometheus' kube-state-metrics.libsonnet, 10m / 190Mi (the
     * subchart's 7.1.0 example, 10m / 32Mi, is for Minikube, its own comment says).
     */
    kubeStateMetrics: { requests: { cpu: "10m", memory: "190Mi" } },
    /** `grafana.resources`: the grafana 10.5.15 chart's example (values.yaml), 100m / 128Mi (kube-prometheus: 100m / 100Mi). */
    grafana: { requests: { cpu: "100m", memory: "128Mi" } },
    /**
     * `grafana.sidecar.resources`, taken by each sidecar the pod runs (dashboards and datasources
     * here: `grafana-sc-dashboard`, `grafana-sc-datasources`): the grafana 10.5.15 chart's example, 50m / 50Mi.
     */
    grafanaSidecar: { requests: { cpu: "50m", memory: "50Mi" } },
} as const satisfies Record<string, ContainerRequests>;

/** A copy of `r` as chart values (the constants stay read-only). */
const requestsValue = (r: ContainerRequests) => ({ requests: { ...r.requests } });

/** The subset of kube-prometheus-stack values this program sets. */
export interface KubePrometheusStackValues {
    readonly crds: { readonly enabled: boolean };
    readonly defaultRules: { readonly create: boolean; readonly rules: Readonly<Record<string, boolean>> };
    readonly kubeEtcd: { readonly enabled: boolean };
    readonly kubeControllerManager: { readonly enabled: boolean };
    readonly kubeScheduler: { readonly enabled: boolean };
    readonly kubeProxy: { readonly enabled: boolean };
    readonly prometheusOperator: { readonly resources: ContainerRequests };
    readonly prometheus: { readonly prometheusSpec: Readonly<Record<string, unknown>> };
    readonly alertmanager: { readonly alertmanagerSpec: Readonly<Record<string, unknown>> };
    readonly grafana: Readonly<Record<string, unknown>>;
    readonly "kube-state-metrics": { readonly collectors: readonly string[]; readonly resources: ContainerRequests };
}

/**
 * kube-state-metrics 7.1.0's default collectors without `secrets`: its
 * ClusterRole grants list/watch on a resource exactly when it is collected,
 * and listing Secrets returns their data (docs/identity.md, third-party RBAC).
 */
export const KUBE_STATE_METRICS_COLLECTORS = [
    "certificatesigningrequests",
    "configmaps",
    "cronjobs",
    "daemonsets",
    "deployments",
    "endpointslices",
    "horizontalpodautoscalers",
    "ingresses",
    "jobs",
    "leases",
    "limitranges",
    "mutatingwebhookconfigurations",
    "namespaces",
    "networkpolicies",
    "nodes",
    "persistentvolumeclaims",
    "persistentvolumes",
    "poddisruptionbudgets",
    "pods",
    "replicasets",
    "replicationcontrollers",
    "resourcequotas",
    "services",
    "statefulsets",
    "storageclasses",
    "validatingwebhookconfigurations",
    "volumeattachments",
] as const;

/** What the values depend on beyond the settings. */
export interface StackValuesArgs {
    readonly settings: ObservabilitySettings;
    /** Whether the `grafanaAdminPassword` secret is set (else the Grafana chart generates one). */
    readonly grafanaAdminSecret: boolean;
    /** Grafana values from the identity layer (OIDC login, ConfigMap-only RBAC, Ingress), merged over ours. @default {} */
    readonly grafanaIdentity?: Readonly<Record<string, unknown>>;
}

/** Deep merge of plain objects: `over` wins; arrays and scalars are replaced, not merged. Pure. */
export function mergeValues(base: Readonly<Record<string, unknown>>, over: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(over)) {
        const current = out[key];
        out[key] = isPlainObject(current) && isPlainObject(value) ? mergeValues(current, value) : value;
    }
    return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A ReadWriteOnce PVC template of `size`, or undefined (emptyDir) when no size is set. */
export function volumeClaim(size: string | undefined, storageClass: string | undefined): VolumeClaimTemplate | undefined {
    if (size === undefined) return undefined;
    return {
        volumeClaimTemplate: {
            spec: {
                ...(storageClass === undefined ? {} : { storageClassName: storageClass }),
                accessModes: ["ReadWriteOnce"],
                resources: { requests: { storage: size } },
            },
        },
    };
}

/** kube-prometheus-stack values for these settings. Pure. */
export function kubePrometheusStackValues(args: StackValuesArgs): KubePrometheusStackValues {
    const { prometheus, alertmanager, grafana } = args.settings.monitoring;
    const promStorage = volumeClaim(prometheus.storageSize, prometheus.storageClass);
    const amStorage = volumeClaim(alertmanager.storageSize, alertmanager.storageClass);
    return {
        crds: { enabled: true },
        defaultRules: {
            create: true,
            rules: {
                etcd: false,
                kubeControllerManager: false,
                kubeSchedulerAlerting: false,
                kubeSchedulerRecording: false,
                kubeProxy: false,
                windows: false,
            },
        },
        kubeEtcd: { enabled: false },
        kubeControllerManager: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeProxy: { enabled: false },
        prometheusOperator: { resources: requestsValue(KUBE_PROMETHEUS_STACK_RESOURCES.operator) },
        "kube-state-metrics": {
            collectors: [...KUBE_STATE_METRICS_COLLECTORS],
            resources: requestsValue(KUBE_PROMETHEUS_STACK_RESOURCES.kubeStateMetrics),
        },
        prometheus: {
            prometheusSpec: {
                replicas: prometheus.replicas,
                resources: requestsValue(KUBE_PROMETHEUS_STACK_RESOURCES.prometheus),
                retention: prometheus.retention,
                ruleSelectorNilUsesHelmValues: false,
                ruleSelector: {},
                ruleNamespaceSelector: {},
                serviceMonitorSelectorNilUsesHelmValues: false,
                serviceMonitorSelector: {},
                serviceMonitorNamespaceSelector: {},
                podMonitorSelectorNilUsesHelmValues: false,
                podMonitorSelector: {},
                podMonitorNamespaceSelector: {},
                probeSelectorNilUsesHelmValues: false,
                ...(promStorage === undefined ? {} : { storageSpec: promStorage }),
            },
        },
        alertmanager: {
            alertmanagerSpec: {
                replicas: alertmanager.replicas,
                useExistingSecret: true,
                configSecret: CONFIG_SECRET_NAME,
                secrets: [RECEIVER_SECRET.name],
                ...(amStorage === undefined ? {} : { storage: amStorage }),
            },
        },
        grafana: mergeValues(
            {
                enabled: grafana.enabled,
                defaultDashboardsTimezone: "utc",
                resources: requestsValue(KUBE_PROMETHEUS_STACK_RESOURCES.grafana),
                sidecar: {
                    dashboards: { enabled: true, label: DASHBOARD_LABEL.key, labelValue: DASHBOARD_LABEL.value, searchNamespace: "ALL" },
                    resources: requestsValue(KUBE_PROMETHEUS_STACK_RESOURCES.grafanaSidecar),
                },
                // Never the chart's well-known default password: either our Secret, or "" so the Grafana chart generates one.
                ...(args.grafanaAdminSecret
                    ? {
                          admin: {
                              existingSecret: GRAFANA_ADMIN_SECRET.name,
                              userKey: GRAFANA_ADMIN_SECRET.userKey,
                              passwordKey: GRAFANA_ADMIN_SECRET.passwordKey,
                          },
                      }
                    : { adminPassword: "" }),
            },
            args.grafanaIdentity ?? {},
        ),
    };
}
