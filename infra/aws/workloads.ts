/**
 * Every pod the cloud stacks (staging, prod) schedule to the node pools, with
 * its requests, where they come from and its replicas, for the capacity check
 * (./capacity.ts). The pool follows from the pod's tolerations and selector:
 * only pods that tolerate the GPU taint and select the GPU pool run there
 * (Triton, the NVIDIA DaemonSets); every other pod goes to the system pool;
 * a DaemonSet that tolerates every taint runs on both.
 *
 * The numbers live in one place each: the program's own requests are read from
 * the constants its builders use (or from config), and a chart's default or an
 * EKS add-on's request is written here once, with its source at the version
 * the stacks pin. Replica counts likewise: the resolver or constant the
 * builder calls, or the chart's default. test/aws/capacity-coverage.test.ts
 * fails when the staging or prod render holds a pod-making object none of
 * these rows covers, when a row's requests or replicas differ from what the
 * render declares, and when a chart is bumped past the version its row was
 * read at.
 */
import { OPA_NAME } from "../authz/names";
import type { Environment } from "../environment";
import { gpuReplicaBounds, type InferenceConfig } from "../inference/config";
import { PROMETHEUS_ADAPTER_DEFAULT_REPLICAS, PROMETHEUS_ADAPTER_RESOURCES } from "../inference/autoscaling";
import { GATE_RESOURCES } from "../inference/spec";
import { elasticsearchNodes } from "../datastores/config";
import { ELASTICSEARCH_EXPORTER_RESOURCES } from "../datastores/monitoring/spec";
import { ELASTICSEARCH_STATEFULSET, ELASTICSEARCH_NAME } from "../datastores/elasticsearch/spec";
import { LIFECYCLE_NAME, LIFECYCLE_RESOURCES } from "../datastores/elasticsearch/lifecycle";
import { CRONJOB_NAMES } from "../backups/defaults";
import { oauth2ProxyReplicas } from "../identity/config";
import { OAUTH2_PROXY_RESOURCES } from "../identity/spec";
import { CERT_MANAGER_REPLICAS, CERT_MANAGER_RESOURCES, TRAEFIK_REPLICAS, TRAEFIK_RESOURCES } from "../ingress/spec";
import { LOGROTATE_NAMES, LOGROTATE_RESOURCES } from "../logrotate/defaults";
import { monitoringReplicas } from "../observability/config";
import { FLUENT_BIT_RESOURCES } from "../observability/fluentbit";
import { KUBE_PROMETHEUS_STACK_RESOURCES } from "../observability/values";
import { SMOKE_NAME, SMOKE_RESOURCES } from "../smoke/spec";
import { TRITON_DEPLOYMENTS } from "../runbook";
import { CLUSTER_AUTOSCALER_REPLICAS, CLUSTER_AUTOSCALER_RESOURCES } from "./autoscaler";
import { podRequests, replicas, requestsOf, RUN_ONCE, type Amounts, type NodeDaemonSet, type PoolPod } from "./capacity";

/** Requests as config and the builders write them. */
interface Quantities {
    readonly cpu: string;
    readonly memory: string;
}

/** No requests: the chart sets none and neither does this program (`resources: {}`). */
const NONE: Amounts = { cpuMilli: 0, memoryMiB: 0 };

/**
 * The DaemonSets of the cloud stacks and their requests per node. EKS add-ons:
 * their DaemonSets as the add-on deploys them; charts: the values this program
 * sets (infra/observability, infra/logrotate), or the chart's default when it
 * sets none. Requests only: limits do not schedule.
 */
