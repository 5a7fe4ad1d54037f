/**
 * Triton inference: the GPU Deployment `triton`, the CPU fallback
 * `triton-cpu` behind the failover gate, the failover Service `triton` that
 * imaging uses, GPU autoscaling (device plugin, DCGM exporter,
 * prometheus-adapter, HPA) and the ServiceMonitor on Triton's metrics.
 * In dev (no GPU pool) `deployment/triton` runs on CPU and is the only pool.
 *
 * Usage (from `infra/program.ts`):
 *
 * ```ts
 * const settings = resolveInferenceSettings(config.environment, config.inference, config.objectStorage);
 * const triton = new Triton("triton", {
 *     settings,
 *     monitoring: { namespace: "monitoring", dependsOn: [observability.stack] },
 *     // From the cloud layer once it lands: modelBucket: cloud.modelsBucket.bucket, roleArn: cloud.tritonRole.arn
 * }, { provider, dependsOn: [namespace] });
 * imagingEnv = tritonClientEnv(triton.endpoints);
 * ```
 */
import * as fs from "fs";
import * as path from "path";

import * as appsv1 from "@pulumi/kubernetes/apps/v1";
import * as autoscalingv2 from "@pulumi/kubernetes/autoscaling/v2";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import { Release as HelmRelease } from "@pulumi/kubernetes/helm/v3/release";
import * as policyv1 from "@pulumi/kubernetes/policy/v1";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

import { standardLabels, selectorLabels } from "../k8s/labels";
import { serviceMonitorResource } from "../k8s/servicemonitor";
import { NAMESPACE } from "../runbook";
import {
    devicePluginValues,
    dcgmExporterValues,
    gpuHpaSpec,
    gpuPdbSpec,
    PROMETHEUS_ADAPTER_DEFAULT_REPLICAS,
    prometheusAdapterValues,
} from "./autoscaling";
import type { InferenceSettings } from "./config";
import { CHARTS } from "./defaults";
import {
    cpuDeploymentSpec,
    failoverSelector,
    gpuDeploymentSpec,
    metricsServiceSpec,
    serviceMonitorSpec,
    serviceUrl,
    TRITON_ADMIN,
    TRITON_NAMES,
    TRITON_PORTS,
    tritonServiceSpec,
} from "./spec";

export * from "./autoscaling";
export * from "./config";
export * from "./defaults";
export * from "./spec";

/** Absolute path of gate.sh in this checkout (shipped in the `triton-gate` ConfigMap). */
export const GATE_SCRIPT_PATH = path.join(__dirname, "gate", "gate.sh");

/** The endpoints Triton's clients use. */
export interface TritonEndpoints {
    /** The failover Service (GPU while one is ready, else CPU): what imaging calls. */
    readonly failover: string;
    /** gRPC on the failover Service, `host:port`. */
    readonly failoverGrpc: string;
    /** The GPU pods directly; undefined where there is no GPU pool (dev). */
    readonly gpu: string | undefined;
    /** The CPU pods directly (warm even while the GPU serves); in dev the same as `failover`. */
    readonly cpu: string;
}

/** The env imaging gets: failover URL plus the direct GPU and CPU endpoints (`""`: no GPU pool). */
export function tritonClientEnv(endpoints: TritonEndpoints): { name: string; value: string }[] {
    return [
        { name: "TRITON_URL", value: endpoints.failover },
        { name: "TRITON_GRPC_URL", value: endpoints.failoverGrpc },
        { name: "TRITON_GPU_URL", value: endpoints.gpu ?? "" },
        { name: "TRITON_CPU_URL", value: endpoints.cpu },
    ];
}

/** The endpoints for these settings in `namespace`. Pure. */
export function tritonEndpoints(settings: Pick<InferenceSettings, "gpu">, namespace: string): TritonEndpoints {
    const failover = serviceUrl(TRITON_NAMES.triton, namespace);
    return {
        failover,
        failoverGrpc: `${TRITON_NAMES.triton}.${namespace}.svc.cluster.local:${TRITON_PORTS.grpc}`,
        gpu: settings.gpu === undefined ? undefined : serviceUrl(TRITON_NAMES.gpu, namespace),
        cpu: settings.gpu === undefined ? failover : serviceUrl(TRITON_NAMES.cpu, namespace),
    };
}

/** Whether these settings deploy the GPU Triton (MedAgiTritonUnhealthy then pages on a missing deployment/triton). */
export function deploysGpuTriton(settings: Pick<InferenceSettings, "gpu">): boolean {
    return settings.gpu !== undefined;
}

