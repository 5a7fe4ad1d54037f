/**
 * Pure builders for the platform's NetworkPolicies (network isolation):
 * default-deny ingress and egress in every namespace the
 * platform runs workloads or data in, then one explicit allow per flow, each
 * as narrow as its peer allows (pod labels and ports; IP blocks only for
 * peers outside the cluster). docs/network.md is the matrix these encode.
 *
 * Policies are additive: a pod's allowed flows are the union of every policy
 * that selects it. Each allow below is its own object named after the flow,
 * so `kubectl get networkpolicy -n med-agi` reads like the matrix.
 */
import type * as k8s from "@pulumi/kubernetes";

import { OPA_NAME, OPA_PORT } from "../authz/names";
import { CRONJOB_NAMES } from "../backups/defaults";
import { OAUTH2_PROXY } from "../identity/spec";
import { PART_OF, selectorLabels } from "../k8s/labels";
import { INFERENCE_LABEL, POOL_LABEL, TRITON_NAMES, TRITON_PORTS } from "../inference/spec";
import { LIFECYCLE_NAME } from "../datastores/elasticsearch/lifecycle";
import { ELASTICSEARCH_NAME } from "../datastores/elasticsearch/spec";
import { POSTGRES_SERVICE } from "../datastores/postgres/spec";
import { FLUENT_BIT_METRICS_PORT } from "../observability/fluentbit";
import { METRICS_PORT } from "../services/spec";
import { SMOKE_NAME } from "../smoke/spec";

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;
type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type PolicyPort = k8s.types.input.networking.v1.NetworkPolicyPort;
type Labels = Readonly<Record<string, string>>;

/** One NetworkPolicy to declare: `metadata.name`, its namespace and its spec. */
export interface NetworkPolicyDecl {
    readonly name: string;
    readonly namespace: string;
    readonly spec: NetworkPolicySpec;
}

/** The label every namespace carries with its own name (Kubernetes ≥ 1.22); namespace selectors use only it. */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** Pods of peers the platform does not label itself: the contracts the selectors rely on. */
export const PEER_LABELS = {
    /** CoreDNS on EKS, kind, k3d and kubeadm keeps the kube-dns label. */
    dns: { namespace: "kube-system", pods: { "k8s-app": "kube-dns" } },
    /** The Prometheus pods kube-prometheus-stack's operator runs. */
    prometheus: { "app.kubernetes.io/name": "prometheus" },
    /** The ingress controller: Traefik's pods (the chart's name label; infra/ingress). */
    ingressController: { "app.kubernetes.io/name": "traefik" },
    /** OPA: its Deployment's selector, a contract with infra/authz. */
    opa: selectorLabels(OPA_NAME),
    /** oauth2-proxy from its chart: a contract with infra/identity. */
    oauth2Proxy: OAUTH2_PROXY.podLabel,
    /** Every pod CloudNativePG runs for the cluster: instances and their bootstrap/join jobs. */
    postgres: { "cnpg.io/cluster": POSTGRES_SERVICE },
    /** The Elasticsearch nodes ECK runs for the cluster. */
    elasticsearch: { "elasticsearch.k8s.elastic.co/cluster-name": ELASTICSEARCH_NAME },
    /** The post-deploy smoke Job (infra/smoke). */
    smoke: selectorLabels(SMOKE_NAME),
    /** Fluent Bit from its chart. */
    fluentBit: { "app.kubernetes.io/name": "fluent-bit" },
    /** prometheus-elasticsearch-exporter from its chart (release `elasticsearch-exporter`, infra/datastores/monitoring). */
    elasticsearchExporter: {
        "app.kubernetes.io/name": "prometheus-elasticsearch-exporter",
        "app.kubernetes.io/instance": "elasticsearch-exporter",
    },
    /** The index lifecycle Job (infra/datastores/elasticsearch/lifecycle.ts). */
    searchLifecycle: selectorLabels(LIFECYCLE_NAME),
    /** Alertmanager pods of kube-prometheus-stack's operator. */
    alertmanager: { "app.kubernetes.io/name": "alertmanager" },
    /** Grafana from the kube-prometheus-stack subchart. */
    grafana: { "app.kubernetes.io/name": "grafana" },
    /** The External Secrets controller (chart external-secrets; webhook and cert-controller are off). */
    externalSecrets: { "app.kubernetes.io/name": "external-secrets" },
    /** cert-manager's ACME HTTP-01 solver pods (`SolverIdentificationLabelKey`, cert-manager v1.21.1 pkg/apis/acme/v1). */
    acmeSolver: { "acme.cert-manager.io/http01-solver": "true" },
} as const;

