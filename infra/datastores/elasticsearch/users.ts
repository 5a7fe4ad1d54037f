/**
 * Elasticsearch users and roles as data: credentials are Secrets wired into
 * the services that use search. ECK's file realm
 * (`spec.auth.fileRealm`) creates one user per `kubernetes.io/basic-auth`
 * Secret (`username`, `password`, `roles`), and `spec.auth.roles` loads the
 * role descriptors below from a Secret's `roles.yml`. Pure builders: the
 * component (`../index.ts`) only turns them into resources.
 *
 * Which services use search: the runbook and DESIGN.md name Elasticsearch as
 * a platform data store but do not say which service queries it, so every
 * service gets its own user (the fallback), each confined to its own
 * indices and data streams.
 */
import { stringify } from "yaml";

import { NAMESPACE, SERVICE_NAMES, type ServiceName } from "../../runbook";
import { ELASTICSEARCH_NAME } from "./spec";

/** Services with an Elasticsearch user of their own. */
export const SEARCH_SERVICES: readonly ServiceName[] = SERVICE_NAMES;

/** The data streams the index lifecycle manages, one per service and kind: `med-agi-logs-<service>`, `med-agi-audit-<service>`. */
export const SEARCH_STREAM_PREFIX = { logs: "med-agi-logs-", audit: "med-agi-audit-" } as const;
export type SearchStreamKind = keyof typeof SEARCH_STREAM_PREFIX;

/** Index privileges used here (Elasticsearch's names). */
export type IndexPrivilege =
    | "read"
    | "write"
    | "create_doc"
    | "create_index"
    | "auto_configure"
    | "view_index_metadata"
    | "monitor"
    | "manage"
    | "delete_index"
    | "all";
/** Cluster privileges used here. */
export type ClusterPrivilege = "monitor" | "manage_ilm" | "manage_index_templates" | "manage" | "manage_security" | "all";

/** An Elasticsearch role descriptor (the subset this platform writes into `roles.yml`). */
export interface RoleDescriptor {
    readonly cluster: readonly ClusterPrivilege[];
    readonly indices: readonly { readonly names: readonly string[]; readonly privileges: readonly IndexPrivilege[] }[];
}

/** One file-realm user: its name, its one role, and the Secrets that carry it. */
export interface SearchUser {
    /** The Elasticsearch user name (also the role name). */
    readonly username: string;
    readonly role: RoleDescriptor;
    /** `kubernetes.io/basic-auth` Secret ECK reads (`username`, `password`, `roles`). */
    readonly fileRealmSecret: string;
    /** Who uses it: a service, the metrics exporter or the lifecycle Job. */
    readonly purpose: string;
    /** The service it belongs to (its client Secret is `searchClientSecretName(service)`). @default none: not a service's user */
    readonly service?: ServiceName;
}

/** Built-in roles no generated user may hold (they can read or change everything). */
export const FORBIDDEN_SEARCH_ROLES = ["superuser", "kibana_system", "elastic/fleet-server"] as const;

/** Secret with the role descriptors (`roles.yml`), referenced by `spec.auth.roles`. */
export const SEARCH_ROLES_SECRET = "elasticsearch-roles";

/** The HTTP CA ECK publishes (`ca.crt`), for clients that verify the server (TLS on). */
export const ELASTICSEARCH_CA = { kind: "secret" as const, name: `${ELASTICSEARCH_NAME}-es-http-certs-public`, key: "ca.crt" };

/** Where services mount {@link ELASTICSEARCH_CA}; `ELASTICSEARCH_CA_CERT` points at `ca.crt` in it. */
export const ELASTICSEARCH_CA_MOUNT_PATH = "/etc/med-agi/elasticsearch-ca";

/** The client Secret a service loads with `envFrom`: ELASTICSEARCH_USERNAME / ELASTICSEARCH_PASSWORD. */
export function searchClientSecretName(service: ServiceName): string {
    return `elasticsearch-${service}`;
}

