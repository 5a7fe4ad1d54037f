/**
 * Config fixtures the config tests share: what a prod-like stack needs besides
 * sizing — a team receiver, a SIEM collector (name and address block), the
 * OIDC provider and their credentials (secrets) — and the parse of bare
 * values as a stack's config, accepted or rejected.
 */
import { parseConfig, type PlatformConfig } from "../../infra/config";
import { ConfigValidationError } from "../../infra/validation";

export const PROD_ROUTING = {
    alerting: { team: { kind: "slack", channel: "#med-agi-alerts" } },
    siem: { host: "siem.example.org", deliveryAlarmEmail: "oncall@example.org" },
    /** The collector's and the IdP's address blocks (TEST-NET-1): NetworkPolicies cannot select host names. */
    network: { siemCidrs: ["192.0.2.128/28"], oidcIssuerCidrs: ["192.0.2.64/27"] },
    pagerdutyRoutingKey: "R0UT1NG",
    slackWebhookUrl: "https://hooks.slack.com/services/T0/B0/X",
    siemToken: "T0KEN",
    /** A well-formed manifest signing key (64 hex characters, as `openssl rand -hex 32` prints). */
    backupSigningKey: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    /** The OpenID Connect provider staging and prod require (infra/identity/config.ts). */
    oidc: {
        issuerUrl: "https://login.example.org/realms/med-agi",
        clientId: "med-agi",
        /** Grafana's own client (one holder per client secret). */
        grafanaClientId: "med-agi-grafana",
        endpoints: {
            authorization: "https://login.example.org/realms/med-agi/protocol/openid-connect/auth",
            token: "https://login.example.org/realms/med-agi/protocol/openid-connect/token",
            userinfo: "https://login.example.org/realms/med-agi/protocol/openid-connect/userinfo",
        },
    },
    oidcClientSecret: "0IDC-CL1ENT-SECRET",
    grafanaOidcClientSecret: "GR4FANA-CL1ENT-SECRET",
};

/** The keys of PROD_ROUTING given as secrets. */
export const PROD_SECRETS = [
    "pagerdutyRoutingKey",
    "slackWebhookUrl",
    "siemToken",
    "backupSigningKey",
    "oidcClientSecret",
    "grafanaOidcClientSecret",
];

/** Parses `values` (bare keys, objects as in stack YAML) as the config of `stack`; `secret` lists the keys given as secrets. */
export function parseValues(values: Record<string, unknown>, stack = "dev", secret: readonly string[] = []): PlatformConfig {
    return parseConfig({
        stack,
        values: Object.fromEntries(Object.entries(values).map(([k, v]) => [`med-agi:${k}`, typeof v === "string" ? v : JSON.stringify(v)])),
        isSecret: (key) => secret.includes(key.replace(/^med-agi:/, "")),
    });
}

/** The validation problems of `values` as the config of `stack` (none when the config is accepted). */
export function configProblems(values: Record<string, unknown>, stack = "dev", secret: readonly string[] = []): string[] {
    try {
        parseValues(values, stack, secret);
    } catch (err) {
        if (err instanceof ConfigValidationError) return err.problems.map((p) => p.message);
        throw err;
    }
    return [];
}

/** The validation problems of `values` as the config of `stack` (fails if the config is accepted). */
export function rejectionProblems(values: Record<string, unknown>, stack = "dev", secret: readonly string[] = []): string[] {
    const problems = configProblems(values, stack, secret);
    if (problems.length === 0) throw new Error("expected the config to be rejected");
    return problems;
}
