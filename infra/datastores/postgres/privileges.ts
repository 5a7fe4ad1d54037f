/**
 * The database's roles and privileges, declared ONCE as typed data.
 *
 * Three things are derived from {@link privilegeModel}'s statements and nothing
 * else: the `@pulumi/postgresql` resources (`objects.ts`), the SQL they stand
 * for ({@link toSql}, applied to a real PostgreSQL by
 * test/datastores/privileges-pg.test.ts) and the roles × privileges table of
 * docs/data.md ({@link privilegeTable}, checked by a test). They cannot drift
 * apart because there is nothing else to drift.
 */
import { POSTGRES } from "../../runbook";

/** Services with a login role and a schema of their own in `medagi`. */
export const DATABASE_SERVICES = ["imaging", "ekg", "eval", "anchor", "modelcards", "ops"] as const;
export type DatabaseService = (typeof DATABASE_SERVICES)[number];

/** Role names that are not service names. */
export const ROLE_NAMES = {
    /** Owns database `medagi` (the runbook's `psql -U medagi`, `pg_restore -U medagi -d medagi`). */
    owner: POSTGRES.user,
    /** Operators: read everything, write nothing. */
    operator: "medagi_readonly",
    /** The daily dump: read everything (`pg_read_all_data`), write nothing. */
    backup: "medagi_backup",
    /** The restore drill: creates scratch databases, owns nothing live. */
    restore: "medagi_restore",
} as const;

export type RoleKind = "owner" | "service" | "operator" | "backup" | "restore";

/** A role. Nothing here can be a superuser, create roles or bypass row security: those fields do not exist. */
export interface RoleSpec {
    readonly name: string;
    readonly kind: RoleKind;
    /** May log in (has a password in its own Secret). */
    readonly login: boolean;
    /** May create databases (the restore drill's scratch databases). */
    readonly createDatabase: boolean;
    /** Predefined roles it is a member of, e.g. `pg_read_all_data`. */
    readonly memberOf: readonly string[];
    /** What it is for (docs/data.md). */
    readonly purpose: string;
}

export type DatabasePrivilege = "CONNECT" | "TEMPORARY" | "CREATE";
export type SchemaPrivilege = "USAGE" | "CREATE";
export type TablePrivilege = "SELECT" | "INSERT" | "UPDATE" | "DELETE" | "TRUNCATE" | "REFERENCES" | "TRIGGER";
export type SequencePrivilege = "USAGE" | "SELECT" | "UPDATE";

/** One statement of the model; `privileges: []` revokes everything the grantee had on the object. */
export type Statement =
    | { readonly kind: "role"; readonly role: RoleSpec }
    | { readonly kind: "database"; readonly name: string; readonly owner: string }
    | { readonly kind: "schema"; readonly name: string; readonly owner: string }
    | { readonly kind: "grantDatabase"; readonly role: string; readonly privileges: readonly DatabasePrivilege[] }
    | { readonly kind: "grantSchema"; readonly role: string; readonly schema: string; readonly privileges: readonly SchemaPrivilege[] }
    | { readonly kind: "grantTables"; readonly role: string; readonly schema: string; readonly privileges: readonly TablePrivilege[] }
    | {
          readonly kind: "grantSequences";
          readonly role: string;
          readonly schema: string;
          readonly privileges: readonly SequencePrivilege[];
      }
    | {
          /** Privileges `role` gets on tables/sequences that `owner` creates in `schema` later. */
          readonly kind: "defaultPrivileges";
          readonly role: string;
          readonly owner: string;
          readonly schema: string;
          readonly objectType: "table" | "sequence";
          readonly privileges: readonly (TablePrivilege | SequencePrivilege)[];
      };

/** `PUBLIC` as a grantee: revoking from it closes the defaults every role inherits. */
export const PUBLIC = "public";

const READ_ALL_DATA = "pg_read_all_data";

