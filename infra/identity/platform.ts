/**
 * The identity step of the platform (docs/identity.md): the OIDC client Secret
 * and oauth2-proxy, the HSTS header ConfigMaps and Grafana's ClusterRole. dev
 * may run without an IdP: a warning, and no auth proxy.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import type { PlatformConfig, SecretInputs } from "../config";
import { oauth2ProxyReplicas } from "./config";
import { Identity, type IdentityArgs } from "./index";

export function declareIdentity(
    config: PlatformConfig,
    secrets: SecretInputs,
    provider: k8s.Provider,
    dependsOn: pulumi.Resource[],
): Identity {
    if (config.oidc === undefined) {
        pulumi.log.warn(
            `no OIDC provider configured (med-agi:oidc): the services' /docs and Grafana are NOT behind a login in ${config.stack}. ` +
                "Set one with: pulumi config set --path med-agi:oidc.issuerUrl https://<your-idp>/ && pulumi config set --path med-agi:oidc.clientId <client-id> && pulumi config set --secret med-agi:oidcClientSecret <client-secret>",
        );
    }
    return new Identity(
        "identity",
        {
            oidc: config.oidc,
            ...(secrets.oidcClientSecret === undefined ? {} : { clientSecret: secrets.oidcClientSecret }),
            ...(secrets.oauth2ProxyCookieSecret === undefined ? {} : { cookieSecret: secrets.oauth2ProxyCookieSecret }),
            proxyReplicas: oauth2ProxyReplicas(config.environment, config.oidc),
            ...identityIngress(config),
            grafana: config.monitoring.grafana.enabled,
            // No External Secrets: the only secret it synced was a copy of the RDS master (superuser)
            // credential that no pod used. The program reads that secret itself.
            protect: config.protect,
        },
        { provider, dependsOn },
    );
}

/** With Ingresses on: the domain, class, ClusterIssuer and HSTS the auth proxy's Ingress uses. */
function identityIngress(config: PlatformConfig): Pick<IdentityArgs, "ingress"> {
    if (!config.ingress.enabled) return {};
    return {
        ingress: {
            domain: config.ingress.domain,
            className: config.ingress.className,
            ...(config.ingress.clusterIssuer === undefined ? {} : { clusterIssuer: config.ingress.clusterIssuer }),
            hsts: config.ingress.hsts,
        },
    };
}
