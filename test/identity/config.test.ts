/**
 * Identity config: `oidc` (required in staging/prod, optional in dev), its
 * credentials (refused in plain text with the exact `pulumi config set
 * --secret` command, before anything is registered), credential-named env
 * values, the cookie secret's length, and the operator role lists.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { SECRET_CONFIG_KEYS } from "../../infra/config";
import { deriveCookieSecret } from "../../infra/identity/config";
import { renderOutcome } from "../../tools/lib/render-stack";
import { configProblems, parseValues, PROD_ROUTING, PROD_SECRETS } from "../support/config-fixtures";
import { ROOT } from "../support/harness";

const CLOUD = {
    cloud: { accountId: "123456789012", region: "eu-west-1", cluster: { adminRoleArns: ["arn:aws:iam::123456789012:role/deployer"] } },
};
const OIDC = PROD_ROUTING.oidc;

const prod = (extra: Record<string, unknown> = {}) => ({
    environment: "prod",
    serviceDefaults: { replicas: 2 },
    ...PROD_ROUTING,
    ...CLOUD,
    ...extra,
});

describe("oidc", () => {
    it("is optional in dev: no IdP, no auth proxy", () => {
        expect(parseValues({}, "dev", []).oidc).toBeUndefined();
    });

    it("is required in staging and prod, with the commands that set it", () => {
        for (const stack of ["staging", "prod"]) {
            const values = {
                ...prod({ environment: stack }),
                oidc: undefined,
                oidcClientSecret: undefined,
                grafanaOidcClientSecret: undefined,
            };
            expect(configProblems(values, stack, PROD_SECRETS)).toContain(
                `oidc: is required in ${stack} (the OpenID Connect provider of every service, oauth2-proxy and Grafana): pulumi config set --path med-agi:oidc.issuerUrl https://<your-idp>/ && pulumi config set --path med-agi:oidc.clientId <client-id> && pulumi config set --secret med-agi:oidcClientSecret <client-secret>`,
            );
        }
    });

    it("accepts a full prod config and fills the defaults", () => {
        const c = parseValues(prod(), "prod", PROD_SECRETS).oidc!;
        expect(c).toMatchObject({
            issuerUrl: "https://login.example.org/realms/med-agi",
            clientId: "med-agi",
            scopes: ["openid", "email", "profile"],
            groupsClaim: "groups",
            allowedGroups: [],
            emailDomains: ["*"],
        });
        expect(c.audience).toBeUndefined();
    });

    it("takes an https issuer only", () => {
        expect(
            configProblems(prod({ oidc: { ...OIDC, issuerUrl: "http://login.example.org/realms/med-agi" } }), "prod", PROD_SECRETS),
        ).toEqual(['oidc.issuerUrl: "http://login.example.org/realms/med-agi" is not allowed (an https:// URL)']);
    });

    it("refuses an unknown key, listing the allowed ones", () => {
        const [message] = configProblems(prod({ oidc: { ...OIDC, issuer: "https://x.example.org" } }), "prod", PROD_SECRETS);
        expect(message).toMatch(/^oidc\.issuer: unknown key \(allowed: issuerUrl, clientId, grafanaClientId, audience, /);
    });

    /** The IdP's address block: its clients' only HTTPS egress (infra/network). */
    const ISSUER_NETWORK = { network: { oidcIssuerCidrs: ["192.0.2.64/27"] } };

    /** Grafana's own client secret, as a secret. */
    const GRAFANA = { grafanaOidcClientSecret: "gr4fana" };
    const BOTH = ["oidcClientSecret", "grafanaOidcClientSecret"];

    it("needs its client secret, set as a secret", () => {
        expect(configProblems({ oidc: OIDC, ...GRAFANA, ...ISSUER_NETWORK }, "dev", ["grafanaOidcClientSecret"])).toEqual([
            "oidcClientSecret: is required while oidc is set (the OAuth client secret of oidc.clientId): pulumi config set --secret med-agi:oidcClientSecret <client-secret>",
        ]);
        expect(
            parseValues({ oidc: OIDC, oidcClientSecret: "s3cr3t", ...GRAFANA, ...ISSUER_NETWORK }, "dev", BOTH).secretsSet.has(
                "oidcClientSecret",
            ),
        ).toBe(true);
    });

    it("needs the issuer's address blocks, since a NetworkPolicy cannot name the issuer's host; not without oidc", () => {
        expect(configProblems({ oidc: OIDC, oidcClientSecret: "s3cr3t", ...GRAFANA }, "dev", BOTH)).toEqual([
            "network.oidcIssuerCidrs: is required (the OIDC issuer's IPv4 CIDRs, needed because oidc is set: oauth2-proxy and the services (which validate bearer tokens against the issuer's signing keys) may reach login.example.org on 443 only there, and a NetworkPolicy cannot select a host name)",
        ]);
        expect(configProblems({ oidc: OIDC, oidcClientSecret: "s3cr3t", ...GRAFANA, ...ISSUER_NETWORK }, "dev", BOTH)).toEqual([]);
        expect(configProblems({}, "dev", [])).toEqual([]);
    });

    it("needs the provider's endpoints while Grafana is deployed, not without it", () => {
        const { endpoints: _, ...noEndpoints } = OIDC;
        const base = { oidc: noEndpoints, oidcClientSecret: "s3cr3t", ...GRAFANA, ...ISSUER_NETWORK };
        expect(configProblems(base, "dev", BOTH)).toEqual([
            "oidc.endpoints: is required while Grafana is deployed (its generic_oauth login needs the authorization, token and userinfo URLs of the provider): pulumi config set --path med-agi:oidc.endpoints.authorization https://… (and .token, .userinfo)",
        ]);
        expect(configProblems({ ...base, monitoring: { grafana: { enabled: false } } }, "dev", BOTH)).toEqual([]);
    });

    it("gives Grafana a client of its own: its id and secret required while Grafana is deployed, never oauth2-proxy's id", () => {
        const { grafanaClientId: _, ...noGrafanaClient } = OIDC;
        const base = { oidcClientSecret: "s3cr3t", ...ISSUER_NETWORK };
        expect(configProblems({ ...base, oidc: noGrafanaClient }, "dev", ["oidcClientSecret"])).toEqual([
            "oidc.grafanaClientId: is required while Grafana is deployed (Grafana logs in as an OAuth client of its own, not oauth2-proxy's): register a second client at the IdP, then pulumi config set --path med-agi:oidc.grafanaClientId <grafana-client-id> && pulumi config set --secret med-agi:grafanaOidcClientSecret <its-secret>",
            "grafanaOidcClientSecret: is required while oidc is set and Grafana is deployed (the OAuth client secret of oidc.grafanaClientId): pulumi config set --secret med-agi:grafanaOidcClientSecret <client-secret>",
        ]);
        expect(configProblems({ ...base, ...GRAFANA, oidc: { ...OIDC, grafanaClientId: "med-agi" } }, "dev", BOTH)).toEqual([
            'oidc.grafanaClientId: "med-agi" is not allowed (it is oidc.clientId, oauth2-proxy\'s client; each holder of a client secret has a client of its own: register a second client for Grafana)',
        ]);
        expect(
            configProblems({ ...base, oidc: noGrafanaClient, monitoring: { grafana: { enabled: false } } }, "dev", ["oidcClientSecret"]),
        ).toEqual([]);
        expect(parseValues({ ...base, ...GRAFANA, oidc: OIDC }, "dev", BOTH).oidc?.grafanaClientId).toBe("med-agi-grafana");
    });
});