export const NODE_DAEMONSETS: readonly NodeDaemonSet[] = [
    {
        name: "aws-node",
        pools: ["system", "gpu"],
        requests: { cpuMilli: 25, memoryMiB: 0 },
        source: "vpc-cni add-on: aws/amazon-vpc-cni-k8s charts/aws-vpc-cni/values.yaml resources.requests.cpu 25m; the node agent sets none",
        owner: { kind: "Addon", name: "vpc-cni" },
    },
    {
        name: "kube-proxy",
        pools: ["system", "gpu"],
        requests: { cpuMilli: 100, memoryMiB: 0 },
        source: "kube-proxy add-on: DaemonSet requests cpu 100m (EKS kube-proxy manifest)",
        owner: { kind: "Addon", name: "kube-proxy" },
    },
    {
        name: "ebs-csi-node",
        pools: ["system", "gpu"],
        requests: { cpuMilli: 30, memoryMiB: 120 },
        source: "aws-ebs-csi-driver add-on: kubernetes-sigs/aws-ebs-csi-driver charts values node: ebs-plugin, node-driver-registrar, liveness-probe 10m/40Mi each",
        owner: { kind: "Addon", name: "aws-ebs-csi-driver" },
    },
    {
        name: "fluent-bit",
        pools: ["system", "gpu"],
        requests: requestsOf(FLUENT_BIT_RESOURCES.requests),
        source: "infra/observability/fluentbit.ts FLUENT_BIT_RESOURCES (fluent-bit values resources), tolerations Exists",
        owner: { kind: "Release", name: "fluent-bit", version: "0.47.0" },
        valuesKeys: ["resources"],
    },
    {
        name: LOGROTATE_NAMES.daemonSet,
        pools: ["system", "gpu"],
        requests: requestsOf(LOGROTATE_RESOURCES.requests),
        source: "infra/logrotate/defaults.ts LOGROTATE_RESOURCES, tolerations Exists",
        owner: { kind: "DaemonSet", name: LOGROTATE_NAMES.daemonSet },
    },
    {
        name: "prometheus-node-exporter",
        pools: ["system", "gpu"],
        requests: NONE,
        source: "kube-prometheus-stack 81.4.3 subchart prometheus-node-exporter 4.51.0: values.yaml `resources: {}`, none set by this program",
        owner: { kind: "Release", name: "kube-prometheus-stack", version: "81.4.3" },
    },
    {
        name: "nvidia-device-plugin",
        pools: ["gpu"],
        requests: NONE,
        source: "NVIDIA/k8s-device-plugin chart 0.20.0: no requests by default, none set by infra/inference; its MPS control daemon (v0.20.0 = 1b826ac, templates/daemonset-mps-control-daemon.yml) runs only on nodes labelled nvidia.com/mps.capable, which no MPS sharing config labels here",
        owner: { kind: "Release", name: "nvidia-device-plugin", version: "0.20.0" },
    },
    {
        name: "dcgm-exporter",
        pools: ["gpu"],
        requests: NONE,
        source: "NVIDIA/dcgm-exporter chart 4.8.2: no requests by default, none set by infra/inference",
        owner: { kind: "Release", name: "dcgm-exporter", version: "4.8.2" },
    },
];

/** Replica counts of the fixed-request pods that depend on the environment or config, resolved by the functions the builders call. */
export interface FixedPodReplicas {
    /** infra/ingress/spec.ts `TRAEFIK_REPLICAS`. */
    readonly traefik: number;
    /** infra/identity/config.ts `oauth2ProxyReplicas`. */
    readonly oauth2Proxy: number;
    /** infra/observability/config.ts `monitoringReplicas`. */
    readonly prometheus: number;
    readonly alertmanager: number;
}

const KPS = { kind: "Release", name: "kube-prometheus-stack", version: "81.4.3" } as const;
const KPS_SOURCE = "kube-prometheus-stack chart 81.4.3 (prometheus-community/helm-charts kube-prometheus-stack-81.4.3 = d43b299)";
const CERT_MANAGER = { kind: "Release", name: "cert-manager", version: "v1.21.1" } as const;

/**
 * The system-pool pods whose requests no config key sets: the program's own
 * constants, the charts' defaults at the pinned versions (a chart whose
 * values leave `resources` unset gets none) and the EKS add-ons'. None of
 * them tolerates the GPU taint.
 */
