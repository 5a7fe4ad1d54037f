/**
 * Every pod the cloud stacks (staging, prod) schedule to the node pools, with
 * its requests and where they come from, for the capacity check
 * (./capacity.ts). The pool follows from the pod's tolerations and selector:
 * only pods that tolerate the GPU taint and select the GPU pool run there
 * (Triton, the NVIDIA DaemonSets); every other pod goes to the system pool;
 * a DaemonSet that tolerates every taint runs on both.
 *
 * The numbers live in one place each: the program's own requests are read from
 * the constants its builders use (or from config), and a chart's default or an
 * EKS add-on's request is written here once, with its source at the version
 * the stacks pin. test/aws/capacity-coverage.test.ts fails when the staging or
 * prod render holds a pod-making object none of these rows covers, when a
 * row's requests differ from what the render declares, and when a chart is
 * bumped past the version its row was read at.
 */
import { OPA_NAME } from "../authz/names";
import { GATE_RESOURCES } from "../inference/spec";
import { ELASTICSEARCH_EXPORTER_RESOURCES } from "../datastores/monitoring/spec";
import { ELASTICSEARCH_STATEFULSET, ELASTICSEARCH_NAME } from "../datastores/elasticsearch/spec";
import { LIFECYCLE_NAME, LIFECYCLE_RESOURCES } from "../datastores/elasticsearch/lifecycle";
import { CRONJOB_NAMES } from "../backups/defaults";
import { OAUTH2_PROXY_RESOURCES } from "../identity/spec";
import { TRAEFIK_RESOURCES } from "../ingress/spec";
import { LOGROTATE_NAMES, LOGROTATE_RESOURCES } from "../logrotate/defaults";
import { FLUENT_BIT_RESOURCES } from "../observability/fluentbit";
import { SMOKE_NAME, SMOKE_RESOURCES } from "../smoke/spec";
import { TRITON_DEPLOYMENTS } from "../runbook";
import { CLUSTER_AUTOSCALER_RESOURCES } from "./autoscaler";
import { podRequests, requestsOf, type Amounts, type NodeDaemonSet, type PoolPod } from "./capacity";

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
        valuesKey: "resources",
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

/**
 * The system-pool pods whose requests no config key sets: the program's own
 * constants, the charts' defaults at the pinned versions (a chart whose
 * values leave `resources` unset gets none) and the EKS add-ons'. None of
 * them tolerates the GPU taint.
 */
