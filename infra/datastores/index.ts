/**
 * The data stores of one stack: PostgreSQL (CloudNativePG in dev,
 * the configured/RDS server elsewhere) with its least-privilege roles,
 * Elasticsearch on ECK, and in dev the S3-compatible store in MinIO's role.
 * Every volume uses the Retain StorageClass; prod protects what holds data.
 */
import * as apiextensions from "@pulumi/kubernetes/apiextensions";
import * as batchv1 from "@pulumi/kubernetes/batch/v1";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import { Release as HelmRelease } from "@pulumi/kubernetes/helm/v3/release";
import { Provider as KubernetesProvider } from "@pulumi/kubernetes/provider";
import * as rbacv1 from "@pulumi/kubernetes/rbac/v1";
import * as storagev1 from "@pulumi/kubernetes/storage/v1";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

import type { Environment } from "../environment";
import { selectorLabels } from "../k8s/labels";
import { NAMESPACE, type ServiceName } from "../runbook";
import { DATASTORE_CHARTS, OPERATOR_NAMESPACES, unmaintainedImage, DATASTORE_IMAGES } from "./charts";
import { elasticsearchNodes, resolveSearchRetention, type DataStoresConfig } from "./config";
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
    readonly k8sProvider: KubernetesProvider;
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
        const ctx: StepContext = {
            name,
            parent: this,
            stateful: { protect: args.protect, retainOnDelete: args.protect },
            base: { parent: this, provider: args.k8sProvider, dependsOn: args.dependsOn ?? [] },
        };
        const storageClass = new storagev1.StorageClass(
            `${name}-storageclass`,
            retainStorageClass(args.environment, cfg.storageProvisioner),
            { ...ctx.base, ...ctx.stateful },
        );
        const dev = args.environment === "dev";
        this.postgres = declarePostgres(ctx, args, storageClass);
        // Zone awareness (prod) copies each node's zone label onto the Elasticsearch pods.
        const zoneAware = args.environment === "prod";
        const eck = declareEckOperator(ctx, zoneAware);
        const search = declareSearchUsers(ctx);
        const nodes = elasticsearchNodes(args.environment, cfg.elasticsearch);
        const elasticsearch = new apiextensions.CustomResource(
            `${name}-elasticsearch`,
            {
                apiVersion: "elasticsearch.k8s.elastic.co/v1",
                kind: "Elasticsearch",
                metadata: { name: ELASTICSEARCH_NAME, namespace: NAMESPACE, labels: { "app.kubernetes.io/part-of": "med-agi" } },
                spec: storageClass.metadata.name.apply((sc) =>
                    elasticsearchSpec({
                        nodes,
                        storageSize: cfg.elasticsearch.storageSize,
                        resources: cfg.elasticsearch.resources,
                        storageClass: sc,
                        zoneAware,
                        keepVolumesOnDelete: !dev,
                        auth: searchAuthSpec(search.users),
                    }),
                ),
            },
            { ...ctx.base, ...ctx.stateful, dependsOn: [...eck, storageClass, ...search.resources] },
        );
        const retention = resolveSearchRetention(args.environment, cfg.elasticsearch.retention);
        declareSearchLifecycle(ctx, elasticsearch, lifecycleConfigData(lifecycleRequests(retention, nodes > 1 ? 1 : 0)));
        this.elasticsearch = {
            url: ELASTICSEARCH_URL,
            clientSecrets: search.clientSecrets,
            ca: ELASTICSEARCH_CA,
            caMountPath: ELASTICSEARCH_CA_MOUNT_PATH,
            exporterSecret: EXPORTER_SEARCH_USER.fileRealmSecret,
            nodes,
            retention,
        };
        this.elasticsearchUrl = ELASTICSEARCH_URL;
        this.objectStore = dev ? declareObjectStore(ctx, args, storageClass) : undefined;
        this.statefulSets = [ELASTICSEARCH_STATEFULSET, ...(dev ? objectStoreStatefulSets(cfg.objectStore.implementation) : [])];
        this.health = dataStoreHealthTargets({
            ...(args.externalPostgres === undefined ? { postgresInstances: cfg.postgres.instances } : {}),
            elasticsearchNodes: nodes,
            objectStoreStatefulSets: dev ? objectStoreStatefulSets(cfg.objectStore.implementation) : [],
        });
        this.registerOutputs({ statefulSets: this.statefulSets, elasticsearchUrl: this.elasticsearchUrl });
    }
}

export { DATA_STORAGE_CLASS };

