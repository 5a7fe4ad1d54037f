/**
 * The backup scripts the CronJobs mount, run for real: a PostgreSQL server and
 * an S3-compatible server (s3rver) on loopback, the aws CLI, pg_dump/pg_restore.
 * Each CronJob's steps run in the order its pod runs them (init container, then
 * container), with the environment the pod gets.
 */
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { REPO_ROOT, runScript, startPostgres, startS3, type PgServer, type S3Server, type ScriptResult } from "./harness";

const BUCKET = "med-agi-backups";
const MODELS = "med-agi-models";
const MEDAGI_PASSWORD = "medagi-test-password";

let pg: PgServer;
let s3: S3Server;
let work: string;

/** The environment a backup pod gives its steps, pointed at the loopback servers. */
function podEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
        ...s3.env,
        PATH: `${pg.binDir}:${s3.env.PATH ?? ""}`,
        PGHOST: "127.0.0.1",
        PGPORT: String(pg.port),
        PGUSER: "medagi",
        PGPASSWORD: MEDAGI_PASSWORD,
        PGDATABASE: "medagi",
        LIVE_DATABASE: "medagi",
        PGCONNECT_TIMEOUT: "10",
        BACKUP_BUCKET: BUCKET,
        MODELS_BUCKET: MODELS,
        RETENTION_DAYS: "30",
        WORK_DIR: work,
        ...extra,
    };
}

function expectOk(r: ScriptResult, what: string): void {
    if (r.status !== 0) throw new Error(`${what} exited ${r.status}\n--- stderr ---\n${r.stderr}\n--- stdout ---\n${r.stdout}`);
}

/** postgres-backup's two steps: dump (postgres image), then upload (aws-cli image). */
function runBackup(extra: NodeJS.ProcessEnv = {}): { dump: ScriptResult; publish?: ScriptResult } {
    const dump = runScript("pg-dump.sh", [], podEnv(extra));
    if (dump.status !== 0) return { dump };
    return { dump, publish: runScript("s3-publish.sh", [], podEnv(extra)) };
}

/** restore-drill's two steps: fetch (aws-cli image), then drill (postgres image). */
function runDrill(extra: NodeJS.ProcessEnv = {}): ScriptResult {
    const fetch = runScript("s3-fetch.sh", [], podEnv(extra));
    if (fetch.status !== 0) return fetch;
    return runScript("restore-drill.sh", [], podEnv(extra));
}

function s3Keys(bucket: string, prefix = ""): string[] {
    const r = s3.aws(["s3", "ls", `s3://${bucket}/${prefix}`, "--recursive"]);
    if (r.status !== 0) return [];
    return r.stdout
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => l.trim().split(/\s+/).slice(3).join(" "));
}

function manifests(): string[] {
    return s3Keys(BUCKET, "postgres/").filter((k) => k.endsWith("/manifest"));
}

/** Per-table content checksums of `db`: md5 over every row's text, in a stable order. */
function tableChecksums(db: string): Record<string, string> {
    const tables = pg
        .psql(
            db,
            `SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relkind IN ('r','p') AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1`,
        )
        .trim()
        .split("\n")
        .filter((t) => t !== "");
    const sums: Record<string, string> = {};
    for (const t of tables) {
        sums[t] = pg
            .psql(db, `SELECT count(*) || ':' || coalesce(md5(string_agg(x::text, E'\\n' ORDER BY x::text)), '-') FROM ${t} x`)
            .trim();
    }
    return sums;
}

