/**
 * Pure builders for the PostgreSQL server in dev (CloudNativePG) and the
 * connection facts every stack hands to services and backup jobs.
 */
import * as pulumi from "@pulumi/pulumi";
import { NAMESPACE, POSTGRES } from "../../runbook";
import { DATASTORE_IMAGES } from "../charts";

/** The in-cluster server's Service (DESIGN.md) and the CloudNativePG Cluster's name. */
export const POSTGRES_SERVICE = "med-agi-postgres";

/** The Secret CloudNativePG writes the cluster's CA into (`ca.crt`). */
export const CNPG_CA_SECRET = `${POSTGRES_SERVICE}-ca`;

/** Kubernetes Secret holding a role's credentials (roles may contain `_`; Secret names may not). */
export function roleSecretName(role: string): string {
    return `postgres-${role.replace(/_/g, "-")}`;
}

/** Where the CA that signs the server certificate is, inside the cluster. */
export interface CaRef {
    readonly kind: "secret" | "configMap";
    readonly name: string;
    readonly key: string;
}

/** The CloudNativePG operator chart values: CRDs, restricted defaults, metrics for Prometheus. */
export function cnpgOperatorValues(): Record<string, unknown> {
    return {
        crds: { create: true },
        config: { clusterWide: true },
        monitoring: { podMonitorEnabled: false },
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
    };
}

export interface CnpgClusterOptions {
    readonly instances: number;
    readonly storageSize: string;
    readonly storageClass: string;
    /** Secret of the owner role (`username`, `password`) for the bootstrap. */
    readonly ownerSecret: string;
    /** Secret of the `postgres` superuser the provider connects as. */
    readonly superuserSecret: string;
}

/** The `postgresql.cnpg.io/v1` Cluster spec: database `medagi` owned by `medagi`, TLS for the Service name, Retain storage. */
export function cnpgClusterSpec(o: CnpgClusterOptions): Record<string, unknown> {
    const ns = NAMESPACE;
    return {
        instances: o.instances,
        imageName: DATASTORE_IMAGES.postgres,
        primaryUpdateStrategy: "unsupervised",
        enableSuperuserAccess: true,
        superuserSecret: { name: o.superuserSecret },
        bootstrap: { initdb: { database: POSTGRES.database, owner: POSTGRES.user, secret: { name: o.ownerSecret } } },
        storage: { size: o.storageSize, storageClass: o.storageClass },
        // The server certificate also names `med-agi-postgres`, so verify-full works against the runbook's Service name.
        certificates: {
            serverAltDNSNames: [
                POSTGRES_SERVICE,
                `${POSTGRES_SERVICE}.${ns}`,
                `${POSTGRES_SERVICE}.${ns}.svc`,
                `${POSTGRES_SERVICE}.${ns}.svc.cluster.local`,
            ],
        },
        managed: {
            services: {
                additional: [
                    {
                        selectorType: "rw",
                        serviceTemplate: { metadata: { name: POSTGRES_SERVICE, labels: { "app.kubernetes.io/part-of": "med-agi" } } },
                    },
                ],
            },
        },
        postgresql: { parameters: { ssl_min_protocol_version: "TLSv1.2", log_connections: "on" } },
        resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } },
    };
}

/** How clients reach the database: host, port, sslmode and the CA. */
export interface PostgresConnection {
    /** Plain for the in-cluster server; the RDS instance's output in the cloud. */
    readonly host: pulumi.Input<string>;
    readonly port: pulumi.Input<number>;
    readonly database: string;
    readonly sslMode: "verify-full";
    readonly ca: CaRef;
}

/** dev: the in-cluster Service, CA from CloudNativePG's Secret. */
export function inClusterConnection(): PostgresConnection {
    return {
        host: `${POSTGRES_SERVICE}.${NAMESPACE}.svc`,
        port: 5432,
        database: POSTGRES.database,
        sslMode: "verify-full",
        ca: { kind: "secret", name: CNPG_CA_SECRET, key: "ca.crt" },
    };
}

/** Path the CA is mounted at in pods that verify the server. */
export const CA_MOUNT_PATH = "/etc/med-agi/postgres-ca";

/** The libpq environment a role's Secret carries (`envFrom`), besides PGPASSWORD. */
export function roleSecretData(
    c: { host: pulumi.Input<string>; port: pulumi.Input<number>; database: string },
    role: string,
): Record<string, pulumi.Input<string>> {
    return {
        username: role,
        PGHOST: c.host,
        PGPORT: typeof c.port === "number" ? String(c.port) : pulumi.output(c.port).apply(String),
        PGDATABASE: c.database,
        PGUSER: role,
        PGSSLMODE: "verify-full",
        PGSSLROOTCERT: `${CA_MOUNT_PATH}/ca.crt`,
    };
}

/** The certificates of a PEM bundle, in order (empty when there is none). */
export function pemCertificates(pem: string): string[] {
    return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/**
 * Why `pem` cannot be the server CA bundle, or undefined: it must hold at
 * least one certificate and nothing secret (a private key in it would be
 * published in a ConfigMap).
 */
export function caBundleProblem(pem: string): string | undefined {
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) return "it contains a private key; a CA bundle holds certificates only";
    if (pemCertificates(pem).length === 0) return "it holds no PEM certificate (-----BEGIN CERTIFICATE-----)";
    return undefined;
}

/** The ConfigMap data for a CA bundle: the certificates only, one per block, newline-terminated. */
export function caBundleData(pem: string, key: string): Record<string, string> {
    return { [key]: `${pemCertificates(pem).join("\n")}\n` };
}