export const SYSTEM_POOL_FIXED_PODS: readonly PoolPod[] = [
    // The program's own.
    {
        name: LIFECYCLE_NAME,
        pool: "system",
        requests: requestsOf(LIFECYCLE_RESOURCES.requests),
        source: "infra/datastores/elasticsearch/lifecycle.ts LIFECYCLE_RESOURCES",
        owner: { kind: "Job", name: LIFECYCLE_NAME, hashSuffix: true },
    },
    {
        name: SMOKE_NAME,
        pool: "system",
        requests: requestsOf(SMOKE_RESOURCES.requests),
        source: "infra/smoke/spec.ts SMOKE_RESOURCES",
        owner: { kind: "Job", name: SMOKE_NAME },
    },
    // Charts whose requests this program sets.
    {
        name: "cluster-autoscaler",
        pool: "system",
        requests: requestsOf(CLUSTER_AUTOSCALER_RESOURCES.requests),
        source: "infra/aws/autoscaler.ts CLUSTER_AUTOSCALER_RESOURCES",
        owner: { kind: "Release", name: "cluster-autoscaler", version: "9.59.0" },
        valuesKey: "resources",
    },
    {
        name: "traefik",
        pool: "system",
        requests: requestsOf(TRAEFIK_RESOURCES.requests),
        source: "infra/ingress/spec.ts TRAEFIK_RESOURCES",
        owner: { kind: "Release", name: "traefik", version: "41.3.0" },
        valuesKey: "resources",
    },
    {
        name: "oauth2-proxy",
        pool: "system",
        requests: requestsOf(OAUTH2_PROXY_RESOURCES.requests),
        source: "infra/identity/spec.ts OAUTH2_PROXY_RESOURCES",
        owner: { kind: "Release", name: "oauth2-proxy", version: "10.7.0" },
        valuesKey: "resources",
    },
    {
        name: "elasticsearch-exporter",
        pool: "system",
        requests: requestsOf(ELASTICSEARCH_EXPORTER_RESOURCES.requests),
        source: "infra/datastores/monitoring/spec.ts ELASTICSEARCH_EXPORTER_RESOURCES",
        owner: { kind: "Release", name: "prometheus-elasticsearch-exporter", version: "7.4.0" },
        valuesKey: "resources",
    },
    // Charts' defaults.
    {
        name: "elastic-operator",
        pool: "system",
        requests: { cpuMilli: 100, memoryMiB: 150 },
        source: "eck-operator chart 3.5.0 default (elastic/cloud-on-k8s v3.5.0 = 386c7b1, deploy/eck-operator/values.yaml resources.requests 100m/150Mi)",
        owner: { kind: "Release", name: "eck-operator", version: "3.5.0" },
    },
    ...["cert-manager", "cert-manager-webhook", "cert-manager-cainjector", "cert-manager-startupapicheck"].map((name): PoolPod => ({
        name,
        pool: "system",
        requests: NONE,
        source: "cert-manager chart v1.21.1 default (cert-manager/cert-manager v1.21.1 = 24e3319, deploy/charts/cert-manager/values.yaml `resources: {}` for the controller, webhook, cainjector and startupapicheck)",
        owner: { kind: "Release", name: "cert-manager", version: "v1.21.1" },
    })),
    {
        name: "cm-acme-http-solver",
        pool: "system",
        requests: { cpuMilli: 10, memoryMiB: 64 },
        source: "cert-manager v1.21.1 controller default (internal/apis/config/controller/v1alpha1/defaults.go: --acme-http01-solver-resource-request-cpu 10m, -memory 64Mi), the HTTP-01 solver pod of each certificate order",
        owner: { kind: "Release", name: "cert-manager", version: "v1.21.1" },
    },
    ...[
        "kube-prometheus-stack-operator",
        "kube-prometheus-stack-admission-create",
        "kube-prometheus-stack-admission-patch",
        "kube-prometheus-stack-kube-state-metrics",
        "kube-prometheus-stack-grafana",
        "prometheus-kube-prometheus-stack-prometheus",
    ].map((name): PoolPod => ({
        name,
        pool: "system",
        requests: NONE,
        source: "kube-prometheus-stack chart 81.4.3 default (prometheus-community/helm-charts kube-prometheus-stack-81.4.3 = d43b299, values.yaml `resources: {}` for the operator, its admission Jobs, prometheusSpec and the config reloader, which the operator then runs with 0 requests; subcharts kube-state-metrics 7.1.0 and grafana 10.5.15 (its sidecars included) `resources: {}`)",
        owner: { kind: "Release", name: "kube-prometheus-stack", version: "81.4.3" },
    })),
    {
        name: "alertmanager-kube-prometheus-stack-alertmanager",
        pool: "system",
        requests: { cpuMilli: 0, memoryMiB: 200 },
        source: "kube-prometheus-stack chart 81.4.3 (alertmanagerSpec `resources: {}`): prometheus-operator v0.88.1 (= 6ff3de5) pkg/alertmanager/statefulset.go sets a 200Mi memory request when none is given",
        owner: { kind: "Release", name: "kube-prometheus-stack", version: "81.4.3" },
    },
    {
        name: "prometheus-adapter",
        pool: "system",
        requests: NONE,
        source: "prometheus-adapter chart 5.3.0 default (prometheus-community/helm-charts prometheus-adapter-5.3.0 = e6e041b, values.yaml `resources: {}`)",
        owner: { kind: "Release", name: "prometheus-adapter", version: "5.3.0" },
    },
    // EKS add-ons (their Deployments tolerate CriticalAddonsOnly, not the GPU taint).
    {
        name: "coredns",
        pool: "system",
        requests: { cpuMilli: 100, memoryMiB: 70 },
        source: "coredns add-on: requests 100m/70Mi as Kubernetes' CoreDNS manifest (kubernetes/kubernetes@008b365 cluster/addons/dns/coredns/coredns.yaml.base); confirm on a cluster with `kubectl -n kube-system get deploy coredns -o jsonpath='{.spec.template.spec.containers[0].resources}'`",
        owner: { kind: "Addon", name: "coredns" },
    },
    {
        name: "ebs-csi-controller",
        pool: "system",
        requests: { cpuMilli: 60, memoryMiB: 240 },
        source: "aws-ebs-csi-driver add-on: kubernetes-sigs/aws-ebs-csi-driver helm-chart-aws-ebs-csi-driver-2.64.0 (= 9767d85) controller.resources 10m/40Mi, which every sidecar takes by default: ebs-plugin, csi-provisioner, csi-attacher, csi-snapshotter, csi-resizer, liveness-probe",
        owner: { kind: "Addon", name: "aws-ebs-csi-driver" },
    },
];

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
    readonly services: Readonly<Record<string, { readonly resources: { readonly requests: Quantities } }>>;
    readonly inference: {
        readonly cpu: { readonly resources: { readonly requests: Quantities } };
        readonly gpu: {
            readonly enabled?: boolean | undefined;
            readonly gpusPerPod: number;
            readonly resources: { readonly requests: Quantities };
        };
    };
    /** With the environment's defaults applied (`resolveAuthz`). */
    readonly authz: { readonly resources: { readonly requests: Quantities } };
    readonly dataStores: { readonly elasticsearch: { readonly resources: { readonly requests: Quantities } } };
    readonly backups: { readonly enabled: boolean; readonly resources: { readonly requests: Quantities } };
}

