/**
 * The Med-AGI platform: composes the layers of DESIGN.md for one stack.
 * Only composition lives here; every component and builder is tested on its own.
 */
import * as pulumi from "@pulumi/pulumi";

import { Backups } from "./backups";
import { backupsArgsFor, CONFIG_NAMESPACE, loadConfig, SECRET_CONFIG_KEYS, type PlatformConfig, type SecretConfigKey } from "./config";
import { DataStores, DATABASE_SERVICES, ELASTICSEARCH_URL, ROLE_NAMES, roleSecretName, type DatabaseService } from "./datastores";
import { clusterProvider } from "./k8s/provider";
import { LogRotation } from "./logrotate";
import { PlatformNamespace } from "./namespace";
import { Observability, resolveObservabilitySettings } from "./observability";
import { NAMESPACE, SERVICE_NAMES, SERVICES } from "./runbook";
import { fromRegistry, imageRef, MedAgiService } from "./services";

/** Stack outputs (`pulumi stack output`). */
export interface PlatformOutputs {
    readonly environment: string;
    readonly release: string;
    readonly namespace: pulumi.Output<string>;
    readonly services: Record<
        string,
        { port: number; image: string; clusterUrl: pulumi.Output<string>; url: pulumi.Output<string | undefined> }
    >;
    readonly monitoring: { namespace: pulumi.Output<string>; alertRules: pulumi.Output<string[]> };
}

/** Declares every resource of the stack; config is validated before the first one. */
export async function main(): Promise<PlatformOutputs> {
    const config = loadConfig();
    return declarePlatform(config);
}

export function declarePlatform(config: PlatformConfig): PlatformOutputs {
    const provider = clusterProvider("kubernetes", { ...(config.kubeContext === undefined ? {} : { context: config.kubeContext }) });
    const namespace = new PlatformNamespace("platform", { name: NAMESPACE }, { provider, protect: config.protect });

    const dataStores = declareDataStores(config, provider, namespace);
    const backupArgs = dataStoreBackupArgs(config, dataStores);
    const backups = backupArgs === undefined ? undefined : new Backups("backups", backupArgs, { provider, dependsOn: [namespace] });
    if (config.logrotate.enabled) {
        new LogRotation(
            "logrotate",
            { config: config.logrotate, image: fromRegistry(config.registry, config.logrotate.image), version: config.release },
            { provider },
        );
    }

    const secrets = secretInputs(config);
    const observability = new Observability(
        "observability",
        {
            // Resolved once, here at the edge; the component only reads the result.
            settings: resolveObservabilitySettings(config),
            services: SERVICE_NAMES.map((name) => SERVICES[name]),
            secrets,
            namespace: NAMESPACE,
            // The StatefulSets of the in-cluster stores (ECK, and the S3 store in dev).
            dataStores: dataStores.statefulSets,
            backups: backups !== undefined,
            // The Triton component joins later: until it deploys deployment/triton,
            // only an existing, unready one may page.
            tritonGpu: false,
        },
        { provider, dependsOn: [namespace] },
    );

    const services: PlatformOutputs["services"] = {};
    for (const name of SERVICE_NAMES) {
        const settings = config.services[name];
        const image = imageRef(config.registry, name, settings.tag);
        const service = new MedAgiService(
            name,
            {
                service: SERVICES[name],
                namespace: namespace.name,
                image,
                settings,
                imagePullPolicy: config.imagePullPolicy,
                // Each service's database credentials come from its own Secret; search from one place.
                env: [{ name: "ELASTICSEARCH_URL", value: ELASTICSEARCH_URL }],
                ...((DATABASE_SERVICES as readonly string[]).includes(name)
                    ? { envFromSecrets: [dataStores.postgres.roleSecrets[name as DatabaseService] as string] }
                    : {}),
                imagePullSecrets: config.imagePullSecrets,
                topologySpread: config.topologySpread,
                // The monitoring release installs the ServiceMonitor CRD.
                serviceMonitor: { enabled: true, dependsOn: [observability.stack] },
                ...(config.ingress.enabled
                    ? {
                          ingress: {
                              className: config.ingress.className,
                              host: `${name}.${config.ingress.domain}`,
                              ...(config.ingress.clusterIssuer === undefined ? {} : { clusterIssuer: config.ingress.clusterIssuer }),
                              annotations: config.ingress.annotations,
                          },
                      }
                    : {}),
            },
            { provider },
        );
        services[name] = { port: SERVICES[name].port, image, clusterUrl: service.clusterUrl, url: service.url };
    }

    return {
        environment: config.environment,
        release: config.release,
        namespace: namespace.name,
        services,
        monitoring: { namespace: observability.monitoringNamespace, alertRules: observability.prometheusRuleNames },
    };
}

/** The data stores: in-cluster PostgreSQL in dev, the configured server (RDS) in staging/prod. */
function declareDataStores(config: PlatformConfig, provider: ReturnType<typeof clusterProvider>, namespace: PlatformNamespace): DataStores {
    const db = config.database;
    const pgc = config.dataStores.postgres;
    const external =
        config.environment === "dev" || db.host === undefined
            ? undefined
            : {
                  kind: "external" as const,
                  host: db.host,
                  port: db.port,
                  ca: { kind: "configMap" as const, name: pgc.caConfigMap, key: "ca.crt" },
                  admin: {
                      username: pgc.adminUser,
                      password: new pulumi.Config(CONFIG_NAMESPACE).requireSecret("databaseAdminPassword"),
                      ...(pgc.adminHost === undefined ? {} : { host: pgc.adminHost }),
                      ...(pgc.adminPort === undefined ? {} : { port: pgc.adminPort }),
                      ...(pgc.caFile === undefined ? {} : { caFile: pgc.caFile }),
                  },
              };
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

/** The backup jobs' args: the backup role for the dump, the restore role for the drill, verify-full against the server's CA. */
function dataStoreBackupArgs(config: PlatformConfig, stores: DataStores): ReturnType<typeof backupsArgsFor> {
    const c = stores.postgres.connection;
    const objectStorage =
        stores.objectStore === undefined
            ? config.objectStorage
            : {
                  ...config.objectStorage,
                  endpointUrl: stores.objectStore.endpointUrl,
                  credentialsSecret: stores.objectStore.credentialsSecret,
              };
    const args = backupsArgsFor({ ...config, database: { ...config.database, host: c.host, port: c.port }, objectStorage });
    if (args === undefined) return undefined;
    return {
        ...args,
        postgres: {
            ...args.postgres,
            user: ROLE_NAMES.backup,
            passwordSecret: { name: roleSecretName(ROLE_NAMES.backup), key: "password" },
            drill: { user: ROLE_NAMES.restore, passwordSecret: { name: roleSecretName(ROLE_NAMES.restore), key: "password" } },
            ca: c.ca,
        },
        config: { ...config.backups, postgresSslMode: config.backups.postgresSslMode ?? "verify-full" },
    };
}

/** The credentials that are set, read as Pulumi secrets (never as plain values). */
function secretInputs(config: PlatformConfig): Partial<Record<SecretConfigKey, pulumi.Output<string>>> {
    const stackConfig = new pulumi.Config(CONFIG_NAMESPACE);
    return Object.fromEntries(
        SECRET_CONFIG_KEYS.filter((key) => config.secretsSet.has(key)).map((key) => [key, stackConfig.requireSecret(key)]),
    );
}
