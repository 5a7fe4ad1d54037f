/**
 * The ingress path of staging and prod: Traefik serves
 * the stack's Ingresses (class `nginx`, ingress-nginx annotations) through its
 * Kubernetes Ingress NGINX provider, and cert-manager issues their
 * certificates from a ClusterIssuer the stack declares. Pure builders: chart
 * pins, release values and the objects' specs. docs/identity.md defends the
 * choice; docs/versions.md records what was checked upstream.
 */
import type { ChartPin } from "../datastores/charts";

export const INGRESS_CHARTS = {
    /** Traefik Proxy v3.7.11: tag v41.3.0 in traefik/traefik-helm-chart (traefik/Chart.yaml, 2026-08-21). */
    traefik: { chart: "traefik", version: "41.3.0", repo: "https://traefik.github.io/charts" },
    /** cert-manager v1.21.1: tag v1.21.1 in cert-manager/cert-manager (deploy/charts/cert-manager); also published as oci://quay.io/jetstack/charts/cert-manager. */
    certManager: { chart: "cert-manager", version: "v1.21.1", repo: "https://charts.jetstack.io" },
} as const satisfies Record<string, ChartPin>;

/** Where the controller and cert-manager run (NetworkPolicies admit the controller's pods from there). */
export const INGRESS_NAMESPACES = { controller: "traefik", certManager: "cert-manager" } as const;

/** The controller string of the IngressClass Traefik's NGINX provider serves (its `controllerClass` default). */
export const NGINX_CONTROLLER_CLASS = "k8s.io/ingress-nginx";

/** Let's Encrypt's production ACME directory (RFC 8555). */
export const LETSENCRYPT_PRODUCTION = "https://acme-v02.api.letsencrypt.org/directory";

/** The header the ingress-nginx `custom-headers` annotation adds (HSTS): Traefik applies only listed ones. */
export const ALLOWED_RESPONSE_HEADERS = ["Strict-Transport-Security"] as const;

/** The controller's requests and limits (`resources` of the chart); capacity validation reads the same (infra/aws/workloads.ts). */
export const TRAEFIK_RESOURCES = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } } as const;

/** Controller replicas per environment (`deployment.replicas`); capacity validation reads the same. */
export const TRAEFIK_REPLICAS = { staging: 2, prod: 3 } as const satisfies Record<"staging" | "prod", number>;

/** cert-manager's replicas (`replicaCount`, `webhook.replicaCount`; the cainjector keeps the chart's 1); capacity validation reads the same. */
export const CERT_MANAGER_REPLICAS = { controller: 2, webhook: 2 } as const;

/**
 * cert-manager's requests (`resources`, `webhook.resources`, `cainjector.resources`,
 * `startupapicheck.resources`); the chart sets none. Capacity validation reads the same
 * (infra/aws/workloads.ts). No limits: the chart sets none, and a memory limit below the
 * controller's cache would restart it mid-issuance.
 *
 * - webhook and startupapicheck: the chart's own example, cpu 10m / memory 32Mi
 *   (cert-manager v1.21.1 = 24e3319, deploy/charts/cert-manager/values.yaml, the comment
 *   above each `resources: {}`).
 * - controller and cainjector: the same 10m, twice the memory (64Mi). The controller caches
 *   every Certificate, CertificateRequest and Order and the TLS Secrets it issues, whole
 *   (cert-manager.io "Scaling cert-manager": its memory grows with those Secrets); the
 *   cainjector caches the CRDs, webhook configurations and APIServices it patches. 32Mi is
 *   the chart's floor for an empty cluster, not for the ~10 certificates a stack here holds.
 */
export const CERT_MANAGER_RESOURCES = {
    controller: { requests: { cpu: "10m", memory: "64Mi" } },
    webhook: { requests: { cpu: "10m", memory: "32Mi" } },
    cainjector: { requests: { cpu: "10m", memory: "64Mi" } },
    startupapicheck: { requests: { cpu: "10m", memory: "32Mi" } },
} as const;

