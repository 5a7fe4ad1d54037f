/**
 * Identity in the rendered stacks (the real program under the mock runtime):
 * OIDC env and Secret in every service, oauth2-proxy's release and the auth
 * annotations on the browser paths, HTTPS redirect and HSTS on every Ingress,
 * Grafana's OIDC login and ConfigMap-only ClusterRole, RBAC without
 * cluster-wide bindings for workloads, External Secrets in staging/prod only,
 * and secret outputs.
 */
import type { Plan } from "../../tools/lib/plan";
import { k8sObject, k8sObjects, ofType, runStack } from "../support/harness";

const SERVICES = ["imaging", "ekg", "eval", "anchor", "modelcards", "ops"];
const STACKS = ["dev", "staging", "prod"] as const;
const plans = {} as Record<(typeof STACKS)[number], Plan>;

beforeAll(async () => {
    for (const stack of STACKS) plans[stack] = await runStack(stack);
}, 120_000);

const release = (plan: Plan, chart: string) => {
    const found = ofType(plan, "kubernetes:helm.sh/v3:Release").filter((r) => r.inputs.chart === chart);
    if (found.length !== 1) throw new Error(`expected one ${chart} release in ${plan.stack}, found ${found.length}`);
    return found[0]!.inputs as Record<string, any>;
};
const container = (plan: Plan, name: string) => k8sObject(plan, "Deployment", name).spec.template.spec.containers[0];

