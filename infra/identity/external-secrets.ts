/**
 * External Secrets Operator (staging/prod): syncs credentials that live in
 * AWS Secrets Manager into Kubernetes Secrets of `med-agi`. Pure builders of
 * the chart values, the SecretStore and the ExternalSecrets (API
 * `external-secrets.io/v1` only; chart 2.9.0 serves nothing else).
 *
 * The operator is scoped to the `med-agi` namespace (`scopedNamespace` +
 * `scopedRBAC`: a Role there, no cluster-wide Secret access), cluster stores
 * and push secrets are off, and the only AWS identity is the IRSA role of the
 * ServiceAccount `external-secrets-aws` in `med-agi`, which may read exactly
 * the secrets listed here (infra/aws/iam.ts `externalSecretsPolicy`).
 *
 * Nothing of the chart keeps a cluster-wide right:
 * the cert-controller (a ClusterRole that reads every Secret) and the
 * webhook it serves certificates to are off, the servicebindings
 * ClusterRole is off, and the controller's `serviceaccounts/token` create
 * (on every ServiceAccount of `med-agi`, so every IRSA role there) is
 * replaced by {@link tokenRequestRole}: the one account the store names.
 */
import { NAMESPACE } from "../runbook";

export const EXTERNAL_SECRETS_CHART = {
    chart: "external-secrets",
    /** external-secrets/external-secrets tag `helm-chart-2.9.0` (image v2.9.0). */
    version: "2.9.0",
    repo: "https://charts.external-secrets.io",
} as const;

export const EXTERNAL_SECRETS = {
    /** Namespace of the operator (controller, webhook, cert-controller). */
    namespace: "external-secrets",
    /** The SecretStore in `med-agi`. */
    store: "aws-secrets-manager",
    /** The ServiceAccount the store authenticates as (IRSA). */
    serviceAccount: "external-secrets-aws",
    apiVersion: "external-secrets.io/v1",
    /** The controller's own ServiceAccount in {@link EXTERNAL_SECRETS}.namespace (set in the values, not left to the chart's fullname). */
    controllerServiceAccount: "external-secrets",
    /** Role/RoleBinding in `med-agi`: token requests for {@link EXTERNAL_SECRETS}.serviceAccount only. */
    tokenRole: "external-secrets-token-request",
} as const;

/** How often a synced Secret is refreshed from Secrets Manager (RDS rotates its master secret itself). */
export const REFRESH_INTERVAL = "1h";

/** The chart values (keys as `deploy/charts/external-secrets/values.yaml` at helm-chart-2.9.0 has them). Pure. */
export function externalSecretsValues(): Record<string, unknown> {
    return {
        installCRDs: true,
        // Only SecretStores and ExternalSecrets in med-agi: no cluster-wide Secret access.
        scopedNamespace: NAMESPACE,
        scopedRBAC: true,
        processClusterStore: false,
        processClusterExternalSecret: false,
        processClusterPushSecret: false,
        processPushSecret: false,
        processClusterGenerator: false,
        serviceAccount: { create: true, name: EXTERNAL_SECRETS.controllerServiceAccount },
        rbac: {
            create: true,
            // The chart's rule is `serviceaccounts/token: create` on every account of med-agi (the backup,
            // Triton and model-backup IRSA roles among them); tokenRequestRole grants the store's account only.
            serviceAccountTokenCreate: false,
            // An unbound ClusterRole for servicebinding.io controllers: none here.
            servicebindings: { create: false },
        },
        // The cert-controller's ClusterRole reads every Secret of the cluster; it only serves the webhook's
        // certificate. The webhook validates SecretStores, which only `pulumi up` writes (validated in the
        // render); without it nothing needs a certificate. CRD conversion is off at 2.9.0 (v1 only).
        certController: { create: false },
        webhook: { create: false },
        crds: {
            createClusterExternalSecret: false,
            createClusterPushSecret: false,
            createPushSecret: false,
            createClusterGenerator: false,
            conversion: { enabled: false },
        },
        replicaCount: 1,
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
    };
}

/**
 * The Role (in `med-agi`) that lets the controller request a token for the
 * store's ServiceAccount and no other: `resourceNames` pins the account, so
 * the controller cannot mint tokens for the backup, Triton or model-backup
 * accounts and assume their IAM roles. Pure.
 */
export function tokenRequestRole(): {
    rules: { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames: string[] }[];
    subjects: { kind: "ServiceAccount"; name: string; namespace: string }[];
} {
    return {
        rules: [
            { apiGroups: [""], resources: ["serviceaccounts/token"], verbs: ["create"], resourceNames: [EXTERNAL_SECRETS.serviceAccount] },
        ],
        subjects: [{ kind: "ServiceAccount", name: EXTERNAL_SECRETS.controllerServiceAccount, namespace: EXTERNAL_SECRETS.namespace }],
    };
}

/** The `med-agi` SecretStore: Secrets Manager in `region`, authenticated as {@link EXTERNAL_SECRETS}.serviceAccount (IRSA). */
export function secretStoreSpec(region: string): Record<string, unknown> {
    return {
        provider: {
            aws: {
                service: "SecretsManager",
                region,
                auth: { jwt: { serviceAccountRef: { name: EXTERNAL_SECRETS.serviceAccount } } },
            },
        },
    };
}

/** One Secret synced from a JSON secret of Secrets Manager, key by key. */
export interface SyncedSecret {
    /** The Kubernetes Secret's (and the ExternalSecret's) name. */
    readonly name: string;
    /** Secrets Manager secret ARN. */
    readonly secretArn: string;
    /** Kubernetes Secret key → JSON property of the remote secret. */
    readonly properties: Readonly<Record<string, string>>;
}

/** An ExternalSecret spec for `secret`. Pure. */
export function externalSecretSpec(secret: SyncedSecret): Record<string, unknown> {
    return {
        refreshInterval: REFRESH_INTERVAL,
        secretStoreRef: { name: EXTERNAL_SECRETS.store, kind: "SecretStore" },
        target: { name: secret.name, creationPolicy: "Owner", deletionPolicy: "Retain" },
        data: Object.entries(secret.properties).map(([secretKey, property]) => ({
            secretKey,
            remoteRef: { key: secret.secretArn, property },
        })),
    };
}
