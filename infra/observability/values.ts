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

/** The subset of kube-prometheus-stack values this program sets. */
export interface KubePrometheusStackValues {
    readonly crds: { readonly enabled: boolean };
    readonly defaultRules: { readonly create: boolean; readonly rules: Readonly<Record<string, boolean>> };
    readonly kubeEtcd: { readonly enabled: boolean };
    readonly kubeControllerManager: { readonly enabled: boolean };
    readonly kubeScheduler: { readonly enabled: boolean };
    readonly kubeProxy: { readonly enabled: boolean };
    readonly prometheus: { readonly prometheusSpec: Readonly<Record<string, unknown>> };
    readonly alertmanager: { readonly alertmanagerSpec: Readonly<Record<string, unknown>> };
    readonly grafana: Readonly<Record<string, unknown>>;
    readonly "kube-state-metrics": { readonly collectors: readonly string[] };
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
        "kube-state-metrics": { collectors: [...KUBE_STATE_METRICS_COLLECTORS] },
        prometheus: {
            prometheusSpec: {
                replicas: prometheus.replicas,
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
                sidecar: {
                    dashboards: { enabled: true, label: DASHBOARD_LABEL.key, labelValue: DASHBOARD_LABEL.value, searchNamespace: "ALL" },
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
