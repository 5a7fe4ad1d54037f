/**
 * Data safety: in prod every resource whose deletion loses data is
 * `protect`ed, so that no `pulumi up` or `destroy` can delete it without a
 * deliberate `pulumi state unprotect` first.
 */
import { NAMESPACE } from "../infra/runbook";
import { ENVIRONMENT_DEFAULTS, ENVIRONMENT_SCHEMA, environmentOf, K8S, ref } from "./matchers";
import { AWS } from "./aws";
import { resourcePolicy, type MedAgiPolicy } from "./policy";

/**
 * Types that hold data: the database (RDS, and the `medagi` database and its
 * schemas inside it), buckets, the keys that decrypt them (a deleted KMS key
 * makes every backup unreadable), volumes, and the data stores' custom
 * resources (their operators delete the data with them).
 */
export const STATEFUL_TYPES = [
    AWS.rdsInstance,
    AWS.rdsCluster,
    AWS.bucket,
    AWS.bucketV2,
    AWS.kmsKey,
    "aws:ebs/volume:Volume",
    "aws:efs/fileSystem:FileSystem",
    K8S.pvc,
    "kubernetes:core/v1:PersistentVolume",
    K8S.statefulSet,
    "kubernetes:postgresql.cnpg.io/v1:Cluster",
    "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch",
    "kubernetes:minio.min.io/v2:Tenant",
    // @pulumi/postgresql: deleting either drops the data in it (DROP DATABASE / DROP SCHEMA).
    "postgresql:index/database:Database",
    "postgresql:index/schema:Schema",
] as const;

const dataProtect = resourcePolicy({
    name: "data-prod-protect",
    area: "data-safety",
    description:
        "In prod every stateful resource (RDS, buckets, KMS keys, volumes, data-store StatefulSets and custom resources, the namespace) is protected.",
    rationale:
        'runbook "Incident Response → P1: Complete service outage, data loss risk"; DESIGN.md "prod: … protected for production (… protect)"; STYLE: "Stateful resources protected in prod".',
    remediationSteps: "Pass `protect: config.protect` (true in prod) in the resource options of the component that creates it.",
    enforcementLevel: "mandatory",
    defaults: { ...ENVIRONMENT_DEFAULTS, types: [...STATEFUL_TYPES] as string[], namespaces: [NAMESPACE] as string[] },
    schema: {
        ...ENVIRONMENT_SCHEMA,
        types: { type: "array", items: { type: "string" }, description: "Resource types that hold data." },
        namespaces: { type: "array", items: { type: "string" }, description: "Namespaces whose deletion deletes the data in them." },
    },
    // Which types hold data is config; a namespace is one when listed.
    types: (args, config) =>
        config.types.includes(args.type) || (args.type === K8S.namespace && config.namespaces.includes(ref(args.props).name ?? "")),
    validate: (_props, args, report, config) => {
        if (environmentOf(args.urn, config) !== "prod") return args.notApplicable("not prod");
        if (args.opts.protect !== true) report(`${args.type} ${args.name} is not protected in prod: deleting it loses data.`);
    },
});

export const DATA_SAFETY_POLICIES: readonly MedAgiPolicy[] = [dataProtect];
