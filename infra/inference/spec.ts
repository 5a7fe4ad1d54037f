/**
 * Pure builders for Triton's Kubernetes objects: the GPU Deployment
 * `triton`, the CPU fallback `triton-cpu` with its failover gate, the
 * Services and the ServiceMonitor. The component in `index.ts` only
 * instantiates what these return (tested in test/inference/spec.test.ts).
 *
 * Failover (docs/inference.md): the Service `triton` selects both pools by
 * {@link INFERENCE_LABEL}. GPU pods are ready while their Triton is; CPU pods
 * are ready only while the gate says "my Triton is ready and no GPU Triton
 * is" (gate/gate.sh). Probe thresholds make one failed probe switch nothing
 * and the switch happen within a minute each way ({@link FAILOVER_TIMING}).
 */
import type * as k8s from "@pulumi/kubernetes";

import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../k8s/security";
import { PART_OF, selectorLabels, standardLabels } from "../k8s/labels";
import { ephemeralStorage, withEphemeralStorage } from "../k8s/storage";
import type { GpuSettings, InferenceSettings } from "./config";
import { GPU_RESOURCE } from "./defaults";

type Container = k8s.types.input.core.v1.Container;
type EnvVar = k8s.types.input.core.v1.EnvVar;
type Probe = k8s.types.input.core.v1.Probe;
type PodSpec = k8s.types.input.core.v1.PodSpec;
type DeploymentSpec = k8s.types.input.apps.v1.DeploymentSpec;

/** Object names fixed by the runbook (`kubectl rollout restart deployment/triton -n med-agi`) and DESIGN.md. */
export const TRITON_NAMES = {
    /** GPU Deployment (CPU in dev) and its first container; also the failover Service imaging uses. */
    triton: "triton",
    /** CPU fallback Deployment (staging/prod) and its direct Service. */
    cpu: "triton-cpu",
    /** Service of the GPU pods only: what the gate asks. */
    gpu: "triton-gpu",
    /** Headless Service of every Triton pod, ready or not, for metrics. */
    metrics: "triton-metrics",
    /** ConfigMap with gate.sh. */
    gate: "triton-gate",
    /** ServiceAccount of both pools (IRSA for the models bucket). */
    serviceAccount: "triton",
} as const;

/** Triton's ports (quickstart, metrics.md). */
export const TRITON_PORTS = { http: 8000, grpc: 8001, metrics: 8002 } as const;

export const TRITON_PATHS = { live: "/v2/health/live", ready: "/v2/health/ready", metrics: "/metrics" } as const;

/** Label both pools carry; the failover Service selects on it. */
export const INFERENCE_LABEL = { key: "inference.med-agi.io/backend", value: "triton" } as const;
/** Which pool a pod belongs to (`gpu` | `cpu`); becomes the `pool` label of Triton's metrics. */
export const POOL_LABEL = "inference.med-agi.io/pool";
/** Pod-template label carrying `models.version`: changing it rolls Triton. */
export const MODELS_VERSION_LABEL = "inference.med-agi.io/models-version";

/** Triton's image user (`triton-server`, UID/GID 1000). */
export const TRITON_RUN_AS = { user: 1000, group: 1000 } as const;
/** The gate runs as `nobody`. */
export const GATE_RUN_AS = { user: 65534, group: 65534 } as const;

/** Where Triton copies the S3 model repository (TRITON_AWS_MOUNT_DIRECTORY); an emptyDir. */
export const MODEL_CACHE_DIR = "/var/cache/triton-models";
export const MODEL_CACHE_SIZE = "20Gi";
/** Size of Triton's writable `/tmp`. */
export const TRITON_TMP_SIZE = "1Gi";

/**
 * Node disk of a Triton container: the model cache, which holds the whole
 * model repository once Triton has copied it (requested, so Triton is never
 * placed where the models cannot land), plus `/tmp` and its logs.
 */
export const TRITON_EPHEMERAL_STORAGE = ephemeralStorage(MODEL_CACHE_SIZE, [MODEL_CACHE_SIZE, TRITON_TMP_SIZE]);
/** The gate's requests and limits; capacity validation adds the same to triton-cpu's (infra/aws/workloads.ts). */
export const GATE_RESOURCES = { requests: { cpu: "10m", memory: "8Mi" }, limits: { cpu: "100m", memory: "32Mi" } } as const;
/** Node disk of the gate: it writes no file, only its logs. */
export const GATE_EPHEMERAL_STORAGE = ephemeralStorage("8Mi");

