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

/** cert-manager release values: its CRDs with the release (kept on uninstall), two controller replicas and a PDB. */
export function certManagerValues(): Record<string, unknown> {
    return {
        crds: { enabled: true, keep: true },
        replicaCount: 2,
        podDisruptionBudget: { enabled: true, minAvailable: 1 },
        webhook: { replicaCount: 2, podDisruptionBudget: { enabled: true, minAvailable: 1 } },
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
