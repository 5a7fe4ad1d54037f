/**
 * Data safety: in prod every resource whose deletion loses data is
 * `protect`ed, so that no `pulumi up` or `destroy` can delete it without a
 * deliberate `pulumi state unprotect` first.
 */
import { parse } from "yaml";

import { retentionToDays, SEARCH_RETENTION_MINIMUM } from "../infra/datastores/config";
import { LIFECYCLE_NAME } from "../infra/datastores/elasticsearch/lifecycle";
import {
    FORBIDDEN_SEARCH_ROLES,
    searchRoleProblems,
    SEARCH_ROLES_SECRET,
    type RoleDescriptor,
} from "../infra/datastores/elasticsearch/users";
import { NAMESPACE } from "../infra/runbook";
import {
    containersOf,
    ENVIRONMENT_DEFAULTS,
    ENVIRONMENT_SCHEMA,
    environmentOf,
    K8S,
    objectsOf,
    podSpecOf,
    ref,
    WORKLOAD_TYPES,
} from "./matchers";
import { AWS } from "./aws";
import { resourcePolicy, stackPolicy, type MedAgiPolicy } from "./policy";

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

const SECRET = "kubernetes:core/v1:Secret";
const ELASTICSEARCH = "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch";
/** What the render writes for a secret value: the content is only readable under the CLI. */
const MASKED = "[secret]";

/** Secret names a pod spec reads: env secretKeyRef, envFrom, secret and projected volumes. */
function secretsReadBy(pod: Record<string, any>): string[] {
    const out: string[] = [];
    for (const { container } of containersOf(pod)) {
        for (const e of (container.env ?? []) as any[])
            if (e?.valueFrom?.secretKeyRef?.name) out.push(String(e.valueFrom.secretKeyRef.name));
        for (const e of (container.envFrom ?? []) as any[]) if (e?.secretRef?.name) out.push(String(e.secretRef.name));
    }
    for (const v of (pod.volumes ?? []) as any[]) {
        if (v?.secret?.secretName) out.push(String(v.secret.secretName));
        for (const src of (v?.projected?.sources ?? []) as any[]) if (src?.secret?.name) out.push(String(src.secret.name));
    }
    return out;
}

const searchLeastPrivilege = resourcePolicy({
    name: "data-search-least-privilege",
    area: "data-safety",
    description:
        "No workload uses ECK's `elastic` superuser (Secret `<cluster>-es-elastic-user`); the generated Elasticsearch roles grant no `all`/`manage`/`manage_security`, no `delete_index`, no document access to every index, and no file-realm user holds a built-in superuser role.",
    rationale:
        'issue 10: "credentials are Secrets wired into the services that use search", one user per service with least privilege; HIPAA §164.312(a)(1) access control (minimum necessary).',
    remediationSteps:
        "Give the workload its own file-realm user (searchUsers() in infra/datastores/elasticsearch/users.ts) and load its Secret, never `<cluster>-es-elastic-user`; keep roles to the service's own indices (serviceSearchRole).",
    enforcementLevel: "mandatory",
    defaults: { rolesSecret: SEARCH_ROLES_SECRET as string, forbiddenRoles: [...FORBIDDEN_SEARCH_ROLES] as string[] },
    schema: {
        rolesSecret: { type: "string", description: "Secret whose `roles.yml` holds the generated role descriptors." },
        forbiddenRoles: { type: "array", items: { type: "string" }, description: "Built-in roles no file-realm user may hold." },
    },
    types: [...WORKLOAD_TYPES, SECRET],
    validate: (props, args, report, config) => {
        const what = `${args.type} ${args.name}`;
        if (args.type !== SECRET) {
            const pod = podSpecOf(props);
            if (pod === undefined) return;
            for (const name of secretsReadBy(pod))
                if (name.endsWith("-es-elastic-user"))
                    report(`${what} reads ${name}: the elastic superuser can read and delete every index.`);
            return;
        }
        const data = { ...(props.data ?? {}), ...(props.stringData ?? {}) } as Record<string, unknown>;
        if (ref(props).name === config.rolesSecret && typeof data["roles.yml"] === "string" && data["roles.yml"] !== MASKED) {
            const roles = (parse(Buffer.from(String(data["roles.yml"]), props.stringData?.["roles.yml"] ? "utf8" : "base64").toString()) ??
                {}) as Record<string, RoleDescriptor>;
            for (const [name, role] of Object.entries(roles))
                for (const problem of searchRoleProblems(name, { cluster: role?.cluster ?? [], indices: role?.indices ?? [] }))
                    report(`${what}: role ${name}: ${problem}.`);
        }
        if (props.type === "kubernetes.io/basic-auth" && typeof props.stringData?.roles === "string" && props.stringData.roles !== MASKED) {
            for (const role of String(props.stringData.roles).split(","))
                if (config.forbiddenRoles.includes(role.trim())) report(`${what} gives its user the built-in role ${role.trim()}.`);
        }
    },
});