function seed(): void {
    pg.psql("postgres", `CREATE ROLE medagi LOGIN CREATEDB PASSWORD '${MEDAGI_PASSWORD}'`);
    pg.psql("postgres", "CREATE DATABASE medagi OWNER medagi");
    const sql = `
        SET ROLE medagi;
        CREATE TABLE patients (id serial PRIMARY KEY, mrn text UNIQUE NOT NULL, born date, note text);
        INSERT INTO patients (mrn, born, note)
             SELECT 'MRN' || lpad(g::text, 6, '0'), date '1940-01-01' + g, CASE WHEN g % 7 = 0 THEN E'tab\\there, quote '' and \\\\ backslash' END
               FROM generate_series(1, 2500) g;
        CREATE TABLE studies (id bigserial PRIMARY KEY, patient_id int REFERENCES patients(id), modality text, meta jsonb, blob bytea);
        INSERT INTO studies (patient_id, modality, meta, blob)
             SELECT 1 + g % 2500, (ARRAY['CT','MR','XR','ECG'])[1 + g % 4], jsonb_build_object('seq', g, 'tags', jsonb_build_array(g, g * 2)), decode(md5(g::text), 'hex')
               FROM generate_series(1, 4000) g;
        CREATE SCHEMA audit;
        CREATE TABLE audit.events (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT '2024-01-15 02:00:00+00', actor text, payload jsonb);
        INSERT INTO audit.events (actor, payload) SELECT 'user' || (g % 13), jsonb_build_object('n', g) FROM generate_series(1, 1800) g;
        CREATE TABLE measurements (taken date NOT NULL, value numeric) PARTITION BY RANGE (taken);
        CREATE TABLE measurements_2023 PARTITION OF measurements FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
        CREATE TABLE measurements_2024 PARTITION OF measurements FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        INSERT INTO measurements SELECT date '2023-06-01' + g, g / 3.0 FROM generate_series(0, 399) g;
        CREATE TABLE "Model Cards" (name text PRIMARY KEY, body text);
        INSERT INTO "Model Cards" VALUES ('densenet', 'v1.0.0'), ('ekg-net', 'v2.1.0');
        CREATE TABLE empty_table (id int);
    `;
    pg.psql("medagi", sql);
}

beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "medagi-work-"));
    [pg, s3] = await Promise.all([startPostgres(), startS3()]);
    seed();
    for (const bucket of [BUCKET, MODELS]) {
        const r = s3.aws(["s3", "mb", `s3://${bucket}`]);
        if (r.status !== 0) throw new Error(`cannot create bucket ${bucket}: ${r.stderr}`);
    }
}, 120000);

afterAll(async () => {
    pg?.stop();
    await s3?.stop();
    if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
});

describe("postgres-backup → drop → restore, against real servers", () => {
    let before: Record<string, string>;

    it("backs up, and marks the run complete only with its manifest written last", () => {
        before = tableChecksums("medagi");
        expect(Object.keys(before)).toHaveLength(8);
        const { dump, publish } = runBackup();
        expectOk(dump, "pg-dump.sh");
        expectOk(publish as ScriptResult, "s3-publish.sh");
        expect(manifests()).toHaveLength(1);
        const run = (manifests()[0] as string).split("/")[1] as string;
        const date = run.slice(0, 8);
        expect(s3Keys(BUCKET, `postgres/${run}/`).sort()).toEqual(
            [`backup_${date}.dump`, `backup_${date}.dump.sha256`, `globals_${date}.sql`, `globals_${date}.sql.sha256`, "manifest"].map(
                (f) => `postgres/${run}/${f}`,
            ),
        );
        // The manifest was uploaded after every other object.
        const listing = s3.aws([
            "s3api",
            "list-objects-v2",
            "--bucket",
            BUCKET,
            "--prefix",
            `postgres/${run}/`,
            "--query",
            "Contents[].[Key,LastModified]",
            "--output",
            "text",
        ]);
        const times = Object.fromEntries(
            listing.stdout
                .trim()
                .split("\n")
                .map((l) => l.split("\t") as [string, string]),
        );
        const manifestTime = Date.parse(times[`postgres/${run}/manifest`] as string);
        for (const t of Object.values(times)) expect(Date.parse(t)).toBeLessThanOrEqual(manifestTime);
        // Row counts in the manifest, from the dump's own snapshot.
        const manifest = fs.readFileSync(path.join(work, "out", "manifest"), "utf8");
        expect(manifest).toContain("table\tpublic.patients\t2500\n");
        expect(manifest).toContain("table\tpublic.studies\t4000\n");
        expect(manifest).toContain("table\taudit.events\t1800\n");
        expect(manifest).toContain('table\tpublic."Model Cards"\t2\n');
        expect(manifest).toContain("table\tpublic.empty_table\t0\n");
        expect(manifest).toMatch(/^file\tbackup_\d{8}\.dump\t[0-9a-f]{64}\t\d+$/m);
    });

    it("refuses to restore over the live database without --overwrite-live, touching nothing", () => {
        pg.psql("medagi", "INSERT INTO empty_table VALUES (42)");
        const fetch = runScript("s3-fetch.sh", [], podEnv());
        expectOk(fetch, "s3-fetch.sh");
        const r = runScript("pg-restore.sh", ["--target-db", "medagi"], podEnv());
        expect(r.status).toBe(2);
        expect(r.stderr).toContain("REFUSED");
        expect(pg.psql("medagi", "SELECT count(*) FROM empty_table").trim()).toBe("1");
        pg.psql("medagi", "DELETE FROM empty_table");
    });

    it("restores every row after the database is dropped (per-table checksums equal)", () => {
        pg.psql("postgres", "DROP DATABASE medagi WITH (FORCE)");
        const fetch = runScript("s3-fetch.sh", [], podEnv());
        expectOk(fetch, "s3-fetch.sh");
        const r = runScript("pg-restore.sh", ["--target-db", "medagi", "--overwrite-live"], podEnv());
        expectOk(r, "pg-restore.sh --overwrite-live");
        expect(r.stderr).toContain("row counts match the manifest for 8 table(s)");
        expect(tableChecksums("medagi")).toEqual(before);
    });

    it("restores a chosen run into a new database via tools/restore.sh --local, and refuses the live one", () => {
        const date = (manifests()[0] as string).split("/")[1]?.slice(0, 8) as string;
        const refused = spawnSync("bash", [path.join(REPO_ROOT, "tools", "restore.sh"), "postgres", "--local", "--target-db", "medagi"], {
            encoding: "utf8",
            env: podEnv(),
        });
        expect(refused.status).toBe(2);
        const ok = spawnSync(
            "bash",
            [path.join(REPO_ROOT, "tools", "restore.sh"), "postgres", "--local", "--run", date, "--target-db", "medagi_inspect"],
            {
                encoding: "utf8",
                env: podEnv(),
            },
        );
        expectOk({ status: ok.status, stdout: ok.stdout, stderr: ok.stderr }, "tools/restore.sh postgres --local");
        expect(tableChecksums("medagi_inspect")).toEqual(before);
        const wrongRun = spawnSync(
            "bash",
            [path.join(REPO_ROOT, "tools", "restore.sh"), "postgres", "--local", "--run", "19990101", "--target-db", "medagi_other"],
            {
                encoding: "utf8",
                env: podEnv(),
            },
        );
        expect(wrongRun.status).toBe(1);
        expect(wrongRun.stderr).toContain('no complete postgres backup matches "19990101"');
    });
});

