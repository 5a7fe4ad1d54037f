/**
 * The Grafana dashboard of the runbook's "Key Metrics" table, as code: error
 * rate, p95 latency, GPU utilisation, memory against limit and Triton health,
 * per service, each panel drawing the runbook threshold (read from
 * `infra/runbook.ts`) as a red line. Grafana's dashboard sidecar loads it
 * from a ConfigMap labelled {@link DASHBOARD_LABEL}.
 */
import { DATA_STORE_HEALTH, KEY_METRICS, NAMESPACE, TRITON_DEPLOYMENTS, VOLUME_USAGE } from "../runbook";
import { MAINTENANCE_ALERTS, RATE_WINDOW, alternation, type DataStoreHealthTargets } from "./rules";

/** Label the kube-prometheus-stack Grafana sidecar watches (`grafana.sidecar.dashboards.label`/`labelValue`). */
export const DASHBOARD_LABEL = { key: "grafana_dashboard", value: "1" } as const;

/** Stable identity of the dashboard (URLs and bookmarks survive re-provisioning). */
export const DASHBOARD_UID = "med-agi-key-metrics";

/** One PromQL query of a panel. */
export interface PanelTarget {
    readonly refId: string;
    readonly expr: string;
    readonly legendFormat: string;
}

/** The subset of a Grafana panel this dashboard uses. */
export interface Panel {
    readonly id: number;
    readonly title: string;
    readonly type: "timeseries" | "stat";
    readonly description: string;
    readonly gridPos: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
    readonly datasource: { readonly type: "prometheus"; readonly uid: string };
    readonly targets: readonly PanelTarget[];
    readonly fieldConfig: Record<string, unknown>;
    readonly options?: Record<string, unknown>;
}

/** What the dashboard needs to know. */
export interface DashboardArgs {
    /** Services shown (and offered in the `service` variable). */
    readonly services: readonly string[];
    /** Namespace of the services. @default NAMESPACE ("med-agi") */
    readonly namespace?: string;
    /** Data stores to chart (the same targets as their alerts). @default {} (no data-store panel) */
    readonly dataStoreHealth?: DataStoreHealthTargets;
}

const DATASOURCE = { type: "prometheus", uid: "${datasource}" } as const;

/** Grafana thresholds: green below the runbook value, red from it on. */
function thresholdConfig(unit: string, threshold: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        defaults: {
            unit,
            ...extra,
            thresholds: {
                mode: "absolute",
                steps: [
                    { color: "green", value: null },
                    { color: "red", value: threshold },
                ],
            },
            custom: { thresholdsStyle: { mode: "line+area" } },
        },
        overrides: [],
    };
}

/** Stat panel colours: red below `greenFrom`, green from it on (a count of ready pods or instances). */
function readyStatConfig(greenFrom: number): Record<string, unknown> {
    return {
        defaults: {
            unit: "none",
            thresholds: {
                mode: "absolute",
                steps: [
                    { color: "red", value: null },
                    { color: "green", value: greenFrom },
                ],
            },
        },
        overrides: [],
    };
}

/** Stat panels: the last value, coloured as background, no sparkline. */
const STAT_OPTIONS = { colorMode: "background", graphMode: "none", reduceOptions: { calcs: ["lastNotNull"] } } as const;

/** Panel `i` of the two-column grid, left to right, top to bottom. */
function grid(i: number): Panel["gridPos"] {
    return { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 };
}

