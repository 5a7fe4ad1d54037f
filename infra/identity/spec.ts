/**
 * Pure builders of identity and access: the OIDC env every service gets, the
 * oauth2-proxy release values, the nginx annotations that put a browser path
 * behind it, HTTPS redirect and HSTS on every Ingress, Grafana's own OIDC
 * login and its ConfigMap-only RBAC. Tested directly (test/identity/spec.test.ts).
 */
import type * as k8s from "@pulumi/kubernetes";

import { NAMESPACE } from "../runbook";
import { OAUTH2_PROXY_CHART, type OidcConfig } from "./config";

/** The oauth2-proxy release (contract shared with the network policies): name, namespace, port, pod label. */
export const OAUTH2_PROXY = {
    release: "oauth2-proxy",
    namespace: NAMESPACE,
    port: 4180,
    podLabel: { "app.kubernetes.io/name": "oauth2-proxy" },
    /** Secret with `client-id`, `client-secret`, `cookie-secret` (the chart's `config.existingSecret`). */
    secretName: "oauth2-proxy",
    /** Its callback and sign-in live under this path, on `auth.<domain>`. */
    path: "/oauth2",
} as const;

/** The public host of oauth2-proxy. */
export function authHost(domain: string): string {
    return `auth.${domain}`;
}

/** The env names of the OIDC settings in every service's pods. */
export const OIDC_ENV = {
    issuerUrl: "OIDC_ISSUER_URL",
    clientId: "OIDC_CLIENT_ID",
    audience: "OIDC_AUDIENCE",
} as const;

/**
 * What every service gets: the issuer, client id and audience as plain env
 * (not credentials). Services validate API bearer tokens against
 * `OIDC_ISSUER_URL`'s public keys (JWKS) and require `aud` = `OIDC_AUDIENCE`;
 * that needs no client secret, so none reaches them (one holder per secret:
 * oauth2-proxy holds its client's, Grafana its own).
 */
export function oidcServiceEnv(oidc: OidcConfig): k8s.types.input.core.v1.EnvVar[] {
    return [
        { name: OIDC_ENV.issuerUrl, value: oidc.issuerUrl },
        { name: OIDC_ENV.clientId, value: oidc.clientId },
        { name: OIDC_ENV.audience, value: oidc.audience ?? oidc.clientId },
    ];
}

// ---------------------------------------------------------------------------
// Ingress: HTTPS redirect and HSTS, explicitly

/** HSTS settings of `ingress.hsts`. */
export interface HstsSettings {
    readonly maxAgeSeconds: number;
    readonly includeSubDomains: boolean;
    readonly preload: boolean;
}

/** One year, with subdomains: what every Ingress sends unless `ingress.hsts` says otherwise. */
export const HSTS_DEFAULTS: HstsSettings = { maxAgeSeconds: 31_536_000, includeSubDomains: true, preload: false };

/** The `Strict-Transport-Security` header value. */
export function hstsHeader(h: HstsSettings): string {
    return [`max-age=${h.maxAgeSeconds}`, ...(h.includeSubDomains ? ["includeSubDomains"] : []), ...(h.preload ? ["preload"] : [])].join(
        "; ",
    );
}

/**
 * ConfigMap (one per namespace with an Ingress) whose data are the response
 * headers nginx adds through the `custom-headers` annotation.
 */
export const SECURITY_HEADERS_CONFIGMAP = "med-agi-security-headers";

/** The header data of {@link SECURITY_HEADERS_CONFIGMAP}. */
export function securityHeaders(h: HstsSettings): Record<string, string> {
    return { "Strict-Transport-Security": hstsHeader(h) };
}

/** The nginx annotation keys this module sets (the policies read them too). */
export const NGINX = {
    sslRedirect: "nginx.ingress.kubernetes.io/ssl-redirect",
    forceSslRedirect: "nginx.ingress.kubernetes.io/force-ssl-redirect",
    customHeaders: "nginx.ingress.kubernetes.io/custom-headers",
    authUrl: "nginx.ingress.kubernetes.io/auth-url",
    authSignin: "nginx.ingress.kubernetes.io/auth-signin",
    authResponseHeaders: "nginx.ingress.kubernetes.io/auth-response-headers",
} as const;

/**
 * HTTPS redirect (308) even where TLS is terminated before nginx, and HSTS as
 * a response header from {@link SECURITY_HEADERS_CONFIGMAP} in the Ingress's
 * namespace. `custom-headers` needs the controller's
 * `global-allowed-response-headers` to list `Strict-Transport-Security`
 * (docs/identity.md); the snippet annotations are off by default in
 * ingress-nginx ≥ 1.9 and are not used.
 */
export function httpsAnnotations(namespace: string): Record<string, string> {
    return {
        [NGINX.sslRedirect]: "true",
        [NGINX.forceSslRedirect]: "true",
        [NGINX.customHeaders]: `${namespace}/${SECURITY_HEADERS_CONFIGMAP}`,
    };
}