function fileRealmSecretName(username: string): string {
    return `elasticsearch-user-${username}`;
}

/** A service's role: its own indices read/write, its log stream append+read, its audit stream append-only. */
export function serviceSearchRole(service: ServiceName): RoleDescriptor {
    return {
        cluster: [],
        indices: [
            { names: [`med-agi-${service}-*`], privileges: ["read", "write", "create_index", "view_index_metadata"] },
            {
                names: [`${SEARCH_STREAM_PREFIX.logs}${service}`],
                privileges: ["create_doc", "auto_configure", "read", "view_index_metadata"],
            },
            // The audit trail: the service appends, and can neither read, change nor delete it.
            { names: [`${SEARCH_STREAM_PREFIX.audit}${service}`], privileges: ["create_doc", "auto_configure"] },
        ],
    };
}

/** The metrics exporter: cluster and index stats, no document access (the exporter README's privileges). */
export const EXPORTER_SEARCH_USER: SearchUser = {
    username: "medagi-metrics",
    role: { cluster: ["monitor"], indices: [{ names: ["*"], privileges: ["monitor"] }] },
    fileRealmSecret: fileRealmSecretName("medagi-metrics"),
    purpose: "prometheus-elasticsearch-exporter (cluster health for the alerts)",
};

/** The index lifecycle Job: writes ILM policies and index templates, reads no document. */
export const LIFECYCLE_SEARCH_USER: SearchUser = {
    username: "medagi-lifecycle",
    role: { cluster: ["manage_ilm", "manage_index_templates", "monitor"], indices: [] },
    fileRealmSecret: fileRealmSecretName("medagi-lifecycle"),
    purpose: "the index lifecycle Job (ILM policies and index templates)",
};

/** Every file-realm user: one per service, the exporter and the lifecycle Job. */
export function searchUsers(services: readonly ServiceName[] = SEARCH_SERVICES): SearchUser[] {
    return [
        ...services.map((service) => ({
            username: `medagi-${service}`,
            role: serviceSearchRole(service),
            fileRealmSecret: fileRealmSecretName(`medagi-${service}`),
            purpose: `service ${service} (namespace ${NAMESPACE})`,
            service,
        })),
        EXPORTER_SEARCH_USER,
        LIFECYCLE_SEARCH_USER,
    ];
}

/** `roles.yml`: each user's role under the user's name. */
export function rolesYaml(users: readonly SearchUser[]): string {
    return stringify(Object.fromEntries(users.map((u) => [u.username, { cluster: [...u.role.cluster], indices: u.role.indices }])), {
        lineWidth: 0,
    });
}

/** The `spec.auth` of the Elasticsearch resource for these users. */
export function searchAuthSpec(users: readonly SearchUser[]): Record<string, unknown> {
    return { fileRealm: users.map((u) => ({ secretName: u.fileRealmSecret })), roles: [{ secretName: SEARCH_ROLES_SECRET }] };
}

/**
 * Why a role is not least-privilege, or undefined: a built-in superuser-like
 * role name, `all`/`manage` privileges, or a service role reaching beyond its
 * own indices. Shared by the tests and the policy pack.
 */
export function searchRoleProblems(username: string, role: RoleDescriptor): string[] {
    const out: string[] = [];
    if ((FORBIDDEN_SEARCH_ROLES as readonly string[]).includes(username)) out.push(`user ${username} is a built-in superuser role`);
    for (const p of role.cluster) if (p === "all" || p === "manage" || p === "manage_security") out.push(`cluster privilege ${p}`);
    for (const entry of role.indices) {
        for (const p of entry.privileges)
            if (p === "all" || p === "manage" || p === "delete_index") out.push(`index privilege ${p} on ${entry.names.join(",")}`);
        const writes = entry.privileges.some((p) => p !== "monitor" && p !== "view_index_metadata");
        for (const name of entry.names)
            if (writes && (name === "*" || name === "_all")) out.push(`document access to every index (${name})`);
    }
    return out;
}