/** The panels, left to right, top to bottom. */
export function dashboardPanels(args: DashboardArgs): Panel[] {
    const ns = args.namespace ?? NAMESPACE;
    const svc = `service=~"$service"`;
    const k = KEY_METRICS;
    return [
        {
            id: 1,
            title: "Error rate (5xx share of requests)",
            type: "timeseries",
            description: `Runbook: Error Rate > ${k.errorRate.threshold * 100}% → ${k.errorRate.action} (${k.errorRate.alert}).`,
            gridPos: grid(0),
            datasource: DATASOURCE,
            targets: [
                {
                    refId: "A",
                    expr:
                        `sum by (service) (rate(http_requests_total{namespace="${ns}",${svc},code=~"5.."}[${RATE_WINDOW}]))\n/\n` +
                        `sum by (service) (rate(http_requests_total{namespace="${ns}",${svc}}[${RATE_WINDOW}]))`,
                    legendFormat: "{{service}}",
                },
            ],
            fieldConfig: thresholdConfig("percentunit", k.errorRate.threshold),
        },
        {
            id: 2,
            title: "P95 latency",
            type: "timeseries",
            description: `Runbook: P95 Latency > ${k.latencyP95.threshold}s → ${k.latencyP95.action} (${k.latencyP95.alert}).`,
            gridPos: grid(1),
            datasource: DATASOURCE,
            targets: [
                {
                    refId: "A",
                    expr: `histogram_quantile(0.95, sum by (service, le) (rate(http_request_duration_seconds_bucket{namespace="${ns}",${svc}}[${RATE_WINDOW}])))`,
                    legendFormat: "{{service}}",
                },
            ],
            fieldConfig: thresholdConfig("s", k.latencyP95.threshold),
        },
        {
            id: 3,
            title: "GPU utilisation",
            type: "timeseries",
            description: `Runbook: GPU Utilization > ${k.gpuUtilization.threshold}% → ${k.gpuUtilization.action} (${k.gpuUtilization.alert}).`,
            gridPos: grid(2),
            datasource: DATASOURCE,
            targets: [{ refId: "A", expr: "avg by (Hostname, gpu) (DCGM_FI_DEV_GPU_UTIL)", legendFormat: "{{Hostname}} GPU {{gpu}}" }],
            fieldConfig: thresholdConfig("percent", k.gpuUtilization.threshold, { min: 0, max: 100 }),
        },
        {
            id: 4,
            title: "Memory (working set / limit)",
            type: "timeseries",
            description: `Runbook: Memory Usage > ${k.memoryUsage.threshold * 100}% → ${k.memoryUsage.action} (${k.memoryUsage.alert}).`,
            gridPos: grid(3),
            datasource: DATASOURCE,
            targets: [
                {
                    refId: "A",
                    expr:
                        `max by (pod, container) (container_memory_working_set_bytes{namespace="${ns}",container=~"$service"})\n` +
                        `/ on (pod, container)\n` +
                        `max by (pod, container) (kube_pod_container_resource_limits{namespace="${ns}",resource="memory",container=~"$service"})`,
                    legendFormat: "{{pod}}",
                },
            ],
            fieldConfig: thresholdConfig("percentunit", k.memoryUsage.threshold, { min: 0, max: 1 }),
        },
        {
            id: 5,
            title: "Triton health: which pool serves (ready replicas)",
            type: "stat",
            description:
                `Runbook: Triton Health Unhealthy → ${k.tritonHealth.action} (${k.tritonHealth.alert}). Red: no ready GPU Triton pod. ` +
                `${TRITON_DEPLOYMENTS.cpu} pods are ready only while they serve (the failover gate), so a non-zero CPU value means inference runs on CPU.`,
            gridPos: grid(4),
            datasource: DATASOURCE,
            targets: [
                {
                    refId: "A",
                    expr: `sum(kube_deployment_status_replicas_ready{namespace="${ns}",deployment="${TRITON_DEPLOYMENTS.gpu}"}) or vector(0)`,
                    legendFormat: `${TRITON_DEPLOYMENTS.gpu} (GPU)`,
                },
                {
                    refId: "B",
                    expr: `sum(kube_deployment_status_replicas_ready{namespace="${ns}",deployment="${TRITON_DEPLOYMENTS.cpu}"}) or vector(0)`,
                    legendFormat: `${TRITON_DEPLOYMENTS.cpu} (CPU fallback)`,
                },
            ],
            fieldConfig: readyStatConfig(k.tritonHealth.threshold),
            options: STAT_OPTIONS,
        },
        {
            id: 6,
            title: "Request rate",
            type: "timeseries",
            description: "Requests per second per service: the load behind the error and latency panels.",
            gridPos: grid(5),
            datasource: DATASOURCE,
            targets: [
                {
                    refId: "A",
                    expr: `sum by (service) (rate(http_requests_total{namespace="${ns}",${svc}}[${RATE_WINDOW}]))`,
                    legendFormat: "{{service}}",
                },
            ],
            fieldConfig: { defaults: { unit: "reqps" }, overrides: [] },
        },
        {
            id: 7,
            title: "Triton inference rate by pool",
            type: "timeseries",
            description: "Successful inferences per second, GPU pool against CPU fallback (Triton's nv_inference_request_success).",
            gridPos: grid(6),
            datasource: DATASOURCE,
            targets: [
                {
                    refId: "A",
                    expr: `sum by (pool) (rate(nv_inference_request_success{namespace="${ns}"}[${RATE_WINDOW}]))`,
                    legendFormat: "{{pool}}",
                },
            ],
            fieldConfig: { defaults: { unit: "reqps" }, overrides: [] },
        },
        {
            id: 8,
            title: "Triton queue time per request",
            type: "timeseries",
            description:
                "Mean time a request waited in Triton's queue, per pool: rising queue time on the GPU pool is what the autoscaler relieves.",
            gridPos: grid(7),
            datasource: DATASOURCE,
            targets: [
                {
                    refId: "A",
                    expr:
                        `sum by (pool) (rate(nv_inference_queue_duration_us{namespace="${ns}"}[${RATE_WINDOW}]))\n/\n` +
                        `sum by (pool) (rate(nv_inference_request_success{namespace="${ns}"}[${RATE_WINDOW}])) / 1000`,
                    legendFormat: "{{pool}}",
                },
            ],
            fieldConfig: { defaults: { unit: "ms" }, overrides: [] },
        },
    ];
}