export interface TritonArgs {
    /** Resolved settings ({@link resolveInferenceSettings} over the `inference` config section). */
    readonly settings: InferenceSettings;
    /** Namespace of Triton and its clients. @default NAMESPACE ("med-agi") */
    readonly namespace?: string;
    /** Models bucket name (the cloud layer's bucket output). @default settings.models.bucket */
    readonly modelBucket?: pulumi.Input<string>;
    /** IAM role Triton assumes through IRSA (the cloud layer's role output); disables static keys. @default settings.roleArn */
    readonly roleArn?: pulumi.Input<string>;
    /**
     * Where the monitoring stack lives (the DCGM exporter and prometheus-adapter
     * go there) and the resources that install the Prometheus Operator CRDs
     * (ServiceMonitor), created first.
     */
    readonly monitoring: { readonly namespace: string; readonly dependsOn?: pulumi.Input<pulumi.Resource>[] };
    /** Install the device plugin, DCGM exporter and prometheus-adapter with the GPU Triton. @default true */
    readonly gpuAddons?: boolean;
    /** prometheus-adapter replicas. @default PROMETHEUS_ADAPTER_DEFAULT_REPLICAS (1) */
    readonly adapterReplicas?: number;
}

export class Triton extends pulumi.ComponentResource {
    /** Whether the GPU Triton is deployed (false in dev). */
    public readonly tritonGpu: boolean;
    /** The client endpoints (plain: the Service names are fixed). */
    public readonly endpoints: TritonEndpoints;
    /** The failover Service's in-cluster URL. */
    public readonly url: pulumi.Output<string>;
    /** `models.version` being served. */
    public readonly modelsVersion: pulumi.Output<string>;

