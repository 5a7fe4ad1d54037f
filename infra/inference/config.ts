/**
 * Stack configuration of Triton inference, composed by `infra/config.ts`
 * under the key `inference` (`med-agi:inference: {...}` in
 * `Pulumi.<stack>.yaml`). Every field has a default, so no key at all is a
 * complete configuration for every stack.
 *
 * Values that the cloud layer (infra/aws/) will provide — the models bucket,
 * the Triton IRSA role and the GPU pool's label and taint — are read from
 * config until it lands; {@link resolveInferenceSettings} turns the parsed
 * section into the component's typed settings once, at the edge.
 */
import { z } from "zod";

import type { Environment } from "../environment";
import { cpuQuantity, httpUrl, k8sName, memoryQuantity, pinnedImage } from "../formats";
import { KEY_METRICS } from "../runbook";
import { problem, type ConfigProblem } from "../validation";
import { DEFAULT_DEV_S3_ENDPOINT, DEFAULT_GPU_POOL, DEFAULTS, IMAGES } from "./defaults";

/** `nvcr.io/nvidia/tritonserver` tags are `<YY.MM>-py3` (also `-py3-igpu`, `-trtllm-python-py3`, …). */
const tritonVersion = z
    .string()
    .regex(/^[0-9]{2}\.[0-9]{2}-[a-z0-9-]*py3[a-z0-9-]*$/, 'a Triton release tag "<YY.MM>-py3" such as "26.07-py3"');

/** A model version directory under the models bucket: the runbook's `s3://med-agi-models/v1.0.0/`. */
const modelVersion = z.string().regex(/^v?[0-9]+(\.[0-9]+){0,2}([-+][A-Za-z0-9.-]+)?$/, 'a model version such as "v1.0.0"');

