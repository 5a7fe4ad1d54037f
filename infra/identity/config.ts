/**
 * Stack configuration of identity and access, composed by `infra/config.ts`
 * under the key `oidc` (`med-agi:oidc: {...}` in `Pulumi.<stack>.yaml`) and
 * the top-level secret keys {@link IDENTITY_SECRET_KEYS}.
 *
 * - `oidc` names the OpenID Connect provider every service, oauth2-proxy and
 *   Grafana trust. It is optional in dev (no real IdP: the program warns and
 *   deploys no auth proxy) and required in staging and prod.
 * - The client secret is the Pulumi secret `oidcClientSecret`; oauth2-proxy's
 *   cookie secret is the Pulumi secret `oauth2ProxyCookieSecret`, generated
 *   (and kept in the stack's encrypted state) when not set.
 *
 * Also here: {@link plaintextEnvProblems}, which refuses a credential written
 * as a plain-text `env` value of a service (`serviceDefaults.env`,
 * `services.<name>.env`), the only free-form place in the config where one
 * could hide.
 */
import { createHash } from "node:crypto";

import { z } from "zod";

import type { Environment } from "../environment";
import { httpsUrl } from "../formats";
import type { ConfigProblem } from "../validation";

/** The pinned oauth2-proxy chart and image (docs/versions.md). */
export const OAUTH2_PROXY_CHART = {
    chart: "oauth2-proxy",
    /** oauth2-proxy/manifests tag `oauth2-proxy-10.7.0` (appVersion 7.15.3). */
    version: "10.7.0",
    repo: "https://oauth2-proxy.github.io/manifests",
    /**
     * The newest patch release of the 7.15 line (tag v7.15.6 in the upstream repository's Go
     * module index, 2026-11-25), past the v7.15.4 security release; the chart's appVersion is 7.15.3.
     */
    imageTag: "v7.15.6",
} as const;

/** Credentials of this section: set with `pulumi config set --secret`. */
export const IDENTITY_SECRET_KEYS = ["oidcClientSecret", "grafanaOidcClientSecret", "oauth2ProxyCookieSecret"] as const;
export type IdentitySecretKey = (typeof IDENTITY_SECRET_KEYS)[number];

/** The scopes oauth2-proxy and Grafana ask for. */
export const OIDC_DEFAULT_SCOPES = ["openid", "email", "profile"] as const;

const claimName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.:/-]{0,127}$/, 'a claim name such as "groups"');
const clientId = z.string().regex(/^[\x21-\x7e]{1,255}$/, "an OAuth client id (1–255 printable characters, no spaces)");

/** `med-agi:oidc` */
export const oidcSchema = z
    .object({
        /** The issuer (`iss`) of the ID and access tokens; https only. Its discovery document is `<issuerUrl>/.well-known/openid-configuration`. */
        issuerUrl: httpsUrl,
        /** oauth2-proxy's OAuth client (the browser login in front of /docs and Grafana); its secret is `oidcClientSecret`. */
        clientId,
        /** Grafana's own OAuth client (its generic_oauth login); its secret is `grafanaOidcClientSecret`. Required while Grafana is deployed; must differ from `clientId`. */
        grafanaClientId: clientId.optional(),
        /** The `aud` the services require in bearer tokens. @default clientId */
        audience: clientId.optional(),
        /** Scopes requested at login. @default ["openid", "email", "profile"] */
        scopes: z
            .array(z.string().regex(/^[\x21-\x7e]{1,64}$/, "a scope"))
            .min(1)
            .default([...OIDC_DEFAULT_SCOPES]),
        /** The claim that lists the user's groups. @default "groups" */
        groupsClaim: claimName.default("groups"),
        /** Only members of these groups pass oauth2-proxy (empty: every user of the IdP). @default [] */
        allowedGroups: z.array(z.string().min(1)).default([]),
        /** E-mail domains allowed through oauth2-proxy. @default ["*"] (the IdP decides) */
        emailDomains: z
            .array(z.string().regex(/^(\*|[a-z0-9.-]+)$/, 'a domain such as "example.org", or "*"'))
            .min(1)
            .default(["*"]),
        /** Members of this group are Grafana Admins; everybody else is a Viewer. @default none */
        grafanaAdminGroup: z.string().min(1).optional(),
        /**
         * The provider's endpoints, for Grafana's `auth.generic_oauth` (it does
         * not read the discovery document). Required when Grafana is deployed.
         */
        endpoints: z.object({ authorization: httpsUrl, token: httpsUrl, userinfo: httpsUrl }).strict().optional(),
        /** oauth2-proxy replicas. @default 1 (dev), 2 (staging/prod) */
        proxyReplicas: z.number().int().min(1).max(10).optional(),
    })
    .strict();
export type OidcConfig = z.infer<typeof oidcSchema>;

/** oauth2-proxy's replicas when `oidc.proxyReplicas` is not set. */
export const OAUTH2_PROXY_DEFAULT_REPLICAS = { dev: 1, staging: 2, prod: 2 } as const satisfies Record<Environment, number>;

/** oauth2-proxy's replicas: `oidc.proxyReplicas`, else {@link OAUTH2_PROXY_DEFAULT_REPLICAS}. The builder and capacity validation read this. */
export function oauth2ProxyReplicas(environment: Environment, oidc: Pick<OidcConfig, "proxyReplicas"> | undefined): number {
    return oidc?.proxyReplicas ?? OAUTH2_PROXY_DEFAULT_REPLICAS[environment];
}