/** The in-cluster URL nginx asks before it serves a protected path (202: signed in; 401: not). */
export function authUrl(): string {
    return `http://${OAUTH2_PROXY.release}.${OAUTH2_PROXY.namespace}.svc.cluster.local:${OAUTH2_PROXY.port}${OAUTH2_PROXY.path}/auth`;
}

/** Headers oauth2-proxy passes on to the upstream after a successful check. */
export const AUTH_RESPONSE_HEADERS = ["X-Auth-Request-User", "X-Auth-Request-Email", "X-Auth-Request-Groups"] as const;

/** The annotations that put an Ingress behind oauth2-proxy (nginx external auth). */
export function browserAuthAnnotations(domain: string): Record<string, string> {
    return {
        [NGINX.authUrl]: authUrl(),
        [NGINX.authSignin]: `https://${authHost(domain)}${OAUTH2_PROXY.path}/start?rd=$scheme://$host$escaped_request_uri`,
        [NGINX.authResponseHeaders]: AUTH_RESPONSE_HEADERS.join(","),
    };
}

/** The browser-facing paths of each service (Swagger UI, ReDoc and the schema they load): behind oauth2-proxy. */
export const DOCS_PATHS = ["/docs", "/redoc", "/openapi.json"] as const;

// ---------------------------------------------------------------------------
// oauth2-proxy

export interface OAuth2ProxyValuesArgs {
    readonly oidc: OidcConfig;
    /** The ingress domain: oauth2-proxy serves `auth.<domain>` and sets its cookie for `.<domain>`. */
    readonly domain: string;
    readonly replicas: number;
}

/**
 * The browser session: at most one working day, and
 * re-checked at the IdP every hour with the refresh token, so a user
 * disabled at the IdP loses access within the hour instead of keeping a
 * 7-day cookie (oauth2-proxy's default `--cookie-expire` is 168h). The
 * refreshed cookie reaches the browser through ingress-nginx's external-auth
 * `Set-Cookie` pass-through. `refresh` must stay below `expire`.
 */
export const OAUTH2_PROXY_SESSION = { expire: "8h", refresh: "1h" } as const;

/** oauth2-proxy's requests and limits (`resources` of the chart); capacity validation reads the same (infra/aws/workloads.ts). */
export const OAUTH2_PROXY_RESOURCES = { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } } as const;

/** The oauth2-proxy chart values (keys as oauth2-proxy/manifests `oauth2-proxy-10.7.0` values.yaml has them). Pure. */
export function oauth2ProxyValues(args: OAuth2ProxyValuesArgs): Record<string, unknown> {
    const { oidc, domain } = args;
    return {
        // Credentials from our Secret: nothing secret in the release's values.
        config: { existingSecret: OAUTH2_PROXY.secretName, emailDomains: [...oidc.emailDomains], upstreams: ["static://202"] },
        image: { repository: "oauth2-proxy/oauth2-proxy", tag: OAUTH2_PROXY_CHART.imageTag },
        extraArgs: {
            provider: "oidc",
            "oidc-issuer-url": oidc.issuerUrl,
            scope: oidc.scopes.join(" "),
            "oidc-groups-claim": oidc.groupsClaim,
            ...(oidc.allowedGroups.length === 0 ? {} : { "allowed-group": oidc.allowedGroups.join(",") }),
            "redirect-url": `https://${authHost(domain)}${OAUTH2_PROXY.path}/callback`,
            "cookie-domain": `.${domain}`,
            "whitelist-domain": `.${domain}`,
            "cookie-secure": "true",
            "cookie-samesite": "lax",
            "cookie-expire": OAUTH2_PROXY_SESSION.expire,
            "cookie-refresh": OAUTH2_PROXY_SESSION.refresh,
            "set-xauthrequest": "true",
            "reverse-proxy": "true",
            "skip-provider-button": "true",
        },
        service: { portNumber: OAUTH2_PROXY.port },
        // It never calls the Kubernetes API.
        serviceAccount: { enabled: true, automountServiceAccountToken: false },
        replicaCount: args.replicas,
        podDisruptionBudget: { enabled: args.replicas > 1 },
        enableServiceLinks: false,
        // The chart's default securityContext already runs non-root, read-only, no capabilities.
        podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
        resources: { requests: { ...OAUTH2_PROXY_RESOURCES.requests }, limits: { ...OAUTH2_PROXY_RESOURCES.limits } },
        metrics: { enabled: true },
    };
}

/** The oauth2-proxy Secret's keys (names the chart reads). */
export const OAUTH2_PROXY_SECRET_KEYS = { clientId: "client-id", clientSecret: "client-secret", cookieSecret: "cookie-secret" } as const;

/** The Ingress of oauth2-proxy itself: `https://auth.<domain>/oauth2/…` (sign-in, callback). */
export function oauth2ProxyIngressSpec(domain: string, className: string): k8s.types.input.networking.v1.IngressSpec {
    const host = authHost(domain);
    return {
        ingressClassName: className,
        tls: [{ hosts: [host], secretName: `${OAUTH2_PROXY.release}-tls` }],
        rules: [
            {
                host,
                http: {
                    paths: [
                        {
                            path: OAUTH2_PROXY.path,
                            pathType: "Prefix",
                            backend: { service: { name: OAUTH2_PROXY.release, port: { number: OAUTH2_PROXY.port } } },
                        },
                    ],
                },
            },
        ],
    };
}