describe.each(["staging", "prod"] as const)("%s: OIDC", (stack) => {
    const issuer = `https://login.example.org/realms/med-agi-${stack}`;
    // The stacks' ingress domains (Pulumi.<stack>.yaml).
    const domain = { staging: "staging.med-agi.example.org", prod: "med-agi.example.org" }[stack];

    it("reaches every service: issuer, client id and audience as env, and no client secret (tokens are verified with the issuer's keys)", () => {
        for (const name of SERVICES) {
            const env = container(plans[stack], name).env;
            expect(env.filter((e: any) => e.name.startsWith("OIDC_"))).toEqual([
                { name: "OIDC_ISSUER_URL", value: issuer },
                { name: "OIDC_CLIENT_ID", value: `med-agi-${stack}` },
                { name: "OIDC_AUDIENCE", value: `med-agi-${stack}` },
            ]);
        }
        expect(k8sObjects(plans[stack], "Secret").map((s) => s.metadata.name)).not.toContain("oidc-client");
    });

    it("deploys oauth2-proxy 10.7.0 as release oauth2-proxy in med-agi on port 4180, image v7.15.6, credentials from its Secret", () => {
        const r = release(plans[stack], "oauth2-proxy");
        expect(r).toMatchObject({
            name: "oauth2-proxy",
            namespace: "med-agi",
            version: "10.7.0",
            repositoryOpts: { repo: "https://oauth2-proxy.github.io/manifests" },
        });
        expect(r.values.image).toEqual({ repository: "oauth2-proxy/oauth2-proxy", tag: "v7.15.6" });
        expect(r.values.service).toEqual({ portNumber: 4180 });
        expect(r.values.config.existingSecret).toBe("oauth2-proxy");
        expect(r.values.config).not.toHaveProperty("clientSecret");
        expect(r.values.config).not.toHaveProperty("cookieSecret");
        expect(r.values.extraArgs).toMatchObject({
            provider: "oidc",
            "oidc-issuer-url": issuer,
            "allowed-group": `med-agi-${stack}-users`,
            "redirect-url": `https://auth.${domain}/oauth2/callback`,
            "cookie-domain": `.${domain}`,
            "cookie-secure": "true",
            // A session of one working day at most, re-checked at the IdP every hour.
            "cookie-expire": "8h",
            "cookie-refresh": "1h",
        });
        expect(r.values.serviceAccount).toEqual({ enabled: true, automountServiceAccountToken: false });
        expect(r.values.replicaCount).toBe(2);
        expect(Object.keys(k8sObject(plans[stack], "Secret", "oauth2-proxy").stringData).sort()).toEqual([
            "client-id",
            "client-secret",
            "cookie-secret",
        ]);
    });

    it("puts each service's /docs, /redoc and /openapi.json behind oauth2-proxy, and leaves the API to bearer tokens", () => {
        for (const name of SERVICES) {
            const docs = k8sObject(plans[stack], "Ingress", `${name}-docs`);
            expect(docs.spec.rules[0].host).toBe(`${name}.${domain}`);
            expect(docs.spec.rules[0].http.paths.map((p: any) => p.path)).toEqual(["/docs", "/redoc", "/openapi.json"]);
            expect(docs.metadata.annotations).toMatchObject({
                "nginx.ingress.kubernetes.io/auth-url": "http://oauth2-proxy.med-agi.svc.cluster.local:4180/oauth2/auth",
                "nginx.ingress.kubernetes.io/auth-signin": `https://auth.${domain}/oauth2/start?rd=$scheme://$host$escaped_request_uri`,
                "nginx.ingress.kubernetes.io/auth-response-headers": "X-Auth-Request-User,X-Auth-Request-Email,X-Auth-Request-Groups",
            });
            const api = k8sObject(plans[stack], "Ingress", name);
            expect(api.metadata.annotations).not.toHaveProperty(["nginx.ingress.kubernetes.io/auth-url"]);
        }
    });

    it("logs Grafana in through the same issuer as a client of its own, its secret from the grafana-oidc Secret", () => {
        const grafana = release(plans[stack], "kube-prometheus-stack").values.grafana;
        expect(grafana["grafana.ini"]["auth.generic_oauth"]).toMatchObject({
            enabled: true,
            client_id: `med-agi-${stack}-grafana`,
            auth_url: `${issuer}/protocol/openid-connect/auth`,
            token_url: `${issuer}/protocol/openid-connect/token`,
            api_url: `${issuer}/protocol/openid-connect/userinfo`,
            role_attribute_path: `contains(groups[*], 'med-agi-${stack}-admins') && 'Admin' || 'Viewer'`,
        });
        expect(grafana["grafana.ini"]["auth.generic_oauth"]).not.toHaveProperty("client_secret");
        expect(grafana["grafana.ini"].server.root_url).toBe(`https://grafana.${domain}/`);
        expect(grafana.envFromSecrets).toEqual([{ name: "grafana-oidc" }]);
        expect(Object.keys(k8sObject(plans[stack], "Secret", "grafana-oidc", "monitoring").stringData)).toEqual([
            "GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET",
        ]);
        expect(grafana.ingress).toMatchObject({ enabled: true, hosts: [`grafana.${domain}`] });
        expect(grafana.ingress.annotations["nginx.ingress.kubernetes.io/auth-url"]).toBe(
            "http://oauth2-proxy.med-agi.svc.cluster.local:4180/oauth2/auth",
        );
        expect(grafana.ingress.annotations["nginx.ingress.kubernetes.io/custom-headers"]).toBe("monitoring/med-agi-security-headers");
        expect(k8sObject(plans[stack], "ConfigMap", "med-agi-security-headers", "monitoring").data).toEqual({
            "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
        });
    });
});

describe("dev without an IdP", () => {
    it("deploys no auth proxy and gives the services no OIDC env, but keeps HTTPS and HSTS", () => {
        expect(ofType(plans.dev, "kubernetes:helm.sh/v3:Release").map((r) => r.inputs.chart)).not.toContain("oauth2-proxy");
        for (const name of SERVICES) {
            expect(container(plans.dev, name).env.map((e: any) => e.name)).not.toContain("OIDC_ISSUER_URL");
            expect(k8sObject(plans.dev, "Ingress", name).metadata.annotations["nginx.ingress.kubernetes.io/force-ssl-redirect"]).toBe(
                "true",
            );
        }
        expect(k8sObjects(plans.dev, "Ingress").map((i) => i.metadata.name)).not.toContain("imaging-docs");
        // Grafana keeps its local login, but its RBAC is the ConfigMap-only one all the same.
        const grafana = release(plans.dev, "kube-prometheus-stack").values.grafana;
        expect(grafana).not.toHaveProperty("envFromSecrets");
        expect(grafana.rbac).toEqual({ create: true, useExistingClusterRole: "med-agi-grafana-configmaps" });
    });
});

