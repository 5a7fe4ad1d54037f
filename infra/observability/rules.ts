/**
 * Alerting rules as data: pure builders from `infra/runbook.ts` to Prometheus
 * rule groups. Every threshold, `for:` window and severity is read from the
 * runbook module; nothing numeric is typed here except the PromQL rate window.
 *
 * Three groups, each shipped as one PrometheusRule object:
 * - `med-agi-key-metrics`: the runbook's "Key Metrics" table (the five alert
 *   names fixed by DESIGN.md);
 * - `med-agi-maintenance`: what "Maintenance Tasks" checks by hand (backup
 *   completion, disk usage, crash loops, data stores, the Triton CPU failover);
 * - `med-agi-security`: "Review security alerts" (`category=security`, also
 *   routed to the SIEM).
 */
import {
    ALERT_FOR,
    AUTH_FAILURE_RATIO,
    BACKUP,
    DATA_STORE_HEALTH,
    DATA_STORE_NAMES,
    KEY_METRICS,
    MAINTENANCE_ALERT_FOR,
    NAMESPACE,
    POSTGRES_BACKUP_CRONJOB,
    TRITON_DEPLOYMENTS,
    VOLUME_USAGE,
    type Severity,
} from "../runbook";
import { runbookUrl } from "./runbook-links";

/** Labels every alert carries; `category=security` also routes to the SIEM. */
export interface AlertLabels {
    readonly severity: Severity;
    readonly category?: "security";
    readonly [label: string]: string | undefined;
}

/** The annotations DESIGN.md requires on every alert. */
export interface AlertAnnotations {
    readonly summary: string;
    readonly description: string;
    readonly runbook_url: string;
}

/** One Prometheus alerting rule. */
export interface AlertRule {
    readonly alert: string;
    readonly expr: string;
    readonly for: string;
    readonly labels: AlertLabels;
    readonly annotations: AlertAnnotations;
}

/** One Prometheus rule group. */
export interface RuleGroup {
    readonly name: string;
    readonly rules: readonly AlertRule[];
}

/** Names of the alerts beyond the five of DESIGN.md. */
export const MAINTENANCE_ALERTS = {
    backupMissing: "MedAgiBackupMissing",
    volumeUsage: "MedAgiVolumeUsageHigh",
    crashLooping: "MedAgiPodCrashLooping",
    dataStoreDown: "MedAgiDataStoreDown",
    cpuFailover: "MedAgiTritonCpuFailoverActive",
    authFailures: "MedAgiHighAuthFailureRate",
    siemShipping: "MedAgiSiemShippingFailing",
    postgresDown: "MedAgiPostgresDown",
    postgresReplicationLag: "MedAgiPostgresReplicationLagHigh",
    elasticsearchRed: "MedAgiElasticsearchClusterRed",
    elasticsearchYellow: "MedAgiElasticsearchClusterYellow",
    elasticsearchUnreachable: "MedAgiElasticsearchUnreachable",
    dataStoreVolumeFillingUp: "MedAgiDataStoreVolumeFillingUp",
} as const;

/**
 * What the data-store health alerts watch, as the data-store layer deploys it
 * (infra/datastores/monitoring `dataStoreHealthTargets`). Each part is
 * optional: a store that is not in the cluster (RDS, S3) has no rule here.
 */
export interface DataStoreHealthTargets {
    /** The CloudNativePG cluster: its pods are `<cluster>-<n>`, scraped by a PodMonitor. */
    readonly postgres?: { readonly cluster: string; readonly instances: number };
    /** The Elasticsearch cluster (`cluster` label of prometheus-elasticsearch-exporter) and its node count. */
    readonly elasticsearch?: { readonly cluster: string; readonly nodes: number };
    /** Regexes of the data stores' PersistentVolumeClaim names (watched for running out of space). */
    readonly volumeClaims?: readonly string[];
}

/** Window of `rate()` for the request-based alerts (chosen: 5 scrapes at 1m, 10 at the 30 s ServiceMonitor interval). */
export const RATE_WINDOW = "5m";

