/**
 * Identity and access: OIDC for every service and the browser paths
 * (oauth2-proxy), the security-headers ConfigMaps behind every Ingress's HSTS,
 * Grafana's ConfigMap-only ClusterRole, and in staging/prod External Secrets
 * syncing credentials from AWS Secrets Manager. docs/identity.md.
 *
 * Usage (from `infra/program.ts`):
 *
 * ```ts
 * const identity = new Identity("identity", {
 *     oidc: config.oidc, clientSecret, cookieSecret,
 *     ingress: { domain, className, hsts }, monitoringNamespace: "monitoring", grafana: true,
 *     // externalSecrets: { region, roleArn, secrets: [...] } when a stack syncs secrets from Secrets Manager (none does today)
 * }, { provider, dependsOn: [namespace] });
 * ```
 */
import * as apiextensions from "@pulumi/kubernetes/apiextensions";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import { Release as HelmRelease } from "@pulumi/kubernetes/helm/v3/release";
import * as networkingv1 from "@pulumi/kubernetes/networking/v1";
import * as rbacv1 from "@pulumi/kubernetes/rbac/v1";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

import { IRSA_ANNOTATION } from "../backups/component";
import { podSecurityLabels } from "../k8s/security";
import { NAMESPACE } from "../runbook";
import { deriveCookieSecret, OAUTH2_PROXY_CHART, type OidcConfig } from "./config";
import {
    EXTERNAL_SECRETS,
    EXTERNAL_SECRETS_CHART,
    externalSecretSpec,
    externalSecretsValues,
    secretStoreSpec,
    tokenRequestRole,
} from "./external-secrets";
import {
    GRAFANA_CLUSTER_ROLE,
    grafanaClusterRoleRules,
    OAUTH2_PROXY,
    OAUTH2_PROXY_SECRET_KEYS,
    oauth2ProxyIngressSpec,
    oauth2ProxyValues,
    SECURITY_HEADERS_CONFIGMAP,
    securityHeaders,
    httpsAnnotations,
    type HstsSettings,
} from "./spec";

export * from "./config";
export * from "./external-secrets";
export * from "./spec";

export interface IdentityArgs {
    /** The validated `oidc` config; undefined (dev only): no auth proxy, no OIDC env. */
    readonly oidc: OidcConfig | undefined;
    /** `oidcClientSecret` (oauth2-proxy's client) as a Pulumi secret. Required with `oidc`; only oauth2-proxy's Secret holds it. */
    readonly clientSecret?: pulumi.Input<string>;
    /** `oauth2ProxyCookieSecret`; generated (kept in the stack's encrypted state) when undefined. @default generated */
    readonly cookieSecret?: pulumi.Input<string>;
    /** oauth2-proxy replicas. @default 1 */
    readonly proxyReplicas?: number;
    /** Ingress settings; undefined: no Ingress anywhere, so no auth proxy and no header ConfigMaps. @default undefined */
    readonly ingress?: {
        readonly domain: string;
        readonly className: string;
        readonly clusterIssuer?: string;
        readonly hsts: HstsSettings;
    };
    /** Whether Grafana is deployed (its ConfigMap-only ClusterRole is created here). @default false */
    readonly grafana?: boolean;
    /** staging/prod: External Secrets with this region, IRSA role and the secrets to sync. @default undefined (not deployed) */
    readonly externalSecrets?: {
        readonly region: string;
        readonly roleArn: pulumi.Input<string>;
        readonly secrets: readonly {
            readonly name: string;
            readonly secretArn: pulumi.Input<string>;
            readonly properties: Readonly<Record<string, string>>;
        }[];
    };
    /** Protect the operator's release (prod). @default false */
    readonly protect?: boolean;
}

export class Identity extends pulumi.ComponentResource {
    /** The oauth2-proxy release, or undefined. */
    public readonly oauth2Proxy: HelmRelease | undefined;
    /** Resources the Ingresses and Grafana need first (header ConfigMaps, Grafana's ClusterRole). */
    public readonly prerequisites: pulumi.Resource[];
    /** Names of the Secrets synced by External Secrets (staging/prod). */
    public readonly syncedSecrets: pulumi.Output<string[]>;