/** The ports of peers the platform does not deploy itself. */
export const PEER_PORTS = {
    dns: 53,
    opa: OPA_PORT,
    oauth2Proxy: OAUTH2_PROXY.port,
    /** oauth2-proxy's metrics port (chart default `metrics.port`). */
    oauth2ProxyMetrics: 44180,
    /** cert-manager's acmesolver listen port (`acmeSolverListenPort`, pkg/issuer/acme/http/http.go). */
    acmeSolver: 8089,
    postgres: 5432,
    /** CloudNativePG's instance manager: status endpoint the operator (and peer instances) call. */
    postgresStatus: 8000,
    /** CloudNativePG's metrics exporter on each instance. */
    postgresMetrics: 9187,
    elasticsearch: 9200,
    elasticsearchTransport: 9300,
    /** The Elasticsearch exporter's metrics (chart `service.httpPort`). */
    elasticsearchExporter: 9108,
    /** Admission webhooks of the CloudNativePG and ECK operators, called by the API server. */
    operatorWebhook: 9443,
    /** CloudNativePG operator metrics. */
    cnpgOperatorMetrics: 8080,
    /** Fluent Bit's HTTP server (health and metrics; infra/observability). */
    fluentBitMetrics: FLUENT_BIT_METRICS_PORT,
    https: 443,
    /** Grafana's HTTP port (the ingress controller's upstream). */
    grafana: 3000,
    /** The kubelet (cAdvisor metrics) and node-exporter on each node's address. */
    kubelet: 10250,
    nodeExporter: 9100,
    /** Called by the API server in monitoring: prometheus-adapter's aggregated API and the Prometheus operator's admission webhook. */
    prometheusAdapter: 6443,
    prometheusOperatorWebhook: 10250,
} as const;