/** What the rules need to know about the deployment. */
export interface RuleBuilderArgs {
    /** Namespace of the services, Triton, the data stores and the backup CronJob. @default NAMESPACE ("med-agi") */
    readonly namespace?: string;
    /** Services whose request metrics are alerted on, by name (`service` label). */
    readonly services: readonly string[];
    /** In-cluster data store StatefulSets. Empty: no data-store alert. @default DATA_STORE_NAMES */
    readonly dataStores?: readonly string[];
    /** Further namespaces whose volumes are watched (the monitoring stack's). @default [] */
    readonly extraVolumeNamespaces?: readonly string[];
    /** Whether the Postgres backup CronJob is deployed (MedAgiBackupMissing watches it). @default true */
    readonly backups?: boolean;
    /**
     * Whether this stack deploys the GPU Triton (`deployment/triton`). When
     * true, a missing Deployment counts as unhealthy (it was deleted or never
     * came up); when false, MedAgiTritonUnhealthy fires only for a `triton`
     * Deployment that exists with no ready pod, so a stack without GPU Triton
     * (dev, or before the Triton component is deployed) does not page forever.
     * @default true
     */
    readonly tritonGpu?: boolean;
    /** Namespace of Fluent Bit when it ships to the SIEM; unset: no shipping alert. @default undefined */
    readonly siemShippingNamespace?: string;
    /** Makes `runbook_url` absolute. @default undefined (repository-relative) */
    readonly runbookBaseUrl?: string;
    /** The in-cluster data stores' health targets. @default {} (no data-store health alert) */
    readonly dataStoreHealth?: DataStoreHealthTargets;
}

interface Context {
    readonly ns: string;
    readonly services: string;
    readonly url: (alert: string) => string;
}

/** A regex alternative of exact names for a `=~` matcher. */
export function alternation(names: readonly string[]): string {
    if (names.length === 0) throw new Error("alternation: at least one name is required");
    return names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
}

/** A label matcher: a string is `=`; `{ re }` is `=~`; `{ ne }` is `!=`. */
type Matcher = string | { readonly re: string } | { readonly ne: string };

/** A PromQL selector string: `metric{a="x",b=~"y",c!=""}`. */
function sel(metric: string, matchers: Readonly<Record<string, Matcher>>): string {
    const parts = Object.entries(matchers).map(([k, m]) =>
        typeof m === "string" ? `${k}="${m}"` : "re" in m ? `${k}=~"${m.re}"` : `${k}!="${m.ne}"`,
    );
    return `${metric}{${parts.join(",")}}`;
}

/** Prometheus percent text of a ratio, for prose (0.01 → "1%"). */
function pct(ratio: number): string {
    return `${Number((ratio * 100).toPrecision(6))}%`;
}

function context(args: RuleBuilderArgs): Context {
    return {
        ns: args.namespace ?? NAMESPACE,
        services: alternation(args.services),
        url: (alert) => runbookUrl(alert, args.runbookBaseUrl),
    };
}

/** 5xx (or other `codes`) share of requests per service. */
function requestRatio(c: Context, codes: string): string {
    const by = "sum by (namespace, service)";
    const num = sel("http_requests_total", { namespace: c.ns, service: { re: c.services }, code: { re: codes } });
    const den = sel("http_requests_total", { namespace: c.ns, service: { re: c.services } });
    return `${by} (rate(${num}[${RATE_WINDOW}]))\n/\n${by} (rate(${den}[${RATE_WINDOW}]))`;
}

/** Ready replicas of a Deployment, 0 when kube-state-metrics has no series for it. */
function readyReplicas(c: Context, deployment: string): string {
    return `(sum(${sel("kube_deployment_status_replicas_ready", { namespace: c.ns, deployment })}) or vector(0))`;
}

