/**
 * PostgreSQL for one stack: in dev the CloudNativePG operator (its chart) and
 * a Cluster behind Service `med-agi-postgres`; in staging/prod an external
 * server (RDS). Either way the database objects of `privileges.ts` are
 * declared through `@pulumi/postgresql`, and every login role's generated
 * password lands in that role's own Kubernetes Secret.
 */
import { createHash } from "node:crypto";

import * as apiextensions from "@pulumi/kubernetes/apiextensions";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import { Release as HelmRelease } from "@pulumi/kubernetes/helm/v3/release";
import { Provider as KubernetesProvider } from "@pulumi/kubernetes/provider";
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

import { NAMESPACE, POSTGRES } from "../../runbook";
import { DATASTORE_CHARTS, OPERATOR_NAMESPACES } from "../charts";
import { declareDatabaseObjects } from "./objects";
import { DATABASE_SERVICES, privilegeModel, rolesOf, type DatabaseService } from "./privileges";
import {
    caBundleData,
    pemCertificates,
    cnpgClusterSpec,
    cnpgOperatorValues,
    inClusterConnection,
    POSTGRES_SERVICE,
    roleSecretData,
    roleSecretName,
    type CaRef,
    type PostgresConnection,
} from "./spec";

export * from "./privileges";
export * from "./spec";
export { declareDatabaseObjects, statementResourceName } from "./objects";

/** dev: CloudNativePG runs the server in the cluster. */
export interface InClusterServer {
    readonly kind: "in-cluster";
    /** @default 1 */
    readonly instances?: number;
    /** @default "10Gi" */
    readonly storageSize?: string;
    /** StorageClass of the volumes (Retain). */
    readonly storageClass: pulumi.Input<string>;
    /** Where `pulumi up` reaches the server (`kubectl port-forward svc/med-agi-postgres 5432`). @default localhost:5432, sslmode require */
    readonly admin?: { readonly host?: string; readonly port?: number };
}

/**
 * staging/prod: a server the cloud layer (RDS) or stack config provides. The
 * fields are the same whichever source fills them.
 */
export interface ExternalServer {
    readonly kind: "external";
    /** Endpoint the workloads use (the RDS address). */
    readonly host: pulumi.Input<string>;
    /** @default 5432 */
    readonly port?: pulumi.Input<number>;
    /** The CA that signs the server certificate, in the namespace (the RDS bundle). */
    readonly ca: CaRef;
    /** PEM of that CA bundle: when set, the ConfigMap `ca` names is declared from it (else it is created by hand). @default undefined */
    readonly caBundle?: string;
    /** Master credentials the provider creates roles with. */
    readonly admin: {
        readonly username: string;
        readonly password: pulumi.Input<string>;
        /** Host/port `pulumi up` reaches (a tunnel, RDS Proxy). @default the server */
        readonly host?: pulumi.Input<string>;
        readonly port?: pulumi.Input<number>;
        /** PEM bundle (the RDS CA) on the machine that runs `pulumi up`: the provider's sslrootcert. @default none: the client's default trust (the connection is verify-full either way) */
        readonly caFile?: string;
    };
}

