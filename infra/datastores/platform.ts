/**
 * The data-store steps of the platform: the stores themselves (in-cluster
 * PostgreSQL in dev, the configured server or RDS in staging/prod) and, once
 * the monitoring stack's CRDs exist, their scrape targets.
 */
import * as pulumi from "@pulumi/pulumi";

import * as secretsmanager from "@pulumi/aws/secretsmanager";
import type * as k8s from "@pulumi/kubernetes";

import type { CloudOutputs } from "../aws";
import { RDS_MASTER_USER } from "../aws/database";
import { CONFIG_NAMESPACE, type PlatformConfig } from "../config";
import type { PlatformNamespace } from "../namespace";
import { DataStoreMonitoring, DataStores, type DataStoresArgs } from "./index";

/** The data stores: in-cluster PostgreSQL in dev, the configured server (RDS) in staging/prod. */
export function declareDataStores(
    config: PlatformConfig,
    provider: k8s.Provider,
    namespace: PlatformNamespace,
    cloud: CloudOutputs | undefined,
    caBundle: string | undefined,
): DataStores {
    const external = externalPostgres(config, cloud, caBundle);
    return new DataStores(
        "datastores",
        {
            environment: config.environment,
            config: config.dataStores,
            ...(external === undefined ? {} : { externalPostgres: external }),
            buckets: [config.objectStorage.modelBucket, config.objectStorage.backupBucket],
            protect: config.protect,
            k8sProvider: provider,
            dependsOn: [namespace],
        },
        { dependsOn: [namespace] },
    );
}

/**
 * The PostgreSQL server outside the cluster: RDS in the cloud, `database.host` otherwise (dev: none).
 * With manageCaConfigMap the program declares the CA ConfigMap from the PEM at caFile (read in main()).
 */
function externalPostgres(
    config: PlatformConfig,
    cloud: CloudOutputs | undefined,
    caBundle: string | undefined,
): DataStoresArgs["externalPostgres"] {
    const db = config.database;
    const pgc = config.dataStores.postgres;
    const admin = (password: pulumi.Input<string>, username = pgc.adminUser) => ({
        username,
        password,
        ...(pgc.adminHost === undefined ? {} : { host: pgc.adminHost }),
        ...(pgc.adminPort === undefined ? {} : { port: pgc.adminPort }),
        ...(pgc.caFile === undefined ? {} : { caFile: pgc.caFile }),
    });
    const ca = { kind: "configMap" as const, name: pgc.caConfigMap, key: "ca.crt" };
    const bundle = caBundle === undefined ? {} : { caBundle };
    if (cloud !== undefined)
        // RDS keeps its master password in Secrets Manager (manageMasterUserPassword): read there, never in config.
        return {
            kind: "external" as const,
            host: cloud.database.host,
            port: cloud.database.port,
            ca,
            ...bundle,
            admin: admin(rdsMasterPassword(cloud), RDS_MASTER_USER),
        };
    if (config.environment === "dev" || db.host === undefined) return undefined;
    return {
        kind: "external" as const,
        host: db.host,
        port: db.port,
        ca,
        ...bundle,
        admin: admin(new pulumi.Config(CONFIG_NAMESPACE).requireSecret("databaseAdminPassword")),
    };
}

/** The RDS master password, from the Secrets Manager secret RDS manages (JSON with `username` and `password`). */
function rdsMasterPassword(cloud: CloudOutputs): pulumi.Output<string> {
    // Through the stack's provider: its region and allowedAccountIds, never the ambient default provider.
    const version = secretsmanager.getSecretVersionOutput(
        { secretId: cloud.database.masterUserSecretArn },
        { provider: cloud.awsProvider },
    );
    return pulumi.secret(version.secretString.apply((s) => (JSON.parse(s) as { password: string }).password));
}

/** The data stores' scrape targets; they need the monitoring stack's CRDs, so they wait for it. */
export function declareDataStoreMonitoring(
    dataStores: DataStores,
    monitoringStack: pulumi.Resource,
    provider: k8s.Provider,
    namespace: PlatformNamespace,
): DataStoreMonitoring {
    return new DataStoreMonitoring(
        "datastore-monitoring",
        {
            inClusterPostgres: dataStores.health.postgres !== undefined,
            elasticsearchCredentialsSecret: dataStores.elasticsearch.exporterSecret,
            k8sProvider: provider,
            dependsOn: [monitoringStack, dataStores],
        },
        { dependsOn: [namespace] },
    );
}