describe.each(STACKS)("%s: Ingress and RBAC", (stack) => {
    it("sets HTTPS redirect and HSTS explicitly on every Ingress, from a headers ConfigMap of its own namespace", () => {
        const ingresses = k8sObjects(plans[stack], "Ingress");
        expect(ingresses.length).toBeGreaterThanOrEqual(6);
        for (const ing of ingresses) {
            const a = ing.metadata.annotations;
            expect({
                name: ing.metadata.name,
                ssl: a["nginx.ingress.kubernetes.io/ssl-redirect"],
                force: a["nginx.ingress.kubernetes.io/force-ssl-redirect"],
            }).toEqual({
                name: ing.metadata.name,
                ssl: "true",
                force: "true",
            });
            expect(a["nginx.ingress.kubernetes.io/custom-headers"]).toBe(`${ing.metadata.namespace}/med-agi-security-headers`);
            expect(ing.spec.tls.length).toBe(1);
        }
        expect(k8sObject(plans[stack], "ConfigMap", "med-agi-security-headers").data).toEqual({
            "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
        });
    });

    it("gives Grafana's sidecars a ClusterRole that reads ConfigMaps only, and points them at ConfigMaps", () => {
        expect(k8sObject(plans[stack], "ClusterRole", "med-agi-grafana-configmaps", null).rules).toEqual([
            { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] },
        ]);
        const values = release(plans[stack], "kube-prometheus-stack").values;
        expect(values.grafana.rbac.useExistingClusterRole).toBe("med-agi-grafana-configmaps");
        expect(values.grafana.sidecar.dashboards.resource).toBe("configmap");
        expect(values.grafana.sidecar.datasources.resource).toBe("configmap");
        // kube-state-metrics would list (and so read) every Secret through its `secrets` collector.
        expect(values["kube-state-metrics"].collectors).not.toContain("secrets");
        expect(values["kube-state-metrics"].collectors).toContain("pods");
    });

    it("binds nothing cluster-wide for a workload and nothing to cluster-admin; prod's one binding lets ECK read nodes", () => {
        // Reviewed: ECK's zone awareness (prod) copies the node's zone label onto the Elasticsearch pods.
        const reviewed = {
            dev: [],
            staging: [],
            prod: [
                {
                    name: "med-agi-eck-node-reader",
                    role: "med-agi-eck-node-reader",
                    subjects: [{ kind: "ServiceAccount", name: "elastic-operator", namespace: "elastic-system" }],
                },
            ],
        }[stack];
        expect(
            k8sObjects(plans[stack], "ClusterRoleBinding").map((b) => ({
                name: b.metadata.name,
                role: b.roleRef.name,
                subjects: b.subjects,
            })),
        ).toEqual(reviewed);
        if (stack === "prod") {
            expect(k8sObject(plans[stack], "ClusterRole", "med-agi-eck-node-reader", null).rules).toEqual([
                { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
            ]);
        }
        for (const rb of k8sObjects(plans[stack], "RoleBinding")) {
            expect(rb.roleRef.name).not.toBe("cluster-admin");
            expect(rb.roleRef.kind).toBe("Role");
        }
        // Every ClusterRole of ours grants no Secret access.
        for (const cr of k8sObjects(plans[stack], "ClusterRole")) {
            for (const rule of cr.rules) expect(rule.resources).not.toContain("secrets");
        }
    });

    it("runs every workload as a ServiceAccount of its own with the token unmounted, except the config backup", () => {
        const workloads = [
            ...k8sObjects(plans[stack], "Deployment"),
            ...k8sObjects(plans[stack], "Job"),
            ...k8sObjects(plans[stack], "CronJob"),
            ...k8sObjects(plans[stack], "DaemonSet"),
        ];
        const accounts = new Set(k8sObjects(plans[stack], "ServiceAccount").map((sa) => `${sa.metadata.namespace}/${sa.metadata.name}`));
        for (const w of workloads) {
            const pod = w.kind === "CronJob" ? w.spec.jobTemplate.spec.template.spec : w.spec.template.spec;
            expect({ w: w.metadata.name, sa: accounts.has(`${w.metadata.namespace}/${pod.serviceAccountName}`) }).toEqual({
                w: w.metadata.name,
                sa: true,
            });
            expect({ w: w.metadata.name, automount: pod.automountServiceAccountToken }).toEqual({
                w: w.metadata.name,
                automount: w.metadata.name === "config-backup",
            });
        }
    });
});

