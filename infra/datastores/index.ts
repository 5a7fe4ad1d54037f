/**
 * The data stores of one stack: PostgreSQL (CloudNativePG in dev,
 * the configured/RDS server elsewhere) with its least-privilege roles,
 * Elasticsearch on ECK, and in dev the S3-compatible store in MinIO's role.
 * Every volume uses the Retain StorageClass; prod protects what holds data.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

import type { Environment } from "../environment";
import { selectorLabels } from "../k8s/labels";
import { NAMESPACE, type ServiceName } from "../runbook";
import { DATASTORE_CHARTS, OPERATOR_NAMESPACES, unmaintainedImage, DATASTORE_IMAGES } from "./charts";
import { resolveSearchRetention, type DataStoresConfig } from "./config";
import {
    LIFECYCLE_NAME,
    LIFECYCLE_SERVICE_ACCOUNT,
    lifecycleConfigData,
    lifecycleJobSpec,
    lifecycleName,
    lifecycleRequests,
} from "./elasticsearch/lifecycle";
import {
    ELASTICSEARCH_CA,
    ELASTICSEARCH_CA_MOUNT_PATH,
    EXPORTER_SEARCH_USER,
    rolesYaml,
    SEARCH_ROLES_SECRET,
    SEARCH_SERVICES,
    searchAuthSpec,
    searchClientSecretName,
    searchUsers,
} from "./elasticsearch/users";
import {
    ECK_NODE_READER,
    ECK_OPERATOR_SERVICE_ACCOUNT,
    eckNodeReaderRules,
    eckOperatorValues,
    ELASTICSEARCH_NAME,
    ELASTICSEARCH_STATEFULSET,
    ELASTICSEARCH_URL,
    elasticsearchSpec,
} from "./elasticsearch/spec";
import {
    ACCESS_KEY_KEY,
    minioValues,
    OBJECT_STORE_CREDENTIALS_SECRET,
    OBJECT_STORE_RELEASE,
    objectStoreChart,
    objectStoreEndpoint,
    objectStoreStatefulSets,
    SECRET_KEY_KEY,
    seaweedfsValues,
} from "./object-store/spec";
import { dataStoreHealthTargets, type DataStoreHealth } from "./monitoring/spec";
import { PostgresDatabase, type ExternalServer } from "./postgres";
import { DATA_STORAGE_CLASS, retainStorageClass } from "./storage";

export * from "./charts";
export * from "./storage";
export * from "./elasticsearch/spec";
export * from "./elasticsearch/lifecycle";
export * from "./elasticsearch/users";
export * from "./object-store/spec";
export * from "./postgres";
export * from "./monitoring";

export interface DataStoresArgs {
    readonly environment: Environment;
    readonly config: DataStoresConfig;
    /** staging/prod: the external server (from `database.*` config today, the cloud layer's RDS outputs later). Unset: CloudNativePG in the cluster. */
    readonly externalPostgres?: ExternalServer;
    /** Buckets the in-cluster object store serves (dev). */
    readonly buckets: readonly string[];
    /** protect + retainOnDelete on stateful resources. */
    readonly protect: boolean;
    readonly k8sProvider: k8s.Provider;
    /** @default [] */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Search endpoint and credentials, from one place: the services read them here. */
export interface ElasticsearchConnection {
    readonly url: string;
    /** Per service: the Secret it loads with `envFrom` (ELASTICSEARCH_USERNAME, ELASTICSEARCH_PASSWORD). */
    readonly clientSecrets: Readonly<Partial<Record<ServiceName, string>>>;
    /** ECK's HTTP CA (`ca.crt`), mounted at `caMountPath`; ELASTICSEARCH_CA_CERT names the file. */
    readonly ca: typeof ELASTICSEARCH_CA;
    readonly caMountPath: string;
    /** The metrics exporter's file-realm Secret (`username`, `password`). */
    readonly exporterSecret: string;
    /** Data nodes (the index templates' replica count follows it). */
    readonly nodes: number;
    /** Retention in force for the log and audit data streams. */
    readonly retention: { readonly logs: string; readonly audit: string };
}

