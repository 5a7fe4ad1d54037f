/**
 * Changes that make `pulumi up` delete and re-create a resource instead of
 * updating it in place, per resource type and property path, each row with
 * the source that says so.
 *
 * Three kinds of source:
 * - the Kubernetes provider's own table (pulumi-kubernetes
 *   `provider/pkg/provider/diff.go`, `forceNew` and
 *   `metadataForceNewProperties`): the provider plans a replacement for these
 *   paths before it talks to the cluster;
 * - the Kubernetes API's immutable fields (the apiserver's validation rejects
 *   an update with "field is immutable"; the provider then replaces, since
 *   v4 with server-side apply its dry-run update reports the field);
 * - the AWS provider's schema: `@pulumi/aws` is bridged from the Terraform AWS
 *   provider, whose `ForceNew: true` attributes are the resource's
 *   replace-on-change properties (terraform-provider-aws
 *   `internal/service/<service>/<resource>.go`).
 *
 * Paths are plan input paths (`spec.selector`); a change at or under a path
 * forces replacement. `*` matches any one array index or key.
 */

export interface ReplacementRule {
    /** A Kubernetes kind (`Deployment`), matched on Kubernetes objects, or a Pulumi type token (`aws:rds/instance:Instance`). */
    readonly kind?: string;
    readonly type?: string;
    readonly path: readonly string[];
    /** Where this is stated. */
    readonly source: string;
}

const K8S_PROVIDER = "pulumi-kubernetes provider/pkg/provider/diff.go (forceNew)";
const K8S_API = (what: string) => `Kubernetes API validation: ${what}`;
const TF_AWS = (file: string) => `terraform-provider-aws ${file} (ForceNew: true), bridged by @pulumi/aws`;

const p = (s: string) => s.split(".");

export const REPLACEMENT_RULES: readonly ReplacementRule[] = [
    // Every Kubernetes object: its identity.
    { kind: "*", path: p("metadata.name"), source: `${K8S_PROVIDER}, metadataForceNewProperties` },
    { kind: "*", path: p("metadata.namespace"), source: `${K8S_PROVIDER}, metadataForceNewProperties` },
    // Provider table.
    {
        kind: "ConfigMap",
        path: p("data"),
        source: `${K8S_PROVIDER} (ConfigMaps are immutable unless the provider sets enableConfigMapMutable)`,
    },
    {
        kind: "ConfigMap",
        path: p("binaryData"),
        source: `${K8S_PROVIDER} (ConfigMaps are immutable unless the provider sets enableConfigMapMutable)`,
    },
    { kind: "Secret", path: p("type"), source: K8S_PROVIDER },
    { kind: "Service", path: p("spec.clusterIP"), source: `${K8S_PROVIDER}; ${K8S_API("core/v1 Service spec.clusterIP is immutable")}` },
    { kind: "Service", path: p("spec.type"), source: K8S_PROVIDER },
    { kind: "PersistentVolumeClaim", path: p("spec"), source: K8S_PROVIDER },
    { kind: "StorageClass", path: p("parameters"), source: K8S_PROVIDER },
    { kind: "StorageClass", path: p("provisioner"), source: K8S_PROVIDER },
    // Kubernetes API immutable fields.
    { kind: "Deployment", path: p("spec.selector"), source: K8S_API("apps/v1 Deployment spec.selector is immutable") },
    { kind: "ReplicaSet", path: p("spec.selector"), source: K8S_API("apps/v1 ReplicaSet spec.selector is immutable") },
    { kind: "DaemonSet", path: p("spec.selector"), source: K8S_API("apps/v1 DaemonSet spec.selector is immutable") },
    ...["selector", "serviceName", "volumeClaimTemplates", "podManagementPolicy"].map((field) => ({
        kind: "StatefulSet",
        path: ["spec", field],
        source: K8S_API(
            "apps/v1 StatefulSet: updates to spec fields other than replicas, ordinals, template, updateStrategy, persistentVolumeClaimRetentionPolicy and minReadySeconds are forbidden",
        ),
    })),
    { kind: "Job", path: p("spec.selector"), source: K8S_API("batch/v1 Job spec.selector is immutable") },
    { kind: "Job", path: p("spec.template"), source: K8S_API("batch/v1 Job spec.template is immutable") },
    { kind: "RoleBinding", path: p("roleRef"), source: K8S_API("rbac/v1 RoleBinding roleRef cannot be changed") },
    { kind: "ClusterRoleBinding", path: p("roleRef"), source: K8S_API("rbac/v1 ClusterRoleBinding roleRef cannot be changed") },
    // AWS (bridged Terraform schema).
    ...[
        "engine",
        "identifier",
        "identifierPrefix",
        "dbName",
        "username",
        "kmsKeyId",
        "storageEncrypted",
        "characterSetName",
        "timezone",
        "snapshotIdentifier",
        "availabilityZone",
    ].map((field) => ({ type: "aws:rds/instance:Instance", path: [field], source: TF_AWS("internal/service/rds/instance.go") })),
    { type: "aws:rds/subnetGroup:SubnetGroup", path: ["name"], source: TF_AWS("internal/service/rds/subnet_group.go") },
    ...["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"].flatMap((type) =>
        ["bucket", "bucketPrefix"].map((field) => ({ type, path: [field], source: TF_AWS("internal/service/s3/bucket.go") })),
    ),
    { type: "aws:eks/cluster:Cluster", path: ["name"], source: TF_AWS("internal/service/eks/cluster.go") },
    ...["nodeGroupName", "clusterName", "amiType", "capacityType", "diskSize", "instanceTypes", "subnetIds"].map((field) => ({
        type: "aws:eks/nodeGroup:NodeGroup",
        path: [field],
        source: TF_AWS("internal/service/eks/node_group.go"),
    })),
    { type: "aws:ecr/repository:Repository", path: ["name"], source: TF_AWS("internal/service/ecr/repository.go") },
    { type: "aws:iam/role:Role", path: ["name"], source: TF_AWS("internal/service/iam/role.go") },
    { type: "aws:ec2/vpc:Vpc", path: ["cidrBlock"], source: TF_AWS("internal/service/ec2/vpc_.go") },
    { type: "aws:ec2/subnet:Subnet", path: ["cidrBlock"], source: TF_AWS("internal/service/ec2/vpc_subnet.go") },
    { type: "aws:ec2/subnet:Subnet", path: ["availabilityZone"], source: TF_AWS("internal/service/ec2/vpc_subnet.go") },
    { type: "aws:ec2/subnet:Subnet", path: ["vpcId"], source: TF_AWS("internal/service/ec2/vpc_subnet.go") },
];

function matches(prefix: readonly string[], path: readonly (string | number)[]): boolean {
    if (path.length < prefix.length) return false;
    return prefix.every((segment, i) => segment === "*" || segment === String(path[i]));
}

/**
 * The rule that makes a change at `path` of a resource force a replacement,
 * or undefined. `kind` is the Kubernetes kind for Kubernetes objects.
 */
export function replacementRule(
    resource: { readonly type: string; readonly kind: string | undefined },
    path: readonly (string | number)[],
    rules: readonly ReplacementRule[] = REPLACEMENT_RULES,
): ReplacementRule | undefined {
    return rules.find((rule) => {
        if (rule.type !== undefined && rule.type !== resource.type) return false;
        if (rule.kind !== undefined && (resource.kind === undefined || (rule.kind !== "*" && rule.kind !== resource.kind))) return false;
        return matches(rule.path, path);
    });
}
