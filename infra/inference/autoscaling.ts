/**
 * GPU autoscaling, as pure builders: the HPA on `deployment/triton`, and the
 * values of the three charts behind it (keys as the pinned chart versions'
 * values.yaml documents them; see docs/versions.md):
 *
 * - nvidia-device-plugin: advertises `nvidia.com/gpu` on the GPU nodes (the
 *   AL2023 NVIDIA AMI carries driver and toolkit, not the plugin);
 * - dcgm-exporter: `DCGM_FI_DEV_GPU_UTIL` per GPU, labelled with the pod
 *   that holds it (`honorLabels`), scraped through its ServiceMonitor;
 * - prometheus-adapter: serves that series (and Triton's queue time) as
 *   custom metrics of the pods, which the HPA reads.
 */
import type * as k8s from "@pulumi/kubernetes";

import type { GpuSettings } from "./config";
import { PROMETHEUS_SERVICE } from "./defaults";
import { TRITON_NAMES } from "./spec";

/** Custom metrics (custom.metrics.k8s.io) the adapter serves for Triton pods. */
export const CUSTOM_METRICS = {
    /** Average DCGM_FI_DEV_GPU_UTIL (percent) of the GPUs a pod holds. */
    gpuUtilization: "triton_gpu_utilization",
    /** Mean time a request waited in Triton's queue over 2 minutes, in milliseconds. */
    queueTime: "triton_queue_time_ms",
} as const;

/** autoscaling/v2 HPA on `deployment/triton`: average GPU utilisation per pod at the configured target (< 90 %). */
export function gpuHpaSpec(gpu: GpuSettings): k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerSpec {
    return {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: TRITON_NAMES.triton },
        minReplicas: gpu.minReplicas,
        maxReplicas: gpu.maxReplicas,
        metrics: [
            {
                type: "Pods",
                pods: {
                    metric: { name: CUSTOM_METRICS.gpuUtilization },
                    target: { type: "AverageValue", averageValue: String(gpu.targetGpuUtilization) },
                },
            },
        ],
        behavior: {
            // A GPU pod takes minutes to load its models: add capacity at once, remove it slowly.
            scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: "Pods", value: 2, periodSeconds: 60 }] },
            scaleDown: { stabilizationWindowSeconds: 600, policies: [{ type: "Pods", value: 1, periodSeconds: 300 }] },
        },
    };
}

/** A PodDisruptionBudget only where more than one GPU replica is the floor. */
export function gpuPdbSpec(gpu: GpuSettings): k8s.types.input.policy.v1.PodDisruptionBudgetSpec | undefined {
    if (gpu.minReplicas < 2) return undefined;
    return {
        maxUnavailable: 1,
        // A pod that is not ready serves nothing: let a drain evict it (the default blocks the drain).
        unhealthyPodEvictionPolicy: "AlwaysAllow",
        selector: { matchLabels: { "app.kubernetes.io/name": TRITON_NAMES.triton, "app.kubernetes.io/part-of": "med-agi" } },
    };
}

function gpuToleration(gpu: GpuSettings) {
    return { key: gpu.taint.key, operator: "Equal", value: gpu.taint.value, effect: gpu.taint.effect };
}

/** nvidia-device-plugin values: on the GPU pool only, tolerating its taint. */
export function devicePluginValues(gpu: GpuSettings): Record<string, unknown> {
    return {
        nodeSelector: { ...gpu.nodeSelector },
        tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }, gpuToleration(gpu)],
        priorityClassName: "system-node-critical",
        gfd: { enabled: false },
    };
}

/** dcgm-exporter values: on the GPU pool, ServiceMonitor on, the pod labels of the GPU's user kept. */
export function dcgmExporterValues(gpu: GpuSettings): Record<string, unknown> {
    return {
        nodeSelector: { ...gpu.nodeSelector },
        tolerations: [gpuToleration(gpu)],
        serviceMonitor: {
            enabled: true,
            interval: "15s",
            // dcgm-exporter's `namespace`/`pod` name the pod holding the GPU (Triton), not the exporter.
            honorLabels: true,
        },
    };
}

/** One prometheus-adapter custom-metrics rule. */
export interface AdapterRule {
    readonly seriesQuery: string;
    readonly resources: { readonly overrides: Record<string, { readonly resource: string }> };
    readonly name: { readonly matches: string; readonly as: string };
    readonly metricsQuery: string;
}

/** The adapter's rules: GPU utilisation and Triton queue time per pod (namespace/pod labels). */
export function adapterRules(): AdapterRule[] {
    const resources = { overrides: { namespace: { resource: "namespace" }, pod: { resource: "pod" } } };
    return [
        {
            seriesQuery: 'DCGM_FI_DEV_GPU_UTIL{namespace!="",pod!=""}',
            resources,
            name: { matches: "^DCGM_FI_DEV_GPU_UTIL$", as: CUSTOM_METRICS.gpuUtilization },
            metricsQuery: "avg by (<<.GroupBy>>) (<<.Series>>{<<.LabelMatchers>>})",
        },
        {
            seriesQuery: 'nv_inference_queue_duration_us{namespace!="",pod!=""}',
            resources,
            name: { matches: "^nv_inference_queue_duration_us$", as: CUSTOM_METRICS.queueTime },
            metricsQuery:
                "sum by (<<.GroupBy>>) (rate(<<.Series>>{<<.LabelMatchers>>}[2m]))" +
                " / clamp_min(sum by (<<.GroupBy>>) (rate(nv_inference_request_success{<<.LabelMatchers>>}[2m])), 1e-9) / 1000",
        },
    ];
}

/** prometheus-adapter replicas unless the component is told otherwise (`TritonArgs.adapterReplicas`); capacity validation reads the same. */
export const PROMETHEUS_ADAPTER_DEFAULT_REPLICAS = 1;

/**
 * prometheus-adapter's requests (`resources`; chart 5.3.0 sets none): the chart's own example,
 * 100m / 128Mi (prometheus-community/helm-charts prometheus-adapter-5.3.0 = e6e041b, values.yaml,
 * under `resources: {}`), which serves two rules here (kube-prometheus, serving every pod's
 * resource metrics, requests 102m / 180Mi). Capacity validation reads the same
 * (infra/aws/workloads.ts). No limit: the chart sets none.
 */
export const PROMETHEUS_ADAPTER_RESOURCES = { requests: { cpu: "100m", memory: "128Mi" } } as const;

/** prometheus-adapter values: kube-prometheus-stack's Prometheus, only our rules. */
export function prometheusAdapterValues(monitoringNamespace: string, replicas: number): Record<string, unknown> {
    return {
        replicas,
        resources: { requests: { ...PROMETHEUS_ADAPTER_RESOURCES.requests } },
        prometheus: { url: `http://${PROMETHEUS_SERVICE.name}.${monitoringNamespace}.svc`, port: PROMETHEUS_SERVICE.port },
        rules: { default: false, custom: adapterRules() },
    };
}