export function systemPoolFixedPods(n: FixedPodReplicas): PoolPod[] {
    return [
        // The program's own.
        {
            name: LIFECYCLE_NAME,
            pool: "system",
            requests: requestsOf(LIFECYCLE_RESOURCES.requests),
            replicas: RUN_ONCE,
            source: "infra/datastores/elasticsearch/lifecycle.ts LIFECYCLE_RESOURCES",
            owner: { kind: "Job", name: LIFECYCLE_NAME, hashSuffix: true },
        },
        {
            name: SMOKE_NAME,
            pool: "system",
            requests: requestsOf(SMOKE_RESOURCES.requests),
            replicas: RUN_ONCE,
            source: "infra/smoke/spec.ts SMOKE_RESOURCES",
            owner: { kind: "Job", name: SMOKE_NAME },
        },
        // Charts whose requests this program sets.
        {
            name: "cluster-autoscaler",
            pool: "system",
            requests: requestsOf(CLUSTER_AUTOSCALER_RESOURCES.requests),
            replicas: replicas(CLUSTER_AUTOSCALER_REPLICAS),
            source: "infra/aws/autoscaler.ts CLUSTER_AUTOSCALER_RESOURCES",
            owner: { kind: "Release", name: "cluster-autoscaler", version: "9.59.0" },
            valuesKeys: ["resources"],
            replicasKey: "replicaCount",
        },
        {
            name: "traefik",
            pool: "system",
            requests: requestsOf(TRAEFIK_RESOURCES.requests),
            replicas: replicas(n.traefik),
            source: "infra/ingress/spec.ts TRAEFIK_RESOURCES",
            owner: { kind: "Release", name: "traefik", version: "41.3.0" },
            valuesKeys: ["resources"],
            replicasKey: "deployment.replicas",
        },
        {
            name: "oauth2-proxy",
            pool: "system",
            requests: requestsOf(OAUTH2_PROXY_RESOURCES.requests),
            replicas: replicas(n.oauth2Proxy),
            source: "infra/identity/spec.ts OAUTH2_PROXY_RESOURCES",
            owner: { kind: "Release", name: "oauth2-proxy", version: "10.7.0" },
            valuesKeys: ["resources"],
            replicasKey: "replicaCount",
        },
        {
            name: "elasticsearch-exporter",
            pool: "system",
            requests: requestsOf(ELASTICSEARCH_EXPORTER_RESOURCES.requests),
            // prometheus-elasticsearch-exporter 7.4.0 values.yaml `replicaCount: 1`.
            replicas: replicas(1),
            source: "infra/datastores/monitoring/spec.ts ELASTICSEARCH_EXPORTER_RESOURCES",
            owner: { kind: "Release", name: "prometheus-elasticsearch-exporter", version: "7.4.0" },
            valuesKeys: ["resources"],
        },
        {
            name: "cert-manager",
            pool: "system",
            requests: requestsOf(CERT_MANAGER_RESOURCES.controller.requests),
            replicas: replicas(CERT_MANAGER_REPLICAS.controller),
            source: "infra/ingress/spec.ts CERT_MANAGER_RESOURCES.controller",
            owner: CERT_MANAGER,
            valuesKeys: ["resources"],
            replicasKey: "replicaCount",
        },
        {
            name: "cert-manager-webhook",
            pool: "system",
            requests: requestsOf(CERT_MANAGER_RESOURCES.webhook.requests),
            replicas: replicas(CERT_MANAGER_REPLICAS.webhook),
            source: "infra/ingress/spec.ts CERT_MANAGER_RESOURCES.webhook",
            owner: CERT_MANAGER,
            valuesKeys: ["webhook.resources"],
            replicasKey: "webhook.replicaCount",
        },
        {
            name: "cert-manager-cainjector",
            pool: "system",
            requests: requestsOf(CERT_MANAGER_RESOURCES.cainjector.requests),
            // The chart's `cainjector.replicaCount: 1`.
            replicas: replicas(1),
            source: "infra/ingress/spec.ts CERT_MANAGER_RESOURCES.cainjector",
            owner: CERT_MANAGER,
            valuesKeys: ["cainjector.resources"],
        },
        {
            name: "cert-manager-startupapicheck",
            pool: "system",
            requests: requestsOf(CERT_MANAGER_RESOURCES.startupapicheck.requests),
            // A Helm post-install/upgrade hook Job.
            replicas: RUN_ONCE,
            source: "infra/ingress/spec.ts CERT_MANAGER_RESOURCES.startupapicheck",
            owner: CERT_MANAGER,
            valuesKeys: ["startupapicheck.resources"],
        },
        {
            name: "kube-prometheus-stack-operator",
            pool: "system",
            requests: requestsOf(KUBE_PROMETHEUS_STACK_RESOURCES.operator.requests),
            // templates/prometheus-operator/deployment.yaml `replicas: 1`.
            replicas: replicas(1),
            source: "infra/observability/values.ts KUBE_PROMETHEUS_STACK_RESOURCES.operator",
            owner: KPS,
            valuesKeys: ["prometheusOperator.resources"],
        },
        {
            name: "kube-prometheus-stack-kube-state-metrics",
            pool: "system",
            requests: requestsOf(KUBE_PROMETHEUS_STACK_RESOURCES.kubeStateMetrics.requests),
            // Subchart kube-state-metrics 7.1.0 `replicas: 1`.
            replicas: replicas(1),
            source: "infra/observability/values.ts KUBE_PROMETHEUS_STACK_RESOURCES.kubeStateMetrics",
            owner: KPS,
            valuesKeys: ["kube-state-metrics.resources"],
        },
        {
            name: "kube-prometheus-stack-grafana",
            pool: "system",
            // Grafana and its two sidecars (dashboards, datasources: grafana 10.5.15 templates/_pod.tpl).
            requests: podRequests([
                requestsOf(KUBE_PROMETHEUS_STACK_RESOURCES.grafana.requests),
                requestsOf(KUBE_PROMETHEUS_STACK_RESOURCES.grafanaSidecar.requests),
                requestsOf(KUBE_PROMETHEUS_STACK_RESOURCES.grafanaSidecar.requests),
            ]),
            // Subchart grafana 10.5.15 `replicas: 1`.
            replicas: replicas(1),
            source: "infra/observability/values.ts KUBE_PROMETHEUS_STACK_RESOURCES.grafana, .grafanaSidecar (twice)",
            owner: KPS,
            valuesKeys: ["grafana.resources", "grafana.sidecar.resources", "grafana.sidecar.resources"],
        },
        {
            name: "prometheus-kube-prometheus-stack-prometheus",
            pool: "system",
            requests: requestsOf(KUBE_PROMETHEUS_STACK_RESOURCES.prometheus.requests),
            replicas: replicas(n.prometheus),
            source: `infra/observability/values.ts KUBE_PROMETHEUS_STACK_RESOURCES.prometheus; its config reloader sidecar none: ${KPS_SOURCE} passes 0 to the operator (--config-reloader-cpu-request, -memory-request)`,
            owner: KPS,
            valuesKeys: ["prometheus.prometheusSpec.resources"],
            replicasKey: "prometheus.prometheusSpec.replicas",
        },
        {
            name: "alertmanager-kube-prometheus-stack-alertmanager",
            pool: "system",
            requests: { cpuMilli: 0, memoryMiB: 200 },
            replicas: replicas(n.alertmanager),
            source: `${KPS_SOURCE} (alertmanagerSpec \`resources: {}\`): prometheus-operator v0.88.1 (= 6ff3de5) pkg/alertmanager/statefulset.go sets a 200Mi memory request when none is given`,
            owner: KPS,
            replicasKey: "alertmanager.alertmanagerSpec.replicas",
        },
        {
            name: "prometheus-adapter",
            pool: "system",
            requests: requestsOf(PROMETHEUS_ADAPTER_RESOURCES.requests),
            replicas: replicas(PROMETHEUS_ADAPTER_DEFAULT_REPLICAS),
            source: "infra/inference/autoscaling.ts PROMETHEUS_ADAPTER_RESOURCES",
            owner: { kind: "Release", name: "prometheus-adapter", version: "5.3.0" },
            valuesKeys: ["resources"],
            replicasKey: "replicas",
        },
        // Charts' defaults.
        {
            name: "elastic-operator",
            pool: "system",
            requests: { cpuMilli: 100, memoryMiB: 150 },
            replicas: replicas(1),
            source: "eck-operator chart 3.5.0 default (elastic/cloud-on-k8s v3.5.0 = 386c7b1, deploy/eck-operator/values.yaml resources.requests 100m/150Mi, replicaCount 1)",
            owner: { kind: "Release", name: "eck-operator", version: "3.5.0" },
        },
        ...["kube-prometheus-stack-admission-create", "kube-prometheus-stack-admission-patch"].map((name): PoolPod => ({
            name,
            pool: "system",
            requests: NONE,
            // Helm pre/post-install hook Jobs.
            replicas: RUN_ONCE,
            source: `${KPS_SOURCE} default: values.yaml prometheusOperator.admissionWebhooks.patch \`resources: {}\``,
            owner: KPS,
        })),
        {
            name: "cm-acme-http-solver",
            pool: "system",
            requests: { cpuMilli: 10, memoryMiB: 64 },
            // One per HTTP-01 challenge while it lasts; counted once (docs/aws.md "Capacity").
            replicas: RUN_ONCE,
            source: "cert-manager v1.21.1 controller default (internal/apis/config/controller/v1alpha1/defaults.go: --acme-http01-solver-resource-request-cpu 10m, -memory 64Mi), the HTTP-01 solver pod of each certificate order",
            owner: CERT_MANAGER,
        },
        // EKS add-ons (their Deployments tolerate CriticalAddonsOnly, not the GPU taint).
        {
            name: "coredns",
            pool: "system",
            requests: { cpuMilli: 100, memoryMiB: 70 },
            replicas: replicas(2),
            source: "coredns add-on: requests 100m/70Mi as Kubernetes' CoreDNS manifest (kubernetes/kubernetes@008b365 cluster/addons/dns/coredns/coredns.yaml.base); two replicas (EKS user guide, eks-networking-add-ons: \"two replicas of the CoreDNS image are deployed by default\"); confirm on a cluster with `kubectl -n kube-system get deploy coredns -o jsonpath='{.spec.replicas} {.spec.template.spec.containers[0].resources}'`",
            owner: { kind: "Addon", name: "coredns" },
        },
        {
            name: "ebs-csi-controller",
            pool: "system",
            requests: { cpuMilli: 60, memoryMiB: 240 },
            replicas: replicas(2),
            source: "aws-ebs-csi-driver add-on: kubernetes-sigs/aws-ebs-csi-driver helm-chart-aws-ebs-csi-driver-2.64.0 (= 9767d85) controller.resources 10m/40Mi, which every sidecar takes by default: ebs-plugin, csi-provisioner, csi-attacher, csi-snapshotter, csi-resizer, liveness-probe; controller.replicaCount 2",
            owner: { kind: "Addon", name: "aws-ebs-csi-driver" },
        },
    ];
}