/** The index lifecycle ConfigMaps' name prefix (infra/datastores/elasticsearch/lifecycle.ts). */
const LIFECYCLE_PREFIX = `${LIFECYCLE_NAME}-`;

const searchRetention = stackPolicy({
    name: "data-search-retention",
    reads: [ELASTICSEARCH, K8S.configMap],
    area: "data-safety",
    description: `In staging and prod, a stack with Elasticsearch applies index lifecycle policies that keep logs at least ${SEARCH_RETENTION_MINIMUM.logs} days and audit at least ${SEARCH_RETENTION_MINIMUM.audit} days.`,
    rationale:
        'issue 10: "index lifecycle policies retain the log and audit indices for a configured time"; runbook "Log Rotation: daily, rotate 30"; HIPAA §164.312(b) audit controls (the audit trail is kept).',
    remediationSteps:
        "Keep the search-lifecycle Job and ConfigMap (infra/datastores) and set dataStores.elasticsearch.retention.{logs,audit} at or above the floor (the config check refuses less).",
    enforcementLevel: "mandatory",
    defaults: {
        ...ENVIRONMENT_DEFAULTS,
        minDays: { ...SEARCH_RETENTION_MINIMUM } as Record<string, number>,
        environments: ["staging", "prod"] as string[],
    },
    schema: {
        ...ENVIRONMENT_SCHEMA,
        minDays: { type: "object", description: "Least days kept per data stream kind (logs, audit)." },
        environments: { type: "array", items: { type: "string" }, description: "Environments the floor applies to." },
    },
    validate: (args, report, config) => {
        const [cluster] = objectsOf(args.resources, ELASTICSEARCH);
        if (cluster === undefined || !config.environments.includes(environmentOf(cluster.urn, config))) return;
        const lifecycles = objectsOf(args.resources, K8S.configMap).filter((r) => (ref(r.props).name ?? "").startsWith(LIFECYCLE_PREFIX));
        if (lifecycles.length === 0) {
            report(
                "Elasticsearch is deployed without its index lifecycle (no search-lifecycle-* ConfigMap): log and audit indices are never deleted, or deleted by hand.",
            );
            return;
        }
        for (const cm of lifecycles) {
            for (const [kind, min] of Object.entries(config.minDays)) {
                const text = cm.props.data?.[`ilm-${kind}.json`];
                const minAge = typeof text === "string" ? (JSON.parse(text) as any)?.policy?.phases?.delete?.min_age : undefined;
                if (typeof minAge !== "string") {
                    report(`${ref(cm.props).name}: no ${kind} policy with a delete phase (ilm-${kind}.json).`, cm.urn);
                    continue;
                }
                let days: number | undefined;
                try {
                    days = retentionToDays(minAge);
                } catch {
                    days = undefined;
                }
                if (days === undefined || days < min)
                    report(`${ref(cm.props).name}: ${kind} are deleted after ${minAge}, less than ${min} days.`, cm.urn);
            }
        }
    },
});

export const DATA_SAFETY_POLICIES: readonly MedAgiPolicy[] = [dataProtect, searchLeastPrivilege, searchRetention];