/** Every address outside the private ranges and link-local (the metadata service): the internet, for SaaS endpoints without fixed ranges. */
const PUBLIC_INTERNET = { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10"] };

/** The data stores' object-store pods (dev) by implementation: labels of the chart's pods. */
export const OBJECT_STORE_PODS = {
    seaweedfs: { "app.kubernetes.io/name": "seaweedfs" },
    minio: { app: "minio" },
    aistor: { app: "minio" },
} as const;

/** Where PostgreSQL is: the CloudNativePG pods in the namespace, or a server outside the cluster (RDS). */
export type DatabasePlacement =
    { readonly kind: "in-cluster" } | { readonly kind: "external"; readonly cidrs: readonly string[]; readonly port: number };

/** Where the object storage is: the dev store's pods, or AWS S3 (by its prefix list's CIDRs) with STS for IRSA. */
export type ObjectStorePlacement =
    | { readonly kind: "in-cluster"; readonly implementation: keyof typeof OBJECT_STORE_PODS; readonly port: number }
    | { readonly kind: "aws"; readonly s3Cidrs: readonly string[]; readonly stsCidrs: readonly string[] };

/** One HTTP service of the platform. */
export interface ServicePeer {
    readonly name: string;
    readonly port: number;
    /** Connects to PostgreSQL (DATABASE_SERVICES). */
    readonly database: boolean;
    /** Calls Triton (imaging). */
    readonly inference: boolean;
    /** Talks DICOM to the PACS (imaging), when one is configured. */
    readonly pacs: boolean;
}

export interface NetworkPlanArgs {
    /** The platform namespace (`med-agi`). */
    readonly namespace: string;
    readonly services: readonly ServicePeer[];
    /** Namespace of the ingress controller (`ingress.controllerNamespace`). */
    readonly ingressControllerNamespace: string;
    /** Namespace of Prometheus (`monitoring.namespace`). */
    readonly monitoringNamespace: string;
    readonly database: DatabasePlacement;
    readonly objectStore: ObjectStorePlacement;
    /** Whether a separate GPU Triton exists (staging/prod): the CPU pods' gate then asks it. */
    readonly tritonGpu: boolean;
    /** The backup CronJobs deployed (names); none: backups off. */
    readonly backups: readonly string[];
    /** Where the API server answers the in-cluster `kubernetes` Service. */
    readonly apiServer: { readonly cidrs: readonly string[]; readonly ports: readonly number[] };
    /** The PACS imaging may reach; undefined: no DICOM egress at all. */
    readonly pacs?: { readonly cidr: string; readonly port: number };
    /**
     * OIDC is configured, with its issuer's address blocks (config validation requires them with
     * OIDC): oauth2-proxy runs, the services validate bearer tokens against the issuer's keys, and
     * both get HTTPS egress to exactly those blocks (docs/identity.md). @default none: no
     * oauth2-proxy, no issuer egress
     */
    readonly oidcIssuer?: { readonly cidrs: readonly string[] };
    /**
     * A ClusterIssuer of the stack answers ACME HTTP-01 challenges: cert-manager runs its solver pods in
     * the Ingresses' namespace, and the ingress controller must reach them. @default false
     */
    readonly acmeHttp01?: boolean;
    /** The operator namespaces (CloudNativePG only with the in-cluster database). */
    readonly operators: { readonly cnpg?: string; readonly eck: string };
    /** Fluent Bit's namespace and, when it ships over HTTP, the SIEM collector. Undefined: no Fluent Bit. */
    readonly logging?: { readonly namespace: string; readonly siem?: { readonly cidrs: readonly string[]; readonly port: number } };
    /** Namespace of the node log rotation DaemonSet (needs no network). Undefined: not deployed. */
    readonly nodeNamespace?: string;
    /**
     * The monitoring namespace's own isolation: where the
     * nodes are (Prometheus scrapes the kubelet and node-exporter there) and the
     * ports Alertmanager's receivers listen on outside the cluster. Undefined: no
     * NetworkPolicies in the monitoring namespace. @default undefined
     */
    readonly monitoring?: { readonly nodeCidrs: readonly string[]; readonly receiverPorts: readonly number[] };
    /** External Secrets' namespace (staging/prod); it reaches the API server, STS and Secrets Manager. @default undefined */
    readonly externalSecretsNamespace?: string;
}

// ---------------------------------------------------------------------------
// Small constructors

const tcp = (port: number): PolicyPort => ({ protocol: "TCP", port });
const inNamespace = (namespace: string, pods?: Labels): Peer => ({
    namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } },
    ...(pods === undefined ? {} : { podSelector: { matchLabels: { ...pods } } }),
});
const pods = (labels: Labels): Peer => ({ podSelector: { matchLabels: { ...labels } } });
const blocks = (cidrs: readonly string[], except: readonly string[] = []): Peer[] =>
    cidrs.map((cidr) => ({ ipBlock: { cidr, ...(except.length === 0 ? {} : { except: [...except] }) } }));

/** The selector of one of the platform's own workloads: the selector labels its Deployment or Job declares. */
export const workload: (name: string) => Labels = selectorLabels;

/** Every Triton pod of either pool. */
export const TRITON_PODS: Labels = { "app.kubernetes.io/part-of": PART_OF, [INFERENCE_LABEL.key]: INFERENCE_LABEL.value };
/** The GPU Triton pods only. */
export const TRITON_GPU_PODS: Labels = { ...TRITON_PODS, [POOL_LABEL]: "gpu" };

/** Which backup jobs connect to PostgreSQL, to the object storage and to the API server. */
export const BACKUP_NEEDS: Readonly<
    Record<string, { readonly database: boolean; readonly objectStore: boolean; readonly apiServer: boolean }>
> = {
    [CRONJOB_NAMES.postgresBackup]: { database: true, objectStore: true, apiServer: false },
    [CRONJOB_NAMES.modelBackup]: { database: false, objectStore: true, apiServer: false },
    [CRONJOB_NAMES.configBackup]: { database: false, objectStore: true, apiServer: true },
    [CRONJOB_NAMES.restoreDrill]: { database: true, objectStore: true, apiServer: false },
    [CRONJOB_NAMES.postgresRestore]: { database: true, objectStore: true, apiServer: false },
};

