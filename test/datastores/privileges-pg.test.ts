/**
 * The privilege model on a REAL PostgreSQL (Debian's server on loopback,
 * started and stopped here): the SQL derived from the same statements as the
 * @pulumi/postgresql resources is applied, then each role connects and is
 * shown to do what it needs and nothing more.
 */
import { spawnSync } from "child_process";
import * as path from "path";

import { privilegeModel, toSql } from "../../infra/datastores/postgres/privileges";
import { startPostgres, type PgServer } from "../backups/harness";

jest.setTimeout(120_000);

let pg: PgServer;
const PASSWORD = "role-password-for-this-test";

interface Run {
    readonly ok: boolean;
    readonly out: string;
}

function asRole(role: string, db: string, sql: string): Run {
    const r = spawnSync(
        path.join(pg.binDir, "psql"),
        ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(pg.port), "-U", role, "-d", db, "-c", sql],
        { encoding: "utf8", env: { ...process.env, PGPASSWORD: PASSWORD } },
    );
    return { ok: r.status === 0, out: `${r.stdout}${r.stderr}`.trim() };
}

/**
 * Runs a script statement by statement as the superuser (as the provider does: CREATE DATABASE cannot run in
 * a transaction). psql reading a script sends each statement on its own, in autocommit, and stops at the
 * first error: one session for the whole script, where a psql per statement cost a process, a backend and
 * a SCRAM login each, about a hundred times.
 */
function applyScript(db: string, script: string): void {
    const r = spawnSync(
        path.join(pg.binDir, "psql"),
        ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(pg.port), "-U", pg.superuser, "-d", db, "-f", "-"],
        { input: script, encoding: "utf8", env: { ...process.env, PGPASSWORD: pg.superPassword } },
    );
    if (r.status !== 0) throw new Error(`psql ${db} failed (exit ${r.status}): ${r.stderr}`);
}

beforeAll(async () => {
    pg = await startPostgres();
    const sql = toSql(privilegeModel());
    applyScript("postgres", sql.cluster);
    applyScript("medagi", sql.database);
    // Test-only passwords: in the stacks each is generated and kept in its role's Secret.
    applyScript(
        "postgres",
        ["medagi", "imaging", "eval", "medagi_readonly", "medagi_backup", "medagi_restore"]
            .map((role) => `ALTER ROLE "${role}" PASSWORD '${PASSWORD}';\n`)
            .join(""),
    );
    // eval's migration: a table (and sequence) it creates and owns in its own schema.
    const migrated = asRole(
        "eval",
        "medagi",
        "CREATE TABLE eval.results (id serial PRIMARY KEY, score real); INSERT INTO eval.results (score) VALUES (0.93)",
    );
    expect(migrated).toEqual({ ok: true, out: "" });
});

afterAll(() => pg?.stop());

describe("the privilege model on a real PostgreSQL", () => {
    it("lets a service read and write its own schema", () => {
        expect(asRole("eval", "medagi", "INSERT INTO eval.results (score) VALUES (0.5); SELECT count(*) FROM eval.results")).toEqual({
            ok: true,
            out: "2",
        });
    });

    it("keeps imaging out of eval's schema", () => {
        const read = asRole("imaging", "medagi", "SELECT * FROM eval.results");
        expect(read.ok).toBe(false);
        expect(read.out).toMatch(/permission denied for schema eval/);
        expect(asRole("imaging", "medagi", "CREATE TABLE eval.intruder (x int)").out).toMatch(/permission denied for schema eval/);
    });

    it("gives no service a table in schema public, a role or a database", () => {
        expect(asRole("imaging", "medagi", "CREATE TABLE public.t (x int)").out).toMatch(/permission denied for schema public/);
        expect(asRole("imaging", "medagi", "CREATE ROLE sneaky").out).toMatch(/permission denied to create role/);
        expect(asRole("imaging", "medagi", "CREATE DATABASE sneaky").out).toMatch(/permission denied to create database/);
    });

    it("lets operators read every service's tables, including ones created after the grants", () => {
        expect(asRole("medagi_readonly", "medagi", "SELECT count(*) FROM eval.results")).toEqual({ ok: true, out: "2" });
    });

    it("refuses every write by the operator role", () => {
        expect(asRole("medagi_readonly", "medagi", "INSERT INTO eval.results (score) VALUES (1)").out).toMatch(
            /permission denied for table results/,
        );
        expect(asRole("medagi_readonly", "medagi", "DELETE FROM eval.results").out).toMatch(/permission denied for table results/);
        expect(asRole("medagi_readonly", "medagi", "CREATE TABLE eval.x (x int)").out).toMatch(/permission denied for schema eval/);
    });

    it("lets the backup role pg_dump the whole database", () => {
        const dump = spawnSync(
            path.join(pg.binDir, "pg_dump"),
            ["-h", "127.0.0.1", "-p", String(pg.port), "-U", "medagi_backup", "-d", "medagi", "--format=plain"],
            { encoding: "utf8", env: { ...process.env, PGPASSWORD: PASSWORD } },
        );
        expect(dump.stderr).toBe("");
        expect(dump.status).toBe(0);
        expect(dump.stdout).toContain("CREATE TABLE eval.results");
        expect(dump.stdout).toMatch(/COPY eval\.results \(id, score\) FROM stdin;\n1\t0\.93\n2\t0\.5\n/);
    });

    it("refuses INSERT, UPDATE and DDL by the backup role", () => {
        expect(asRole("medagi_backup", "medagi", "INSERT INTO eval.results (score) VALUES (1)").out).toMatch(
            /permission denied for table results/,
        );
        expect(asRole("medagi_backup", "medagi", "UPDATE eval.results SET score = 0").out).toMatch(/permission denied for table results/);
        expect(asRole("medagi_backup", "medagi", "CREATE TABLE eval.y (x int)").out).toMatch(/permission denied for schema eval/);
    });

    it("lets the restore drill create a scratch database but not touch the live one", () => {
        expect(asRole("medagi_restore", "postgres", "CREATE DATABASE medagi_drill_test")).toEqual({ ok: true, out: "" });
        expect(asRole("medagi_restore", "medagi", "SELECT 1").out).toMatch(/permission denied for database "medagi"/);
        expect(asRole("medagi_restore", "postgres", "DROP DATABASE medagi").out).toMatch(/must be owner of database "?medagi"?/);
    });

    it("makes no role a superuser or able to create roles", () => {
        expect(
            pg
                .psql(
                    "postgres",
                    "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles WHERE (rolsuper OR rolcreaterole) AND rolname <> 'postgres'",
                )
                .trim(),
        ).toBe("");
    });
});
