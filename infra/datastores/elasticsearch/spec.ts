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

/** ECK operator values: watch only med-agi, CRDs installed by the chart's dependency. */
export function eckOperatorValues(): Record<string, unknown> {
    return { installCRDs: true, managedNamespaces: [NAMESPACE], telemetry: { disabled: true } };
}

export interface ElasticsearchOptions {
    readonly nodes: number;
    readonly storageSize: string;
    readonly storageClass: string;
    /** Spread nodes over zones (prod). */
    readonly zoneAware: boolean;
    /** Keep volumes when the Elasticsearch resource is deleted (prod). */
    readonly keepVolumesOnDelete: boolean;
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
                                resources: { requests: { cpu: "500m", memory: "2Gi" }, limits: { memory: "2Gi" } },
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