/** What the identity rules read from the parsed config. */
export interface IdentityConfigInput {
    readonly environment: Environment;
    readonly oidc: OidcConfig | undefined;
    readonly grafanaEnabled: boolean;
}

/** The exact command that sets an OIDC key, for messages. */
export function setOidcCommand(key: "issuerUrl" | "clientId"): string {
    return key === "issuerUrl"
        ? "pulumi config set --path med-agi:oidc.issuerUrl https://<your-idp>/"
        : "pulumi config set --path med-agi:oidc.clientId <client-id>";
}

/**
 * The cross-field rules: OIDC required outside dev; its client secret
 * whenever it is set; Grafana's endpoints when Grafana is deployed. A missing
 * credential is tagged `missingSecret`.
 */
export function identityProblems(input: IdentityConfigInput, secretsSet: ReadonlySet<string>): ConfigProblem[] {
    const out: ConfigProblem[] = [];
    if (input.oidc === undefined) {
        if (input.environment !== "dev") {
            out.push({
                path: "oidc",
                message: `oidc: is required in ${input.environment} (the OpenID Connect provider of every service, oauth2-proxy and Grafana): ${setOidcCommand("issuerUrl")} && ${setOidcCommand("clientId")} && pulumi config set --secret med-agi:oidcClientSecret <client-secret>`,
            });
        }
        return out;
    }
    if (!secretsSet.has("oidcClientSecret")) {
        out.push({
            path: "oidcClientSecret",
            message:
                "oidcClientSecret: is required while oidc is set (the OAuth client secret of oidc.clientId): pulumi config set --secret med-agi:oidcClientSecret <client-secret>",
            missingSecret: "oidcClientSecret",
        });
    }
    if (input.grafanaEnabled && input.oidc.endpoints === undefined) {
        out.push({
            path: "oidc.endpoints",
            message:
                "oidc.endpoints: is required while Grafana is deployed (its generic_oauth login needs the authorization, token and userinfo URLs of the provider): pulumi config set --path med-agi:oidc.endpoints.authorization https://… (and .token, .userinfo)",
        });
    }
    if (input.grafanaEnabled) {
        if (input.oidc.grafanaClientId === undefined) {
            out.push({
                path: "oidc.grafanaClientId",
                message:
                    "oidc.grafanaClientId: is required while Grafana is deployed (Grafana logs in as an OAuth client of its own, not oauth2-proxy's): register a second client at the IdP, then pulumi config set --path med-agi:oidc.grafanaClientId <grafana-client-id> && pulumi config set --secret med-agi:grafanaOidcClientSecret <its-secret>",
            });
        } else if (input.oidc.grafanaClientId === input.oidc.clientId) {
            out.push({
                path: "oidc.grafanaClientId",
                message: `oidc.grafanaClientId: "${input.oidc.grafanaClientId}" is not allowed (it is oidc.clientId, oauth2-proxy's client; each holder of a client secret has a client of its own: register a second client for Grafana)`,
            });
        }
        if (!secretsSet.has("grafanaOidcClientSecret")) {
            out.push({
                path: "grafanaOidcClientSecret",
                message:
                    "grafanaOidcClientSecret: is required while oidc is set and Grafana is deployed (the OAuth client secret of oidc.grafanaClientId): pulumi config set --secret med-agi:grafanaOidcClientSecret <client-secret>",
                missingSecret: "grafanaOidcClientSecret",
            });
        }
    }
    return out;
}

/**
 * oauth2-proxy needs a cookie secret of exactly 16, 24 or 32 bytes; the
 * program derives a 32-byte one from the configured value
 * ({@link deriveCookieSecret}), so the operator only has to give enough of it.
 */
export const COOKIE_SECRET_RULE = "at least 32 characters (generate one with: openssl rand -base64 32)";
export function cookieSecretProblems(value: string | undefined): ConfigProblem[] {
    if (value === undefined || value.length >= 32) return [];
    return [{ path: "oauth2ProxyCookieSecret", message: `oauth2ProxyCookieSecret: must be ${COOKIE_SECRET_RULE}; the value is not shown` }];
}

/** Environment variable names that hold a credential: their value must come from a Secret, never from config. */
export const CREDENTIAL_ENV_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|ACCESS_?KEY)/i;

/**
 * A service `env` entry whose name says it is a credential is refused (the
 * value is not echoed): credentials reach the pods through Kubernetes Secrets.
 */
export function plaintextEnvProblems(
    serviceDefaults: { readonly env?: Readonly<Record<string, string>> | undefined },
    services: Readonly<Record<string, { readonly env?: Readonly<Record<string, string>> | undefined } | undefined>>,
): ConfigProblem[] {
    const out: ConfigProblem[] = [];
    const check = (prefix: string, env: Readonly<Record<string, string>> | undefined) => {
        for (const name of Object.keys(env ?? {})) {
            if (!CREDENTIAL_ENV_NAME.test(name)) continue;
            out.push({
                path: `${prefix}.env.${name}`,
                message: `${prefix}.env.${name}: a plain-text credential is not allowed in a service's env (the value is not shown); keep it in a Kubernetes Secret (the services need no OIDC client secret: they validate bearer tokens with the issuer's public keys)`,
            });
        }
    };
    check("serviceDefaults", serviceDefaults.env);
    for (const [name, patch] of Object.entries(services)) check(`services.${name}`, patch?.env);
    return out;
}

/** The 32-byte cookie secret oauth2-proxy gets: the first 32 hex digits of SHA-256 of the configured value (128 bits). Pure. */
export function deriveCookieSecret(value: string): string {
    return createHash("sha256").update(value, "utf8").digest("hex").slice(0, 32);
}
