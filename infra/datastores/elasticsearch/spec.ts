/** Pure builders for Elasticsearch on ECK: the operator chart values and the `Elasticsearch` resource. */
import { NAMESPACE } from "../../runbook";
import { DATASTORE_IMAGES } from "../charts";

/** Name of the Elasticsearch resource; ECK names its StatefulSet `<name>-es-<nodeSet>`. */
export const ELASTICSEARCH_NAME = "med-agi-search";
export const NODE_SET = "default";
/** The StatefulSet MedAgiDataStoreDown watches. */
export const ELASTICSEARCH_STATEFULSET = `${ELASTICSEARCH_NAME}-es-${NODE_SET}`;
/** In-cluster HTTPS endpoint (TLS on: ECK's self-signed CA in Secret `<name>-es-http-certs-public`). */
export const ELASTICSEARCH_URL = `https://${ELASTICSEARCH_NAME}-es-http.${NAMESPACE}.svc:9200`;

/** The ECK operator's ServiceAccount in its namespace (the chart's fullnameOverride, stated in the values). */
export const ECK_OPERATOR_SERVICE_ACCOUNT = "elastic-operator";
/** The node label ECK copies onto Elasticsearch pods for zone awareness (its default topology key). */
export const ECK_ZONE_LABEL = "topology.kubernetes.io/zone";

/**
 * ECK operator values (keys of deploy/eck-operator/values.yaml at v3.5.0):
 * watch only med-agi, and no cluster-scoped RBAC. With
 * `createClusterScopedResources: false` the chart binds its rules (pods,
 * Secrets, StatefulSets, …) with a Role in each managed namespace and in its
 * own, instead of a ClusterRole over every namespace. The chart then refuses
 * the validating webhook and the storage-class check (templates/validate-chart.yaml),
 * both cluster-scoped: the webhook only validates Elasticsearch resources,
 * which the operator validates again on every reconcile and which only
 * `pulumi up` writes; volume expansion is not used. Zone awareness (prod)
 * needs to read node labels, a cluster-scoped read that the chart would only
 * grant through its ClusterRole: {@link eckNodeReaderRules} grants that alone. CRDs are
 * installed by the deployer with the chart (`installCRDs`), not by the operator. Pure.
 */
export function eckOperatorValues(): Record<string, unknown> {
    return {
        installCRDs: true,
        managedNamespaces: [NAMESPACE],
        createClusterScopedResources: false,
        webhook: { enabled: false },
        serviceAccount: { create: true, name: ECK_OPERATOR_SERVICE_ACCOUNT },
        config: { validateStorageClass: false, exposedNodeLabels: [ECK_ZONE_LABEL] },
        telemetry: { disabled: true },
    };
}

/**
 * The one cluster-scoped grant ECK keeps, and only where zone awareness is
 * on (prod): read nodes, so the operator can copy `topology.kubernetes.io/zone`
 * onto each Elasticsearch pod (its `node.attr.zone` for shard allocation
 * awareness). A Node holds no credential; nothing else is granted. Pure.
 */
export function eckNodeReaderRules(): { apiGroups: string[]; resources: string[]; verbs: string[] }[] {
    return [{ apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] }];
}

/** Name of the ClusterRole (and its binding) of {@link eckNodeReaderRules}. */
export const ECK_NODE_READER = "med-agi-eck-node-reader";

export interface ElasticsearchOptions {
    readonly nodes: number;
    readonly storageSize: string;
    readonly storageClass: string;
    /** Spread nodes over zones (prod). */
    readonly zoneAware: boolean;
    /** Keep volumes when the Elasticsearch resource is deleted (prod). */
    readonly keepVolumesOnDelete: boolean;
    /** The `elasticsearch` container's requests and limits (`dataStores.elasticsearch.resources`). */
    readonly resources: {
        readonly requests: { readonly cpu: string; readonly memory: string };
        readonly limits: { readonly memory: string };
    };
    /** `spec.auth`: file-realm users and roles (users.ts `searchAuthSpec`). @default none (only ECK's `elastic` user) */
    readonly auth?: Record<string, unknown>;
}

/** The `elasticsearch.k8s.elastic.co/v1` spec. TLS stays on (ECK's default); no mmap so no privileged sysctl. */
export function elasticsearchSpec(o: ElasticsearchOptions): Record<string, unknown> {
    return {
        version: DATASTORE_IMAGES.elasticsearchVersion,
        ...(o.auth === undefined ? {} : { auth: o.auth }),
        volumeClaimDeletePolicy: o.keepVolumesOnDelete ? "DeleteOnScaledownOnly" : "DeleteOnScaledownAndClusterDeletion",
        nodeSets: [
            {
                name: NODE_SET,
                count: o.nodes,
                ...(o.zoneAware ? { zoneAwareness: {} } : {}),
                config: { "node.store.allow_mmap": false },
                podTemplate: {
                    spec: {
                        containers: [
                            {
                                name: "elasticsearch",
                                resources: {
                                    requests: { cpu: o.resources.requests.cpu, memory: o.resources.requests.memory },
                                    limits: { memory: o.resources.limits.memory },
                                },
                            },
                        ],
                    },
                },
                volumeClaimTemplates: [
                    {
                        metadata: { name: "elasticsearch-data" },
                        spec: {
                            accessModes: ["ReadWriteOnce"],
                            storageClassName: o.storageClass,
                            resources: { requests: { storage: o.storageSize } },
                        },
                    },
                ],
            },
        ],
    };
}