/**
 * Every pod of a cloud stack, by pool: those whose requests config sets (each
 * named by its key), then {@link SYSTEM_POOL_FIXED_PODS}. Pure.
 */
export function poolPods(s: WorkloadSettings): PoolPod[] {
    const gpuOn = s.inference.gpu.enabled ?? true;
    const es = requestsOf(s.dataStores.elasticsearch.resources.requests);
    const backup = requestsOf(s.backups.resources.requests);
    return [
        ...Object.entries(s.services).map(([name, svc]): PoolPod => ({
            name,
            pool: "system",
            requests: requestsOf(svc.resources.requests),
            key: `services.${name}.resources.requests`,
            owner: { kind: "Deployment", name },
        })),
        {
            name: TRITON_DEPLOYMENTS.cpu,
            pool: "system",
            // Triton and the failover gate (infra/inference/spec.ts GATE_RESOURCES).
            requests: podRequests([requestsOf(s.inference.cpu.resources.requests), requestsOf(GATE_RESOURCES.requests)]),
            key: "inference.cpu.resources.requests",
            owner: { kind: "Deployment", name: TRITON_DEPLOYMENTS.cpu },
        },
        ...(gpuOn
            ? [
                  {
                      name: TRITON_DEPLOYMENTS.gpu,
                      pool: "gpu" as const,
                      requests: { ...requestsOf(s.inference.gpu.resources.requests), gpus: s.inference.gpu.gpusPerPod },
                      key: "inference.gpu.resources.requests",
                      owner: { kind: "Deployment" as const, name: TRITON_DEPLOYMENTS.gpu },
                  },
              ]
            : []),
        {
            name: OPA_NAME,
            pool: "system",
            requests: requestsOf(s.authz.resources.requests),
            key: "authz.resources.requests",
            owner: { kind: "Deployment", name: OPA_NAME },
        },
        {
            name: ELASTICSEARCH_STATEFULSET,
            pool: "system",
            requests: podRequests([es], [ECK_PREPARE_FS_REQUESTS, es]),
            key: "dataStores.elasticsearch.resources.requests",
            owner: { kind: "Elasticsearch", name: ELASTICSEARCH_NAME },
        },
        // Every backup container requests the same; a pod runs one step at a time (its init container, if any, then its container).
        ...(s.backups.enabled
            ? Object.values(CRONJOB_NAMES).map((name): PoolPod => ({
                  name,
                  pool: "system",
                  requests: podRequests([backup], [backup]),
                  key: "backups.resources.requests",
                  owner: { kind: "CronJob", name },
              }))
            : []),
        ...SYSTEM_POOL_FIXED_PODS,
    ];
}