/** podSelector {} with both policy types and no rule: nothing in, nothing out, until an allow says otherwise. */
export function defaultDeny(namespace: string): NetworkPolicyDecl {
    return { name: "default-deny", namespace, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } };
}

/** Every pod of `namespace` may resolve names at the cluster DNS (UDP and TCP 53), and nothing else by this policy. */
export function dnsEgress(namespace: string): NetworkPolicyDecl {
    return {
        name: "allow-dns-egress",
        namespace,
        spec: {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [
                {
                    to: [inNamespace(PEER_LABELS.dns.namespace, PEER_LABELS.dns.pods)],
                    ports: [
                        { protocol: "UDP", port: PEER_PORTS.dns },
                        { protocol: "TCP", port: PEER_PORTS.dns },
                    ],
                },
            ],
        },
    };
}

function egressPolicy(name: string, namespace: string, selector: Labels, egress: NetworkPolicySpec["egress"]): NetworkPolicyDecl {
    return { name, namespace, spec: { podSelector: { matchLabels: { ...selector } }, policyTypes: ["Egress"], egress } };
}

function ingressPolicy(name: string, namespace: string, selector: Labels, ingress: NetworkPolicySpec["ingress"]): NetworkPolicyDecl {
    return { name, namespace, spec: { podSelector: { matchLabels: { ...selector } }, policyTypes: ["Ingress"], ingress } };
}

function apiServerEgress(args: NetworkPlanArgs): { to: Peer[]; ports: PolicyPort[] } {
    return { to: blocks(args.apiServer.cidrs), ports: args.apiServer.ports.map(tcp) };
}

/** Egress rules to the database (in-cluster pods or the external server's block). */
function databaseEgress(args: NetworkPlanArgs): { to: Peer[]; ports: PolicyPort[] } {
    return args.database.kind === "in-cluster"
        ? { to: [pods(PEER_LABELS.postgres)], ports: [tcp(PEER_PORTS.postgres)] }
        : { to: blocks(args.database.cidrs), ports: [tcp(args.database.port)] };
}

/** Egress rules to the object storage: the dev store's S3 port, or S3 and STS over HTTPS in AWS. */
function objectStoreEgress(args: NetworkPlanArgs): { to: Peer[]; ports: PolicyPort[] }[] {
    const o = args.objectStore;
    if (o.kind === "in-cluster") return [{ to: [pods(OBJECT_STORE_PODS[o.implementation])], ports: [tcp(o.port)] }];
    return [
        // S3 through the VPC's gateway endpoint: still S3's public addresses (the prefix list's blocks), on 443.
        { to: blocks(o.s3Cidrs), ports: [tcp(PEER_PORTS.https)] },
        // IRSA exchanges the pod's token at STS: the STS interface endpoint's own subnets, on 443 (not the VPC CIDR).
        { to: blocks(o.stsCidrs), ports: [tcp(PEER_PORTS.https)] },
    ];
}

// ---------------------------------------------------------------------------
// The plan

/** Every NetworkPolicy of the platform for these facts, in a stable order (names never depend on address values). */
export function networkPolicies(args: NetworkPlanArgs): NetworkPolicyDecl[] {
    return [
        ...platformNamespacePolicies(args),
        ...operatorPolicies(args),
        ...loggingPolicies(args),
        ...(args.nodeNamespace === undefined ? [] : [defaultDeny(args.nodeNamespace)]),
        ...monitoringPolicies(args),
        ...externalSecretsPolicies(args),
    ];
}

/**
 * The monitoring namespace (kube-prometheus-stack, DCGM exporter,
 * prometheus-adapter): its pods talk to each other freely (Grafana and the
 * adapter ask Prometheus, Prometheus alerts Alertmanager and scrapes its
 * neighbours); Prometheus scrapes pods of every namespace and the nodes'
 * kubelet and node-exporter; every pod may reach the API server (service
 * discovery, the operator, the sidecars); the API server may call the adapter
 * and the operator's webhook; the ingress controller reaches Grafana;
 * Alertmanager reaches its receivers on the internet (no fixed addresses) on
 * their ports only; Grafana reaches the OIDC issuer. Nothing else enters or
 * leaves.
 */