describe("restore-drill, against real servers", () => {
    let run: string;
    let dumpKey: string;
    let original: Buffer;

    beforeAll(() => {
        run = (manifests()[0] as string).split("/")[1] as string;
        dumpKey = `postgres/${run}/backup_${run.slice(0, 8)}.dump`;
        const local = path.join(work, "original.dump");
        const r = s3.aws(["s3", "cp", `s3://${BUCKET}/${dumpKey}`, local]);
        if (r.status !== 0) throw new Error(r.stderr);
        original = fs.readFileSync(local);
    });

    afterEach(() => {
        // Put the good dump (and its checksums) back between cases.
        const local = path.join(work, "original.dump");
        fs.writeFileSync(local, original);
        expect(s3.aws(["s3", "cp", local, `s3://${BUCKET}/${dumpKey}`]).status).toBe(0);
        const mf = path.join(work, "good.manifest");
        if (fs.existsSync(mf)) expect(s3.aws(["s3", "cp", mf, `s3://${BUCKET}/postgres/${run}/manifest`]).status).toBe(0);
    });

    function scratchDatabases(): string[] {
        return pg
            .psql("postgres", "SELECT datname FROM pg_database WHERE datname LIKE 'medagi\\_drill%'")
            .trim()
            .split("\n")
            .filter((d) => d !== "");
    }

    function replaceObject(key: string, body: Buffer | string): void {
        const f = path.join(work, "replacement");
        fs.writeFileSync(f, body);
        const r = s3.aws(["s3", "cp", f, `s3://${BUCKET}/${key}`]);
        if (r.status !== 0) throw new Error(r.stderr);
    }

    function saveManifest(): string {
        const mf = path.join(work, "good.manifest");
        expect(s3.aws(["s3", "cp", `s3://${BUCKET}/postgres/${run}/manifest`, mf]).status).toBe(0);
        return fs.readFileSync(mf, "utf8");
    }

    it("passes on a good dump and drops its scratch database", () => {
        const r = runDrill();
        expectOk(r, "restore drill");
        expect(r.stderr).toContain(`DRILL PASSED for run ${run}`);
        expect(r.stderr).toContain("row counts match the manifest for 8 table(s)");
        expect(scratchDatabases()).toEqual([]);
    });

    it("fails non-zero on a corrupted dump (bytes flipped in the bucket)", () => {
        const bad = Buffer.from(original);
        for (let i = 200; i < 260; i++) bad[i] = (bad[i] as number) ^ 0xff;
        replaceObject(dumpKey, bad);
        const r = runDrill();
        expect(r.status).not.toBe(0);
        expect(r.stderr).toMatch(/SHA-256 mismatch for backup_\d{8}\.dump/);
        expect(scratchDatabases()).toEqual([]);
    });

    it("fails non-zero on a truncated dump even when every checksum was forged to match", () => {
        const text = saveManifest();
        const truncated = original.subarray(0, Math.floor(original.length / 2));
        const sum = createHash("sha256").update(truncated).digest("hex");
        const name = path.basename(dumpKey);
        const forged = text.replace(
            new RegExp(`^file\\t${name}\\t[0-9a-f]{64}\\t\\d+$`, "m"),
            `file\t${name}\t${sum}\t${truncated.length}`,
        );
        expect(forged).not.toEqual(text);
        replaceObject(dumpKey, truncated);
        replaceObject(`postgres/${run}/manifest`, forged);
        const r = runDrill();
        expect(r.status).not.toBe(0);
        expect(r.stderr).toMatch(/pg_restore (--list cannot read|of backup_\d{8}\.dump into .* failed)/);
        expect(r.stderr).toContain("DRILL FAILED");
        expect(scratchDatabases()).toEqual([]);
    });

    it("fails non-zero when a table's row count differs from the manifest", () => {
        const text = saveManifest();
        replaceObject(`postgres/${run}/manifest`, text.replace("table\tpublic.patients\t2500", "table\tpublic.patients\t2501"));
        const r = runDrill();
        expect(r.status).not.toBe(0);
        expect(r.stderr).toContain("do not match the manifest");
        expect(r.stderr).toContain("DRILL FAILED");
        expect(scratchDatabases()).toEqual([]);
    });
});