export class DataStores extends pulumi.ComponentResource {
    public readonly postgres: PostgresDatabase;
    /** StatefulSets of the in-cluster stores (MedAgiDataStoreDown watches them). */
    public readonly statefulSets: readonly string[];
    /** In-cluster S3 endpoint and credentials Secret (dev), else undefined (AWS S3 + IRSA). */
    public readonly objectStore: { readonly endpointUrl: string; readonly credentialsSecret: string } | undefined;
    public readonly elasticsearchUrl: string;
    /** What the data-store alerts and dashboard watch (observability `dataStoreHealth`). */
    public readonly health: DataStoreHealth;
    /** How services reach search: the URL, each service's client Secret (ELASTICSEARCH_USERNAME/PASSWORD) and the CA to verify. */
    public readonly elasticsearch: ElasticsearchConnection;

    constructor(name: string, args: DataStoresArgs, opts?: pulumi.ComponentResourceOptions) {
        super("med-agi:datastores:DataStores", name, {}, opts);
        const cfg = args.config;
        const stateful = { protect: args.protect, retainOnDelete: args.protect };
        const base = { parent: this, provider: args.k8sProvider, dependsOn: args.dependsOn ?? [] };
        const storageClass = new k8s.storage.v1.StorageClass(
            `${name}-storageclass`,
            retainStorageClass(args.environment, cfg.storageProvisioner),
            {
                ...base,
                ...stateful,
            },
        );
        const storageClassName = storageClass.metadata.name;
        const dev = args.environment === "dev";

        this.postgres = new PostgresDatabase(
            `${name}-postgres`,
            {
                server: args.externalPostgres ?? {
                    kind: "in-cluster",
                    instances: cfg.postgres.instances,
                    storageSize: cfg.postgres.storageSize,
                    storageClass: storageClassName,
                    admin: {
                        ...(cfg.postgres.adminHost === undefined ? {} : { host: cfg.postgres.adminHost }),
                        ...(cfg.postgres.adminPort === undefined ? {} : { port: cfg.postgres.adminPort }),
                    },
                },
                protect: args.protect,
                k8sProvider: args.k8sProvider,
                dependsOn: [...(args.dependsOn ?? []), storageClass],
            },
            { parent: this },
        );

        const eck = new k8s.helm.v3.Release(
            `${name}-eck-operator`,
            {
                name: "elastic-operator",
                chart: DATASTORE_CHARTS.eckOperator.chart,
                version: DATASTORE_CHARTS.eckOperator.version,
                repositoryOpts: { repo: DATASTORE_CHARTS.eckOperator.repo },
                namespace: OPERATOR_NAMESPACES.eck,
                createNamespace: true,
                atomic: true,
                values: eckOperatorValues(),
            },
            base,
        );
        // Zone awareness (prod) copies each node's zone label onto the Elasticsearch pods: the operator's one
        // cluster-scoped right, read-only on nodes (spec.ts eckNodeReaderRules; docs/identity.md).
        const zoneAware = args.environment === "prod";
        const eckNodeReader: pulumi.Resource[] = [];
        if (zoneAware) {
            const labels = { "app.kubernetes.io/part-of": "med-agi" };
            const role = new k8s.rbac.v1.ClusterRole(
                `${name}-eck-node-reader`,
                { metadata: { name: ECK_NODE_READER, labels }, rules: eckNodeReaderRules() },
                base,
            );
            eckNodeReader.push(
                role,
                new k8s.rbac.v1.ClusterRoleBinding(
                    `${name}-eck-node-reader`,
                    {
                        metadata: { name: ECK_NODE_READER, labels },
                        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: ECK_NODE_READER },
                        subjects: [{ kind: "ServiceAccount", name: ECK_OPERATOR_SERVICE_ACCOUNT, namespace: OPERATOR_NAMESPACES.eck }],
                    },
                    { ...base, dependsOn: [role] },
                ),
            );
        }
        // Search users: one per service, the exporter and the lifecycle Job, each with its own role (users.ts).
        const users = searchUsers(SEARCH_SERVICES);
        const rolesSecret = new k8s.core.v1.Secret(
            `${name}-search-roles`,
            {
                metadata: { name: SEARCH_ROLES_SECRET, namespace: NAMESPACE, labels: { "app.kubernetes.io/part-of": "med-agi" } },
                type: "Opaque",
                stringData: { "roles.yml": rolesYaml(users) },
            },
            base,
        );
        const clientSecrets: Partial<Record<ServiceName, string>> = {};
        const userSecrets: k8s.core.v1.Secret[] = [];
        for (const user of users) {
            const password = new random.RandomPassword(
                `${name}-search-password-${user.username}`,
                { length: 32, special: false },
                { parent: this },
            );
            userSecrets.push(
                new k8s.core.v1.Secret(
                    `${name}-search-user-${user.username}`,
                    {
                        metadata: {
                            name: user.fileRealmSecret,
                            namespace: NAMESPACE,
                            labels: { "app.kubernetes.io/part-of": "med-agi", "med-agi/search-user": user.username },
                        },
                        // ECK's file realm: `username`, `password` (ECK hashes it) and the comma-separated `roles`.
                        type: "kubernetes.io/basic-auth",
                        stringData: { username: user.username, password: password.result, roles: user.username },
                    },
                    base,
                ),
            );
            const service = user.service;
            if (service !== undefined) {
                const secretName = searchClientSecretName(service);
                clientSecrets[service] = secretName;
                new k8s.core.v1.Secret(
                    `${name}-search-client-${service}`,
                    {
                        metadata: {
                            name: secretName,
                            namespace: NAMESPACE,
                            labels: { "app.kubernetes.io/part-of": "med-agi", "med-agi/search-user": user.username },
                        },
                        type: "Opaque",
                        stringData: { ELASTICSEARCH_USERNAME: user.username, ELASTICSEARCH_PASSWORD: password.result },
                    },
                    base,
                );
            }
        }

