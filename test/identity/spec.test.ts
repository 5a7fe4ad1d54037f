/** The pure builders of infra/identity and the operator access of infra/aws/cluster.ts. */
import { operatorAccess } from "../../infra/aws/cluster";
import { externalSecretsPolicy } from "../../infra/aws/iam";
import {
    browserAuthAnnotations,
    externalSecretSpec,
    externalSecretsValues,
    grafanaIdentityValues,
    grafanaRoleAttributePath,
    hstsHeader,
    httpsAnnotations,
    oauth2ProxyValues,
    oidcSchema,
    oidcServiceEnv,
} from "../../infra/identity";

const OIDC = oidcSchema.parse({ issuerUrl: "https://idp.example.org/", clientId: "medagi" });

describe("HTTPS and HSTS", () => {
    it("writes the header from the settings, preload only when asked", () => {
        expect(hstsHeader({ maxAgeSeconds: 31536000, includeSubDomains: true, preload: false })).toBe(
            "max-age=31536000; includeSubDomains",
        );
        expect(hstsHeader({ maxAgeSeconds: 86400, includeSubDomains: false, preload: true })).toBe("max-age=86400; preload");
    });

    it("redirects to HTTPS and names the headers ConfigMap of the Ingress's own namespace", () => {
        expect(httpsAnnotations("monitoring")).toEqual({
            "nginx.ingress.kubernetes.io/ssl-redirect": "true",
            "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
            "nginx.ingress.kubernetes.io/custom-headers": "monitoring/med-agi-security-headers",
        });
    });

    it("sends unauthenticated browsers to the sign-in on auth.<domain>", () => {
        expect(browserAuthAnnotations("example.org")["nginx.ingress.kubernetes.io/auth-signin"]).toBe(
            "https://auth.example.org/oauth2/start?rd=$scheme://$host$escaped_request_uri",
        );
    });
});

describe("OIDC builders", () => {
    it("defaults the audience to the client id", () => {
        expect(oidcServiceEnv(OIDC).find((e) => e.name === "OIDC_AUDIENCE")).toEqual({ name: "OIDC_AUDIENCE", value: "medagi" });
        expect(oidcServiceEnv({ ...OIDC, audience: "api://medagi" }).find((e) => e.name === "OIDC_AUDIENCE")).toEqual({
            name: "OIDC_AUDIENCE",
            value: "api://medagi",
        });
    });

    it("lets every IdP user through oauth2-proxy when no group is listed, and only the groups when some are", () => {
        expect(oauth2ProxyValues({ oidc: OIDC, domain: "example.org", replicas: 1 }).extraArgs).not.toHaveProperty("allowed-group");
        const args = oauth2ProxyValues({ oidc: { ...OIDC, allowedGroups: ["a", "b"] }, domain: "example.org", replicas: 1 })
            .extraArgs as Record<string, string>;
        expect(args["allowed-group"]).toBe("a,b");
    });

    it("keeps a PodDisruptionBudget only with more than one replica", () => {
        expect(oauth2ProxyValues({ oidc: OIDC, domain: "d.org", replicas: 1 }).podDisruptionBudget).toEqual({ enabled: false });
        expect(oauth2ProxyValues({ oidc: OIDC, domain: "d.org", replicas: 2 }).podDisruptionBudget).toEqual({ enabled: true });
    });

    it("makes Grafana users Viewers unless in the admin group (quotes escaped)", () => {
        expect(grafanaRoleAttributePath(OIDC)).toBe("'Viewer'");
        expect(grafanaRoleAttributePath({ ...OIDC, grafanaAdminGroup: "ops'admins" })).toBe(
            "contains(groups[*], 'ops\\'admins') && 'Admin' || 'Viewer'",
        );
    });

    it("keeps Grafana's local login without OIDC, but always its ConfigMap-only RBAC", () => {
        expect(grafanaIdentityValues({ oidc: undefined, namespace: "monitoring" })).toEqual({
            rbac: { create: true, useExistingClusterRole: "med-agi-grafana-configmaps" },
            sidecar: { dashboards: { resource: "configmap" }, datasources: { resource: "configmap" } },
        });
    });
});

describe("External Secrets", () => {
    it("watches med-agi only, with no cluster-wide store or push", () => {
        expect(externalSecretsValues()).toMatchObject({
            scopedNamespace: "med-agi",
            scopedRBAC: true,
            processClusterStore: false,
            processPushSecret: false,
        });
    });

    it("maps each key of the Kubernetes Secret to a property of the remote JSON secret", () => {
        expect(
            externalSecretSpec({ name: "x", secretArn: "arn:aws:secretsmanager:eu-west-1:1:secret:x", properties: { pw: "password" } }),
        ).toEqual({
            refreshInterval: "1h",
            secretStoreRef: { name: "aws-secrets-manager", kind: "SecretStore" },
            target: { name: "x", creationPolicy: "Owner", deletionPolicy: "Retain" },
            data: [{ secretKey: "pw", remoteRef: { key: "arn:aws:secretsmanager:eu-west-1:1:secret:x", property: "password" } }],
        });
    });

    it("reads exactly the listed secrets, and decrypts only through Secrets Manager", () => {
        const doc = externalSecretsPolicy(["arn:s1"], ["arn:k1"]);
        expect(doc.Statement.map((s) => s.Resource)).toEqual([["arn:s1"], ["arn:k1"]]);
        expect(externalSecretsPolicy(["arn:s1"], []).Statement).toHaveLength(1);
    });
});

describe("operator access", () => {
    it("maps on-call to a namespaced view and break-glass to cluster admin, each with its group", () => {
        expect(operatorAccess(["arn:aws:iam::1:role/oncall"], ["arn:aws:iam::1:role/bg"], ["med-agi"])).toEqual([
            {
                key: "oncall-oncall",
                principalArn: "arn:aws:iam::1:role/oncall",
                group: "med-agi:on-call",
                policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
                scope: { type: "namespace", namespaces: ["med-agi"] },
            },
            {
                key: "breakglass-bg",
                principalArn: "arn:aws:iam::1:role/bg",
                group: "med-agi:break-glass",
                policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                scope: { type: "cluster" },
            },
        ]);
    });
});