/**
 * Probe timing. The switch between pools within a minute each way, and no
 * switch on one failed probe:
 * - a GPU pod leaves the Services after 3 failed readiness probes 5 s apart
 *   (≤ 15 s + timeouts) and comes back after 2 passed ones;
 * - a CPU pod's gate must pass 3 times in a row (≤ 15 s) to take traffic and
 *   fail 3 times in a row to give it back.
 * GPU → CPU ≤ ~15 + 2·2 + 15 + 4 ≈ 38 s; CPU → GPU ≤ ~10 + 15 + 4 ≈ 29 s.
 */
export const FAILOVER_TIMING = {
    gpuReadiness: { periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3, successThreshold: 2 },
    gate: { periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 3, successThreshold: 3 },
    /** Per-request timeout inside gate.sh (two requests fit in the probe's timeout). */
    gateRequestTimeoutSeconds: 2,
} as const;

/** Startup allows 20 minutes for pulling the model repository from S3 and loading it. */
export const STARTUP_PROBE = { periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 120 } as const;
export const LIVENESS_PROBE = { periodSeconds: 15, timeoutSeconds: 3, failureThreshold: 4 } as const;

export type Pool = "gpu" | "cpu";

/**
 * Triton's `--model-repository` for a bucket/version: `s3://bucket/v1.0.0` on
 * AWS, `s3://host:port/bucket/v1.0.0` (plain http) or
 * `s3://https://host:port/bucket/v1.0.0` for another S3 endpoint
 * (Triton's model_repository.md).
 */
export function modelRepositoryUri(bucket: string, version: string, endpointUrl?: string): string {
    if (endpointUrl === undefined) return `s3://${bucket}/${version}`;
    const url = new URL(endpointUrl);
    const https = url.protocol === "https:";
    const port = url.port === "" ? (https ? "443" : "80") : url.port;
    return `s3://${https ? "https://" : ""}${url.hostname}:${port}/${bucket}/${version}`;
}

/**
 * Triton's restricted APIs. Model control (load and
 * unload, with file overrides), configuration, shared memory, statistics,
 * tracing and logging answer only requests that carry the header
 * {@link TRITON_ADMIN}.header with the key from Secret {@link TRITON_ADMIN}.secret;
 * health, metadata and inference stay open to Triton's clients (imaging, the
 * failover gate). Flags and API names as the r26.07 (v2.71.0) docs give them
 * (docs/customization_guide/inference_protocols.md, "Limit Endpoint Access"):
 * `--http-restricted-api` and, for gRPC, `--grpc-restricted-protocol` (whose
 * header becomes `triton-grpc-protocol-<key>`).
 */
export const TRITON_ADMIN = {
    /** Secret in med-agi with the key (generated; read only by the Triton pods). */
    secret: "triton-admin-key",
    secretKey: "key",
    /** The request header that must carry the key. */
    header: "triton-admin-key",
    /** The container env the key reaches the command line through (`$(TRITON_ADMIN_KEY)`). */
    env: "TRITON_ADMIN_KEY",
    /** The API groups only the key opens. */
    apis: ["model-repository", "model-config", "shared-memory", "statistics", "trace", "logging"],
} as const;

/** The tritonserver command line: explicit model control, so only config changes what is loaded. */
export function tritonArgs(settings: InferenceSettings, pool: Pool): string[] {
    const m = settings.models;
    return [
        "tritonserver",
        `--model-repository=${modelRepositoryUri(m.bucket, m.version, m.endpointUrl)}`,
        "--model-control-mode=explicit",
        ...m.names.map((name) => `--load-model=${name}`),
        "--strict-readiness=true",
        "--exit-on-error=true",
        `--http-port=${TRITON_PORTS.http}`,
        `--grpc-port=${TRITON_PORTS.grpc}`,
        `--metrics-port=${TRITON_PORTS.metrics}`,
        "--allow-metrics=true",
        `--allow-gpu-metrics=${pool === "gpu" ? "true" : "false"}`,
        // Kubernetes expands $(TRITON_ADMIN_KEY) from the container's env (a secretKeyRef), so the key is in no manifest.
        `--http-restricted-api=${TRITON_ADMIN.apis.join(",")}:${TRITON_ADMIN.header}=$(${TRITON_ADMIN.env})`,
        `--grpc-restricted-protocol=${TRITON_ADMIN.apis.join(",")}:${TRITON_ADMIN.header}=$(${TRITON_ADMIN.env})`,
    ];
}