        const nodes = cfg.elasticsearch.nodes ?? (dev ? 1 : 3);
        const elasticsearch = new k8s.apiextensions.CustomResource(
            `${name}-elasticsearch`,
            {
                apiVersion: "elasticsearch.k8s.elastic.co/v1",
                kind: "Elasticsearch",
                metadata: { name: ELASTICSEARCH_NAME, namespace: NAMESPACE, labels: { "app.kubernetes.io/part-of": "med-agi" } },
                spec: storageClassName.apply((sc) =>
                    elasticsearchSpec({
                        nodes,
                        storageSize: cfg.elasticsearch.storageSize,
                        storageClass: sc,
                        zoneAware,
                        keepVolumesOnDelete: !dev,
                        auth: searchAuthSpec(users),
                    }),
                ),
            },
            { ...base, ...stateful, dependsOn: [eck, ...eckNodeReader, storageClass, rolesSecret, ...userSecrets] },
        );

        // Index lifecycle: a Job named after the documents' hash PUTs the ILM policies and templates (lifecycle.ts).
        const retention = resolveSearchRetention(args.environment, cfg.elasticsearch.retention);
        const lifecycleData = lifecycleConfigData(lifecycleRequests(retention, nodes > 1 ? 1 : 0));
        const lifecycle = lifecycleName(lifecycleData);
        const lifecycleAccount = new k8s.core.v1.ServiceAccount(
            `${name}-search-lifecycle`,
            {
                metadata: {
                    name: LIFECYCLE_SERVICE_ACCOUNT,
                    namespace: NAMESPACE,
                    labels: selectorLabels(LIFECYCLE_NAME),
                },
                automountServiceAccountToken: false,
            },
            base,
        );
        const lifecycleConfig = new k8s.core.v1.ConfigMap(
            `${name}-search-lifecycle`,
            {
                metadata: { name: lifecycle, namespace: NAMESPACE, labels: { "app.kubernetes.io/part-of": "med-agi" } },
                immutable: true,
                data: lifecycleData,
            },
            base,
        );
        new k8s.batch.v1.Job(
            `${name}-search-lifecycle`,
            {
                metadata: {
                    name: lifecycle,
                    namespace: NAMESPACE,
                    labels: { ...selectorLabels(LIFECYCLE_NAME), "app.kubernetes.io/instance": lifecycle },
                },
                spec: lifecycleJobSpec(lifecycle),
            },
            { ...base, dependsOn: [elasticsearch, lifecycleConfig, lifecycleAccount], customTimeouts: { create: "30m" } },
        );
        this.elasticsearch = {
            url: ELASTICSEARCH_URL,
            clientSecrets,
            ca: ELASTICSEARCH_CA,
            caMountPath: ELASTICSEARCH_CA_MOUNT_PATH,
            exporterSecret: EXPORTER_SEARCH_USER.fileRealmSecret,
            nodes,
            retention,
        };
        this.elasticsearchUrl = ELASTICSEARCH_URL;
        const statefulSets = [ELASTICSEARCH_STATEFULSET];