function monitoringPolicies(args: NetworkPlanArgs): NetworkPolicyDecl[] {
    const m = args.monitoring;
    if (m === undefined) return [];
    const ns = args.monitoringNamespace;
    const sameNamespace = inNamespace(ns);
    return [
        defaultDeny(ns),
        dnsEgress(ns),
        {
            name: "monitoring-internal",
            namespace: ns,
            spec: {
                podSelector: {},
                policyTypes: ["Ingress", "Egress"],
                ingress: [
                    { from: [sameNamespace] },
                    {
                        from: blocks(args.apiServer.cidrs),
                        ports: [tcp(PEER_PORTS.prometheusAdapter), tcp(PEER_PORTS.prometheusOperatorWebhook)],
                    },
                ],
                egress: [{ to: [sameNamespace] }, apiServerEgress(args)],
            },
        },
        egressPolicy("prometheus-scrape", ns, PEER_LABELS.prometheus, [
            // Metrics ports differ per workload (9464, 8002, 8181, 9187, …); the targets' own ingress policies choose who may scrape them.
            { to: [{ namespaceSelector: {} }] },
            { to: blocks(m.nodeCidrs), ports: [tcp(PEER_PORTS.kubelet), tcp(PEER_PORTS.nodeExporter)] },
        ]),
        egressPolicy("alertmanager-receivers", ns, PEER_LABELS.alertmanager, [
            { to: [{ ipBlock: { cidr: PUBLIC_INTERNET.cidr, except: [...PUBLIC_INTERNET.except] } }], ports: m.receiverPorts.map(tcp) },
        ]),
        ingressPolicy("grafana-ingress", ns, PEER_LABELS.grafana, [
            { from: [inNamespace(args.ingressControllerNamespace, PEER_LABELS.ingressController)], ports: [tcp(PEER_PORTS.grafana)] },
        ]),
        // Grafana's Ingress names the ClusterIssuer too: cert-manager runs its HTTP-01 solver pod in this namespace.
        ...(args.acmeHttp01 === true
            ? [
                  ingressPolicy("acme-http01-solver-ingress", ns, PEER_LABELS.acmeSolver, [
                      {
                          from: [inNamespace(args.ingressControllerNamespace, PEER_LABELS.ingressController)],
                          ports: [tcp(PEER_PORTS.acmeSolver)],
                      },
                  ]),
              ]
            : []),
        ...(args.oidcIssuer === undefined
            ? []
            : [
                  egressPolicy("grafana-oidc", ns, PEER_LABELS.grafana, [
                      { to: blocks(args.oidcIssuer.cidrs), ports: [tcp(PEER_PORTS.https)] },
                  ]),
              ]),
    ];
}

/**
 * External Secrets (staging/prod): the controller reaches the API server,
 * STS (its IRSA token exchange, the STS endpoint's subnets) and Secrets
 * Manager (its public regional endpoint over the NAT: no fixed addresses, so
 * HTTPS to the internet outside the private ranges); nothing may connect to
 * it (its webhook is off).
 */
function externalSecretsPolicies(args: NetworkPlanArgs): NetworkPolicyDecl[] {
    const ns = args.externalSecretsNamespace;
    if (ns === undefined) return [];
    return [
        defaultDeny(ns),
        dnsEgress(ns),
        egressPolicy("external-secrets-egress", ns, PEER_LABELS.externalSecrets, [
            apiServerEgress(args),
            ...(args.objectStore.kind === "aws" ? [{ to: blocks(args.objectStore.stsCidrs), ports: [tcp(PEER_PORTS.https)] }] : []),
            { to: [{ ipBlock: { cidr: PUBLIC_INTERNET.cidr, except: [...PUBLIC_INTERNET.except] } }], ports: [tcp(PEER_PORTS.https)] },
        ]),
    ];
}