/** The data-store row: PostgreSQL ready instances, Elasticsearch status, data-store volume fill; each only where it is deployed. */
export function dataStorePanels(args: DashboardArgs, firstId: number, firstSlot: number): Panel[] {
    const ns = args.namespace ?? NAMESPACE;
    const t = args.dataStoreHealth ?? {};
    const a = MAINTENANCE_ALERTS;
    const panels: Omit<Panel, "id" | "gridPos">[] = [];
    if (t.postgres !== undefined) {
        panels.push({
            title: `PostgreSQL: ready instances of ${t.postgres.cluster}`,
            type: "stat",
            description: `Red: no ready instance (${a.postgresDown}); ${t.postgres.instances} expected. Lag of each standby against its primary where there are standbys (${a.postgresReplicationLag} above ${DATA_STORE_HEALTH.replicationLagSeconds}s).`,
            datasource: DATASOURCE,
            targets: [
                {
                    refId: "A",
                    expr: `sum(kube_pod_status_ready{namespace="${ns}",pod=~"${t.postgres.cluster}-[0-9]+",condition="true"}) or vector(0)`,
                    legendFormat: "ready",
                },
                {
                    refId: "B",
                    expr: `max by (pod) (cnpg_pg_replication_lag{namespace="${ns}",pod=~"${t.postgres.cluster}-[0-9]+"})`,
                    legendFormat: "lag {{pod}} (s)",
                },
            ],
            fieldConfig: readyStatConfig(1),
            options: STAT_OPTIONS,
        });
    }
    if (t.elasticsearch !== undefined) {
        panels.push({
            title: `Elasticsearch: cluster status of ${t.elasticsearch.cluster}`,
            type: "stat",
            description: `0 green, 1 yellow (${a.elasticsearchYellow} where there is more than one node), 2 red (${a.elasticsearchRed}); no value: the exporter cannot reach the cluster (${a.elasticsearchUnreachable}).`,
            datasource: DATASOURCE,
            targets: [
                {
                    refId: "A",
                    expr:
                        `max(elasticsearch_cluster_health_status{namespace="${ns}",cluster="${t.elasticsearch.cluster}",color="yellow"}) ` +
                        `+ 2 * max(elasticsearch_cluster_health_status{namespace="${ns}",cluster="${t.elasticsearch.cluster}",color="red"})`,
                    legendFormat: "status",
                },
            ],
            fieldConfig: {
                defaults: {
                    unit: "none",
                    mappings: [{ type: "value", options: { "0": { text: "green" }, "1": { text: "yellow" }, "2": { text: "red" } } }],
                    thresholds: {
                        mode: "absolute",
                        steps: [
                            { color: "green", value: null },
                            { color: "yellow", value: 1 },
                            { color: "red", value: 2 },
                        ],
                    },
                },
                overrides: [],
            },
            options: STAT_OPTIONS,
        });
    }
    if (t.volumeClaims !== undefined && t.volumeClaims.length > 0) {
        const re = t.volumeClaims.join("|");
        panels.push({
            title: "Data-store volumes (used / capacity)",
            type: "timeseries",
            description: `Warning at ${VOLUME_USAGE.warning * 100}%, page at ${VOLUME_USAGE.page * 100}% (${a.volumeUsage}); ${a.dataStoreVolumeFillingUp} when the last ${DATA_STORE_HEALTH.volumeFillTrendWindow} trend fills a volume within ${DATA_STORE_HEALTH.volumeFillHorizonHours}h.`,
            datasource: DATASOURCE,
            targets: [
                {
                    refId: "A",
                    expr:
                        `max by (persistentvolumeclaim) (kubelet_volume_stats_used_bytes{namespace="${ns}",persistentvolumeclaim=~"${re}"})\n/\n` +
                        `max by (persistentvolumeclaim) (kubelet_volume_stats_capacity_bytes{namespace="${ns}",persistentvolumeclaim=~"${re}"})`,
                    legendFormat: "{{persistentvolumeclaim}}",
                },
            ],
            fieldConfig: thresholdConfig("percentunit", VOLUME_USAGE.warning, { min: 0, max: 1 }),
        });
    }
    return panels.map((p, i) => ({ ...p, id: firstId + i, gridPos: grid(firstSlot + i) }));
}

/** The dashboard JSON model (Grafana schema 39). Pure. */
export function dashboard(args: DashboardArgs): Record<string, unknown> {
    const keyMetrics = dashboardPanels(args);
    return {
        uid: DASHBOARD_UID,
        title: "Med-AGI — runbook key metrics",
        tags: ["med-agi", "runbook"],
        timezone: "utc",
        schemaVersion: 39,
        version: 1,
        editable: false,
        refresh: "1m",
        time: { from: "now-6h", to: "now" },
        templating: {
            list: [
                { name: "datasource", type: "datasource", query: "prometheus", label: "Data source" },
                {
                    name: "service",
                    type: "custom",
                    label: "Service",
                    multi: true,
                    includeAll: true,
                    allValue: alternation(args.services),
                    query: args.services.join(","),
                    current: { text: ["All"], value: ["$__all"] },
                },
            ],
        },
        annotations: { list: [] },
        panels: [...keyMetrics, ...dataStorePanels(args, keyMetrics.length + 1, keyMetrics.length)],
    };
}