/** Environment of the Triton container: region, model cache, and the in-cluster store's static keys (dev; the cloud uses IRSA). */
export function tritonEnv(settings: InferenceSettings): EnvVar[] {
    const env: EnvVar[] = [
        { name: "AWS_DEFAULT_REGION", value: settings.models.region },
        { name: "AWS_REGION", value: settings.models.region },
        { name: "TRITON_AWS_MOUNT_DIRECTORY", value: MODEL_CACHE_DIR },
        { name: "HOME", value: "/tmp" },
        { name: TRITON_ADMIN.env, valueFrom: { secretKeyRef: { name: TRITON_ADMIN.secret, key: TRITON_ADMIN.secretKey } } },
    ];
    const secret = settings.credentialsSecret;
    if (secret !== undefined) {
        for (const key of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) {
            env.push({ name: key, valueFrom: { secretKeyRef: { name: secret, key } } });
        }
    }
    return env;
}

function httpProbe(path: string, timing: object): Probe {
    return { httpGet: { path, port: "http" }, ...timing };
}

/** Pod labels of a pool's Deployment. */
export function podLabels(name: string, pool: Pool, settings: InferenceSettings): Record<string, string> {
    return {
        ...standardLabels(name, "inference", settings.models.version),
        [INFERENCE_LABEL.key]: INFERENCE_LABEL.value,
        [POOL_LABEL]: pool,
        [MODELS_VERSION_LABEL]: settings.models.version,
    };
}

interface TritonContainerArgs {
    readonly settings: InferenceSettings;
    readonly pool: Pool;
    readonly resources: { requests: Record<string, string>; limits: Record<string, string> };
    /** Readiness of the Triton container itself; the CPU pods leave it to the gate. */
    readonly readiness: Probe | undefined;
}

function tritonContainer(args: TritonContainerArgs): Container {
    return {
        name: TRITON_NAMES.triton,
        image: args.settings.image,
        imagePullPolicy: "IfNotPresent",
        args: tritonArgs(args.settings, args.pool),
        ports: [
            { name: "http", containerPort: TRITON_PORTS.http, protocol: "TCP" },
            { name: "grpc", containerPort: TRITON_PORTS.grpc, protocol: "TCP" },
            { name: "metrics", containerPort: TRITON_PORTS.metrics, protocol: "TCP" },
        ],
        env: tritonEnv(args.settings),
        resources: withEphemeralStorage(args.resources, TRITON_EPHEMERAL_STORAGE),
        startupProbe: httpProbe(TRITON_PATHS.ready, STARTUP_PROBE),
        livenessProbe: httpProbe(TRITON_PATHS.live, LIVENESS_PROBE),
        ...(args.readiness === undefined ? {} : { readinessProbe: args.readiness }),
        securityContext: restrictedContainerSecurityContext(),
        volumeMounts: [
            { name: "dshm", mountPath: "/dev/shm" },
            { name: "tmp", mountPath: "/tmp" },
            { name: "model-cache", mountPath: MODEL_CACHE_DIR },
        ],
    };
}

function tritonVolumes(shmSize: string): k8s.types.input.core.v1.Volume[] {
    return [
        // Memory-backed /dev/shm: Triton's Python backend and shared-memory I/O use it.
        { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: shmSize } },
        { name: "tmp", emptyDir: { sizeLimit: TRITON_TMP_SIZE } },
        { name: "model-cache", emptyDir: { sizeLimit: MODEL_CACHE_SIZE } },
    ];
}