describe("postgres-backup failures leave nothing marked complete", () => {
    it("fails non-zero with a wrong password, before anything is uploaded", () => {
        const before = s3Keys(BUCKET, "postgres/");
        const { dump, publish } = runBackup({ PGPASSWORD: "wrong-password", WORK_DIR: path.join(work, "wrongpw") });
        expect(dump.status).not.toBe(0);
        expect(dump.stderr).toContain('cannot connect to PostgreSQL database "medagi"');
        expect(dump.stderr).not.toContain("wrong-password");
        expect(publish).toBeUndefined();
        // The upload step alone also refuses: no manifest was produced.
        const alone = runScript("s3-publish.sh", [], podEnv({ WORK_DIR: path.join(work, "wrongpw") }));
        expect(alone.status).not.toBe(0);
        expect(alone.stderr).toContain("no manifest");
        expect(s3Keys(BUCKET, "postgres/")).toEqual(before);
    });

    it("fails non-zero into a missing bucket and marks nothing complete", () => {
        const before = manifests();
        const { dump, publish } = runBackup({ BACKUP_BUCKET: "med-agi-no-such-bucket", WORK_DIR: path.join(work, "nobucket") });
        expectOk(dump, "pg-dump.sh");
        expect(publish?.status).not.toBe(0);
        expect(publish?.stderr).toContain("bucket s3://med-agi-no-such-bucket does not exist");
        expect(s3.aws(["s3api", "head-bucket", "--bucket", "med-agi-no-such-bucket"]).status).not.toBe(0);
        expect(manifests()).toEqual(before);
    });

    it("refuses to overwrite a completed run", () => {
        // Re-publishing the first run's output (same run id) must not replace its manifest.
        const first = (manifests()[0] as string).split("/")[1] as string;
        const dir = path.join(work, "replay", "out");
        fs.mkdirSync(dir, { recursive: true });
        const r = s3.aws(["s3", "cp", `s3://${BUCKET}/postgres/${first}/`, dir, "--recursive"]);
        expect(r.status).toBe(0);
        const again = runScript("s3-publish.sh", [], podEnv({ WORK_DIR: path.join(work, "replay") }));
        expect(again.status).not.toBe(0);
        expect(again.stderr).toContain("refusing to overwrite a completed run");
    });
});