    constructor(name: string, args: TritonArgs, opts?: pulumi.ComponentResourceOptions) {
        super("med-agi:inference:Triton", name, {}, opts);
        const ns = args.namespace ?? NAMESPACE;
        const base = args.settings;
        const gpu = base.gpu;
        const child = { parent: this };
        const meta = (objectName: string, component = "inference") => ({
            name: objectName,
            namespace: ns,
            labels: standardLabels(objectName, component, base.models.version),
        });
        // Settings with the cloud layer's bucket (and no static keys once a role is given).
        const settings: pulumi.Output<InferenceSettings> = pulumi.output(args.modelBucket ?? base.models.bucket).apply((bucket) => ({
            ...base,
            models: { ...base.models, bucket },
            credentialsSecret: args.roleArn === undefined ? base.credentialsSecret : undefined,
        }));
        const role = args.roleArn ?? base.roleArn;

        const account = new corev1.ServiceAccount(
            `${name}-serviceaccount`,
            {
                metadata: {
                    ...meta(TRITON_NAMES.serviceAccount),
                    ...(role === undefined ? {} : { annotations: { "eks.amazonaws.com/role-arn": role } }),
                },
                automountServiceAccountToken: false,
            },
            child,
        );
        // The key of Triton's restricted APIs (model control, config, …): generated, secret in the state, read by Triton only.
        const adminKey = new random.RandomPassword(`${name}-admin-key`, { length: 40, special: false }, child);
        const adminSecret = new corev1.Secret(
            `${name}-admin-key`,
            {
                metadata: meta(TRITON_ADMIN.secret),
                type: "Opaque",
                stringData: { [TRITON_ADMIN.secretKey]: adminKey.result },
            },
            child,
        );
        const deployments: pulumi.Resource[] = [];
        const longRollout = { create: "30m", update: "30m" };
        if (gpu === undefined) {
            // dev: deployment/triton on CPU is the only pool, no gate.
            deployments.push(
                new appsv1.Deployment(
                    `${name}-deployment`,
                    { metadata: meta(TRITON_NAMES.triton), spec: settings.apply((s) => cpuDeploymentSpec(s, undefined)) },
                    { ...child, dependsOn: [account, adminSecret], customTimeouts: longRollout },
                ),
            );
        } else {
            const gpuDeployment = new appsv1.Deployment(
                `${name}-deployment`,
                { metadata: meta(TRITON_NAMES.triton), spec: settings.apply((s) => gpuDeploymentSpec(s, gpu)) },
                { ...child, dependsOn: [account, adminSecret], customTimeouts: longRollout },
            );
            deployments.push(gpuDeployment);
            const gate = new corev1.ConfigMap(
                `${name}-gate`,
                { metadata: meta(TRITON_NAMES.gate, "failover-gate"), data: { "gate.sh": fs.readFileSync(GATE_SCRIPT_PATH, "utf8") } },
                child,
            );
            deployments.push(
                new appsv1.Deployment(
                    `${name}-cpu-deployment`,
                    {
                        metadata: {
                            ...meta(TRITON_NAMES.cpu),
                            // Gated pods are unready while a GPU Triton serves: do not wait for them.
                            annotations: { "pulumi.com/skipAwait": "true" },
                        },
                        spec: settings.apply((s) => cpuDeploymentSpec(s, { gpuUrl: serviceUrl(TRITON_NAMES.gpu, ns) })),
                    },
                    { ...child, dependsOn: [account, adminSecret, gate] },
                ),
            );
            new corev1.Service(
                `${name}-gpu-service`,
                { metadata: meta(TRITON_NAMES.gpu), spec: tritonServiceSpec(selectorLabels(TRITON_NAMES.triton)) },
                child,
            );
            new corev1.Service(
                `${name}-cpu-service`,
                {
                    metadata: meta(TRITON_NAMES.cpu),
                    // Direct CPU endpoint: the warm pods, whether or not the gate lets them serve the failover Service.
                    spec: tritonServiceSpec(selectorLabels(TRITON_NAMES.cpu), { publishNotReadyAddresses: true }),
                },
                child,
            );
            new autoscalingv2.HorizontalPodAutoscaler(
                `${name}-hpa`,
                { metadata: meta(TRITON_NAMES.triton), spec: gpuHpaSpec(gpu) },
                { ...child, dependsOn: [gpuDeployment] },
            );
            const pdb = gpuPdbSpec(gpu);
            if (pdb !== undefined) {
                new policyv1.PodDisruptionBudget(`${name}-pdb`, { metadata: meta(TRITON_NAMES.triton), spec: pdb }, child);
            }
            if (args.gpuAddons ?? true) this.gpuAddons(name, gpu, args);
        }

        const failover = new corev1.Service(
            `${name}-service`,
            { metadata: meta(TRITON_NAMES.triton), spec: tritonServiceSpec(failoverSelector()) },
            child,
        );
        const metrics = new corev1.Service(
            `${name}-metrics-service`,
            { metadata: meta(TRITON_NAMES.metrics, "metrics"), spec: metricsServiceSpec() },
            child,
        );
        serviceMonitorResource(`${name}-servicemonitor`, meta(TRITON_NAMES.triton, "metrics"), serviceMonitorSpec(ns), {
            ...child,
            dependsOn: [metrics, ...(args.monitoring.dependsOn ?? [])],
        });

        this.tritonGpu = deploysGpuTriton(base);
        this.endpoints = tritonEndpoints(base, ns);
        this.url = pulumi.interpolate`http://${failover.metadata.name}.${ns}.svc.cluster.local:${TRITON_PORTS.http}`;
        this.modelsVersion = pulumi.output(base.models.version);
        this.registerOutputs({ tritonGpu: this.tritonGpu, endpoints: this.endpoints, url: this.url, modelsVersion: this.modelsVersion });
    }

    /** Device plugin (kube-system), DCGM exporter and prometheus-adapter (monitoring namespace). */
    private gpuAddons(name: string, gpu: NonNullable<InferenceSettings["gpu"]>, args: TritonArgs): void {
        const release = (
            role: string,
            chart: (typeof CHARTS)[keyof typeof CHARTS],
            namespace: string,
            values: Record<string, unknown>,
            deps: pulumi.Input<pulumi.Resource>[] = [],
        ) =>
            new HelmRelease(
                `${name}-${role}`,
                { name: chart.chart, namespace, chart: chart.chart, version: chart.version, repositoryOpts: { repo: chart.repo }, values },
                { parent: this, dependsOn: deps },
            );
        const monNs = args.monitoring.namespace;
        const crds = args.monitoring.dependsOn ?? [];
        release("device-plugin", CHARTS.devicePlugin, "kube-system", devicePluginValues(gpu));
        release("dcgm-exporter", CHARTS.dcgmExporter, monNs, dcgmExporterValues(gpu), crds);
        release(
            "prometheus-adapter",
            CHARTS.prometheusAdapter,
            monNs,
            prometheusAdapterValues(monNs, args.adapterReplicas ?? PROMETHEUS_ADAPTER_DEFAULT_REPLICAS),
            crds,
        );
    }
}