export interface TraefikValuesArgs {
    /** The IngressClass name the stack's Ingresses use (`ingress.className`). */
    readonly className: string;
    /** Replicas of the controller (2 in staging, 3 in prod). */
    readonly replicas: number;
}

/**
 * Traefik release values: only the NGINX provider (the plain Ingress and CRD
 * providers off, so no Ingress is served twice and no IngressRoute bypasses
 * the annotations' rules), no IngressClass of the chart's own (the stack
 * declares `className`), Ingress status published from the chart's Service
 * (a Network Load Balancer on EKS), the dashboard and metrics ports not
 * exposed, a PodDisruptionBudget and spread replicas.
 */
export function traefikValues(args: TraefikValuesArgs): Record<string, unknown> {
    return {
        deployment: { replicas: args.replicas },
        podDisruptionBudget: { enabled: true, minAvailable: 1 },
        ingressClass: { enabled: false },
        api: { dashboard: false },
        ingressRoute: { dashboard: { enabled: false } },
        providers: {
            kubernetesCRD: { enabled: false },
            kubernetesIngress: { enabled: false },
            kubernetesIngressNGINX: {
                enabled: true,
                ingressClass: args.className,
                controllerClass: NGINX_CONTROLLER_CLASS,
                publishService: { enabled: true },
                globalAllowedResponseHeaders: [...ALLOWED_RESPONSE_HEADERS],
            },
        },
        // TLS ends at Traefik (cert-manager's certificates); the NLB forwards TCP.
        service: {
            annotations: {
                "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
                "service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled": "true",
            },
        },
        ports: {
            traefik: { expose: { default: false } },
            metrics: { expose: { default: false } },
        },
        resources: { requests: { ...TRAEFIK_RESOURCES.requests }, limits: { ...TRAEFIK_RESOURCES.limits } },
        topologySpreadConstraints: [
            {
                maxSkew: 1,
                topologyKey: "topology.kubernetes.io/zone",
                whenUnsatisfiable: "ScheduleAnyway",
                labelSelector: { matchLabels: { "app.kubernetes.io/name": "traefik" } },
            },
        ],
    };
}

/** cert-manager release values: its CRDs with the release (kept on uninstall), two controller and webhook replicas with PDBs, and every pod's requests. */
export function certManagerValues(): Record<string, unknown> {
    const resources = (r: { readonly requests: { readonly cpu: string; readonly memory: string } }) => ({ requests: { ...r.requests } });
    return {
        crds: { enabled: true, keep: true },
        replicaCount: CERT_MANAGER_REPLICAS.controller,
        podDisruptionBudget: { enabled: true, minAvailable: 1 },
        resources: resources(CERT_MANAGER_RESOURCES.controller),
        webhook: {
            replicaCount: CERT_MANAGER_REPLICAS.webhook,
            podDisruptionBudget: { enabled: true, minAvailable: 1 },
            resources: resources(CERT_MANAGER_RESOURCES.webhook),
        },
        cainjector: { resources: resources(CERT_MANAGER_RESOURCES.cainjector) },
        startupapicheck: { resources: resources(CERT_MANAGER_RESOURCES.startupapicheck) },
    };
}

/** The IngressClass the stack's Ingresses name, served by Traefik's NGINX provider. */
export function ingressClassSpec(): { controller: string } {
    return { controller: NGINX_CONTROLLER_CLASS };
}

/** ACME ClusterIssuer (Let's Encrypt production), HTTP-01 through the same IngressClass. */
export function clusterIssuerSpec(args: { name: string; email: string; className: string }): Record<string, unknown> {
    return {
        acme: {
            server: LETSENCRYPT_PRODUCTION,
            email: args.email,
            privateKeySecretRef: { name: `${args.name}-account-key` },
            solvers: [{ http01: { ingress: { ingressClassName: args.className } } }],
        },
    };
}
