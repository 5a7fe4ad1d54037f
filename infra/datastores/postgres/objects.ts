/**
 * The `@pulumi/postgresql` resources of a privilege model: one resource per
 * statement of `privileges.ts`, named from what it is (role, schema, grantee),
 * never from a position in a list.
 */
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";

import { POSTGRES } from "../../runbook";
import type { Statement } from "./privileges";

/** Objects that exist before the provider runs (CloudNativePG's bootstrap creates the owner and the database). */
export interface Preexisting {
    /** The owner role `medagi` exists. @default false */
    readonly owner?: boolean;
    /** Database `medagi` exists. @default false */
    readonly database?: boolean;
}

/** Stable logical name of a statement's resource. */
export function statementResourceName(prefix: string, s: Statement): string {
    switch (s.kind) {
        case "role":
            return `${prefix}-role-${s.role.name}`;
        case "database":
            return `${prefix}-database-${s.name}`;
        case "schema":
            return `${prefix}-schema-${s.name}`;
        case "grantDatabase":
            return `${prefix}-grant-database-${s.role}`;
        case "grantSchema":
            return `${prefix}-grant-schema-${s.schema}-${s.role}`;
        case "grantTables":
            return `${prefix}-grant-tables-${s.schema}-${s.role}`;
        case "grantSequences":
            return `${prefix}-grant-sequences-${s.schema}-${s.role}`;
        case "defaultPrivileges":
            return `${prefix}-default-${s.objectType}s-${s.schema}-${s.role}`;
    }
}

/**
 * Declares every statement of `model` through `opts.provider`. Login roles get
 * `passwords[role]`. Returns the resources by logical name, so grants depend
 * on the roles and schemas they name.
 */
export function declareDatabaseObjects(
    prefix: string,
    model: readonly Statement[],
    passwords: Readonly<Record<string, pulumi.Input<string>>>,
    preexisting: Preexisting,
    opts: pulumi.CustomResourceOptions,
): Map<string, pulumi.CustomResource> {
    const created = new Map<string, pulumi.CustomResource>();
    const roleRes = new Map<string, pulumi.CustomResource>();
    const schemaRes = new Map<string, pulumi.CustomResource>();
    let databaseRes: pulumi.CustomResource | undefined;
    const after = (...deps: (pulumi.CustomResource | undefined)[]): pulumi.CustomResourceOptions => ({
        ...opts,
        dependsOn: deps.filter((d): d is pulumi.CustomResource => d !== undefined),
    });
    const database = POSTGRES.database;
    for (const s of model) {
        const name = statementResourceName(prefix, s);
        let res: pulumi.CustomResource | undefined;
        switch (s.kind) {
            case "role": {
                if (s.role.kind === "owner" && preexisting.owner === true) break;
                const r = s.role;
                const password = passwords[r.name];
                res = new postgresql.Role(
                    name,
                    {
                        name: r.name,
                        login: r.login,
                        superuser: false,
                        createRole: false,
                        createDatabase: r.createDatabase,
                        replication: false,
                        bypassRowLevelSecurity: false,
                        inherit: true,
                        roles: [...r.memberOf],
                        ...(password === undefined ? {} : { password: pulumi.secret(password) }),
                    },
                    opts,
                );
                roleRes.set(r.name, res);
                break;
            }
            case "database":
                if (preexisting.database === true) break;
                res = new postgresql.Database(name, { name: s.name, owner: s.owner }, after(roleRes.get(s.owner)));
                databaseRes = res;
                break;
            case "schema":
                res = new postgresql.Schema(name, { name: s.name, database, owner: s.owner }, after(databaseRes, roleRes.get(s.owner)));
                schemaRes.set(s.name, res);
                break;
            case "grantDatabase":
                res = new postgresql.Grant(
                    name,
                    { database, role: s.role, objectType: "database", privileges: [...s.privileges] },
                    after(databaseRes, roleRes.get(s.role)),
                );
                break;
            case "grantSchema":
            case "grantTables":
            case "grantSequences": {
                const objectType = s.kind === "grantSchema" ? "schema" : s.kind === "grantTables" ? "table" : "sequence";
                res = new postgresql.Grant(
                    name,
                    { database, role: s.role, schema: s.schema, objectType, privileges: [...s.privileges] },
                    after(databaseRes, schemaRes.get(s.schema), roleRes.get(s.role)),
                );
                break;
            }
            case "defaultPrivileges":
                res = new postgresql.DefaultPrivileges(
                    name,
                    { database, role: s.role, owner: s.owner, schema: s.schema, objectType: s.objectType, privileges: [...s.privileges] },
                    after(schemaRes.get(s.schema), roleRes.get(s.role), roleRes.get(s.owner)),
                );
                break;
        }
        if (res !== undefined) created.set(name, res);
    }
    return created;
}
