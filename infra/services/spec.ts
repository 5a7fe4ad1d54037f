/**
 * Pure builders for one HTTP service's Kubernetes objects. The component in
 * `index.ts` only instantiates what these return, so every field here is
 * tested directly (test/services/spec.test.ts).
 */
import type * as k8s from "@pulumi/kubernetes";

import type { ServiceSettings } from "./config";
import { restrictedContainerSecurityContext } from "../k8s/security";
import { restrictedPodSpecBase, type TopologySpreadPolicy } from "../k8s/pod";
import { ephemeralStorage, withEphemeralStorage } from "../k8s/storage";
import { selectorLabels, standardLabels } from "../k8s/labels";
import { HTTP_PATHS, IMAGE_REPOSITORY_PREFIX } from "../runbook";

/** Name of the container port of the API (runbook port): probes, the Service's first port and the Ingress use it. */
export const HTTP_PORT_NAME = "http";

/**
 * Where each service serves Prometheus metrics: a port of its own, which the
 * ServiceMonitor scrapes and no Ingress routes to, so `/metrics` is never
 * public. The app reads it from {@link METRICS_PORT_ENV} and serves `/metrics`
 * there only (e.g. Python's `prometheus_client.start_http_server(port)`).
 * 9464 is the port the OpenTelemetry Prometheus exporter uses by default.
 */
export const METRICS_PORT = 9464;
/** Name of the metrics port on the container and the Service. */
export const METRICS_PORT_NAME = "metrics";
/** Environment variable that tells the app its metrics port. */
export const METRICS_PORT_ENV = "METRICS_PORT";

/** Probe timing: startup allows 2 minutes, then readiness every 10 s and liveness every 20 s. */
export const PROBE_TIMING = {
    startup: { periodSeconds: 5, failureThreshold: 24, timeoutSeconds: 2 },
    readiness: { periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2 },
    liveness: { periodSeconds: 20, failureThreshold: 3, timeoutSeconds: 3 },
} as const;

/** Size of the writable `/tmp` (the root filesystem is read-only). */
export const TMP_SIZE_LIMIT = "256Mi";

/** Node disk of a service container: `/tmp` and its logs (limit 320Mi); little is written, so a small request. */
export const SERVICE_EPHEMERAL_STORAGE = ephemeralStorage("64Mi", [TMP_SIZE_LIMIT]);

/** Old ReplicaSets kept so `kubectl rollout undo deployment/<name>` has somewhere to go. */
export const REVISION_HISTORY_LIMIT = 10;

/** What identifies one service: name (Deployment, container, Service, image) and port. */
export interface ServiceIdentity {
    readonly name: string;
    readonly port: number;
}

/** How pods spread over failure domains (defined with the shared pod spec). */
export type { TopologySpreadPolicy } from "../k8s/pod";

/** `<registry>/med-agi/<service>:<tag>`, or `med-agi/<service>:<tag>` with no registry. */
export function imageRef(registry: string | undefined, service: string, tag: string): string {
    return fromRegistry(registry, `${IMAGE_REPOSITORY_PREFIX}/${service}:${tag}`);
}

/**
 * Our own images (`med-agi/…`) come from the stack's registry when it has one;
 * third-party references (`postgres:15`, `registry.k8s.io/…`) are left as they are.
 */
export function fromRegistry(registry: string | undefined, image: string): string {
    return registry !== undefined && image.startsWith(`${IMAGE_REPOSITORY_PREFIX}/`) ? `${registry}/${image}` : image;
}

export interface DeploymentSpecArgs {
    readonly service: ServiceIdentity;
    readonly image: string;
    readonly settings: ServiceSettings;
    readonly imagePullPolicy: "IfNotPresent" | "Always";
    readonly imagePullSecrets: readonly string[];
    readonly topologySpread: TopologySpreadPolicy;
    readonly serviceAccountName: string;
    /** Extra environment variables (plain values or references), after the service's own. */
    readonly env?: readonly k8s.types.input.core.v1.EnvVar[];
    /** Secrets loaded whole as environment variables (`envFrom`). @default [] */
    readonly envFromSecrets?: readonly import("@pulumi/pulumi").Input<string>[];
    /** Single files from a Secret or ConfigMap key, mounted read-only (e.g. the database CA). @default [] */
    readonly files?: readonly MountedFile[];
}

