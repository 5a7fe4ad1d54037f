/**
 * Pinned images and charts of the inference component, and its defaults, in
 * one place. Every pin is recorded in docs/versions.md with the upstream tag
 * it was checked against.
 */

/** A Helm chart at an exact version in its repository. */
export interface PinnedChart {
    readonly chart: string;
    readonly version: string;
    readonly repo: string;
}

export const IMAGES = {
    /** Triton 2.71.0 (NGC 26.07, tag v2.71.0 of triton-inference-server/server, 2026-07-24). */
    triton: { repository: "nvcr.io/nvidia/tritonserver", tag: "26.07-py3" },
    /** The failover gate: BusyBox `sh` + `wget` (Docker official image, stable 1.37 series). */
    gate: "docker.io/library/busybox:1.37.0",
} as const;

export const CHARTS = {
    /** NVIDIA/k8s-device-plugin v0.20.0 (image nvcr.io/nvidia/k8s-device-plugin:v0.20.0). */
    devicePlugin: { chart: "nvidia-device-plugin", version: "0.20.0", repo: "https://nvidia.github.io/k8s-device-plugin" },
    /** NVIDIA/dcgm-exporter 4.5.3-4.8.2 (chart 4.8.2, image nvcr.io/nvidia/k8s/dcgm-exporter:4.5.3-4.8.2-distroless). */
    dcgmExporter: { chart: "dcgm-exporter", version: "4.8.2", repo: "https://nvidia.github.io/dcgm-exporter/helm-charts" },
    /** prometheus-community/prometheus-adapter 5.3.0 (app v0.12.0). */
    prometheusAdapter: {
        chart: "prometheus-adapter",
        version: "5.3.0",
        repo: "https://prometheus-community.github.io/helm-charts",
    },
} as const satisfies Record<string, PinnedChart>;

/** The extended resource the NVIDIA device plugin advertises; a Triton GPU pod requests it. */
export const GPU_RESOURCE = "nvidia.com/gpu";

/** The GPU pool as the cloud layer (infra/aws) labels and taints it. */
export const DEFAULT_GPU_POOL = {
    nodeSelector: { "nvidia.com/gpu.present": "true" },
    taint: { key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" },
} as const;

/**
 * The in-cluster S3-compatible store of dev (the data-stores issue deploys
 * it in MinIO's role, Service `minio` in `med-agi`, S3 API on 9000). Override
 * with `inference.models.endpointUrl` or `objectStorage.endpointUrl`.
 */
export const DEFAULT_DEV_S3_ENDPOINT = "http://minio.med-agi.svc:9000";

export const DEFAULTS = {
    modelsVersion: "v1.0.0",
    /** Below the runbook's 90 %: the HPA scales before MedAgiGpuUtilizationHigh fires. */
    targetGpuUtilization: 75,
    /**
     * Fits the smallest GPU node the pools take (g5.xlarge: 3920m and 15391Mi allocatable, 3705m and 15191Mi after
     * the DaemonSets; infra/aws/capacity.ts). 4 CPU / 16Gi fitted no g5.xlarge.
     */
    gpuResources: { requests: { cpu: "3", memory: "12Gi" }, limits: { cpu: "4", memory: "14Gi" } },
    gpuShmSize: "2Gi",
    /** Fits an m6i.large system node (1930m allocatable, 1715m after the DaemonSets; the gate sidecar adds 10m). 2 CPU did not. */
    cpuResources: { requests: { cpu: "1500m", memory: "4Gi" }, limits: { cpu: "2", memory: "6Gi" } },
    cpuShmSize: "1Gi",
} as const;

/** Where kube-prometheus-stack's Prometheus answers (release `kube-prometheus-stack`). */
export const PROMETHEUS_SERVICE = { name: "kube-prometheus-stack-prometheus", port: 9090 } as const;