/** A Triton model name (a directory of the model repository), or `*` for every model in it. */
const modelName = z.string().regex(/^(\*|[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/, 'a model directory name, or "*" for all');

const bucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "an S3 bucket name (3–63 lower-case letters, digits, '.', '-')");

const labelKey = z
    .string()
    .regex(/^([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/, "a Kubernetes label key");
const labelValue = z.string().regex(/^([A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)?$/, "a Kubernetes label value");

const roleArn = z.string().regex(/^arn:aws[a-z-]*:iam::[0-9]{12}:role\/[A-Za-z0-9+=,.@_/-]+$/, "an IAM role ARN");

const amounts = z.object({ cpu: cpuQuantity, memory: memoryQuantity }).strict();
const resources = z.object({ requests: amounts, limits: amounts }).strict();

/** `med-agi:inference` */
export const inferenceSchema = z
    .object({
        /** Triton image repository (NGC). */
        image: z
            .string()
            .regex(/^[a-z0-9]([a-z0-9._/:-]*[a-z0-9])?$/, "an image repository without tag")
            .default(IMAGES.triton.repository),
        /** Triton release tag, `<YY.MM>-py3`. */
        version: tritonVersion.default(IMAGES.triton.tag),
        models: z
            .object({
                /** Directory of the models bucket Triton serves: `s3://<bucket>/<version>/`. Reverting it is the model rollback. */
                version: modelVersion.default(DEFAULTS.modelsVersion),
                /** Models loaded at start (explicit model control); `["*"]` loads every model of the version. */
                names: z.array(modelName).min(1).default(["*"]),
                /** Models bucket; unset: `objectStorage.modelBucket` (the cloud layer's bucket once it lands). */
                bucket: bucketName.optional(),
                /**
                 * S3 API endpoint; unset: `objectStorage.endpointUrl`, else AWS S3 in
                 * staging/prod and the in-cluster store `http://minio.med-agi.svc:9000` in dev.
                 */
                endpointUrl: httpUrl.optional(),
            })
            .strict()
            .prefault({}),
        /** IAM role Triton assumes through IRSA to read the models bucket (staging/prod; the cloud layer's output once it lands). */
        roleArn: roleArn.optional(),
        /** Secret with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY for the in-cluster store (dev); unset: `objectStorage.credentialsSecret`. */
        credentialsSecret: k8sName.optional(),
        gpu: z
            .object({
                /** Deploy the GPU Triton and the GPU add-ons; unset: on in staging/prod, off in dev (no GPU there). */
                enabled: z.boolean().optional(),
                /** Labels of the GPU pool's nodes (the cloud layer sets `nvidia.com/gpu.present=true`). */
                nodeSelector: z.record(labelKey, labelValue).default({ ...DEFAULT_GPU_POOL.nodeSelector }),
                /** The GPU pool's taint, tolerated by Triton, the device plugin and the DCGM exporter. */
                taint: z
                    .object({
                        key: labelKey.default(DEFAULT_GPU_POOL.taint.key),
                        value: labelValue.default(DEFAULT_GPU_POOL.taint.value),
                        effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).default(DEFAULT_GPU_POOL.taint.effect),
                    })
                    .strict()
                    .prefault({}),
                /** `nvidia.com/gpu` per Triton pod. */
                gpusPerPod: z.number().int().min(1).max(8).default(1),
                /** HPA bounds of deployment/triton; unset per environment (staging 1–2, prod 2–2: the default GPU pool's size). */
                minReplicas: z.number().int().min(1).max(100).optional(),
                maxReplicas: z.number().int().min(1).max(100).optional(),
                /** HPA target: average GPU utilisation (percent), below the runbook's 90 % so that alert means "scaling is under way". */
                targetGpuUtilization: z.number().int().min(10).max(100).default(DEFAULTS.targetGpuUtilization),
                resources: resources.default(DEFAULTS.gpuResources),
                /** Size of the memory-backed /dev/shm. */
                shmSize: memoryQuantity.default(DEFAULTS.gpuShmSize),
            })
            .strict()
            .prefault({}),
        cpu: z
            .object({
                /** Warm CPU replicas: `triton-cpu` in staging/prod, `triton` itself in dev. */
                replicas: z.number().int().min(1).max(20).default(1),
                resources: resources.default(DEFAULTS.cpuResources),
                shmSize: memoryQuantity.default(DEFAULTS.cpuShmSize),
            })
            .strict()
            .prefault({}),
        /** Image of the failover gate (needs `sh` and `wget`). */
        gateImage: pinnedImage.default(IMAGES.gate),
    })
    .strict();
export type InferenceConfig = z.output<typeof inferenceSchema>;

/** What {@link resolveInferenceSettings} reads from `objectStorage` (the shared bucket section). */
export interface ObjectStorageDefaults {
    readonly endpointUrl?: string | undefined;
    readonly region: string;
    readonly modelBucket: string;
    readonly credentialsSecret?: string | undefined;
}

/** GPU settings after defaults; present only where the stack has a GPU pool. */
export interface GpuSettings {
    readonly nodeSelector: Readonly<Record<string, string>>;
    readonly taint: { readonly key: string; readonly value: string; readonly effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute" };
    readonly gpusPerPod: number;
    readonly minReplicas: number;
    readonly maxReplicas: number;
    readonly targetGpuUtilization: number;
    readonly resources: InferenceConfig["gpu"]["resources"];
    readonly shmSize: string;
}

/** The inference settings of one stack, every default applied. */
export interface InferenceSettings {
    readonly image: string;
    readonly models: {
        readonly version: string;
        readonly names: readonly string[];
        readonly bucket: string;
        readonly endpointUrl: string | undefined;
        readonly region: string;
    };
    readonly roleArn: string | undefined;
    /** Secret with static S3 keys (the in-cluster store); undefined where a role is used. */
    readonly credentialsSecret: string | undefined;
    /** Undefined: no GPU pool (dev) — deployment/triton runs on CPU. */
    readonly gpu: GpuSettings | undefined;
    readonly cpu: InferenceConfig["cpu"];
    readonly gateImage: string;
}

/**
 * Triton's HPA bounds by default: at most what the default GPU pool holds
 * (cloud.nodePools.gpu maxSize 2, one GPU each). A maximum beyond the pool only
 * leaves replicas Pending, and config validation refuses it
 * (infra/aws/capacity.ts); a stack with a larger pool raises both together
 * (Pulumi.prod.yaml: maxSize 4, maxReplicas 4).
 */
const GPU_REPLICAS: Readonly<Record<Exclude<Environment, "dev">, { min: number; max: number }>> = {
    staging: { min: 1, max: 2 },
    prod: { min: 2, max: 2 },
};

/** Triton's HPA bounds after the per-environment defaults. */
export function gpuReplicaBounds(environment: Environment, cfg: InferenceConfig): { min: number; max: number } {
    const bounds = environment === "dev" ? { min: 1, max: 1 } : GPU_REPLICAS[environment];
    const min = cfg.gpu.minReplicas ?? bounds.min;
    return { min, max: cfg.gpu.maxReplicas ?? Math.max(bounds.max, min) };
}

/** Applies the per-environment defaults; call after {@link inferenceProblems} found nothing. */
export function resolveInferenceSettings(
    environment: Environment,
    cfg: InferenceConfig,
    storage: ObjectStorageDefaults,
): InferenceSettings {
    const gpuOn = cfg.gpu.enabled ?? environment !== "dev";
    const bounds = gpuReplicaBounds(environment, cfg);
    const endpointUrl = cfg.models.endpointUrl ?? storage.endpointUrl ?? (environment === "dev" ? DEFAULT_DEV_S3_ENDPOINT : undefined);
    return {
        image: `${cfg.image}:${cfg.version}`,
        models: {
            version: cfg.models.version,
            names: cfg.models.names,
            bucket: cfg.models.bucket ?? storage.modelBucket,
            endpointUrl,
            region: storage.region,
        },
        roleArn: cfg.roleArn,
        // Static keys only without a role: with IRSA the SDK's web-identity credentials are used.
        credentialsSecret: cfg.roleArn === undefined ? (cfg.credentialsSecret ?? storage.credentialsSecret) : undefined,
        gpu: gpuOn
            ? {
                  nodeSelector: cfg.gpu.nodeSelector,
                  taint: cfg.gpu.taint,
                  gpusPerPod: cfg.gpu.gpusPerPod,
                  minReplicas: bounds.min,
                  maxReplicas: bounds.max,
                  targetGpuUtilization: cfg.gpu.targetGpuUtilization,
                  resources: cfg.gpu.resources,
                  shmSize: cfg.gpu.shmSize,
              }
            : undefined,
        cpu: cfg.cpu,
        gateImage: cfg.gateImage,
    };
}

/** Cross-field rules of `inference`, each naming the key, the value and what is allowed. */
export function inferenceProblems(environment: Environment, cfg: InferenceConfig): ConfigProblem[] {
    const out: ConfigProblem[] = [];
    const gpuThreshold = KEY_METRICS.gpuUtilization.threshold;
    if (environment === "dev" && cfg.gpu.enabled === true) {
        out.push(
            problem("inference.gpu.enabled", true, "dev has no GPU pool: deployment/triton runs on CPU there; set it in staging/prod only"),
        );
    }
    if (cfg.gpu.targetGpuUtilization >= gpuThreshold) {
        out.push(
            problem(
                "inference.gpu.targetGpuUtilization",
                cfg.gpu.targetGpuUtilization,
                `must be < ${gpuThreshold}, the runbook's "GPU Utilization > ${gpuThreshold}% → Scale up": the autoscaler must act before the alert`,
            ),
        );
    }
    const { minReplicas, maxReplicas } = cfg.gpu;
    if (minReplicas !== undefined && maxReplicas !== undefined && maxReplicas < minReplicas) {
        out.push(problem("inference.gpu.maxReplicas", maxReplicas, `must be ≥ inference.gpu.minReplicas (${minReplicas})`));
    }
    if (environment === "prod" && minReplicas !== undefined && minReplicas < 2 && cfg.gpu.enabled !== false) {
        out.push(
            problem(
                "inference.gpu.minReplicas",
                minReplicas,
                "prod needs ≥ 2 GPU Triton replicas so one GPU node loss does not fail over to CPU",
            ),
        );
    }
    for (const pool of ["gpu", "cpu"] as const) {
        for (const kind of ["cpu", "memory"] as const) {
            const request = cfg[pool].resources.requests[kind];
            const limit = cfg[pool].resources.limits[kind];
            if (quantity(request) > quantity(limit)) {
                out.push(
                    problem(
                        `inference.${pool}.resources.requests.${kind}`,
                        request,
                        `must be ≤ inference.${pool}.resources.limits.${kind} (${limit})`,
                    ),
                );
            }
        }
    }
    if (cfg.models.names.includes("*") && cfg.models.names.length > 1) {
        out.push(problem("inference.models.names", cfg.models.names, '"*" loads every model: list names, or "*" alone'));
    }
    return out;
}

const FACTORS: Readonly<Record<string, number>> = { m: 1e-3, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
function quantity(q: string): number {
    const m = /^([0-9.]+)(m|Ki|Mi|Gi|Ti)?$/.exec(q);
    return m === null ? Number.NaN : Number(m[1]) * (m[2] === undefined ? 1 : (FACTORS[m[2]] ?? 1));
}