/** One key of a Secret or ConfigMap, mounted read-only as `<mountPath>/<fileName>`. */
export interface MountedFile {
    /** Volume name (a DNS label). */
    readonly name: string;
    readonly mountPath: string;
    readonly fileName: string;
    readonly source: { readonly kind: "secret" | "configMap"; readonly name: string; readonly key: string };
}

function fileVolume(f: MountedFile): k8s.types.input.core.v1.Volume {
    const items = [{ key: f.source.key, path: f.fileName }];
    return f.source.kind === "secret"
        ? { name: f.name, secret: { secretName: f.source.name, items } }
        : { name: f.name, configMap: { name: f.source.name, items } };
}

function httpProbe(timing: { periodSeconds: number; failureThreshold: number; timeoutSeconds: number }): k8s.types.input.core.v1.Probe {
    return { httpGet: { path: HTTP_PATHS.health, port: HTTP_PORT_NAME }, ...timing };
}

/** The Deployment spec: probes on /health, restricted security, zero-downtime rollouts. */
export function deploymentSpec(args: DeploymentSpecArgs): k8s.types.input.apps.v1.DeploymentSpec {
    const { service, settings } = args;
    const selector = selectorLabels(service.name);
    const env: k8s.types.input.core.v1.EnvVar[] = [
        { name: "SERVICE_NAME", value: service.name },
        { name: "PORT", value: String(service.port) },
        { name: METRICS_PORT_ENV, value: String(METRICS_PORT) },
        { name: "TMPDIR", value: "/tmp" },
        ...Object.entries(settings.env).map(([name, value]) => ({ name, value })),
        ...(args.env ?? []),
    ];
    return {
        // With the autoscaler on, it owns the replica count; setting it here too
        // would reset the count on every `pulumi up`.
        ...(settings.autoscaling.enabled ? {} : { replicas: settings.replicas }),
        revisionHistoryLimit: REVISION_HISTORY_LIMIT,
        minReadySeconds: 10,
        progressDeadlineSeconds: 600,
        selector: { matchLabels: selector },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
            metadata: { labels: standardLabels(service.name, "api", settings.tag) },
            spec: {
                ...restrictedPodSpecBase({
                    serviceAccountName: args.serviceAccountName,
                    selector,
                    imagePullSecrets: args.imagePullSecrets,
                    topologySpread: args.topologySpread,
                }),
                terminationGracePeriodSeconds: 30,
                containers: [
                    {
                        name: service.name,
                        image: args.image,
                        imagePullPolicy: args.imagePullPolicy,
                        ports: [
                            { name: HTTP_PORT_NAME, containerPort: service.port, protocol: "TCP" },
                            { name: METRICS_PORT_NAME, containerPort: METRICS_PORT, protocol: "TCP" },
                        ],
                        env,
                        ...((args.envFromSecrets ?? []).length === 0
                            ? {}
                            : { envFrom: (args.envFromSecrets ?? []).map((name) => ({ secretRef: { name } })) }),
                        resources: withEphemeralStorage(
                            { requests: { ...settings.resources.requests }, limits: { ...settings.resources.limits } },
                            SERVICE_EPHEMERAL_STORAGE,
                        ),
                        startupProbe: httpProbe(PROBE_TIMING.startup),
                        readinessProbe: httpProbe(PROBE_TIMING.readiness),
                        livenessProbe: httpProbe(PROBE_TIMING.liveness),
                        securityContext: restrictedContainerSecurityContext(),
                        volumeMounts: [
                            { name: "tmp", mountPath: "/tmp" },
                            ...(args.files ?? []).map((f) => ({ name: f.name, mountPath: f.mountPath, readOnly: true })),
                        ],
                    },
                ],
                volumes: [{ name: "tmp", emptyDir: { sizeLimit: TMP_SIZE_LIMIT } }, ...(args.files ?? []).map(fileVolume)],
            },
        },
    };
}