function podSpec(containers: Container[], volumes: k8s.types.input.core.v1.Volume[], extra: Partial<PodSpec> = {}): PodSpec {
    return {
        serviceAccountName: TRITON_NAMES.serviceAccount,
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        terminationGracePeriodSeconds: 30,
        securityContext: restrictedPodSecurityContext(TRITON_RUN_AS),
        containers,
        volumes,
        ...extra,
    };
}

/** The GPU Deployment `triton`: GPU limits, the pool's selector and taint toleration; the HPA owns its replica count. */
export function gpuDeploymentSpec(settings: InferenceSettings, gpu: GpuSettings): DeploymentSpec {
    const labels = podLabels(TRITON_NAMES.triton, "gpu", settings);
    const gpus = String(gpu.gpusPerPod);
    return {
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 1800,
        selector: { matchLabels: selectorLabels(TRITON_NAMES.triton) },
        // A new pod needs a GPU of its own: surge one (the node autoscaler adds a node if none is free).
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
            metadata: { labels },
            spec: podSpec(
                [
                    tritonContainer({
                        settings,
                        pool: "gpu",
                        resources: {
                            requests: { ...gpu.resources.requests, [GPU_RESOURCE]: gpus },
                            limits: { ...gpu.resources.limits, [GPU_RESOURCE]: gpus },
                        },
                        readiness: httpProbe(TRITON_PATHS.ready, FAILOVER_TIMING.gpuReadiness),
                    }),
                ],
                tritonVolumes(gpu.shmSize),
                {
                    nodeSelector: { ...gpu.nodeSelector },
                    tolerations: [{ key: gpu.taint.key, operator: "Equal", value: gpu.taint.value, effect: gpu.taint.effect }],
                    topologySpreadConstraints: [
                        {
                            maxSkew: 1,
                            topologyKey: "topology.kubernetes.io/zone",
                            whenUnsatisfiable: "ScheduleAnyway",
                            labelSelector: { matchLabels: selectorLabels(TRITON_NAMES.triton) },
                        },
                    ],
                },
            ),
        },
    };
}

/** The gate container: its exec readiness probe is gate.sh against this pod's Triton and the GPU Service. */
export function gateContainer(settings: InferenceSettings, gpuUrl: string): Container {
    const t = FAILOVER_TIMING;
    return {
        name: "gate",
        image: settings.gateImage,
        imagePullPolicy: "IfNotPresent",
        command: ["sh", "/gate/gate.sh", "idle"],
        env: [
            { name: "GATE_LOCAL_URL", value: `http://127.0.0.1:${TRITON_PORTS.http}${TRITON_PATHS.ready}` },
            { name: "GATE_GPU_URL", value: `${gpuUrl}${TRITON_PATHS.ready}` },
            { name: "GATE_TIMEOUT_SECONDS", value: String(t.gateRequestTimeoutSeconds) },
        ],
        readinessProbe: { exec: { command: ["sh", "/gate/gate.sh"] }, ...t.gate },
        resources: withEphemeralStorage(
            { requests: { ...GATE_RESOURCES.requests }, limits: { ...GATE_RESOURCES.limits } },
            GATE_EPHEMERAL_STORAGE,
        ),
        securityContext: { ...restrictedContainerSecurityContext(), runAsUser: GATE_RUN_AS.user, runAsGroup: GATE_RUN_AS.group },
        volumeMounts: [{ name: "gate", mountPath: "/gate", readOnly: true }],
    };
}

/**
 * A CPU Triton: `triton-cpu` behind the gate in staging/prod, or (dev, no
 * GPU pool) `triton` itself with an ordinary readiness probe.
 */
