/**
 * Config fixtures the config tests share: what a prod-like stack needs besides
 * sizing — a team receiver, a SIEM collector (name and address block), the
 * OIDC provider and their credentials (secrets).
 */
export const PROD_ROUTING = {
    alerting: { team: { kind: "slack", channel: "#med-agi-alerts" } },
    siem: { host: "siem.example.org" },
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
        endpoints: {
            authorization: "https://login.example.org/realms/med-agi/protocol/openid-connect/auth",
            token: "https://login.example.org/realms/med-agi/protocol/openid-connect/token",
            userinfo: "https://login.example.org/realms/med-agi/protocol/openid-connect/userinfo",
        },
    },
    oidcClientSecret: "0IDC-CL1ENT-SECRET",
};

/** The keys of PROD_ROUTING given as secrets. */
export const PROD_SECRETS = ["pagerdutyRoutingKey", "slackWebhookUrl", "siemToken", "backupSigningKey", "oidcClientSecret"];