/**
 * ClusterIP Service on the runbook port (`kubectl port-forward service/imaging 8006:8006`),
 * plus the metrics port for Prometheus (in-cluster only: no Ingress routes to it).
 */
export function serviceSpec(service: ServiceIdentity): k8s.types.input.core.v1.ServiceSpec {
    return {
        type: "ClusterIP",
        selector: selectorLabels(service.name),
        ports: [
            { name: HTTP_PORT_NAME, port: service.port, targetPort: HTTP_PORT_NAME, protocol: "TCP" },
            { name: METRICS_PORT_NAME, port: METRICS_PORT, targetPort: METRICS_PORT_NAME, protocol: "TCP" },
        ],
    };
}

/** autoscaling/v2 HPA on CPU, between `replicas` and `autoscaling.maxReplicas`; scale-down damped. */
export function hpaSpec(service: ServiceIdentity, settings: ServiceSettings): k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerSpec {
    return {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: service.name },
        minReplicas: settings.replicas,
        maxReplicas: settings.autoscaling.maxReplicas,
        metrics: [
            {
                type: "Resource",
                resource: { name: "cpu", target: { type: "Utilization", averageUtilization: settings.autoscaling.targetCpuUtilization } },
            },
        ],
        behavior: {
            scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: "Pods", value: 2, periodSeconds: 60 }] },
            scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: "Pods", value: 1, periodSeconds: 60 }] },
        },
    };
}

/** A PodDisruptionBudget is only meaningful (and only safe for node drains) with more than one replica. */
export function needsDisruptionBudget(settings: ServiceSettings): boolean {
    return settings.replicas > 1;
}

/**
 * Voluntary disruptions take at most one pod at a time. A pod that is not
 * ready serves nothing, so a drain may always evict it (the default,
 * IfHealthyBudget, lets a crash-looping pod block every node drain).
 */
export function pdbSpec(service: ServiceIdentity): k8s.types.input.policy.v1.PodDisruptionBudgetSpec {
    return { maxUnavailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow", selector: { matchLabels: selectorLabels(service.name) } };
}

export interface IngressSpecArgs {
    readonly service: ServiceIdentity;
    readonly host: string;
    readonly className: string;
    /** Path prefixes routed to the service. @default ["/"] */
    readonly paths?: readonly string[];
}

/**
 * One host per service (`<service>.<domain>`), TLS always on, everything under
 * `/` (API and `/docs`) to the `http` port. Metrics live on their own port, which
 * this never routes to, so `https://<host>/metrics` reaches the API, not Prometheus' data.
 */
export function ingressSpec(args: IngressSpecArgs): k8s.types.input.networking.v1.IngressSpec {
    return {
        ingressClassName: args.className,
        tls: [{ hosts: [args.host], secretName: `${args.service.name}-tls` }],
        rules: [
            {
                host: args.host,
                http: {
                    paths: (args.paths ?? ["/"]).map((path) => ({
                        path,
                        pathType: "Prefix",
                        backend: { service: { name: args.service.name, port: { name: HTTP_PORT_NAME } } },
                    })),
                },
            },
        ],
    };
}

/** Ingress annotations: cert-manager issuer (when configured) plus the stack's own. */
export function ingressAnnotations(clusterIssuer: string | undefined, extra: Readonly<Record<string, string>>): Record<string, string> {
    return {
        ...(clusterIssuer === undefined ? {} : { "cert-manager.io/cluster-issuer": clusterIssuer }),
        ...extra,
    };
}

/** ServiceMonitor spec: scrape `/metrics` on the metrics port every 30 s. */
export function serviceMonitorSpec(service: ServiceIdentity, namespace: string): Record<string, unknown> {
    return {
        selector: { matchLabels: selectorLabels(service.name) },
        namespaceSelector: { matchNames: [namespace] },
        endpoints: [{ port: METRICS_PORT_NAME, path: HTTP_PATHS.metrics, interval: "30s", scrapeTimeout: "10s" }],
    };
}