/**
 * ECK 3.5.0's init containers of an Elasticsearch pod (elastic/cloud-on-k8s
 * v3.5.0, pkg/controller/elasticsearch/initcontainer): `elastic-internal-init-filesystem`
 * requests 100m/50Mi (prepare_fs.go `defaultResources`); `elastic-internal-suspend`
 * sets none and so takes the main container's (common/defaults/pod_template.go
 * `WithInitContainerDefaults`).
 */
export const ECK_PREPARE_FS_REQUESTS: Amounts = { cpuMilli: 100, memoryMiB: 50 };

/** What config sets, resolved: the settings {@link poolPods} reads (the parsed config and `PlatformConfig` both have this shape). */
export interface WorkloadSettings {
    /** A cloud stack's: dev has no node pools. */
    readonly environment: Exclude<Environment, "dev">;
    /** With `serviceDefaults` merged in. */
    readonly services: Readonly<
        Record<
            string,
            {
                readonly resources: { readonly requests: Quantities };
                readonly replicas: number;
                readonly autoscaling: { readonly enabled: boolean; readonly maxReplicas: number };
            }
        >
    >;
    readonly inference: InferenceConfig;
    /** With the environment's defaults applied (`resolveAuthz`). */
    readonly authz: { readonly resources: { readonly requests: Quantities }; readonly replicas: number };
    readonly dataStores: {
        readonly elasticsearch: { readonly nodes?: number | undefined; readonly resources: { readonly requests: Quantities } };
    };
    readonly backups: { readonly enabled: boolean; readonly resources: { readonly requests: Quantities } };
    readonly oidc?: { readonly proxyReplicas?: number | undefined } | undefined;
    readonly monitoring: {
        readonly prometheus: { readonly replicas?: number | undefined };
        readonly alertmanager: { readonly replicas?: number | undefined };
    };
}