describe("credentials given in plain text", () => {
    it("include the OIDC client secret and oauth2-proxy's cookie secret", () => {
        expect(SECRET_CONFIG_KEYS).toEqual(
            expect.arrayContaining(["oidcClientSecret", "grafanaOidcClientSecret", "oauth2ProxyCookieSecret"]),
        );
    });

    it.each([
        ["oidcClientSecret", "a-client-secret-in-plain-text"],
        ["grafanaOidcClientSecret", "a-grafana-secret-in-plain-text"],
        ["oauth2ProxyCookieSecret", "0123456789abcdef0123456789abcdef"],
    ])("refuses %s with the exact command, without echoing the value", (key, value) => {
        const found = configProblems(
            { ...prod(), [key]: value },
            "prod",
            PROD_SECRETS.filter((k) => k !== key),
        );
        expect(found).toEqual([
            `${key}: a plain-text value is not allowed (it is a credential: set it with \`pulumi config set --secret med-agi:${key} <value>\`)`,
        ]);
        expect(found.join("\n")).not.toContain(value);
    });

    it("fail the render before any resource is registered, naming the key and the command", async () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "identity-plaintext-"));
        const out = path.join(root, "out");
        try {
            fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
            const stackFile = fs.readFileSync(path.join(ROOT, "Pulumi.staging.yaml"), "utf8");
            fs.writeFileSync(
                path.join(root, "Pulumi.staging.yaml"),
                `${stackFile}\n  med-agi:oidcClientSecret: plain-text-client-secret\n`,
            );
            const outcome = await renderOutcome({ root, stack: "staging", outDir: out });
            expect(outcome).toMatchObject({ ok: false, kind: "config", registered: 0 });
            const message = (outcome as { message: string }).message;
            expect(message).toContain(
                "oidcClientSecret: a plain-text value is not allowed (it is a credential: set it with `pulumi config set --secret med-agi:oidcClientSecret <value>`)",
            );
            expect(message).not.toContain("plain-text-client-secret");
            expect(fs.existsSync(out)).toBe(false);
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    }, 60_000);

    it("refuses a credential-named env value of a service, and lets an ordinary one through", () => {
        expect(
            configProblems(
                { serviceDefaults: { env: { LOG_LEVEL: "info", API_TOKEN: "abc" } }, services: { ops: { env: { DB_PASSWORD: "x" } } } },
                "dev",
                [],
            ),
        ).toEqual([
            "serviceDefaults.env.API_TOKEN: a plain-text credential is not allowed in a service's env (the value is not shown); keep it in a Kubernetes Secret (the services need no OIDC client secret: they validate bearer tokens with the issuer's public keys)",
            "services.ops.env.DB_PASSWORD: a plain-text credential is not allowed in a service's env (the value is not shown); keep it in a Kubernetes Secret (the services need no OIDC client secret: they validate bearer tokens with the issuer's public keys)",
        ]);
        expect(configProblems({ services: { ops: { env: { LOG_LEVEL: "debug" } } } }, "dev", [])).toEqual([]);
    });
});

