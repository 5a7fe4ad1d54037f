/**
 * Pure builders for dev's S3-compatible store in the runbook's "MinIO" role:
 * SeaweedFS by default (maintained, Apache-2.0), or a MinIO build the site
 * selects (the archived community image is warned about at render time).
 */
import { NAMESPACE } from "../../runbook";
import { DATASTORE_CHARTS, DATASTORE_IMAGES, type ChartPin } from "../charts";

export type ObjectStoreImplementation = "seaweedfs" | "minio" | "aistor";

/** Secret with the S3 access key pair (keys as the aws CLI reads them). */
export const OBJECT_STORE_CREDENTIALS_SECRET = "object-store-credentials";
export const ACCESS_KEY_KEY = "AWS_ACCESS_KEY_ID";
export const SECRET_KEY_KEY = "AWS_SECRET_ACCESS_KEY";

/** The Helm release name; SeaweedFS names its StatefulSets and Services after it. */
export const OBJECT_STORE_RELEASE = { seaweedfs: "seaweedfs", minio: "minio", aistor: "minio" } as const;

/** StatefulSets MedAgiDataStoreDown watches, per implementation. */
export function objectStoreStatefulSets(impl: ObjectStoreImplementation): string[] {
    return impl === "seaweedfs" ? ["seaweedfs-master", "seaweedfs-volume", "seaweedfs-filer"] : ["minio"];
}

/** In-cluster S3 endpoint. */
export function objectStoreEndpoint(impl: ObjectStoreImplementation): string {
    return impl === "seaweedfs" ? `http://seaweedfs-filer.${NAMESPACE}.svc:8333` : `http://minio.${NAMESPACE}.svc:9000`;
}

export function objectStoreChart(impl: ObjectStoreImplementation): ChartPin {
    return impl === "seaweedfs" ? DATASTORE_CHARTS.seaweedfs : DATASTORE_CHARTS.minio;
}

export interface ObjectStoreOptions {
    readonly buckets: readonly string[];
    readonly storageSize: string;
    readonly storageClass: string;
    /** Image override (minio/aistor). */
    readonly image?: string;
}

function pvc(o: ObjectStoreOptions, size: string): Record<string, unknown> {
    return { type: "persistentVolumeClaim", size, storageClass: o.storageClass };
}

/** SeaweedFS 4.44 chart values: master, volume and filer (with the S3 gateway) on Retain volumes; versioned buckets; auth from our Secret. */
export function seaweedfsValues(o: ObjectStoreOptions): Record<string, unknown> {
    return {
        master: { replicas: 1, data: pvc(o, "1Gi"), logs: { type: "emptyDir" } },
        volume: {
            replicas: 1,
            dataDirs: [{ name: "data1", type: "persistentVolumeClaim", storageClass: o.storageClass, size: o.storageSize, maxVolumes: 0 }],
        },
        filer: {
            replicas: 1,
            data: pvc(o, "5Gi"),
            logs: { type: "emptyDir" },
            s3: {
                enabled: true,
                enableAuth: true,
                createBuckets: o.buckets.map((name) => ({ name, anonymousRead: false, versioning: "Enabled" })),
            },
        },
        s3: {
            credentials: {
                admin: { existingSecret: OBJECT_STORE_CREDENTIALS_SECRET, accessKeyKey: ACCESS_KEY_KEY, secretKeyKey: SECRET_KEY_KEY },
            },
        },
    };
}

/** The community `minio` 5.4.0 chart's values (standalone, versioned buckets, credentials from our Secret). */
export function minioValues(impl: "minio" | "aistor", o: ObjectStoreOptions): Record<string, unknown> {
    const image = o.image ?? DATASTORE_IMAGES.minioCommunity;
    const at = image.lastIndexOf(":");
    return {
        mode: "standalone",
        image: { repository: image.slice(0, at), tag: image.slice(at + 1) },
        existingSecret: OBJECT_STORE_CREDENTIALS_SECRET,
        persistence: { enabled: true, size: o.storageSize, storageClass: o.storageClass },
        buckets: o.buckets.map((name) => ({ name, policy: "none", purge: false, versioning: true })),
        ...(impl === "aistor" ? {} : {}),
    };
}