function platformNamespacePolicies(args: NetworkPlanArgs): NetworkPolicyDecl[] {
    const ns = args.namespace;
    const prometheus = inNamespace(args.monitoringNamespace, PEER_LABELS.prometheus);
    const ingressController = inNamespace(args.ingressControllerNamespace, PEER_LABELS.ingressController);
    const smoke = pods(PEER_LABELS.smoke);
    const out: NetworkPolicyDecl[] = [defaultDeny(ns), dnsEgress(ns)];

    // The HTTP services: reached only by the ingress controller and the smoke test on their API port,
    // and by Prometheus on the metrics port; they reach the stores, OPA and (imaging) Triton and the PACS.
    for (const s of args.services) {
        out.push(
            ingressPolicy(`${s.name}-ingress`, ns, workload(s.name), [
                { from: [ingressController, smoke], ports: [tcp(s.port)] },
                { from: [prometheus], ports: [tcp(METRICS_PORT)] },
            ]),
        );
        out.push(
            egressPolicy(`${s.name}-egress`, ns, workload(s.name), [
                ...(s.database ? [databaseEgress(args)] : []),
                { to: [pods(PEER_LABELS.elasticsearch)], ports: [tcp(PEER_PORTS.elasticsearch)] },
                { to: [pods(PEER_LABELS.opa)], ports: [tcp(PEER_PORTS.opa)] },
                ...(s.inference ? [{ to: [pods(TRITON_PODS)], ports: [tcp(TRITON_PORTS.http), tcp(TRITON_PORTS.grpc)] }] : []),
                ...(s.pacs && args.pacs !== undefined ? [{ to: blocks([args.pacs.cidr]), ports: [tcp(args.pacs.port)] }] : []),
                // The issuer's signing keys (JWKS), to validate API bearer tokens.
                ...(args.oidcIssuer === undefined ? [] : [{ to: blocks(args.oidcIssuer.cidrs), ports: [tcp(PEER_PORTS.https)] }]),
            ]),
        );
    }
    const inferenceClients = args.services.filter((s) => s.inference).map((s) => pods(workload(s.name)));
    const databaseClients = args.services.filter((s) => s.database).map((s) => pods(workload(s.name)));
    const backupJobs = args.backups.filter((b) => BACKUP_NEEDS[b] !== undefined);
    const backupsNeeding = (need: "database" | "objectStore") =>
        backupJobs.filter((b) => BACKUP_NEEDS[b]?.[need] === true).map((b) => pods(workload(b)));

    // Triton: imaging on HTTP/gRPC, Prometheus on metrics, and (with a GPU pool) the CPU pods' gate on the GPU pods' HTTP port.
    out.push(
        ingressPolicy("triton-ingress", ns, TRITON_PODS, [
            ...(inferenceClients.length === 0 ? [] : [{ from: inferenceClients, ports: [tcp(TRITON_PORTS.http), tcp(TRITON_PORTS.grpc)] }]),
            { from: [prometheus], ports: [tcp(TRITON_PORTS.metrics)] },
        ]),
        egressPolicy("triton-egress", ns, TRITON_PODS, objectStoreEgress(args)),
    );
    if (args.tritonGpu) {
        out.push(
            ingressPolicy("triton-gpu-from-gate", ns, TRITON_GPU_PODS, [
                { from: [pods(workload(TRITON_NAMES.cpu))], ports: [tcp(TRITON_PORTS.http)] },
            ]),
            egressPolicy("triton-cpu-gate-egress", ns, workload(TRITON_NAMES.cpu), [
                { to: [pods(TRITON_GPU_PODS)], ports: [tcp(TRITON_PORTS.http)] },
            ]),
        );
    }

    // OPA: asked by the services; scraped by Prometheus on the same port (it serves /metrics there).
    out.push(
        ingressPolicy("opa-ingress", ns, PEER_LABELS.opa, [
            { from: args.services.map((s) => pods(workload(s.name))), ports: [tcp(PEER_PORTS.opa)] },
            { from: [prometheus], ports: [tcp(PEER_PORTS.opa)] },
        ]),
    );

    // cert-manager's HTTP-01 solver pods (staging/prod): Let's Encrypt reaches them through the ingress controller only.
    if (args.acmeHttp01 === true) {
        out.push(
            ingressPolicy("acme-http01-solver-ingress", ns, PEER_LABELS.acmeSolver, [
                { from: [ingressController], ports: [tcp(PEER_PORTS.acmeSolver)] },
            ]),
        );
    }

    // oauth2-proxy (deployed only with OIDC): the ingress controller's auth subrequests; its HTTPS egress to the issuer.
    if (args.oidcIssuer !== undefined) {
        out.push(
            ingressPolicy("oauth2-proxy-ingress", ns, PEER_LABELS.oauth2Proxy, [
                { from: [ingressController], ports: [tcp(PEER_PORTS.oauth2Proxy)] },
                { from: [prometheus], ports: [tcp(PEER_PORTS.oauth2ProxyMetrics)] },
            ]),
            egressPolicy("oauth2-proxy-egress", ns, PEER_LABELS.oauth2Proxy, [
                { to: blocks(args.oidcIssuer.cidrs), ports: [tcp(PEER_PORTS.https)] },
            ]),
        );
    }

    // Elasticsearch: the services, the ECK operator, the exporter and the lifecycle Job on 9200; its nodes with each other.
    const searchClients = [pods(PEER_LABELS.elasticsearchExporter), pods(PEER_LABELS.searchLifecycle)];
    out.push(
        ingressPolicy("elasticsearch-ingress", ns, PEER_LABELS.elasticsearch, [
            {
                from: [...args.services.map((s) => pods(workload(s.name))), inNamespace(args.operators.eck), ...searchClients],
                ports: [tcp(PEER_PORTS.elasticsearch)],
            },
            {
                from: [pods(PEER_LABELS.elasticsearch)],
                ports: [tcp(PEER_PORTS.elasticsearch), tcp(PEER_PORTS.elasticsearchTransport)],
            },
        ]),
        egressPolicy("elasticsearch-egress", ns, PEER_LABELS.elasticsearch, [
            { to: [pods(PEER_LABELS.elasticsearch)], ports: [tcp(PEER_PORTS.elasticsearch), tcp(PEER_PORTS.elasticsearchTransport)] },
        ]),
        // The exporter: scraped by Prometheus, reads cluster health; the lifecycle Job: PUTs ILM policies and templates.
        ingressPolicy("elasticsearch-exporter-ingress", ns, PEER_LABELS.elasticsearchExporter, [
            { from: [prometheus], ports: [tcp(PEER_PORTS.elasticsearchExporter)] },
        ]),
        egressPolicy("elasticsearch-exporter-egress", ns, PEER_LABELS.elasticsearchExporter, [
            { to: [pods(PEER_LABELS.elasticsearch)], ports: [tcp(PEER_PORTS.elasticsearch)] },
        ]),
        egressPolicy("search-lifecycle-egress", ns, PEER_LABELS.searchLifecycle, [
            { to: [pods(PEER_LABELS.elasticsearch)], ports: [tcp(PEER_PORTS.elasticsearch)] },
        ]),
    );

    // PostgreSQL in the cluster (dev): clients on 5432; the operator and peers on the instance manager; Prometheus on metrics.
    if (args.database.kind === "in-cluster") {
        const peers = pods(PEER_LABELS.postgres);
        const clients = [...databaseClients, ...backupsNeeding("database")];
        out.push(
            ingressPolicy("postgres-ingress", ns, PEER_LABELS.postgres, [
                ...(clients.length === 0 ? [] : [{ from: clients, ports: [tcp(PEER_PORTS.postgres)] }]),
                { from: [peers], ports: [tcp(PEER_PORTS.postgres), tcp(PEER_PORTS.postgresStatus)] },
                ...(args.operators.cnpg === undefined
                    ? []
                    : [{ from: [inNamespace(args.operators.cnpg)], ports: [tcp(PEER_PORTS.postgresStatus)] }]),
                { from: [prometheus], ports: [tcp(PEER_PORTS.postgresMetrics)] },
            ]),
            egressPolicy("postgres-egress", ns, PEER_LABELS.postgres, [
                { to: [peers], ports: [tcp(PEER_PORTS.postgres), tcp(PEER_PORTS.postgresStatus)] },
                // The instance manager watches its Cluster and writes status through the API server.
                apiServerEgress(args),
            ]),
        );
    }

    // The dev object store: Triton and the backups on its S3 port; its own pods with each other.
    if (args.objectStore.kind === "in-cluster") {
        const store = OBJECT_STORE_PODS[args.objectStore.implementation];
        const clients = [pods(TRITON_PODS), ...backupsNeeding("objectStore")];
        out.push(
            ingressPolicy("object-store-ingress", ns, store, [
                { from: clients, ports: [tcp(args.objectStore.port)] },
                { from: [pods(store)] },
            ]),
            egressPolicy("object-store-egress", ns, store, [{ to: [pods(store)] }]),
        );
    }

    // Backups: each job reaches only what its script uses.
    for (const job of backupJobs) {
        const need = BACKUP_NEEDS[job];
        if (need === undefined) continue;
        out.push(
            egressPolicy(`${job}-egress`, ns, workload(job), [
                ...(need.database ? [databaseEgress(args)] : []),
                ...(need.objectStore ? objectStoreEgress(args) : []),
                ...(need.apiServer ? [apiServerEgress(args)] : []),
            ]),
        );
    }

    // The post-deploy smoke test: each service's API port (and nothing else).
    out.push(
        egressPolicy("post-deploy-smoke-egress", ns, PEER_LABELS.smoke, [
            ...args.services.map((s) => ({ to: [pods(workload(s.name))], ports: [tcp(s.port)] })),
        ]),
    );
    return out;
}