/** The five alerts of the runbook's "Key Metrics" table, with exactly its thresholds. */
export function keyMetricRules(args: RuleBuilderArgs): AlertRule[] {
    const c = context(args);
    const k = KEY_METRICS;
    const mem = `max by (namespace, pod, container) (${sel("container_memory_working_set_bytes", { namespace: c.ns, container: { ne: "" } })})`;
    const lim = `max by (namespace, pod, container) (${sel("kube_pod_container_resource_limits", { namespace: c.ns, resource: "memory" })})`;
    return [
        {
            alert: k.errorRate.alert,
            expr: `${requestRatio(c, "5..")}\n> ${k.errorRate.threshold}`,
            for: ALERT_FOR.errorRate,
            labels: { severity: k.errorRate.severity },
            annotations: {
                summary: "{{ $labels.service }}: more than " + pct(k.errorRate.threshold) + " of requests fail with 5xx",
                description:
                    `More than ${pct(k.errorRate.threshold)} of the requests to {{ $labels.service }} in namespace {{ $labels.namespace }} ` +
                    `answered 5xx over the last ${RATE_WINDOW}, for ${ALERT_FOR.errorRate}. Runbook action: ${k.errorRate.action}.`,
                runbook_url: c.url(k.errorRate.alert),
            },
        },
        {
            alert: k.latencyP95.alert,
            expr:
                `histogram_quantile(0.95, sum by (namespace, service, le) (rate(${sel("http_request_duration_seconds_bucket", { namespace: c.ns, service: { re: c.services } })}[${RATE_WINDOW}])))\n` +
                `> ${k.latencyP95.threshold}`,
            for: ALERT_FOR.latencyP95,
            labels: { severity: k.latencyP95.severity },
            annotations: {
                summary: `{{ $labels.service }}: p95 latency above ${k.latencyP95.threshold}s`,
                description:
                    `The 95th percentile of {{ $labels.service }}'s request duration in namespace {{ $labels.namespace }} has been above ` +
                    `${k.latencyP95.threshold}s for ${ALERT_FOR.latencyP95}. Runbook action: ${k.latencyP95.action}.`,
                runbook_url: c.url(k.latencyP95.alert),
            },
        },
        {
            alert: k.gpuUtilization.alert,
            expr: `avg by (Hostname, gpu) (DCGM_FI_DEV_GPU_UTIL)\n> ${k.gpuUtilization.threshold}`,
            for: ALERT_FOR.gpuUtilization,
            labels: { severity: k.gpuUtilization.severity, namespace: c.ns, service: TRITON_DEPLOYMENTS.gpu },
            annotations: {
                summary: `GPU {{ $labels.gpu }} on {{ $labels.Hostname }} above ${k.gpuUtilization.threshold}% utilisation`,
                description:
                    `GPU {{ $labels.gpu }} on node {{ $labels.Hostname }} has been more than ${k.gpuUtilization.threshold}% busy for ` +
                    `${ALERT_FOR.gpuUtilization}. Runbook action: ${k.gpuUtilization.action} (add Triton GPU capacity).`,
                runbook_url: c.url(k.gpuUtilization.alert),
            },
        },
        {
            alert: k.memoryUsage.alert,
            expr: `label_replace(\n  ${mem}\n  / on (namespace, pod, container)\n  ${lim},\n  "service", "$1", "container", "(.+)"\n)\n> ${k.memoryUsage.threshold}`,
            for: ALERT_FOR.memoryUsage,
            labels: { severity: k.memoryUsage.severity },
            annotations: {
                summary: `{{ $labels.pod }}/{{ $labels.container }}: memory above ${pct(k.memoryUsage.threshold)} of its limit`,
                description:
                    `Container {{ $labels.container }} of pod {{ $labels.pod }} (namespace {{ $labels.namespace }}) has used more than ` +
                    `${pct(k.memoryUsage.threshold)} of its memory limit for ${ALERT_FOR.memoryUsage}. Runbook action: ${k.memoryUsage.action}.`,
                runbook_url: c.url(k.memoryUsage.alert),
            },
        },
        {
            alert: k.tritonHealth.alert,
            expr:
                (args.tritonGpu ?? true)
                    ? `${readyReplicas(c, TRITON_DEPLOYMENTS.gpu)} < ${k.tritonHealth.threshold}`
                    : `sum(${sel("kube_deployment_status_replicas_ready", { namespace: c.ns, deployment: TRITON_DEPLOYMENTS.gpu })}) < ${k.tritonHealth.threshold}`,
            for: ALERT_FOR.tritonHealth,
            labels: { severity: k.tritonHealth.severity, namespace: c.ns, service: TRITON_DEPLOYMENTS.gpu },
            annotations: {
                summary: `No GPU Triton pod is ready (deployment/${TRITON_DEPLOYMENTS.gpu})`,
                description:
                    `deployment/${TRITON_DEPLOYMENTS.gpu} in namespace ${c.ns} has had no ready replica for ${ALERT_FOR.tritonHealth}. ` +
                    `Runbook action: ${k.tritonHealth.action} (automatic, via ${TRITON_DEPLOYMENTS.cpu}); check the GPUs and restart Triton.`,
                runbook_url: c.url(k.tritonHealth.alert),
            },
        },
    ];
}