    constructor(name: string, args: IdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("med-agi:identity:Identity", name, {}, opts);
        const child = { parent: this };
        this.prerequisites = [...securityHeadersConfigMap(name, args, child), ...grafanaClusterRole(name, args, child)];
        this.oauth2Proxy = declareOauth2Proxy(name, args, this.prerequisites, child);
        this.syncedSecrets = declareExternalSecrets(name, args, child);
        this.registerOutputs({ oauth2Proxy: this.oauth2Proxy, syncedSecrets: this.syncedSecrets });
    }
}

const LABELS = { "app.kubernetes.io/part-of": "med-agi", "app.kubernetes.io/managed-by": "pulumi" };

/** The HSTS header for the Ingresses of med-agi (Grafana's namespace gets its copy from Observability). */
function securityHeadersConfigMap(name: string, args: IdentityArgs, child: pulumi.CustomResourceOptions): pulumi.Resource[] {
    if (args.ingress === undefined) return [];
    return [
        new corev1.ConfigMap(
            `${name}-security-headers`,
            {
                metadata: { name: SECURITY_HEADERS_CONFIGMAP, namespace: NAMESPACE, labels: LABELS },
                data: securityHeaders(args.ingress.hsts),
            },
            child,
        ),
    ];
}

/** Grafana: its sidecars read ConfigMaps, never Secrets. */
function grafanaClusterRole(name: string, args: IdentityArgs, child: pulumi.CustomResourceOptions): pulumi.Resource[] {
    if (args.grafana !== true) return [];
    return [
        new rbacv1.ClusterRole(
            `${name}-grafana-clusterrole`,
            { metadata: { name: GRAFANA_CLUSTER_ROLE, labels: LABELS }, rules: grafanaClusterRoleRules() },
            child,
        ),
    ];
}

/** OIDC: oauth2-proxy for the browser paths (the only holder of its client secret); none without OIDC or Ingresses. */
function declareOauth2Proxy(
    name: string,
    args: IdentityArgs,
    prerequisites: pulumi.Resource[],
    child: pulumi.CustomResourceOptions,
): HelmRelease | undefined {
    const oidc = args.oidc;
    if (oidc === undefined) return undefined;
    if (args.clientSecret === undefined) throw new Error("clientSecret: is required with oidc (med-agi:oidcClientSecret)");
    if (args.ingress === undefined) return undefined;
    const cookieSecret =
        args.cookieSecret === undefined ? undefined : pulumi.secret(pulumi.output(args.cookieSecret).apply(deriveCookieSecret));
    const cookie =
        cookieSecret ?? new random.RandomPassword(`${name}-oauth2-proxy-cookie-secret`, { length: 32, special: false }, child).result;
    const proxySecret = new corev1.Secret(
        `${name}-oauth2-proxy`,
        {
            metadata: { name: OAUTH2_PROXY.secretName, namespace: NAMESPACE, labels: LABELS },
            type: "Opaque",
            stringData: {
                [OAUTH2_PROXY_SECRET_KEYS.clientId]: oidc.clientId,
                [OAUTH2_PROXY_SECRET_KEYS.clientSecret]: pulumi.secret(args.clientSecret),
                [OAUTH2_PROXY_SECRET_KEYS.cookieSecret]: pulumi.secret(cookie),
            },
        },
        child,
    );
    const release = new HelmRelease(
        `${name}-oauth2-proxy`,
        {
            name: OAUTH2_PROXY.release,
            namespace: NAMESPACE,
            chart: OAUTH2_PROXY_CHART.chart,
            version: OAUTH2_PROXY_CHART.version,
            repositoryOpts: { repo: OAUTH2_PROXY_CHART.repo },
            values: oauth2ProxyValues({ oidc, domain: args.ingress.domain, replicas: args.proxyReplicas ?? 1 }),
        },
        { ...child, dependsOn: [proxySecret] },
    );
    oauth2ProxyIngress(name, args.ingress, [release, ...prerequisites], child);
    return release;
}

/** oauth2-proxy's own Ingress, behind HTTPS. */
function oauth2ProxyIngress(
    name: string,
    ingress: NonNullable<IdentityArgs["ingress"]>,
    dependsOn: pulumi.Resource[],
    child: pulumi.CustomResourceOptions,
): void {
    new networkingv1.Ingress(
        `${name}-oauth2-proxy-ingress`,
        {
            metadata: {
                name: OAUTH2_PROXY.release,
                namespace: NAMESPACE,
                labels: LABELS,
                annotations: {
                    ...(ingress.clusterIssuer === undefined ? {} : { "cert-manager.io/cluster-issuer": ingress.clusterIssuer }),
                    ...httpsAnnotations(NAMESPACE),
                },
            },
            spec: oauth2ProxyIngressSpec(ingress.domain, ingress.className),
        },
        { ...child, dependsOn },
    );
}