export function cpuDeploymentSpec(settings: InferenceSettings, gate: { gpuUrl: string } | undefined): DeploymentSpec {
    const name = gate === undefined ? TRITON_NAMES.triton : TRITON_NAMES.cpu;
    const labels = podLabels(name, "cpu", settings);
    const triton = tritonContainer({
        settings,
        pool: "cpu",
        resources: { requests: { ...settings.cpu.resources.requests }, limits: { ...settings.cpu.resources.limits } },
        readiness: gate === undefined ? httpProbe(TRITON_PATHS.ready, FAILOVER_TIMING.gpuReadiness) : undefined,
    });
    const volumes = tritonVolumes(settings.cpu.shmSize);
    if (gate !== undefined) {
        volumes.push({ name: "gate", configMap: { name: TRITON_NAMES.gate, defaultMode: 0o555 } });
    }
    return {
        replicas: settings.cpu.replicas,
        revisionHistoryLimit: 10,
        // Gated CPU pods are unready while a GPU Triton serves: by design, not a stuck rollout.
        // MaxInt32 is Kubernetes' "no progress deadline", and the rollout may replace every
        // pod at once, because none of them counts as available in normal operation.
        ...(gate === undefined
            ? { progressDeadlineSeconds: 1800, strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } }
            : {
                  progressDeadlineSeconds: 2147483647,
                  strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "100%", maxSurge: "100%" } },
              }),
        selector: { matchLabels: selectorLabels(name) },
        template: {
            metadata: { labels },
            spec: podSpec(gate === undefined ? [triton] : [triton, gateContainer(settings, gate.gpuUrl)], volumes, {
                // Never on the GPU pool: the fallback must survive a GPU pool outage.
                affinity: {
                    nodeAffinity: {
                        requiredDuringSchedulingIgnoredDuringExecution: {
                            nodeSelectorTerms: [
                                { matchExpressions: [{ key: "nvidia.com/gpu.present", operator: "NotIn", values: ["true"] }] },
                            ],
                        },
                    },
                },
                // Warm replicas beyond one land in different zones and on different nodes, where they can.
                topologySpreadConstraints: (["topology.kubernetes.io/zone", "kubernetes.io/hostname"] as const).map((topologyKey) => ({
                    maxSkew: 1,
                    topologyKey,
                    whenUnsatisfiable: "ScheduleAnyway",
                    labelSelector: { matchLabels: selectorLabels(name) },
                })),
            }),
        },
    };
}

/** A ClusterIP Service on Triton's HTTP and gRPC ports. */
export function tritonServiceSpec(selector: Record<string, string>, opts: { publishNotReadyAddresses?: boolean } = {}) {
    return {
        type: "ClusterIP",
        selector,
        ...(opts.publishNotReadyAddresses === true ? { publishNotReadyAddresses: true } : {}),
        ports: [
            { name: "http", port: TRITON_PORTS.http, targetPort: "http", protocol: "TCP" },
            { name: "grpc", port: TRITON_PORTS.grpc, targetPort: "grpc", protocol: "TCP" },
        ],
    } satisfies k8s.types.input.core.v1.ServiceSpec;
}

/** Selector of the failover Service: every Triton pod of either pool (readiness decides). */
export function failoverSelector(): Record<string, string> {
    return { "app.kubernetes.io/part-of": PART_OF, [INFERENCE_LABEL.key]: INFERENCE_LABEL.value };
}

/** Headless metrics Service: every Triton pod, ready or not, so warm CPU pods are scraped too. */
export function metricsServiceSpec(): k8s.types.input.core.v1.ServiceSpec {
    return {
        clusterIP: "None",
        selector: failoverSelector(),
        publishNotReadyAddresses: true,
        ports: [{ name: "metrics", port: TRITON_PORTS.metrics, targetPort: "metrics", protocol: "TCP" }],
    };
}

/** ServiceMonitor on 8002; the pod's pool label becomes `pool` on every Triton series. */
export function serviceMonitorSpec(namespace: string): Record<string, unknown> {
    return {
        selector: { matchLabels: { "app.kubernetes.io/name": TRITON_NAMES.metrics, "app.kubernetes.io/part-of": PART_OF } },
        namespaceSelector: { matchNames: [namespace] },
        endpoints: [
            {
                port: "metrics",
                path: TRITON_PATHS.metrics,
                interval: "15s",
                scrapeTimeout: "10s",
                relabelings: [
                    { sourceLabels: [`__meta_kubernetes_pod_label_${POOL_LABEL.replace(/[^A-Za-z0-9]/g, "_")}`], targetLabel: "pool" },
                    { sourceLabels: ["__meta_kubernetes_pod_label_app_kubernetes_io_name"], targetLabel: "deployment" },
                ],
            },
        ],
    };
}

/** In-cluster URL of one of Triton's Services. */
export function serviceUrl(service: string, namespace: string, port: number = TRITON_PORTS.http): string {
    return `http://${service}.${namespace}.svc.cluster.local:${port}`;
}