describe("model-backup and model restore, against a real S3-compatible server", () => {
    beforeAll(() => {
        const f = path.join(work, "model.onnx");
        fs.writeFileSync(f, Buffer.alloc(4096, 7));
        for (const key of [
            "v1.0.0/densenet/1/model.onnx",
            "v1.0.0/densenet/config.pbtxt",
            "v1.1.0/ekg net/1/model.onnx",
            "backup-20240101/old/model.onnx",
        ]) {
            expect(s3.aws(["s3", "cp", f, `s3://${MODELS}/${key}`]).status).toBe(0);
        }
    });

    it("copies the models bucket to models/backup-<date>/ and writes the marker after verifying it", () => {
        const r = runScript("model-backup.sh", [], podEnv());
        expectOk(r, "model-backup.sh");
        const date = new Date().toISOString().slice(0, 10).replace(/-/g, "");
        const keys = s3Keys(BUCKET, "models/");
        expect(keys).toContain(`models/backup-${date}/v1.0.0/densenet/1/model.onnx`);
        expect(keys).toContain(`models/backup-${date}/v1.1.0/ekg net/1/model.onnx`);
        expect(keys).toContain(`models/backup-${date}.manifest`);
        expect(keys.some((k) => k.includes("backup-20240101"))).toBe(false);
    });

    it("restores a deleted model version, and refuses to overwrite an existing one", () => {
        const date = new Date().toISOString().slice(0, 10).replace(/-/g, "");
        const tool = path.join(REPO_ROOT, "tools", "restore.sh");
        const refused = spawnSync("bash", [tool, "models", "--date", date, "--version", "v1.0.0"], { encoding: "utf8", env: podEnv() });
        expect(refused.status).toBe(2);
        expect(s3.aws(["s3", "rm", `s3://${MODELS}/v1.0.0/`, "--recursive"]).status).toBe(0);
        const ok = spawnSync("bash", [tool, "models", "--date", date, "--version", "v1.0.0"], { encoding: "utf8", env: podEnv() });
        expectOk({ status: ok.status, stdout: ok.stdout, stderr: ok.stderr }, "tools/restore.sh models");
        expect(s3Keys(MODELS, "v1.0.0/").sort()).toEqual(["v1.0.0/densenet/1/model.onnx", "v1.0.0/densenet/config.pbtxt"]);
    });
});

describe("config-backup (kubectl stand-in at the process boundary; real upload)", () => {
    // No cluster here: a stand-in kubectl records its arguments and prints YAML.
    // Everything after it — checksums, manifest, upload, completion — is real.
    function kubectlStandIn(secretInOutput: boolean): { env: NodeJS.ProcessEnv; calls: string } {
        const dir = fs.mkdtempSync(path.join(work, "kubectl-"));
        const calls = path.join(dir, "calls");
        const kind = secretInOutput ? "Secret" : "ConfigMap";
        fs.writeFileSync(
            path.join(dir, "kubectl"),
            `#!/bin/sh\necho "$*" >> '${calls}'\nprintf 'apiVersion: v1\\nitems:\\n- apiVersion: v1\\n  kind: ${kind}\\n  metadata:\\n    name: x\\nkind: List\\n'\n`,
            { mode: 0o755 },
        );
        return { env: { PATH: `${dir}:${pg.binDir}:${s3.env.PATH ?? ""}` }, calls };
    }
    const resources = "configmaps,serviceaccounts,roles.rbac.authorization.k8s.io";

    it("exports with the runbook's command, then uploads a complete config run", () => {
        const k = kubectlStandIn(false);
        const env = podEnv({ ...k.env, NAMESPACE: "med-agi", CONFIG_RESOURCES: resources, WORK_DIR: path.join(work, "config") });
        expectOk(runScript("config-export.sh", [], env), "config-export.sh");
        expectOk(runScript("s3-publish.sh", [], env), "s3-publish.sh (config)");
        expect(fs.readFileSync(k.calls, "utf8").trim().split("\n")).toEqual([
            "get all -n med-agi -o yaml",
            `get ${resources} -n med-agi -o yaml`,
        ]);
        const keys = s3Keys(BUCKET, "config/");
        expect(keys.filter((key) => key.endsWith("/manifest"))).toHaveLength(1);
        expect(keys.some((key) => /config\/\d{8}T\d{6}Z\/k8s_backup_\d{8}\.yaml$/.test(key))).toBe(true);
    });

    it("refuses a resource list naming Secrets, and an export that contains one", () => {
        const k = kubectlStandIn(false);
        const named = runScript(
            "config-export.sh",
            [],
            podEnv({ ...k.env, CONFIG_RESOURCES: "configmaps,secrets", WORK_DIR: path.join(work, "cfg2") }),
        );
        expect(named.status).not.toBe(0);
        expect(named.stderr).toContain("secret values are never backed up");
        expect(fs.existsSync(k.calls)).toBe(false);
        const leaky = kubectlStandIn(true);
        const leaked = runScript(
            "config-export.sh",
            [],
            podEnv({ ...leaky.env, CONFIG_RESOURCES: resources, WORK_DIR: path.join(work, "cfg3") }),
        );
        expect(leaked.status).not.toBe(0);
        expect(leaked.stderr).toContain("contains a Secret object");
        expect(fs.existsSync(path.join(work, "cfg3", "out", "manifest"))).toBe(false);
    });
});