/** Alerts for the checks of "Maintenance Tasks → Daily". */
export function maintenanceRules(args: RuleBuilderArgs): AlertRule[] {
    const c = context(args);
    const a = MAINTENANCE_ALERTS;
    const w = MAINTENANCE_ALERT_FOR;
    const backup = sel("kube_cronjob_status_last_successful_time", { namespace: c.ns, cronjob: POSTGRES_BACKUP_CRONJOB });
    const volumeNs = alternation([c.ns, ...(args.extraVolumeNamespaces ?? [])]);
    const volumeRatio =
        `max by (namespace, persistentvolumeclaim) (${sel("kubelet_volume_stats_used_bytes", { namespace: { re: volumeNs } })})\n` +
        `/ on (namespace, persistentvolumeclaim)\n` +
        `max by (namespace, persistentvolumeclaim) (${sel("kubelet_volume_stats_capacity_bytes", { namespace: { re: volumeNs } })})`;
    const volume = (severity: "warning" | "page", ratio: number, forWindow: string): AlertRule => ({
        alert: a.volumeUsage,
        expr: `${volumeRatio}\n> ${ratio}`,
        for: forWindow,
        labels: { severity },
        annotations: {
            summary: `Volume {{ $labels.persistentvolumeclaim }} is more than ${pct(ratio)} full`,
            description: `PersistentVolumeClaim {{ $labels.persistentvolumeclaim }} in namespace {{ $labels.namespace }} has been more than ${pct(ratio)} full for ${forWindow} (runbook: daily "Check disk usage").`,
            runbook_url: c.url(a.volumeUsage),
        },
    });
    const dataStores = args.dataStores ?? DATA_STORE_NAMES;
    const backupRules: AlertRule[] = [
        {
            alert: a.backupMissing,
            expr: `time() - max by (namespace, cronjob) (${backup})\n> ${BACKUP.maxAgeHours * 3600}`,
            for: w.backupStale,
            labels: { severity: "warning", service: "postgres", reason: "stale" },
            annotations: {
                summary: `No successful Postgres backup in the last ${BACKUP.maxAgeHours}h`,
                description: `cronjob/${POSTGRES_BACKUP_CRONJOB} in namespace {{ $labels.namespace }} last succeeded more than ${BACKUP.maxAgeHours}h ago (runbook: daily "Verify backup completion").`,
                runbook_url: c.url(a.backupMissing),
            },
        },
        {
            alert: a.backupMissing,
            expr: `absent(${backup})`,
            for: w.backupAbsent,
            labels: { severity: "warning", service: "postgres", reason: "never-succeeded" },
            annotations: {
                summary: `No successful Postgres backup recorded for ${BACKUP.maxAgeHours}h`,
                description: `kube-state-metrics has reported no successful run of cronjob/${POSTGRES_BACKUP_CRONJOB} in namespace ${c.ns} for ${w.backupAbsent}: the CronJob is missing or has never succeeded (runbook: daily "Verify backup completion").`,
                runbook_url: c.url(a.backupMissing),
            },
        },
    ];
    const rules: AlertRule[] = [
        ...((args.backups ?? true) ? backupRules : []),
        volume("warning", VOLUME_USAGE.warning, w.volumeUsageWarning),
        volume("page", VOLUME_USAGE.page, w.volumeUsagePage),
        {
            alert: a.crashLooping,
            expr: `label_replace(\n  max by (namespace, pod, container) (max_over_time(${sel("kube_pod_container_status_waiting_reason", { namespace: c.ns, reason: "CrashLoopBackOff" })}[${RATE_WINDOW}])) >= 1,\n  "service", "$1", "container", "(.+)"\n)`,
            for: w.crashLooping,
            labels: { severity: "warning" },
            annotations: {
                summary: "{{ $labels.pod }}/{{ $labels.container }} is crash-looping",
                description: `Container {{ $labels.container }} of pod {{ $labels.pod }} (namespace {{ $labels.namespace }}) has been in CrashLoopBackOff for ${w.crashLooping} (runbook: daily "Review error logs and metrics").`,
                runbook_url: c.url(a.crashLooping),
            },
        },
    ];
    // Only where a GPU Triton fails over to triton-cpu: dev has neither, so nothing can stand active there.
    if (args.tritonGpu ?? true) {
        rules.push({
            alert: a.cpuFailover,
            expr: `${readyReplicas(c, TRITON_DEPLOYMENTS.gpu)} < 1\nand on ()\n${readyReplicas(c, TRITON_DEPLOYMENTS.cpu)} >= 1`,
            for: w.cpuFailover,
            labels: { severity: "warning", namespace: c.ns, service: TRITON_DEPLOYMENTS.cpu },
            annotations: {
                summary: "Inference is running on the CPU fallback",
                description: `deployment/${TRITON_DEPLOYMENTS.gpu} has no ready replica while deployment/${TRITON_DEPLOYMENTS.cpu} serves, for ${w.cpuFailover}: the runbook's automatic "Failover to CPU inference" is active; expect higher latency until the GPU Triton is back.`,
                runbook_url: c.url(a.cpuFailover),
            },
        });
    }
    if (dataStores.length > 0) {
        rules.push({
            alert: a.dataStoreDown,
            expr: `label_replace(\n  max by (namespace, statefulset) (${sel("kube_statefulset_status_replicas_ready", { namespace: c.ns, statefulset: { re: alternation(dataStores) } })}) < 1,\n  "service", "$1", "statefulset", "(.+)"\n)`,
            for: w.dataStoreDown,
            labels: { severity: "page" },
            annotations: {
                summary: "Data store {{ $labels.statefulset }} is down",
                description: `statefulset/{{ $labels.statefulset }} in namespace {{ $labels.namespace }} has had no ready replica for ${w.dataStoreDown}: services depending on it fail (P1: outage, data loss risk).`,
                runbook_url: c.url(a.dataStoreDown),
            },
        });
    }
    return rules;
}