describe.each(STACKS)("%s: third-party charts keep no cluster-wide write or Secret rights", (stack) => {
    it("ECK manages med-agi only, through namespaced Roles: no cluster-scoped resources, no webhook, no storage-class check", () => {
        const values = release(plans[stack], "eck-operator").values;
        expect(values).toEqual({
            installCRDs: true,
            managedNamespaces: ["med-agi"],
            createClusterScopedResources: false,
            webhook: { enabled: false },
            serviceAccount: { create: true, name: "elastic-operator" },
            config: { validateStorageClass: false, exposedNodeLabels: ["topology.kubernetes.io/zone"] },
            telemetry: { disabled: true },
        });
    });

    it("lets no Role of ours request ServiceAccount tokens (no External Secrets operator is deployed)", () => {
        const tokenRoles = k8sObjects(plans[stack], "Role").filter((r) =>
            r.rules.some((rule: any) => rule.resources.includes("serviceaccounts/token")),
        );
        expect(tokenRoles.map((r) => r.metadata.name)).toEqual([]);
    });
});

describe("External Secrets", () => {
    it("is not deployed in dev", () => {
        expect(ofType(plans.dev, "kubernetes:helm.sh/v3:Release").map((r) => r.inputs.chart)).not.toContain("external-secrets");
        expect(k8sObjects(plans.dev, "SecretStore")).toEqual([]);
        expect(k8sObjects(plans.dev, "ExternalSecret")).toEqual([]);
    });

    it.each(["staging", "prod"] as const)(
        "%s: copies no RDS master (superuser) credential into the cluster, and no role may read it",
        (stack) => {
            expect(k8sObjects(plans[stack], "ExternalSecret").map((o) => o.metadata.name)).toEqual([]);
            expect(k8sObjects(plans[stack], "SecretStore").map((o) => o.metadata.name)).toEqual([]);
            expect(ofType(plans[stack], "kubernetes:helm.sh/v3:Release").map((r) => r.inputs.chart)).not.toContain("external-secrets");
            const readers = plans[stack].resources.filter(
                (r) => r.type === "aws:iam/rolePolicy:RolePolicy" && String(r.inputs.policy).includes("secretsmanager:GetSecretValue"),
            );
            // The audit path's Firehose role reads the SIEM token; nothing reads the RDS master secret.
            expect(readers.map((r) => r.name)).toEqual([`med-agi-${stack}-audit-firehose`]);
            expect(plans[stack].resources.filter((r) => r.name === `med-agi-${stack}-external-secrets`)).toEqual([]);
        },
    );
});

describe("outputs", () => {
    it.each(["staging", "prod"] as const)("%s: the kubeconfig (a credential) is a secret output; the rest holds no credential", (stack) => {
        const outputs = plans[stack].outputs as Record<string, unknown>;
        expect(outputs.kubeconfig).toBe("[secret]");
        const text = JSON.stringify({ ...outputs, kubeconfig: undefined });
        for (const word of ["password", "secret", "token", "client-secret"]) expect(text.toLowerCase()).not.toContain(word);
    });
});