/** External Secrets (when `externalSecrets` is set): the operator, its AWS access, the SecretStore and one ExternalSecret per secret. */
function declareExternalSecrets(name: string, args: IdentityArgs, child: pulumi.CustomResourceOptions): pulumi.Output<string[]> {
    const eso = args.externalSecrets;
    if (eso === undefined) return pulumi.output([]);
    const release = externalSecretsOperator(name, args.protect ?? false, child);
    const access = externalSecretsAccess(name, eso.roleArn, child);
    const store = new apiextensions.CustomResource(
        `${name}-secret-store`,
        {
            apiVersion: EXTERNAL_SECRETS.apiVersion,
            kind: "SecretStore",
            metadata: { name: EXTERNAL_SECRETS.store, namespace: NAMESPACE, labels: LABELS },
            spec: secretStoreSpec(eso.region),
        },
        { ...child, dependsOn: [release, ...access] },
    );
    const synced = eso.secrets.map(
        (s) =>
            new apiextensions.CustomResource(
                `${name}-external-secret-${s.name}`,
                {
                    apiVersion: EXTERNAL_SECRETS.apiVersion,
                    kind: "ExternalSecret",
                    metadata: { name: s.name, namespace: NAMESPACE, labels: LABELS },
                    spec: pulumi
                        .output(s.secretArn)
                        .apply((secretArn) => externalSecretSpec({ name: s.name, secretArn, properties: s.properties })),
                },
                { ...child, dependsOn: [store] },
            ),
    );
    return pulumi.all(synced.map((r) => r.metadata.name));
}

/** The External Secrets operator in its own restricted namespace. */
function externalSecretsOperator(name: string, protect: boolean, child: pulumi.CustomResourceOptions): HelmRelease {
    const ns = new corev1.Namespace(
        `${name}-external-secrets-namespace`,
        { metadata: { name: EXTERNAL_SECRETS.namespace, labels: { ...LABELS, ...podSecurityLabels("restricted") } } },
        child,
    );
    return new HelmRelease(
        `${name}-external-secrets`,
        {
            name: EXTERNAL_SECRETS_CHART.chart,
            namespace: EXTERNAL_SECRETS.namespace,
            chart: EXTERNAL_SECRETS_CHART.chart,
            version: EXTERNAL_SECRETS_CHART.version,
            repositoryOpts: { repo: EXTERNAL_SECRETS_CHART.repo },
            values: externalSecretsValues(),
        },
        { ...child, dependsOn: [ns], protect },
    );
}

/** The ServiceAccount the operator reads AWS as (IRSA), and the Role that lets it request that account's token. */
function externalSecretsAccess(name: string, roleArn: pulumi.Input<string>, child: pulumi.CustomResourceOptions): pulumi.Resource[] {
    const account = new corev1.ServiceAccount(
        `${name}-external-secrets-aws`,
        {
            metadata: {
                name: EXTERNAL_SECRETS.serviceAccount,
                namespace: NAMESPACE,
                labels: LABELS,
                annotations: { [IRSA_ANNOTATION]: roleArn },
            },
            // The operator requests this account's token itself (TokenRequest); no pod runs as it.
            automountServiceAccountToken: false,
        },
        child,
    );
    const token = tokenRequestRole();
    const tokenRole = new rbacv1.Role(
        `${name}-external-secrets-token-role`,
        { metadata: { name: EXTERNAL_SECRETS.tokenRole, namespace: NAMESPACE, labels: LABELS }, rules: token.rules },
        child,
    );
    const tokenBinding = new rbacv1.RoleBinding(
        `${name}-external-secrets-token-binding`,
        {
            metadata: { name: EXTERNAL_SECRETS.tokenRole, namespace: NAMESPACE, labels: LABELS },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: EXTERNAL_SECRETS.tokenRole },
            subjects: token.subjects,
        },
        { ...child, dependsOn: [tokenRole] },
    );
    return [account, tokenBinding];
}