/** What every step of {@link DataStores} registers its children with. */
interface StepContext {
    readonly name: string;
    readonly parent: pulumi.Resource;
    /** protect + retainOnDelete on the stateful resources (prod). */
    readonly stateful: { readonly protect: boolean; readonly retainOnDelete: boolean };
    readonly base: pulumi.CustomResourceOptions & { readonly dependsOn: pulumi.Input<pulumi.Resource>[] };
}

/** PostgreSQL: the external server when given (RDS), else CloudNativePG on the Retain StorageClass. */
function declarePostgres(ctx: StepContext, args: DataStoresArgs, storageClass: storagev1.StorageClass): PostgresDatabase {
    const pg = args.config.postgres;
    return new PostgresDatabase(
        `${ctx.name}-postgres`,
        {
            server: args.externalPostgres ?? {
                kind: "in-cluster",
                instances: pg.instances,
                storageSize: pg.storageSize,
                storageClass: storageClass.metadata.name,
                admin: {
                    ...(pg.adminHost === undefined ? {} : { host: pg.adminHost }),
                    ...(pg.adminPort === undefined ? {} : { port: pg.adminPort }),
                },
            },
            protect: args.protect,
            k8sProvider: args.k8sProvider,
            dependsOn: [...(args.dependsOn ?? []), storageClass],
        },
        { parent: ctx.parent },
    );
}

/**
 * The ECK operator; with zone awareness, its one cluster-scoped right, read-only on nodes
 * (spec.ts eckNodeReaderRules; docs/identity.md). Returns what Elasticsearch waits on.
 */
function declareEckOperator(ctx: StepContext, zoneAware: boolean): pulumi.Resource[] {
    const eck = new HelmRelease(
        `${ctx.name}-eck-operator`,
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
        ctx.base,
    );
    if (!zoneAware) return [eck];
    const labels = { "app.kubernetes.io/part-of": "med-agi" };
    const role = new rbacv1.ClusterRole(
        `${ctx.name}-eck-node-reader`,
        { metadata: { name: ECK_NODE_READER, labels }, rules: eckNodeReaderRules() },
        ctx.base,
    );
    const binding = new rbacv1.ClusterRoleBinding(
        `${ctx.name}-eck-node-reader`,
        {
            metadata: { name: ECK_NODE_READER, labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: ECK_NODE_READER },
            subjects: [{ kind: "ServiceAccount", name: ECK_OPERATOR_SERVICE_ACCOUNT, namespace: OPERATOR_NAMESPACES.eck }],
        },
        { ...ctx.base, dependsOn: [role] },
    );
    return [eck, role, binding];
}

/**
 * Search users: one per service, the exporter and the lifecycle Job, each with its own role (users.ts).
 * Returns the users, the Secrets Elasticsearch waits on (roles, then the file-realm users) and each service's client Secret.
 */
function declareSearchUsers(ctx: StepContext): {
    users: ReturnType<typeof searchUsers>;
    resources: corev1.Secret[];
    clientSecrets: Partial<Record<ServiceName, string>>;
} {
    const users = searchUsers(SEARCH_SERVICES);
    const rolesSecret = new corev1.Secret(
        `${ctx.name}-search-roles`,
        {
            metadata: { name: SEARCH_ROLES_SECRET, namespace: NAMESPACE, labels: { "app.kubernetes.io/part-of": "med-agi" } },
            type: "Opaque",
            stringData: { "roles.yml": rolesYaml(users) },
        },
        ctx.base,
    );
    const clientSecrets: Partial<Record<ServiceName, string>> = {};
    const userSecrets: corev1.Secret[] = [];
    for (const user of users) {
        const password = new random.RandomPassword(
            `${ctx.name}-search-password-${user.username}`,
            { length: 32, special: false },
            { parent: ctx.parent },
        );
        const userLabels = { "app.kubernetes.io/part-of": "med-agi", "med-agi/search-user": user.username };
        userSecrets.push(
            new corev1.Secret(
                `${ctx.name}-search-user-${user.username}`,
                {
                    metadata: { name: user.fileRealmSecret, namespace: NAMESPACE, labels: userLabels },
                    // ECK's file realm: `username`, `password` (ECK hashes it) and the comma-separated `roles`.
                    type: "kubernetes.io/basic-auth",
                    stringData: { username: user.username, password: password.result, roles: user.username },
                },
                ctx.base,
            ),
        );
        const service = user.service;
        if (service === undefined) continue;
        clientSecrets[service] = searchClientSecretName(service);
        new corev1.Secret(
            `${ctx.name}-search-client-${service}`,
            {
                metadata: { name: clientSecrets[service], namespace: NAMESPACE, labels: userLabels },
                type: "Opaque",
                stringData: { ELASTICSEARCH_USERNAME: user.username, ELASTICSEARCH_PASSWORD: password.result },
            },
            ctx.base,
        );
    }
    return { users, resources: [rolesSecret, ...userSecrets], clientSecrets };
}

