/**
 * PostgreSQL for one stack: in dev the CloudNativePG operator (its chart) and
 * a Cluster behind Service `med-agi-postgres`; in staging/prod an external
 * server (RDS). Either way the database objects of `privileges.ts` are
 * declared through `@pulumi/postgresql`, and every login role's generated
 * password lands in that role's own Kubernetes Secret.
 */
import { createHash } from "node:crypto";

import * as k8s from "@pulumi/kubernetes";
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
    readonly k8sProvider: k8s.Provider;
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
        const namespace = args.namespace ?? NAMESPACE;
        const protect = args.protect ?? false;
        const stateful = { protect, retainOnDelete: protect };
        const k8sOpts = { parent: this, provider: args.k8sProvider, dependsOn: args.dependsOn ?? [] };
        const server = args.server;
        const model = privilegeModel(args.services ?? DATABASE_SERVICES);
        const roles = rolesOf(model).filter((r) => r.login);

        this.connection =
            server.kind === "in-cluster"
                ? inClusterConnection()
                : { host: server.host, port: server.port ?? 5432, database: POSTGRES.database, sslMode: "verify-full", ca: server.ca };

        const passwords: Record<string, pulumi.Output<string>> = {};
        const secrets: Record<string, string> = {};
        const secretResources: k8s.core.v1.Secret[] = [];
        for (const role of roles) {
            const password = new random.RandomPassword(`${name}-password-${role.name}`, { length: 32, special: false }, { parent: this });
            passwords[role.name] = password.result;
            const secretName = roleSecretName(role.name);
            secrets[role.name] = secretName;
            secretResources.push(
                new k8s.core.v1.Secret(
                    `${name}-secret-${role.name}`,
                    {
                        metadata: {
                            name: secretName,
                            namespace,
                            labels: { "app.kubernetes.io/part-of": "med-agi", "med-agi/postgres-role": role.name },
                        },
                        // basic-auth: CloudNativePG's bootstrap reads `username`/`password` from the owner's Secret.
                        type: "kubernetes.io/basic-auth",
                        stringData: {
                            ...roleSecretData(this.connection, role.name),
                            password: password.result,
                            PGPASSWORD: password.result,
                        },
                    },
                    k8sOpts,
                ),
            );
        }

        let provider: postgresql.Provider;
        if (server.kind === "in-cluster") {
            const operator = new k8s.helm.v3.Release(
                `${name}-operator`,
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
                k8sOpts,
            );
            const superuser = new random.RandomPassword(`${name}-password-postgres`, { length: 32, special: false }, { parent: this });
            const superuserSecret = new k8s.core.v1.Secret(
                `${name}-secret-postgres`,
                {
                    metadata: { name: "postgres-superuser", namespace, labels: { "app.kubernetes.io/part-of": "med-agi" } },
                    type: "kubernetes.io/basic-auth",
                    stringData: { username: "postgres", password: superuser.result },
                },
                k8sOpts,
            );
            new k8s.apiextensions.CustomResource(
                `${name}-cluster`,
                {
                    apiVersion: "postgresql.cnpg.io/v1",
                    kind: "Cluster",
                    metadata: { name: POSTGRES_SERVICE, namespace, labels: { "app.kubernetes.io/part-of": "med-agi" } },
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
                { ...k8sOpts, ...stateful, dependsOn: [operator, superuserSecret, ...secretResources] },
            );
            provider = new postgresql.Provider(
                `${name}-provider`,
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
                { parent: this },
            );
        } else {
            provider = new postgresql.Provider(
                `${name}-provider`,
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
                { parent: this },
            );
        }

        if (server.kind === "external" && server.caBundle !== undefined) {
            if (server.ca.kind !== "configMap") throw new Error(`caBundle: the CA reference must be a ConfigMap, not a ${server.ca.kind}`);
            // The offline render's stand-in holds no certificate and is kept as it is; a real bundle was checked in main().
            const data =
                pemCertificates(server.caBundle).length === 0
                    ? { [server.ca.key]: server.caBundle }
                    : caBundleData(server.caBundle, server.ca.key);
            new k8s.core.v1.ConfigMap(
                `${name}-ca-bundle`,
                {
                    metadata: {
                        name: server.ca.name,
                        namespace,
                        labels: { "app.kubernetes.io/part-of": "med-agi" },
                        annotations: {
                            "med-agi.io/ca-bundle-sha256": createHash("sha256")
                                .update(data[server.ca.key] ?? "")
                                .digest("hex"),
                        },
                    },
                    data,
                },
                k8sOpts,
            );
        }

        declareDatabaseObjects(
            name,
            model,
            passwords,
            // CloudNativePG's initdb creates the owner role and the database from the owner's Secret.
            server.kind === "in-cluster" ? { owner: true, database: true } : {},
            { parent: this, provider, ...stateful },
        );

        this.roleSecrets = secrets;
        this.registerOutputs({ connection: this.connection, roleSecrets: this.roleSecrets });
    }
}