/** The operators' namespaces: the API server both ways (their webhooks), and the data-store pods they manage. */
function operatorPolicies(args: NetworkPlanArgs): NetworkPolicyDecl[] {
    const out: NetworkPolicyDecl[] = [];
    const prometheus = inNamespace(args.monitoringNamespace, PEER_LABELS.prometheus);
    const webhook = { from: blocks(args.apiServer.cidrs), ports: [tcp(PEER_PORTS.operatorWebhook)] };
    const operator = (namespace: string, manages: { to: Peer[]; ports: PolicyPort[] }, metrics?: number): NetworkPolicyDecl[] => [
        defaultDeny(namespace),
        dnsEgress(namespace),
        {
            name: "operator",
            namespace,
            spec: {
                podSelector: {},
                policyTypes: ["Ingress", "Egress"],
                ingress: [webhook, ...(metrics === undefined ? [] : [{ from: [prometheus], ports: [tcp(metrics)] }])],
                egress: [apiServerEgress(args), manages],
            },
        },
    ];
    if (args.operators.cnpg !== undefined) {
        out.push(
            ...operator(
                args.operators.cnpg,
                { to: [inNamespace(args.namespace, PEER_LABELS.postgres)], ports: [tcp(PEER_PORTS.postgresStatus)] },
                PEER_PORTS.cnpgOperatorMetrics,
            ),
        );
    }
    out.push(
        ...operator(args.operators.eck, {
            to: [inNamespace(args.namespace, PEER_LABELS.elasticsearch)],
            ports: [tcp(PEER_PORTS.elasticsearch)],
        }),
    );
    return out;
}

/** Fluent Bit: the API server (its kubernetes filter), the SIEM collector, and Prometheus scraping it. */
function loggingPolicies(args: NetworkPlanArgs): NetworkPolicyDecl[] {
    const logging = args.logging;
    if (logging === undefined) return [];
    const ns = logging.namespace;
    return [
        defaultDeny(ns),
        dnsEgress(ns),
        ingressPolicy("fluent-bit-ingress", ns, PEER_LABELS.fluentBit, [
            { from: [inNamespace(args.monitoringNamespace, PEER_LABELS.prometheus)], ports: [tcp(PEER_PORTS.fluentBitMetrics)] },
        ]),
        egressPolicy("fluent-bit-egress", ns, PEER_LABELS.fluentBit, [
            apiServerEgress(args),
            ...(logging.siem === undefined ? [] : [{ to: blocks(logging.siem.cidrs), ports: [tcp(logging.siem.port)] }]),
        ]),
    ];
}