// ---------------------------------------------------------------------------
// Grafana (the grafana 10.5.15 subchart of kube-prometheus-stack 81.4.3)

/** Secret in the monitoring namespace with Grafana's own OIDC client secret (`grafanaOidcClientSecret`), as the env var Grafana reads. */
export const GRAFANA_OIDC_SECRET = { name: "grafana-oidc", key: "GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET" } as const;

/** The ClusterRole Grafana's sidecars get instead of the chart's (which reads every Secret). */
export const GRAFANA_CLUSTER_ROLE = "med-agi-grafana-configmaps";

/** ConfigMaps only: what the dashboard and datasource sidecars need. */
export function grafanaClusterRoleRules(): k8s.types.input.rbac.v1.PolicyRule[] {
    return [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }];
}

/** Grafana's public host. */
export function grafanaHost(domain: string): string {
    return `grafana.${domain}`;
}

/** Grafana's role from the groups claim: Admin for `grafanaAdminGroup`, Viewer for everybody else (JMESPath). */
export function grafanaRoleAttributePath(oidc: OidcConfig): string {
    const claim = oidc.groupsClaim;
    return oidc.grafanaAdminGroup === undefined
        ? "'Viewer'"
        : `contains(${claim}[*], '${oidc.grafanaAdminGroup.replace(/'/g, "\\'")}') && 'Admin' || 'Viewer'`;
}

export interface GrafanaIdentityArgs {
    /** Undefined: no OIDC (dev without an IdP): the local admin login stays. */
    readonly oidc: OidcConfig | undefined;
    /** Ingress domain and class; undefined: no Grafana Ingress. */
    readonly ingress?: { readonly domain: string; readonly className: string; readonly clusterIssuer?: string };
    /** The monitoring namespace (where the security headers ConfigMap for Grafana's Ingress lives). */
    readonly namespace: string;
}

/**
 * The grafana subchart values for identity: ConfigMap-only RBAC (always);
 * with OIDC, `auth.generic_oauth` against the same issuer as Grafana's own
 * client (`oidc.grafanaClientId`), its secret from {@link GRAFANA_OIDC_SECRET}, and an Ingress behind oauth2-proxy
 * with HTTPS redirect and HSTS. Pure.
 */
export function grafanaIdentityValues(args: GrafanaIdentityArgs): Record<string, unknown> {
    const rbac = {
        // The chart's ClusterRole grants get/list/watch on configmaps AND secrets cluster-wide as soon as a
        // sidecar is on; ours (GRAFANA_CLUSTER_ROLE) grants configmaps only, and the sidecars look at nothing else.
        rbac: { create: true, useExistingClusterRole: GRAFANA_CLUSTER_ROLE },
        sidecar: { dashboards: { resource: "configmap" }, datasources: { resource: "configmap" } },
    };
    const { oidc, ingress } = args;
    if (oidc === undefined) return rbac;
    const host = ingress === undefined ? undefined : grafanaHost(ingress.domain);
    const endpoints = oidc.endpoints;
    return {
        ...rbac,
        "grafana.ini": {
            ...(host === undefined ? {} : { server: { root_url: `https://${host}/`, domain: host } }),
            auth: { disable_login_form: true, oauth_auto_login: true },
            "auth.generic_oauth": {
                enabled: true,
                name: "Med-AGI SSO",
                // Grafana's own client (config validation requires it while Grafana is deployed).
                client_id: oidc.grafanaClientId ?? oidc.clientId,
                // client_secret: from GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET (envFromSecrets), never in values.
                scopes: oidc.scopes.join(" "),
                ...(endpoints === undefined
                    ? {}
                    : { auth_url: endpoints.authorization, token_url: endpoints.token, api_url: endpoints.userinfo }),
                use_pkce: true,
                use_refresh_token: true,
                allow_sign_up: true,
                groups_attribute_path: oidc.groupsClaim,
                role_attribute_path: grafanaRoleAttributePath(oidc),
                role_attribute_strict: true,
                ...(oidc.allowedGroups.length === 0 ? {} : { allowed_groups: oidc.allowedGroups.join(" ") }),
            },
        },
        envFromSecrets: [{ name: GRAFANA_OIDC_SECRET.name }],
        ...(ingress === undefined || host === undefined
            ? {}
            : {
                  ingress: {
                      enabled: true,
                      ingressClassName: ingress.className,
                      annotations: {
                          ...(ingress.clusterIssuer === undefined ? {} : { "cert-manager.io/cluster-issuer": ingress.clusterIssuer }),
                          ...httpsAnnotations(args.namespace),
                          ...browserAuthAnnotations(ingress.domain),
                      },
                      hosts: [host],
                      path: "/",
                      pathType: "Prefix",
                      tls: [{ secretName: "grafana-tls", hosts: [host] }],
                  },
              }),
    };
}