/** Index lifecycle: a Job named after the documents' hash PUTs the ILM policies and templates (lifecycle.ts). */
function declareSearchLifecycle(ctx: StepContext, elasticsearch: pulumi.Resource, lifecycleData: Record<string, string>): void {
    const lifecycle = lifecycleName(lifecycleData);
    const lifecycleAccount = new corev1.ServiceAccount(
        `${ctx.name}-search-lifecycle`,
        {
            metadata: { name: LIFECYCLE_SERVICE_ACCOUNT, namespace: NAMESPACE, labels: selectorLabels(LIFECYCLE_NAME) },
            automountServiceAccountToken: false,
        },
        ctx.base,
    );
    const lifecycleConfig = new corev1.ConfigMap(
        `${ctx.name}-search-lifecycle`,
        {
            metadata: { name: lifecycle, namespace: NAMESPACE, labels: { "app.kubernetes.io/part-of": "med-agi" } },
            immutable: true,
            data: lifecycleData,
        },
        ctx.base,
    );
    new batchv1.Job(
        `${ctx.name}-search-lifecycle`,
        {
            metadata: {
                name: lifecycle,
                namespace: NAMESPACE,
                labels: { ...selectorLabels(LIFECYCLE_NAME), "app.kubernetes.io/instance": lifecycle },
            },
            spec: lifecycleJobSpec(lifecycle),
        },
        { ...ctx.base, dependsOn: [elasticsearch, lifecycleConfig, lifecycleAccount], customTimeouts: { create: "30m" } },
    );
}

/** dev: the S3-compatible store (SeaweedFS or a MinIO build) with a generated key pair; returns its endpoint and credentials Secret. */
function declareObjectStore(
    ctx: StepContext,
    args: DataStoresArgs,
    storageClass: storagev1.StorageClass,
): { readonly endpointUrl: string; readonly credentialsSecret: string } {
    const cfg = args.config.objectStore;
    const impl = cfg.implementation;
    const image = impl === "seaweedfs" ? undefined : (cfg.image ?? DATASTORE_IMAGES.minioCommunity);
    const why = image === undefined ? undefined : unmaintainedImage(image);
    if (why !== undefined) {
        void pulumi.log.warn(
            `dataStores.objectStore: image ${image} is unmaintained (${why}); select seaweedfs or a maintained build`,
            ctx.parent,
        );
    }
    const creds = objectStoreCredentials(ctx);
    const chart = objectStoreChart(impl);
    new HelmRelease(
        `${ctx.name}-object-store`,
        {
            name: OBJECT_STORE_RELEASE[impl],
            chart: chart.chart,
            version: chart.version,
            repositoryOpts: { repo: chart.repo },
            namespace: NAMESPACE,
            atomic: true,
            values: storageClass.metadata.name.apply((sc) => {
                const o = {
                    buckets: args.buckets,
                    storageSize: cfg.storageSize,
                    storageClass: sc,
                    ...(image === undefined ? {} : { image }),
                };
                return impl === "seaweedfs" ? seaweedfsValues(o) : minioValues(impl, o);
            }),
        },
        { ...ctx.base, ...ctx.stateful, dependsOn: [creds, storageClass] },
    );
    return { endpointUrl: objectStoreEndpoint(impl), credentialsSecret: OBJECT_STORE_CREDENTIALS_SECRET };
}

/** The object store's generated access key pair, as the Secret the store and its clients read. */
function objectStoreCredentials(ctx: StepContext): corev1.Secret {
    const accessKey = new random.RandomString(
        `${ctx.name}-s3-access-key`,
        { length: 20, special: false, upper: true },
        { parent: ctx.parent },
    );
    const secretKey = new random.RandomPassword(`${ctx.name}-s3-secret-key`, { length: 40, special: false }, { parent: ctx.parent });
    return new corev1.Secret(
        `${ctx.name}-s3-credentials`,
        {
            metadata: { name: OBJECT_STORE_CREDENTIALS_SECRET, namespace: NAMESPACE, labels: { "app.kubernetes.io/part-of": "med-agi" } },
            type: "Opaque",
            stringData: { [ACCESS_KEY_KEY]: accessKey.result, [SECRET_KEY_KEY]: secretKey.result },
        },
        ctx.base,
    );
}