/** The whole model for `services`, in the order the statements must run. */
export function privilegeModel(services: readonly DatabaseService[] = DATABASE_SERVICES): readonly Statement[] {
    const owner = ROLE_NAMES.owner;
    const db = POSTGRES.database;
    const roles: RoleSpec[] = [
        { name: owner, kind: "owner", login: true, createDatabase: false, memberOf: [], purpose: `owns database ${db} and schema public` },
        ...services.map((s): RoleSpec => ({
            name: s,
            kind: "service",
            login: true,
            createDatabase: false,
            memberOf: [],
            purpose: `the ${s} service: reads and writes its own schema ${s}, nothing else`,
        })),
        {
            name: ROLE_NAMES.operator,
            kind: "operator",
            login: true,
            createDatabase: false,
            memberOf: [],
            purpose: "operators: SELECT on every service schema, no writes",
        },
        {
            name: ROLE_NAMES.backup,
            kind: "backup",
            login: true,
            createDatabase: false,
            memberOf: [READ_ALL_DATA],
            purpose: "the postgres-backup CronJob: pg_dump of everything, no writes",
        },
        {
            name: ROLE_NAMES.restore,
            kind: "restore",
            login: true,
            createDatabase: true,
            memberOf: [],
            purpose: "the restore drill: restores into scratch databases it creates; owns nothing live",
        },
    ];
    const out: Statement[] = roles.map((role) => ({ kind: "role", role }));
    out.push({ kind: "database", name: db, owner });
    // Nothing by default: PUBLIC loses CONNECT/TEMPORARY on the database and CREATE/USAGE on schema public.
    out.push({ kind: "grantDatabase", role: PUBLIC, privileges: [] });
    out.push({ kind: "grantSchema", role: PUBLIC, schema: "public", privileges: [] });
    for (const role of roles) {
        if (role.kind !== "restore") out.push({ kind: "grantDatabase", role: role.name, privileges: ["CONNECT"] });
    }
    for (const s of services) {
        out.push({ kind: "schema", name: s, owner });
        out.push({ kind: "grantSchema", role: s, schema: s, privileges: ["USAGE", "CREATE"] });
        out.push({ kind: "grantSchema", role: ROLE_NAMES.operator, schema: s, privileges: ["USAGE"] });
        out.push({ kind: "grantTables", role: ROLE_NAMES.operator, schema: s, privileges: ["SELECT"] });
        out.push({ kind: "grantSequences", role: ROLE_NAMES.operator, schema: s, privileges: ["SELECT"] });
        // Tables the service creates later (its migrations) are readable by operators too.
        out.push({
            kind: "defaultPrivileges",
            role: ROLE_NAMES.operator,
            owner: s,
            schema: s,
            objectType: "table",
            privileges: ["SELECT"],
        });
        out.push({
            kind: "defaultPrivileges",
            role: ROLE_NAMES.operator,
            owner: s,
            schema: s,
            objectType: "sequence",
            privileges: ["SELECT"],
        });
    }
    return out;
}

/** The roles of a model. */
export function rolesOf(model: readonly Statement[]): RoleSpec[] {
    return model.flatMap((s) => (s.kind === "role" ? [s.role] : []));
}

/** The schemas of a model. */
export function schemasOf(model: readonly Statement[]): string[] {
    return model.flatMap((s) => (s.kind === "schema" ? [s.name] : []));
}

// ---------------------------------------------------------------------------
// SQL

/** A double-quoted SQL identifier. */
export function ident(name: string): string {
    return `"${name.replace(/"/g, '""')}"`;
}

function grantee(role: string): string {
    return role === PUBLIC ? "PUBLIC" : ident(role);
}