        this.objectStore = undefined;
        if (dev) {
            const impl = cfg.objectStore.implementation;
            const image = impl === "seaweedfs" ? undefined : (cfg.objectStore.image ?? DATASTORE_IMAGES.minioCommunity);
            const why = image === undefined ? undefined : unmaintainedImage(image);
            if (why !== undefined) {
                void pulumi.log.warn(
                    `dataStores.objectStore: image ${image} is unmaintained (${why}); select seaweedfs or a maintained build`,
                    this,
                );
            }
            const accessKey = new random.RandomString(
                `${name}-s3-access-key`,
                { length: 20, special: false, upper: true },
                { parent: this },
            );
            const secretKey = new random.RandomPassword(`${name}-s3-secret-key`, { length: 40, special: false }, { parent: this });
            const creds = new k8s.core.v1.Secret(
                `${name}-s3-credentials`,
                {
                    metadata: {
                        name: OBJECT_STORE_CREDENTIALS_SECRET,
                        namespace: NAMESPACE,
                        labels: { "app.kubernetes.io/part-of": "med-agi" },
                    },
                    type: "Opaque",
                    stringData: { [ACCESS_KEY_KEY]: accessKey.result, [SECRET_KEY_KEY]: secretKey.result },
                },
                base,
            );
            const chart = objectStoreChart(impl);
            new k8s.helm.v3.Release(
                `${name}-object-store`,
                {
                    name: OBJECT_STORE_RELEASE[impl],
                    chart: chart.chart,
                    version: chart.version,
                    repositoryOpts: { repo: chart.repo },
                    namespace: NAMESPACE,
                    atomic: true,
                    values: storageClassName.apply((sc) => {
                        const o = {
                            buckets: args.buckets,
                            storageSize: cfg.objectStore.storageSize,
                            storageClass: sc,
                            ...(image === undefined ? {} : { image }),
                        };
                        return impl === "seaweedfs" ? seaweedfsValues(o) : minioValues(impl, o);
                    }),
                },
                { ...base, ...stateful, dependsOn: [creds, storageClass] },
            );
            statefulSets.push(...objectStoreStatefulSets(impl));
            this.objectStore = { endpointUrl: objectStoreEndpoint(impl), credentialsSecret: OBJECT_STORE_CREDENTIALS_SECRET };
        }
        this.statefulSets = statefulSets;
        this.health = dataStoreHealthTargets({
            ...(args.externalPostgres === undefined ? { postgresInstances: cfg.postgres.instances } : {}),
            elasticsearchNodes: nodes,
            objectStoreStatefulSets: dev ? objectStoreStatefulSets(cfg.objectStore.implementation) : [],
        });
        this.registerOutputs({ statefulSets: this.statefulSets, elasticsearchUrl: this.elasticsearchUrl });
    }
}

export { DATA_STORAGE_CLASS };