/**
 * Health of the in-cluster data stores: PostgreSQL (CloudNativePG has no
 * StatefulSet, so MedAgiDataStoreDown cannot see it), Elasticsearch cluster
 * status through the exporter, and data-store volumes running out of space.
 * The object store's StatefulSets stay with MedAgiDataStoreDown.
 */
export function dataStoreHealthRules(args: RuleBuilderArgs): AlertRule[] {
    const c = context(args);
    const a = MAINTENANCE_ALERTS;
    const w = MAINTENANCE_ALERT_FOR;
    const h = DATA_STORE_HEALTH;
    const t = args.dataStoreHealth ?? {};
    const rules: AlertRule[] = [];
    if (t.postgres !== undefined) {
        const pods = { namespace: c.ns, pod: { re: `${alternation([t.postgres.cluster])}-[0-9]+` } };
        const ready = `(sum(${sel("kube_pod_status_ready", { ...pods, condition: "true" })}) or vector(0))`;
        const description = (why: string) =>
            `${why} for ${w.postgresDown}: every service's database connection fails (P1: outage, data loss risk). ` +
            `Check \`kubectl get cluster ${t.postgres?.cluster} -n ${c.ns}\` and the instance pods' logs.`;
        rules.push(
            {
                alert: a.postgresDown,
                expr: `${ready} < 1`,
                for: w.postgresDown,
                labels: { severity: "page", namespace: c.ns, service: "postgres", reason: "no-ready-instance" },
                annotations: {
                    summary: `PostgreSQL cluster ${t.postgres.cluster} has no ready instance`,
                    description: description(
                        `No pod of the CloudNativePG cluster ${t.postgres.cluster} in namespace ${c.ns} has been ready`,
                    ),
                    runbook_url: c.url(a.postgresDown),
                },
            },
            {
                alert: a.postgresDown,
                expr: `max by (namespace, pod) (${sel("cnpg_collector_up", pods)}) < 1`,
                for: w.postgresDown,
                labels: { severity: "page", service: "postgres", reason: "postgres-not-running" },
                annotations: {
                    summary: "PostgreSQL is not running in {{ $labels.pod }}",
                    description: description(
                        "The CloudNativePG instance manager of {{ $labels.pod }} has reported PostgreSQL down (cnpg_collector_up 0)",
                    ),
                    runbook_url: c.url(a.postgresDown),
                },
            },
        );
        if (t.postgres.instances > 1) {
            rules.push({
                alert: a.postgresReplicationLag,
                expr: `max by (namespace, pod) (${sel("cnpg_pg_replication_lag", pods)})\n> ${h.replicationLagSeconds}`,
                for: w.postgresReplicationLag,
                labels: { severity: "warning", service: "postgres" },
                annotations: {
                    summary: `Standby {{ $labels.pod }} is more than ${h.replicationLagSeconds}s behind the primary`,
                    description: `PostgreSQL standby {{ $labels.pod }} (namespace {{ $labels.namespace }}) has replayed WAL more than ${h.replicationLagSeconds}s behind its primary for ${w.postgresReplicationLag}: a failover now would lose that much.`,
                    runbook_url: c.url(a.postgresReplicationLag),
                },
            });
        }
    }
    if (t.elasticsearch !== undefined) {
        const es = { namespace: c.ns, cluster: t.elasticsearch.cluster };
        const status = (color: string) =>
            `max by (namespace, cluster) (${sel("elasticsearch_cluster_health_status", { ...es, color })}) == 1`;
        rules.push(
            {
                alert: a.elasticsearchRed,
                expr: status("red"),
                for: w.elasticsearchRed,
                labels: { severity: "page", service: "elasticsearch" },
                annotations: {
                    summary: "Elasticsearch cluster {{ $labels.cluster }} is red",
                    description: `Elasticsearch cluster {{ $labels.cluster }} (namespace {{ $labels.namespace }}) has had unassigned primary shards for ${w.elasticsearchRed}: searches miss data and writes to those indices fail (log and audit streams included).`,
                    runbook_url: c.url(a.elasticsearchRed),
                },
            },
            {
                alert: a.elasticsearchUnreachable,
                expr: `absent(${sel("elasticsearch_cluster_health_up", { namespace: c.ns })} == 1)`,
                for: w.elasticsearchUnreachable,
                // absent() of a comparison keeps no label: name the namespace here.
                labels: { severity: "warning", namespace: c.ns, service: "elasticsearch" },
                annotations: {
                    summary: "Elasticsearch health is unknown",
                    description: `prometheus-elasticsearch-exporter in namespace ${c.ns} has not reached Elasticsearch (or has not been scraped) for ${w.elasticsearchUnreachable}: the cluster-status alerts are blind.`,
                    runbook_url: c.url(a.elasticsearchUnreachable),
                },
            },
        );
        // With one node every replica is unassigned by design: yellow says nothing there.
        if (t.elasticsearch.nodes > 1) {
            rules.push({
                alert: a.elasticsearchYellow,
                expr: status("yellow"),
                for: w.elasticsearchYellow,
                labels: { severity: "warning", service: "elasticsearch" },
                annotations: {
                    summary: "Elasticsearch cluster {{ $labels.cluster }} is yellow",
                    description: `Elasticsearch cluster {{ $labels.cluster }} (namespace {{ $labels.namespace }}) has had unassigned replica shards for ${w.elasticsearchYellow}: one more node loss may lose data.`,
                    runbook_url: c.url(a.elasticsearchYellow),
                },
            });
        }
    }
    if (t.volumeClaims !== undefined && t.volumeClaims.length > 0) {
        const claims = { namespace: c.ns, persistentvolumeclaim: { re: t.volumeClaims.join("|") } };
        const by = "max by (namespace, persistentvolumeclaim)";
        const available = sel("kubelet_volume_stats_available_bytes", claims);
        const capacity = sel("kubelet_volume_stats_capacity_bytes", claims);
        rules.push({
            alert: a.dataStoreVolumeFillingUp,
            expr:
                `${by} (predict_linear(${available}[${h.volumeFillTrendWindow}], ${h.volumeFillHorizonHours * 3600})) < 0\n` +
                `and on (namespace, persistentvolumeclaim)\n` +
                `${by} (${available}) / ${by} (${capacity}) < ${1 - h.volumeFillMinUsedRatio}`,
            for: w.dataStoreVolumeFillingUp,
            labels: { severity: "warning" },
            annotations: {
                summary: `Data-store volume {{ $labels.persistentvolumeclaim }} will be full within ${h.volumeFillHorizonHours}h`,
                description: `At the rate of the last ${h.volumeFillTrendWindow}, PersistentVolumeClaim {{ $labels.persistentvolumeclaim }} in namespace {{ $labels.namespace }} runs out of space within ${h.volumeFillHorizonHours}h, and is at least ${pct(h.volumeFillMinUsedRatio)} full (runbook: daily "Check disk usage"). Expand the volume (the StorageClass allows it in the cloud) or shorten retention.`,
                runbook_url: c.url(a.dataStoreVolumeFillingUp),
            },
        });
    }
    return rules;
}