/** One statement as SQL (grants are authoritative, like the provider's: revoke everything, then grant). */
export function statementSql(s: Statement, database: string = POSTGRES.database): string[] {
    switch (s.kind) {
        case "role": {
            const r = s.role;
            const attrs = [
                r.login ? "LOGIN" : "NOLOGIN",
                "NOSUPERUSER",
                "NOCREATEROLE",
                r.createDatabase ? "CREATEDB" : "NOCREATEDB",
                "INHERIT",
                "NOREPLICATION",
                "NOBYPASSRLS",
            ].join(" ");
            return [`CREATE ROLE ${ident(r.name)} ${attrs}`, ...r.memberOf.map((m) => `GRANT ${ident(m)} TO ${ident(r.name)}`)];
        }
        case "database":
            return [`CREATE DATABASE ${ident(s.name)} OWNER ${ident(s.owner)}`];
        case "schema":
            return [`CREATE SCHEMA ${ident(s.name)} AUTHORIZATION ${ident(s.owner)}`];
        case "grantDatabase":
            return [
                `REVOKE ALL ON DATABASE ${ident(database)} FROM ${grantee(s.role)}`,
                ...(s.privileges.length === 0
                    ? []
                    : [`GRANT ${s.privileges.join(", ")} ON DATABASE ${ident(database)} TO ${grantee(s.role)}`]),
            ];
        case "grantSchema":
            return [
                `REVOKE ALL ON SCHEMA ${ident(s.schema)} FROM ${grantee(s.role)}`,
                ...(s.privileges.length === 0
                    ? []
                    : [`GRANT ${s.privileges.join(", ")} ON SCHEMA ${ident(s.schema)} TO ${grantee(s.role)}`]),
            ];
        case "grantTables":
            return [
                `REVOKE ALL ON ALL TABLES IN SCHEMA ${ident(s.schema)} FROM ${grantee(s.role)}`,
                ...(s.privileges.length === 0
                    ? []
                    : [`GRANT ${s.privileges.join(", ")} ON ALL TABLES IN SCHEMA ${ident(s.schema)} TO ${grantee(s.role)}`]),
            ];
        case "grantSequences":
            return [
                `REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${ident(s.schema)} FROM ${grantee(s.role)}`,
                ...(s.privileges.length === 0
                    ? []
                    : [`GRANT ${s.privileges.join(", ")} ON ALL SEQUENCES IN SCHEMA ${ident(s.schema)} TO ${grantee(s.role)}`]),
            ];
        case "defaultPrivileges": {
            const objects = s.objectType === "table" ? "TABLES" : "SEQUENCES";
            return [
                `ALTER DEFAULT PRIVILEGES FOR ROLE ${ident(s.owner)} IN SCHEMA ${ident(s.schema)} GRANT ${s.privileges.join(", ")} ON ${objects} TO ${grantee(s.role)}`,
            ];
        }
    }
}

/**
 * The model as a SQL script in two parts: `cluster` runs in any database
 * (roles, the database itself); `database` runs connected to `medagi`.
 */
export function toSql(model: readonly Statement[]): { cluster: string; database: string } {
    const cluster: string[] = [];
    const database: string[] = [];
    for (const s of model) {
        (s.kind === "role" || s.kind === "database" ? cluster : database).push(...statementSql(s).map((sql) => `${sql};`));
    }
    return { cluster: cluster.join("\n") + "\n", database: database.join("\n") + "\n" };
}

// ---------------------------------------------------------------------------
// The roles × privileges table (docs/data.md)

/** Column headings of the table: the database, schema public, then each service schema. */
export function privilegeTableColumns(model: readonly Statement[]): string[] {
    return [`database ${POSTGRES.database}`, "schema public", ...schemasOf(model).map((s) => `schema ${s}`)];
}

/** One row per role: role name, attributes, then one cell per column (`—` for nothing). */
export function privilegeTable(model: readonly Statement[]): string[][] {
    const schemas = schemasOf(model);
    return rolesOf(model).map((role) => {
        const attrs = [role.login ? "LOGIN" : "NOLOGIN", ...(role.createDatabase ? ["CREATEDB"] : []), ...role.memberOf];
        const cell = (parts: string[]): string => (parts.length === 0 ? "—" : parts.join(", "));
        const dbCell: string[] = [];
        const publicCell: string[] = [];
        const schemaCells = new Map<string, string[]>(schemas.map((s) => [s, []]));
        for (const s of model) {
            if (s.kind === "database" && s.owner === role.name) dbCell.push("owner");
            if (s.kind === "grantDatabase" && s.role === role.name) dbCell.push(...s.privileges);
            const target = (schema: string): string[] | undefined => (schema === "public" ? publicCell : schemaCells.get(schema));
            if (s.kind === "schema" && s.owner === role.name) schemaCells.get(s.name)?.push("owner");
            if (s.kind === "grantSchema" && s.role === role.name) target(s.schema)?.push(...s.privileges);
            if (s.kind === "grantTables" && s.role === role.name && s.privileges.length > 0)
                target(s.schema)?.push(`tables: ${s.privileges.join("/")}`);
        }
        if (role.kind === "owner") publicCell.push("owner");
        return [role.name, attrs.join(" "), cell(dbCell), cell(publicCell), ...schemas.map((s) => cell(schemaCells.get(s) ?? []))];
    });
}

/** The table as Markdown, exactly as docs/data.md holds it. */
export function privilegeTableMarkdown(model: readonly Statement[]): string {
    const head = ["role", "attributes", ...privilegeTableColumns(model)];
    const rows = [head, head.map(() => "---"), ...privilegeTable(model)];
    return rows.map((r) => `| ${r.join(" | ")} |`).join("\n");
}