describe("oauth2ProxyCookieSecret", () => {
    it("takes 32 characters and refuses 31, without showing the value", () => {
        const secrets = ["oauth2ProxyCookieSecret"];
        expect(configProblems({ oauth2ProxyCookieSecret: "x".repeat(32) }, "dev", secrets)).toEqual([]);
        expect(configProblems({ oauth2ProxyCookieSecret: "x".repeat(31) }, "dev", secrets)).toEqual([
            "oauth2ProxyCookieSecret: must be at least 32 characters (generate one with: openssl rand -base64 32); the value is not shown",
        ]);
    });

    it("becomes the 32 bytes oauth2-proxy needs (first half of its SHA-256 in hex)", () => {
        const derived = deriveCookieSecret("correct horse battery staple correct horse");
        expect(derived).toMatch(/^[0-9a-f]{32}$/);
        expect(derived).toBe(deriveCookieSecret("correct horse battery staple correct horse"));
        expect(derived).not.toBe(deriveCookieSecret("correct horse battery staple correct horsE"));
    });
});

describe("operator roles", () => {
    it("default to none, and a role may appear in one list only", () => {
        expect(parseValues(prod(), "prod", PROD_SECRETS).cloud!.cluster).toMatchObject({ onCallRoleArns: [], breakGlassRoleArns: [] });
        const twice = "arn:aws:iam::123456789012:role/deployer";
        const cloud = { ...CLOUD.cloud, cluster: { ...CLOUD.cloud.cluster, breakGlassRoleArns: [twice] } };
        expect(configProblems(prod({ cloud }), "prod", PROD_SECRETS)).toEqual([
            `cloud.cluster.breakGlassRoleArns.0: "${twice}" is not allowed (a role appears once across adminRoleArns, onCallRoleArns and breakGlassRoleArns; it is already in cluster.adminRoleArns)`,
        ]);
    });
});

describe("ingress.hsts", () => {
    it("takes a max-age of one day and refuses less", () => {
        expect(parseValues({ ingress: { hsts: { maxAgeSeconds: 86400 } } }, "dev", []).ingress.hsts.maxAgeSeconds).toBe(86400);
        expect(configProblems({ ingress: { hsts: { maxAgeSeconds: 86399 } } }, "dev", [])).toEqual([
            "ingress.hsts.maxAgeSeconds: 86399 is not allowed (must be ≥ 86400)",
        ]);
    });
});