export interface PostgresArgs {
    readonly server: InClusterServer | ExternalServer;
    /** Services with a role and a schema. @default DATABASE_SERVICES */
    readonly services?: readonly DatabaseService[];
    /** Namespace of the Secrets (and the in-cluster server). @default NAMESPACE */
    readonly namespace?: string;
    /** protect + retainOnDelete on the stateful resources (prod). @default false */
    readonly protect?: boolean;
    /** Kubernetes provider. */
    readonly k8sProvider: KubernetesProvider;
    /** Resources created first (the namespace). @default [] */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export class PostgresDatabase extends pulumi.ComponentResource {
    /** Host, port, database, sslmode and CA of the server. */
    public readonly connection: PostgresConnection;
    /** Secret name of each login role (`postgres-<role>`). */
    public readonly roleSecrets: Readonly<Record<string, string>>;

    constructor(name: string, args: PostgresArgs, opts?: pulumi.ComponentResourceOptions) {
        super("med-agi:datastores:PostgresDatabase", name, {}, opts);
        const protect = args.protect ?? false;
        const ctx: StepContext = {
            name,
            parent: this,
            namespace: args.namespace ?? NAMESPACE,
            stateful: { protect, retainOnDelete: protect },
            k8sOpts: { parent: this, provider: args.k8sProvider, dependsOn: args.dependsOn ?? [] },
        };
        const server = args.server;
        const model = privilegeModel(args.services ?? DATABASE_SERVICES);
        this.connection =
            server.kind === "in-cluster"
                ? inClusterConnection()
                : { host: server.host, port: server.port ?? 5432, database: POSTGRES.database, sslMode: "verify-full", ca: server.ca };
        const roles = declareRoleSecrets(
            ctx,
            rolesOf(model).filter((r) => r.login),
            this.connection,
        );
        const provider =
            server.kind === "in-cluster" ? declareInClusterServer(ctx, server, roles.resources) : externalServerProvider(ctx, server);
        if (server.kind === "external" && server.caBundle !== undefined) declareCaBundle(ctx, server, server.caBundle);
        declareDatabaseObjects(
            name,
            model,
            roles.passwords,
            // CloudNativePG's initdb creates the owner role and the database from the owner's Secret.
            server.kind === "in-cluster" ? { owner: true, database: true } : {},
            { parent: this, provider, ...ctx.stateful },
        );
        this.roleSecrets = roles.names;
        this.registerOutputs({ connection: this.connection, roleSecrets: this.roleSecrets });
    }
}

/** What every step of {@link PostgresDatabase} registers its children with. */
interface StepContext {
    readonly name: string;
    readonly parent: pulumi.Resource;
    readonly namespace: string;
    /** protect + retainOnDelete on the stateful resources. */
    readonly stateful: { readonly protect: boolean; readonly retainOnDelete: boolean };
    readonly k8sOpts: pulumi.CustomResourceOptions;
}

/** One generated password and basic-auth Secret (`postgres-<role>`) per login role. */
function declareRoleSecrets(
    ctx: StepContext,
    roles: readonly { readonly name: string }[],
    connection: PostgresConnection,
): { passwords: Record<string, pulumi.Output<string>>; names: Record<string, string>; resources: corev1.Secret[] } {
    const passwords: Record<string, pulumi.Output<string>> = {};
    const names: Record<string, string> = {};
    const resources: corev1.Secret[] = [];
    for (const role of roles) {
        const password = new random.RandomPassword(
            `${ctx.name}-password-${role.name}`,
            { length: 32, special: false },
            { parent: ctx.parent },
        );
        passwords[role.name] = password.result;
        const secretName = roleSecretName(role.name);
        names[role.name] = secretName;
        resources.push(
            new corev1.Secret(
                `${ctx.name}-secret-${role.name}`,
                {
                    metadata: {
                        name: secretName,
                        namespace: ctx.namespace,
                        labels: { "app.kubernetes.io/part-of": "med-agi", "med-agi/postgres-role": role.name },
                    },
                    // basic-auth: CloudNativePG's bootstrap reads `username`/`password` from the owner's Secret.
                    type: "kubernetes.io/basic-auth",
                    stringData: { ...roleSecretData(connection, role.name), password: password.result, PGPASSWORD: password.result },
                },
                ctx.k8sOpts,
            ),
        );
    }
    return { passwords, names, resources };
}

/** dev: the CloudNativePG operator and Cluster, and the provider that reaches it as the superuser (through a port-forward). */
function declareInClusterServer(ctx: StepContext, server: InClusterServer, roleSecrets: corev1.Secret[]): postgresql.Provider {
    const operator = new HelmRelease(
        `${ctx.name}-operator`,
        {
            name: "cnpg",
            chart: DATASTORE_CHARTS.cloudnativePg.chart,
            version: DATASTORE_CHARTS.cloudnativePg.version,
            repositoryOpts: { repo: DATASTORE_CHARTS.cloudnativePg.repo },
            namespace: OPERATOR_NAMESPACES.cnpg,
            createNamespace: true,
            atomic: true,
            values: cnpgOperatorValues(),
        },
        ctx.k8sOpts,
    );
    const superuser = new random.RandomPassword(`${ctx.name}-password-postgres`, { length: 32, special: false }, { parent: ctx.parent });
    const superuserSecret = new corev1.Secret(
        `${ctx.name}-secret-postgres`,
        {
            metadata: { name: "postgres-superuser", namespace: ctx.namespace, labels: { "app.kubernetes.io/part-of": "med-agi" } },
            type: "kubernetes.io/basic-auth",
            stringData: { username: "postgres", password: superuser.result },
        },
        ctx.k8sOpts,
    );
    new apiextensions.CustomResource(
        `${ctx.name}-cluster`,
        {
            apiVersion: "postgresql.cnpg.io/v1",
            kind: "Cluster",
            metadata: { name: POSTGRES_SERVICE, namespace: ctx.namespace, labels: { "app.kubernetes.io/part-of": "med-agi" } },
            spec: pulumi.output(server.storageClass).apply((storageClass) =>
                cnpgClusterSpec({
                    instances: server.instances ?? 1,
                    storageSize: server.storageSize ?? "10Gi",
                    storageClass,
                    ownerSecret: roleSecretName(POSTGRES.user),
                    superuserSecret: "postgres-superuser",
                }),
            ),
        },
        { ...ctx.k8sOpts, ...ctx.stateful, dependsOn: [operator, superuserSecret, ...roleSecrets] },
    );
    return new postgresql.Provider(
        `${ctx.name}-provider`,
        {
            host: server.admin?.host ?? "localhost",
            port: server.admin?.port ?? 5432,
            username: "postgres",
            password: superuser.result,
            database: "postgres",
            superuser: true,
            // Through `kubectl port-forward` the host name is not the certificate's: encrypted, not verified.
            sslmode: "require",
            connectTimeout: 15,
        },
        { parent: ctx.parent },
    );
}

/** staging/prod: the provider that reaches the external server (RDS) as its master user, always verify-full. */
function externalServerProvider(ctx: StepContext, server: ExternalServer): postgresql.Provider {
    return new postgresql.Provider(
        `${ctx.name}-provider`,
        {
            host: server.admin.host ?? server.host,
            port: server.admin.port ?? server.port ?? 5432,
            username: server.admin.username,
            password: server.admin.password,
            database: "postgres",
            // RDS's master user is rds_superuser, not a superuser.
            superuser: false,
            // An external server exists only outside dev (RDS, or a site's server): the master user's connection is always
            // verified, certificate chain and host name; caFile names the CA, else the client's default trust.
            sslmode: "verify-full",
            ...(server.admin.caFile === undefined ? {} : { sslrootcert: server.admin.caFile }),
            connectTimeout: 15,
        },
        { parent: ctx.parent },
    );
}

/** The ConfigMap the external server's CA reference names, declared from the PEM bundle (with its digest as an annotation). */
function declareCaBundle(ctx: StepContext, server: ExternalServer, caBundle: string): void {
    if (server.ca.kind !== "configMap") throw new Error(`caBundle: the CA reference must be a ConfigMap, not a ${server.ca.kind}`);
    // The offline render's stand-in holds no certificate and is kept as it is; a real bundle was checked in main().
    const data = pemCertificates(caBundle).length === 0 ? { [server.ca.key]: caBundle } : caBundleData(caBundle, server.ca.key);
    new corev1.ConfigMap(
        `${ctx.name}-ca-bundle`,
        {
            metadata: {
                name: server.ca.name,
                namespace: ctx.namespace,
                labels: { "app.kubernetes.io/part-of": "med-agi" },
                annotations: {
                    "med-agi.io/ca-bundle-sha256": createHash("sha256")
                        .update(data[server.ca.key] ?? "")
                        .digest("hex"),
                },
            },
            data,
        },
        ctx.k8sOpts,
    );
}