/**
 * Every pod of a cloud stack, by pool, with its replicas: those whose
 * requests config sets (each named by its key), then {@link systemPoolFixedPods}.
 * Pure.
 */
export function poolPods(s: WorkloadSettings): PoolPod[] {
    const gpuOn = s.inference.gpu.enabled ?? true;
    const es = requestsOf(s.dataStores.elasticsearch.resources.requests);
    const backup = requestsOf(s.backups.resources.requests);
    const monitoring = monitoringReplicas(s.environment, s.monitoring);
    return [
        ...Object.entries(s.services).map(([name, svc]): PoolPod => ({
            name,
            pool: "system",
            requests: requestsOf(svc.resources.requests),
            // The HPA's bounds (infra/services/spec.ts), or the Deployment's replicas without one.
            replicas: { min: svc.replicas, max: svc.autoscaling.enabled ? svc.autoscaling.maxReplicas : svc.replicas },
            key: `services.${name}.resources.requests`,
            owner: { kind: "Deployment", name },
        })),
        {
            name: TRITON_DEPLOYMENTS.cpu,
            pool: "system",
            // Triton and the failover gate (infra/inference/spec.ts GATE_RESOURCES).
            requests: podRequests([requestsOf(s.inference.cpu.resources.requests), requestsOf(GATE_RESOURCES.requests)]),
            replicas: replicas(s.inference.cpu.replicas),
            key: "inference.cpu.resources.requests",
            owner: { kind: "Deployment", name: TRITON_DEPLOYMENTS.cpu },
        },
        ...(gpuOn
            ? [
                  {
                      name: TRITON_DEPLOYMENTS.gpu,
                      pool: "gpu" as const,
                      requests: { ...requestsOf(s.inference.gpu.resources.requests), gpus: s.inference.gpu.gpusPerPod },
                      replicas: gpuReplicaBounds(s.environment, s.inference),
                      key: "inference.gpu.resources.requests",
                      owner: { kind: "Deployment" as const, name: TRITON_DEPLOYMENTS.gpu },
                  },
              ]
            : []),
        {
            name: OPA_NAME,
            pool: "system",
            requests: requestsOf(s.authz.resources.requests),
            replicas: replicas(s.authz.replicas),
            key: "authz.resources.requests",
            owner: { kind: "Deployment", name: OPA_NAME },
        },
        {
            name: ELASTICSEARCH_STATEFULSET,
            pool: "system",
            requests: podRequests([es], [ECK_PREPARE_FS_REQUESTS, es]),
            replicas: replicas(elasticsearchNodes(s.environment, s.dataStores.elasticsearch)),
            key: "dataStores.elasticsearch.resources.requests",
            owner: { kind: "Elasticsearch", name: ELASTICSEARCH_NAME },
        },
        // Every backup container requests the same; a pod runs one step at a time (its init container, if any, then its container).
        ...(s.backups.enabled
            ? Object.values(CRONJOB_NAMES).map((name): PoolPod => ({
                  name,
                  pool: "system",
                  requests: podRequests([backup], [backup]),
                  replicas: RUN_ONCE,
                  key: "backups.resources.requests",
                  owner: { kind: "CronJob", name },
              }))
            : []),
        ...systemPoolFixedPods({
            traefik: TRAEFIK_REPLICAS[s.environment],
            oauth2Proxy: oauth2ProxyReplicas(s.environment, s.oidc),
            prometheus: monitoring.prometheus,
            alertmanager: monitoring.alertmanager,
        }),
    ];
}
