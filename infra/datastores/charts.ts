/**
 * The third-party charts and images the data stores deploy, pinned to
 * releases checked upstream (docs/versions.md records the tag and commit).
 */

export interface ChartPin {
    readonly chart: string;
    readonly version: string;
    readonly repo: string;
}

export const DATASTORE_CHARTS = {
    /** CloudNativePG operator 1.30.0: tag cloudnative-pg-v0.29.0 in cloudnative-pg/charts. */
    cloudnativePg: { chart: "cloudnative-pg", version: "0.29.0", repo: "https://cloudnative-pg.github.io/charts" },
    /** ECK operator 3.5.0 (with its CRDs): tag v3.5.0 in elastic/cloud-on-k8s. */
    eckOperator: { chart: "eck-operator", version: "3.5.0", repo: "https://helm.elastic.co" },
    /** SeaweedFS 4.44: tag 4.44 in seaweedfs/seaweedfs (k8s/charts/seaweedfs). */
    seaweedfs: { chart: "seaweedfs", version: "4.44.0", repo: "https://seaweedfs.github.io/seaweedfs/helm" },
    /** The community MinIO chart, last released 2025-01-02 (minio/minio is archived). */
    minio: { chart: "minio", version: "5.4.0", repo: "https://charts.min.io/" },
} as const satisfies Record<string, ChartPin>;

/** Where each operator's chart runs (NetworkPolicies isolate these namespaces too). */
export const OPERATOR_NAMESPACES = { cnpg: "cnpg-system", eck: "elastic-system" } as const;

export const DATASTORE_IMAGES = {
    /** PostgreSQL 16 (the cluster chart 0.8.1 default major) from CloudNativePG's images, pinned to a minor. */
    postgres: "ghcr.io/cloudnative-pg/postgresql:16.14-standard-bookworm",
    /** Elasticsearch version ECK 3.5.0 deploys in its samples and e2e tests. */
    elasticsearchVersion: "9.4.3",
    /** The last official community MinIO image; predates the fix for CVE-2025-62506. */
    minioCommunity: "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z",
} as const;

/** Images the render warns about: unmaintained upstream, no security fixes. */
export const UNMAINTAINED_IMAGE_PATTERNS: readonly { readonly pattern: RegExp; readonly why: string }[] = [
    {
        pattern: /(^|\/)minio\/minio(:|@|$)/,
        why: "MinIO community edition: source-only since 2025-10, repository archived in 2026, images removed from Docker Hub; the last image predates the CVE-2025-62506 fix",
    },
    { pattern: /(^|\/)bitnami\//, why: "Bitnami's free images stopped updating on 2025-08-28 (bitnamilegacy is frozen)" },
];

/** Why `image` is unmaintained, or undefined. */
export function unmaintainedImage(image: string): string | undefined {
    return UNMAINTAINED_IMAGE_PATTERNS.find((p) => p.pattern.test(image))?.why;
}