/** Alerts for "Review security alerts"; all carry `category=security`. */
export function securityRules(args: RuleBuilderArgs): AlertRule[] {
    const c = context(args);
    const a = MAINTENANCE_ALERTS;
    const w = MAINTENANCE_ALERT_FOR;
    const rules: AlertRule[] = [
        {
            alert: a.authFailures,
            expr: `${requestRatio(c, "401|403")}\n> ${AUTH_FAILURE_RATIO}`,
            for: w.authFailures,
            labels: { severity: "warning", category: "security" },
            annotations: {
                summary: `{{ $labels.service }}: more than ${pct(AUTH_FAILURE_RATIO)} of requests are refused (401/403)`,
                description: `More than ${pct(AUTH_FAILURE_RATIO)} of the requests to {{ $labels.service }} in namespace {{ $labels.namespace }} were refused with 401/403 for ${w.authFailures}: credential stuffing, an OIDC outage or a wrong OPA policy.`,
                runbook_url: c.url(a.authFailures),
            },
        },
    ];
    if (args.siemShippingNamespace !== undefined) {
        rules.push({
            alert: a.siemShipping,
            expr: `sum by (namespace, pod, name) (increase(${sel("fluentbit_output_retries_failed_total", { namespace: args.siemShippingNamespace })}[${w.siemShipping}]))\n> 0`,
            for: "0m",
            labels: { severity: "warning", category: "security" },
            annotations: {
                summary: "Fluent Bit {{ $labels.pod }} is dropping records bound for the SIEM",
                description: `Output {{ $labels.name }} of {{ $labels.pod }} gave up on records after exhausting its retries within the last ${w.siemShipping}: container or audit logs are missing from the SIEM.`,
                runbook_url: c.url(a.siemShipping),
            },
        });
    }
    return rules;
}

/** Stable group (and PrometheusRule object) names. */
export const RULE_GROUP_NAMES = {
    keyMetrics: "med-agi-key-metrics",
    maintenance: "med-agi-maintenance",
    security: "med-agi-security",
} as const;

/** Every rule group, keyed by the PrometheusRule object that ships it. */
export function ruleGroups(args: RuleBuilderArgs): Record<keyof typeof RULE_GROUP_NAMES, RuleGroup> {
    return {
        keyMetrics: { name: RULE_GROUP_NAMES.keyMetrics, rules: keyMetricRules(args) },
        maintenance: { name: RULE_GROUP_NAMES.maintenance, rules: [...maintenanceRules(args), ...dataStoreHealthRules(args)] },
        security: { name: RULE_GROUP_NAMES.security, rules: securityRules(args) },
    };
}

/** A Prometheus rule file (`groups:`), as promtool and the render's `prometheus-rules.yaml` read it. */
export function ruleFile(groups: readonly RuleGroup[]): { groups: RuleGroup[] } {
    return { groups: [...groups] };
}
