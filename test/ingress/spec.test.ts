/**
 * The ingress path's builders (infra/ingress/spec.ts) and what staging/prod
 * render from them: Traefik's NGINX provider serving class `nginx`, the
 * IngressClass, cert-manager with its CRDs and the Let's Encrypt ClusterIssuer.
 */
import {
    certManagerValues,
    clusterIssuerSpec,
    INGRESS_CHARTS,
    ingressClassSpec,
    ingressProblems,
    traefikValues,
} from "../../infra/ingress";
import { k8sObject, ofType, runStack } from "../support/harness";

describe("Traefik values", () => {
    const values = traefikValues({ className: "nginx", replicas: 3 }) as Record<string, any>;

    it("serves the stack's class through the NGINX provider only, and publishes Ingress status from its Service", () => {
        expect(values.providers).toEqual({
            kubernetesCRD: { enabled: false },
            kubernetesIngress: { enabled: false },
            kubernetesIngressNGINX: {
                enabled: true,
                ingressClass: "nginx",
                controllerClass: "k8s.io/ingress-nginx",
                publishService: { enabled: true },
                globalAllowedResponseHeaders: ["Strict-Transport-Security"],
            },
        });
        expect(values.ingressClass).toEqual({ enabled: false });
    });

    it("exposes neither the dashboard nor its metrics port outside the pod network", () => {
        expect(values.api).toEqual({ dashboard: false });
        expect(values.ingressRoute).toEqual({ dashboard: { enabled: false } });
        expect(values.ports).toEqual({ traefik: { expose: { default: false } }, metrics: { expose: { default: false } } });
    });

    it("runs the replicas asked for behind a PodDisruptionBudget, on a Network Load Balancer", () => {
        expect(values.deployment).toEqual({ replicas: 3 });
        expect(values.podDisruptionBudget).toEqual({ enabled: true, minAvailable: 1 });
        expect(values.service.annotations["service.beta.kubernetes.io/aws-load-balancer-type"]).toBe("nlb");
    });
});

describe("cert-manager and the ClusterIssuer", () => {
    it("installs cert-manager's CRDs with the release and keeps them on uninstall", () => {
        expect(certManagerValues()).toMatchObject({
            crds: { enabled: true, keep: true },
            replicaCount: 2,
            podDisruptionBudget: { enabled: true, minAvailable: 1 },
            webhook: { replicaCount: 2, podDisruptionBudget: { enabled: true, minAvailable: 1 } },
        });
    });

    it("gives every cert-manager pod requests, which the chart leaves unset", () => {
        const values = certManagerValues() as Record<string, any>;
        expect(values.resources).toEqual({ requests: { cpu: "10m", memory: "64Mi" } });
        expect(values.webhook.resources).toEqual({ requests: { cpu: "10m", memory: "32Mi" } });
        expect(values.cainjector).toEqual({ resources: { requests: { cpu: "10m", memory: "64Mi" } } });
        expect(values.startupapicheck).toEqual({ resources: { requests: { cpu: "10m", memory: "32Mi" } } });
    });

    it("issues from Let's Encrypt production with HTTP-01 through the stack's ingress class", () => {
        expect(clusterIssuerSpec({ name: "letsencrypt-prod", email: "ops@example.org", className: "nginx" })).toEqual({
            acme: {
                server: "https://acme-v02.api.letsencrypt.org/directory",
                email: "ops@example.org",
                privateKeySecretRef: { name: "letsencrypt-prod-account-key" },
                solvers: [{ http01: { ingress: { ingressClassName: "nginx" } } }],
            },
        });
        expect(ingressClassSpec()).toEqual({ controller: "k8s.io/ingress-nginx" });
    });

    it("needs the ACME address where staging/prod declare an issuer, and nothing in dev", () => {
        expect(ingressProblems("prod", { enabled: true, clusterIssuer: "letsencrypt-prod" }).map((p) => p.path)).toEqual([
            "ingress.acmeEmail",
        ]);
        expect(ingressProblems("prod", { enabled: true, clusterIssuer: "letsencrypt-prod", acmeEmail: "a@example.org" })).toEqual([]);
        expect(ingressProblems("dev", { enabled: true, clusterIssuer: "letsencrypt-prod" })).toEqual([]);
    });
});

describe.each(["staging", "prod"] as const)("%s renders the ingress path", (stack) => {
    it("deploys the pinned Traefik and cert-manager charts, the IngressClass nginx and the ClusterIssuer letsencrypt-prod", async () => {
        const plan = await runStack(stack);
        const releases = ofType(plan, "kubernetes:helm.sh/v3:Release")
            .filter((r) => ["traefik", "cert-manager"].includes(String(r.inputs.chart)))
            .map((r) => ({
                chart: r.inputs.chart,
                version: r.inputs.version,
                namespace: r.inputs.namespace,
                repo: (r.inputs.repositoryOpts as any).repo,
            }));
        expect(releases).toEqual([
            { chart: "traefik", version: "41.3.0", namespace: "traefik", repo: "https://traefik.github.io/charts" },
            { chart: "cert-manager", version: "v1.21.1", namespace: "cert-manager", repo: "https://charts.jetstack.io" },
        ]);
        expect(INGRESS_CHARTS.traefik.version).toBe("41.3.0");
        expect(k8sObject(plan, "IngressClass", "nginx", null).spec).toEqual({ controller: "k8s.io/ingress-nginx" });
        expect(k8sObject(plan, "ClusterIssuer", "letsencrypt-prod", null).spec.acme.email).toMatch(/@example\.org$/);
        // The HTTP-01 solver pods cert-manager runs in med-agi (default-deny there) are reachable from the controller only.
        expect(k8sObject(plan, "NetworkPolicy", "acme-http01-solver-ingress").spec).toEqual({
            podSelector: { matchLabels: { "acme.cert-manager.io/http01-solver": "true" } },
            policyTypes: ["Ingress"],
            ingress: [
                {
                    from: [
                        {
                            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "traefik" } },
                            podSelector: { matchLabels: { "app.kubernetes.io/name": "traefik" } },
                        },
                    ],
                    ports: [{ protocol: "TCP", port: 8089 }],
                },
            ],
        });
        const traefik = ofType(plan, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "traefik")!;
        expect((traefik.inputs.values as any).deployment.replicas).toBe(stack === "prod" ? 3 : 2);
    });
});

describe("dev renders no controller (its local cluster brings one: infra/k8s/local-cluster.ts)", () => {
    it("has no Traefik, cert-manager, IngressClass or ClusterIssuer", async () => {
        const plan = await runStack("dev");
        expect(
            ofType(plan, "kubernetes:helm.sh/v3:Release").filter((r) => ["traefik", "cert-manager"].includes(String(r.inputs.chart))),
        ).toEqual([]);
        expect(ofType(plan, "kubernetes:networking.k8s.io/v1:IngressClass")).toEqual([]);
        expect(ofType(plan, "kubernetes:cert-manager.io/v1:ClusterIssuer")).toEqual([]);
    });
});
