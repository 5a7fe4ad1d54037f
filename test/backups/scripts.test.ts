/**
 * The backup scripts the CronJobs mount, run for real: a PostgreSQL server and
 * an S3-compatible server (s3rver) on loopback, the aws CLI, pg_dump/pg_restore.
 * Each CronJob's steps run in the order its pod runs them (init container, then
 * container), with the environment the pod gets.
 *
 * Speed without shortcuts: both servers start once for the file, with one
 * initdb; the aws CLI's imports are done once, by a fork server that runs each
 * call as a fresh fork of the real CLI (startAwsCli in ./harness; a case below
 * holds it to the plain CLI's answers, and MED_AGI_AWS_FORKSERVER=0 turns it
 * off); every case is `test.concurrent`, and cases that would disturb each
 * other get their own bucket, work directory and scratch-database prefix. Cases
 * that need the first backup await it (`once`), so it is taken exactly once.
 */
import { DeleteObjectsCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { createHash, createHmac, randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import {
    REPO_ROOT,
    run,
    runScript,
    startAwsCli,
    startPostgres,
    startS3,
    stopRunning,
    type AwsCli,
    type PgServer,
    type S3Server,
    type ScriptResult,
} from "./harness";

const MEDAGI_PASSWORD = "medagi-test-password";
/** The key the jobs get from the Secret med-agi-backup-signing; never stored in a bucket. */
const SIGNING_KEY = randomBytes(32).toString("hex");
/** A KMS key ARN as `backups.kmsKeyId` would set it. */
const KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/0f3c9a5e-1b2d-4c6e-8f70-123456789abc";
const DAY = 86400000;
const HOUR = 3600000;
/** The models the model-backup cases copy: 4096 bytes of 7, and its SHA-256. */
const MODEL_BODY = Buffer.alloc(4096, 7);
const MODEL_SHA256 = "c9ac7b0624824f844f6c7f3d50fab9741a8914e878467e8daaedca143a34d90b";
/**
 * Servers, seed and the shared backups: about 15 CPU-s of aws CLI, pg_dump and
 * pg_restore. The hook's timeout is only a last resort: every process a script
 * starts is killed after 5 minutes (run() in ./harness), which fails the step
 * with its output, so a hang shows without a wall-clock guess about how busy
 * the machine is. On a machine shared by many (load 30 on 2 cores) the setup
 * took over 300 s.
 */
const SETUP_TIMEOUT_MS = 1_200_000;
/** A case runs up to ~10 aws CLI calls and two restores: ~10 CPU-s, given 30 times that. */
jest.setTimeout(300_000);

let pg: PgServer;
let s3: S3Server;
/** The aws CLI the scripts call (through its fork server: see startAwsCli). */
let aws: AwsCli;
let work: string;
/** The bucket of the main postgres-backup run. */
let BUCKET: string;

/** A fresh directory under the suite's work dir. */
function workDir(name: string): string {
    return fs.mkdtempSync(path.join(work, `${name}-`));
}

/** The environment a backup pod gives its steps, pointed at the loopback servers. */
function podEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
        ...s3.env,
        ...aws.env,
        PATH: `${pg.binDir}:${aws.env.PATH ?? ""}`,
        PGHOST: "127.0.0.1",
        PGPORT: String(pg.port),
        PGUSER: "medagi",
        PGPASSWORD: MEDAGI_PASSWORD,
        PGDATABASE: "medagi",
        LIVE_DATABASE: "medagi",
        PGCONNECT_TIMEOUT: "10",
        BACKUP_BUCKET: BUCKET,
        RETENTION_DAYS: "30",
        BACKUP_SIGNING_KEY: SIGNING_KEY,
        S3_SSE_KMS_KEY_ID: KMS_KEY,
        ...extra,
    };
}

function expectOk(r: ScriptResult, what: string): void {
    if (r.status !== 0) throw new Error(`${what} exited ${r.status}\n--- stderr ---\n${r.stderr}\n--- stdout ---\n${r.stdout}`);
}

/** Memoizes an async step: the first caller starts it, everyone awaits the same run. */
function once<T>(fn: () => Promise<T>): () => Promise<T> {
    let p: Promise<T> | undefined;
    return () => (p ??= fn());
}

/** A run id (YYYYMMDDTHHMMSSZ) for a point in time. */
function runId(at: number): string {
    return new Date(at)
        .toISOString()
        .replace(/\.\d{3}Z$/, "Z")
        .replace(/[-:]/g, "");
}
function day(at: number): string {
    return runId(at).slice(0, 8);
}
function epochOfRun(r: string): number {
    return Date.parse(`${r.slice(0, 4)}-${r.slice(4, 6)}-${r.slice(6, 8)}T${r.slice(9, 11)}:${r.slice(11, 13)}:${r.slice(13, 15)}Z`);
}

/** What s3-publish.sh appends: an HMAC-SHA256 under `key` of every byte before it. */
function sign(body: string, key = SIGNING_KEY): string {
    return `${body}hmac-sha256\t${createHmac("sha256", key).update(body).digest("hex")}\n`;
}
function unsigned(manifest: string): string {
    const at = manifest.lastIndexOf("hmac-sha256\t");
    if (at < 0) throw new Error("manifest is not signed");
    return manifest.slice(0, at);
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

function scratchDatabases(prefix: string): string[] {
    return pg
        .psql("postgres", `SELECT datname FROM pg_database WHERE datname LIKE '${prefix.replace(/_/g, "\\_")}%'`)
        .trim()
        .split("\n")
        .filter((d) => d !== "");
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

const suiteStart = Date.now();

beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "medagi-work-"));
    [pg, s3] = await Promise.all([startPostgres(), startS3()]);
    aws = await startAwsCli(s3.env);
    seed();
    BUCKET = await s3.bucket("med-agi-backups");
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
    await stopRunning();
    pg?.stop();
    await s3?.stop();
    await aws?.stop();
    if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
    process.stderr.write(`test/backups/scripts.test.ts: servers up to teardown in ${((Date.now() - suiteStart) / 1000).toFixed(1)} s\n`);
});

// ---------------------------------------------------------------------------
// Shared steps, each run once

/**
 * Runs planted just before the first backup (at `at`): retention must prune
 * exactly the right ones. Measured from when the backup starts, not from the
 * file's start, so a slow start on a loaded machine cannot move them across
 * the boundary.
 */
function plantedRuns(at: number) {
    return {
        /** 30 days and one minute before the backup: older than the 30-day retention. */
        expired: runId(at - 30 * DAY - 60000),
        /** 30 days minus ten minutes before the backup (which starts after `at`): inside the retention window. */
        kept: runId(at - 30 * DAY + 600000),
        /** Two days ahead: a clock gone wrong, or a planted run. */
        future: runId(at + 2 * DAY),
        malformed: "zz-evil",
    };
}

/** postgres-backup's two steps against the live database: dump, then sign, encrypt and upload. */
const mainBackup = once(async () => {
    const planted = plantedRuns(Date.now());
    for (const r of Object.values(planted)) {
        await s3.put(BUCKET, `postgres/${r}/manifest`, "format\tmed-agi-backup/1\n");
        await s3.put(BUCKET, `postgres/${r}/backup_x.dump`, "planted");
    }
    const before = tableChecksums("medagi");
    const dir = workDir("backup");
    const dump = await runScript("pg-dump.sh", [], podEnv({ WORK_DIR: dir }));
    expectOk(dump, "pg-dump.sh");
    // The dump step's output, unsigned, before the upload step signs it.
    const localManifest = fs.readFileSync(path.join(dir, "out", "manifest"), "utf8");
    const outCopy = workDir("out-copy");
    fs.cpSync(path.join(dir, "out"), path.join(outCopy, "out"), { recursive: true });
    const publish = await runScript("s3-publish.sh", [], podEnv({ WORK_DIR: dir }));
    expectOk(publish, "s3-publish.sh");
    const run = /^run\t(\S+)$/m.exec(localManifest)?.[1] as string;
    const manifest = (await s3.get(BUCKET, `postgres/${run}/manifest`)).toString("utf8");
    return { before, run, localManifest, manifest, publish, outCopy, planted, dumpKey: `postgres/${run}/backup_${run.slice(0, 8)}.dump` };
});

/** restore-drill's / postgres-restore's first step, once, into a shared work dir. */
const fetched = once(async () => {
    await mainBackup();
    const dir = workDir("fetched");
    expectOk(await runScript("s3-fetch.sh", [], podEnv({ WORK_DIR: dir })), "s3-fetch.sh");
    return dir;
});

/** A bucket holding a copy of the main run, for a case that tampers with it. */
async function copyOfMainRun(label: string): Promise<{ bucket: string; run: string; manifest: string; dump: Buffer; dumpKey: string }> {
    const { run, manifest, dumpKey } = await mainBackup();
    const bucket = await s3.bucket(label);
    await s3.copyPrefix(BUCKET, `postgres/${run}/`, bucket, `postgres/${run}/`);
    return { bucket, run, manifest, dumpKey, dump: await s3.get(bucket, dumpKey) };
}

/** s3-fetch.sh then restore-drill.sh, as the restore-drill CronJob runs them. */
async function drill(bucket: string, scratchPrefix: string, extra: NodeJS.ProcessEnv = {}): Promise<ScriptResult> {
    const env = podEnv({ BACKUP_BUCKET: bucket, WORK_DIR: workDir("drill"), DRILL_DB_PREFIX: scratchPrefix, ...extra });
    const f = await runScript("s3-fetch.sh", [], env);
    if (f.status !== 0) return f;
    return runScript("restore-drill.sh", [], env);
}

function restoreTool(args: string[], env: NodeJS.ProcessEnv): Promise<ScriptResult> {
    return run("bash", [path.join(REPO_ROOT, "tools", "restore.sh"), ...args], env);
}

// ---------------------------------------------------------------------------

describe("backup scripts against a real PostgreSQL and a real S3 server", () => {
    // The shared steps run before any case starts: a case's timeout then measures its own
    // work, never the wait for a backup that other cases hold the cores for.
    beforeAll(() => Promise.all([mainBackup(), fetched(), models()]), SETUP_TIMEOUT_MS);

    // Started first: the longest chains (the first backup, the model backup, the config backup).
    test.concurrent("postgres-backup uploads every file encrypted, then its signed manifest last", async () => {
        const { before, run, manifest, localManifest } = await mainBackup();
        expect(Object.keys(before)).toHaveLength(8);
        const date = run.slice(0, 8);
        const files = [`backup_${date}.dump`, `backup_${date}.dump.sha256`, `globals_${date}.sql`, `globals_${date}.sql.sha256`];
        expect(await s3.keys(BUCKET, `postgres/${run}/`)).toEqual([...files, "manifest"].map((f) => `postgres/${run}/${f}`).sort());
        // What the aws CLI sent: every object with --sse aws:kms and the configured key; the manifest last.
        const sent = s3.uploads().filter((u) => u.bucket === BUCKET && u.key.startsWith(`postgres/${run}/`));
        expect(sent.map((u) => u.key.split("/")[2])).toEqual([...files, "manifest"]);
        for (const u of sent) {
            expect(u.userAgent).toMatch(/^aws-cli\//);
            expect(u.sse).toBe("aws:kms");
            expect(u.kmsKeyId).toBe(KMS_KEY);
        }
        // The stored manifest is the dump step's, plus an HMAC of it under the signing key.
        expect(manifest).toBe(sign(localManifest));
        expect(manifest.split("\n").filter((l) => l.startsWith("hmac-sha256"))).toHaveLength(1);
        // Row counts in the manifest, from the dump's own snapshot.
        expect(manifest).toContain("table\tpublic.patients\t2500\n");
        expect(manifest).toContain("table\tpublic.studies\t4000\n");
        expect(manifest).toContain("table\taudit.events\t1800\n");
        expect(manifest).toContain('table\tpublic."Model Cards"\t2\n');
        expect(manifest).toContain("table\tpublic.empty_table\t0\n");
        expect(manifest).toMatch(/^file\tbackup_\d{8}\.dump\t[0-9a-f]{64}\t\d+$/m);
    });

    test.concurrent("config-backup exports with the runbook's command, then uploads a signed, encrypted config run", async () => {
        const bucket = await s3.bucket("med-agi-backups-config");
        const k = kubectlStandIn(false);
        const env = podEnv({
            ...k.env,
            BACKUP_BUCKET: bucket,
            NAMESPACE: "med-agi",
            CONFIG_RESOURCES: resources,
            WORK_DIR: workDir("config"),
        });
        expectOk(await runScript("config-export.sh", [], env), "config-export.sh");
        expectOk(await runScript("s3-publish.sh", [], env), "s3-publish.sh (config)");
        expect(fs.readFileSync(k.calls, "utf8").trim().split("\n")).toEqual([
            "get all -n med-agi -o yaml",
            `get ${resources} -n med-agi -o yaml`,
        ]);
        const keys = await s3.keys(bucket, "config/");
        const manifests = keys.filter((key) => key.endsWith("/manifest"));
        expect(manifests).toHaveLength(1);
        expect(keys.some((key) => /config\/\d{8}T\d{6}Z\/k8s_backup_\d{8}\.yaml$/.test(key))).toBe(true);
        const manifest = (await s3.get(bucket, manifests[0] as string)).toString();
        expect(manifest).toBe(sign(unsigned(manifest)));
        const sent = s3.uploads().filter((u) => u.bucket === bucket);
        expect(sent).toHaveLength(5);
        expect(sent.every((u) => u.sse === "aws:kms" && u.kmsKeyId === KMS_KEY)).toBe(true);
    });

    test.concurrent("config-backup refuses a resource list naming Secrets, and an export that contains one", async () => {
        const k = kubectlStandIn(false);
        const named = await runScript(
            "config-export.sh",
            [],
            podEnv({ ...k.env, CONFIG_RESOURCES: "configmaps,secrets", WORK_DIR: workDir("cfg2") }),
        );
        expect(named.status).not.toBe(0);
        expect(named.stderr).toContain("secret values are never backed up");
        expect(fs.existsSync(k.calls)).toBe(false);
        const leaky = kubectlStandIn(true);
        const dir = workDir("cfg3");
        const leaked = await runScript("config-export.sh", [], podEnv({ ...leaky.env, CONFIG_RESOURCES: resources, WORK_DIR: dir }));
        expect(leaked.status).not.toBe(0);
        expect(leaked.stderr).toContain("contains a Secret object");
        expect(fs.existsSync(path.join(dir, "out", "manifest"))).toBe(false);
    });

    test.concurrent(
        "postgres-backup retention prunes runs older than 30 days, keeps the ones inside, and prunes future-dated runs",
        async () => {
            const { run, publish, planted } = await mainBackup();
            // The two planted runs sit on either side of the 30-day boundary, measured from this run.
            expect(epochOfRun(run) - epochOfRun(planted.expired)).toBeGreaterThan(30 * DAY);
            expect(epochOfRun(run) - epochOfRun(planted.kept)).toBeLessThan(30 * DAY);
            const runs = new Set((await s3.keys(BUCKET, "postgres/")).map((k) => k.split("/")[1]));
            expect(runs.has(planted.expired)).toBe(false);
            expect(runs.has(planted.kept)).toBe(true);
            expect(runs.has(run)).toBe(true);
            expect(runs.has(planted.future)).toBe(false);
            expect(publish.stderr).toContain(`FLAGGED: postgres/${planted.future} is dated in the future`);
            // Not a run id: never a restore candidate, left in place for inspection.
            expect(runs.has(planted.malformed)).toBe(true);
            expect(publish.stderr).toContain(`FLAGGED: postgres/${planted.malformed}/ is not a run id`);
            expect(publish.stderr).toMatch(/retention: kept runs from \d{8}T\d{6}Z on \(30 days\), pruned 2/);
        },
    );

    const models = once(async () => {
        const src = await s3.bucket("med-agi-models");
        const backups = await s3.bucket("med-agi-backups-models");
        const body = MODEL_BODY;
        for (const key of [
            "v1.0.0/densenet/1/model.onnx",
            "v1.0.0/densenet/config.pbtxt",
            "v1.1.0/ekg net/1/model.onnx",
            "backup-20240101/old/model.onnx",
        ]) {
            await s3.put(src, key, body);
        }
        const now = Date.now();
        const plantedDays = {
            expired: day(now - 31 * DAY),
            boundary: day(now - 30 * DAY),
            inside: day(now - 29 * DAY),
            future: day(now + 3 * DAY),
        };
        for (const d of Object.values(plantedDays)) {
            await s3.put(backups, `models/backup-${d}/v0.9.0/model.onnx`, "old");
            await s3.put(backups, `models/backup-${d}.manifest`, "old");
        }
        await s3.put(backups, "models/backup-evil/v0.9.0/model.onnx", "planted");
        const env = podEnv({ MODELS_BUCKET: src, BACKUP_BUCKET: backups, S3_SSE_KMS_KEY_ID: undefined });
        const r = await runScript("model-backup.sh", [], env);
        expectOk(r, "model-backup.sh");
        const date = /^run\t(\d{8})$/m.exec((await s3.get(backups, `models/backup-${day(Date.now())}.manifest`)).toString())?.[1] ?? "";
        return { src, backups, env, r, date, plantedDays };
    });

    test.concurrent("model-backup copies the models bucket encrypted and writes a signed marker after verifying the copy", async () => {
        const { backups, r, date } = await models();
        const keys = await s3.keys(backups, "models/");
        expect(keys).toContain(`models/backup-${date}/v1.0.0/densenet/1/model.onnx`);
        expect(keys).toContain(`models/backup-${date}/v1.1.0/ekg net/1/model.onnx`);
        expect(keys).toContain(`models/backup-${date}.manifest`);
        expect(keys.some((k) => k.includes("backup-20240101"))).toBe(false);
        const marker = (await s3.get(backups, `models/backup-${date}.manifest`)).toString();
        expect(marker).toBe(sign(unsigned(marker)));
        // Each object's key, size and SHA-256, under the signature.
        expect(marker).toContain(`object\tv1.0.0/densenet/1/model.onnx\t4096\t${MODEL_SHA256}\n`);
        // Every copy and the marker were sent with --sse aws:kms (no key configured here: the bucket's KMS key).
        const sent = s3.uploads().filter((u) => u.bucket === backups && u.key.startsWith(`models/backup-${date}`));
        expect(sent).toHaveLength(4);
        for (const u of sent) {
            expect(u.sse).toBe("aws:kms");
            expect(u.kmsKeyId).toBeNull();
        }
        expect(r.stderr).toContain("model backup complete: 3 object(s)");
    });

    test.concurrent("model-backup retention prunes backups older than 30 days and keeps the one exactly 30 days old", async () => {
        const { backups, r, date, plantedDays } = await models();
        const today = Date.parse(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T00:00:00Z`);
        const cutoff = day(today - 30 * DAY);
        expect(r.stderr).toContain(`retention: kept model backups from ${cutoff} on (30 days)`);
        const names = new Set((await s3.keys(backups, "models/")).map((k) => k.split("/")[1]?.replace(/\.manifest$/, "")));
        // Planted relative to the test's clock; judged against the day the script ran (they differ only across midnight).
        for (const d of [plantedDays.expired, plantedDays.boundary, plantedDays.inside]) {
            expect([d, names.has(`backup-${d}`)]).toEqual([d, d >= cutoff]);
        }
        expect(names.has(`backup-${plantedDays.expired}`)).toBe(false);
        expect(names.has(`backup-${plantedDays.inside}`)).toBe(true);
        expect(names.has(`backup-${plantedDays.future}`)).toBe(false);
        expect(r.stderr).toContain(`FLAGGED: models/backup-${plantedDays.future} is dated after today`);
        expect(names.has("backup-evil")).toBe(true);
        expect(names.has(`backup-${date}`)).toBe(true);
    });

    test.concurrent("model restore puts a deleted version back, and refuses to overwrite an existing one", async () => {
        const { src, env, date } = await models();
        const args = ["models", "--date", date, "--version", "v1.0.0"];
        const refused = await restoreTool(args, env);
        expect(refused.status).toBe(2);
        expect(refused.stderr).toContain("REFUSED");
        await s3.client.send(
            new DeleteObjectsCommand({
                Bucket: src,
                Delete: { Objects: [{ Key: "v1.0.0/densenet/1/model.onnx" }, { Key: "v1.0.0/densenet/config.pbtxt" }] },
            }),
        );
        expect(await s3.keys(src, "v1.0.0/")).toEqual([]);
        expectOk(await restoreTool(args, env), "tools/restore.sh models");
        expect(await s3.keys(src, "v1.0.0/")).toEqual(["v1.0.0/densenet/1/model.onnx", "v1.0.0/densenet/config.pbtxt"]);
    });

    test.concurrent("model restore refuses a planted backup and an object added to a signed one", async () => {
        const { backups, env, date } = await models();
        // A backup dated yesterday, planted with an unsigned marker.
        const yesterday = day(Date.now() - DAY);
        await s3.put(backups, `models/backup-${yesterday}/v1.1.0/evil.onnx`, "planted model");
        await s3.put(
            backups,
            `models/backup-${yesterday}.manifest`,
            `format\tmed-agi-backup/1\nkind\tmodels\nrun\t${yesterday}\nobject\tv1.1.0/evil.onnx\t13\n`,
        );
        const plantedRestore = await restoreTool(["models", "--date", yesterday, "--version", "v1.1.0", "--overwrite"], env);
        expect(plantedRestore.status).toBe(1);
        expect(plantedRestore.stderr).toContain("is not signed");
        // An object slipped into the real backup's v1.1.0.
        await s3.put(backups, `models/backup-${date}/v1.1.0/ekg net/1/extra.onnx`, "planted");
        const added = await restoreTool(["models", "--date", date, "--version", "v1.1.0", "--overwrite"], env);
        expect(added.status).toBe(1);
        expect(added.stderr).toContain("differ from the signed marker");
    });

    // --- A writer of backups/models/* must not get a model of its choice restored.

    test.concurrent("model restore deletes an object replaced by another of the same size, and fails naming it", async () => {
        const { backups, env, date } = await models();
        // A copy of the signed backup; the attacker swaps one model for 4096 other bytes.
        const tampered = await s3.bucket("med-agi-backups-swap");
        await s3.copyPrefix(backups, `models/backup-${date}`, tampered, `models/backup-${date}`);
        await s3.put(tampered, `models/backup-${date}/v1.0.0/densenet/1/model.onnx`, Buffer.alloc(4096, 66));
        const models2 = await s3.bucket("med-agi-models-swap");
        const r = await restoreTool(["models", "--date", date, "--version", "v1.0.0"], {
            ...env,
            BACKUP_BUCKET: tampered,
            MODELS_BUCKET: models2,
        });
        expect(r.status).toBe(1);
        expect(r.stderr).toContain(`SHA-256 mismatch for v1.0.0/densenet/1/model.onnx: the signed marker says ${MODEL_SHA256}`);
        expect(r.stderr).toContain("REFUSED: 1 object(s) of v1.0.0");
        // The swapped model is gone from the models bucket; the object that matched its hash stays.
        expect(await s3.keys(models2)).toEqual(["v1.0.0/densenet/config.pbtxt"]);
    });

    test.concurrent("model backup refuses a prefix planted before it runs, so same-size planted files are never signed", async () => {
        const { src } = await models();
        const backups = await s3.bucket("med-agi-backups-plant");
        // Planted under the prefix this run writes (the next day's, seen from the day before): same key, same size.
        const today = day(Date.now());
        // Uploaded as the job would (SSE-KMS), so only the prefix check can tell it apart.
        await s3.client.send(
            new PutObjectCommand({
                Bucket: backups,
                Key: `models/backup-${today}/v1.0.0/densenet/1/model.onnx`,
                Body: Buffer.alloc(4096, 66),
                ServerSideEncryption: "aws:kms",
            }),
        );
        const r = await runScript(
            "model-backup.sh",
            [],
            podEnv({ MODELS_BUCKET: src, BACKUP_BUCKET: backups, S3_SSE_KMS_KEY_ID: undefined }),
        );
        expect(r.status).toBe(1);
        expect(r.stderr).toContain(`REFUSED: s3://${backups}/models/backup-${today}/ already exists`);
        // Nothing was copied and nothing signed: the planted object is the only one there.
        expect(await s3.keys(backups)).toEqual([`models/backup-${today}/v1.0.0/densenet/1/model.onnx`]);
    });

    // --- Deleting the newest runs must not push a restore back to old data.

    test.concurrent(
        "latest is refused once the runs of the last 48 hours are deleted; a run just inside 48 h and a named run restore",
        async () => {
            const { bucket, run } = await copyOfMainRun("stale-latest");
            const body = unsigned((await s3.get(bucket, `postgres/${run}/manifest`)).toString());
            const signedCopy = async (id: string): Promise<void> => {
                await s3.copyPrefix(bucket, `postgres/${run}/`, bucket, `postgres/${id}/`);
                await s3.put(bucket, `postgres/${id}/manifest`, sign(body.replace(`run\t${run}`, `run\t${id}`)));
            };
            const inside = runId(Date.now() - 48 * HOUR + 10 * 60000);
            const outside = runId(Date.now() - 48 * HOUR - 10 * 60000);
            await signedCopy(inside);
            await signedCopy(outside);
            const deleteRun = (id: string) =>
                s3.client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: `postgres/${id}/manifest` }] } }));
            // The writer deletes the newest manifest: latest is the run 47 h 50 min old, still fresh enough.
            await deleteRun(run);
            const fresh = await runScript("s3-fetch.sh", [], podEnv({ BACKUP_BUCKET: bucket, WORK_DIR: workDir("stale-inside") }));
            expectOk(fresh, "s3-fetch.sh");
            expect(fresh.stderr).toContain(`run ${inside} fetched and verified`);
            // And that one too: the newest left is 48 h 10 min old. The drill refuses it before downloading anything.
            await deleteRun(inside);
            const stale = await drill(bucket, "drill_stale");
            expect(stale.status).toBe(1);
            expect(stale.stderr).toContain(
                `REFUSED: the newest complete postgres run is ${outside}, 48 h old: older than LATEST_MAX_AGE_HOURS (48 h)`,
            );
            expect(stale.stderr).not.toContain("fetching");
            expect(scratchDatabases("drill_stale")).toEqual([]);
            // Named on purpose, the same run is fetched and verified.
            const named = await runScript(
                "s3-fetch.sh",
                [],
                podEnv({ BACKUP_BUCKET: bucket, WORK_DIR: workDir("stale-named"), RESTORE_RUN: outside }),
            );
            expectOk(named, "s3-fetch.sh");
            expect(named.stderr).toContain(`run ${outside} fetched and verified`);
        },
    );

    test.concurrent("the aws CLI through its fork server answers as the CLI itself: output, errors, exit status and streams", async () => {
        const { run: backupRun } = await mainBackup();
        const bucket = await s3.bucket("med-agi-aws-parity");
        const endpoint = ["--endpoint-url", s3.endpoint];
        const via = { fork: { ...s3.env, ...aws.env }, plain: { ...s3.env } };
        // The fork server's client is the `aws` the scripts find first.
        const which = await run("sh", ["-c", "command -v aws"], via.fork);
        expect(path.basename(path.dirname(which.stdout.trim())).startsWith("medagi-aws-")).toBe(aws.forkServer);
        const both = async (args: string[], input?: string): Promise<ScriptResult[]> =>
            Promise.all([run("aws", args, via.fork, 300000, input), run("aws", args, via.plain, 300000, input)]);
        const same = async (args: string[], input?: string): Promise<ScriptResult> => {
            const [fork, plain] = await both(args, input);
            expect([args, fork]).toEqual([args, plain]);
            return fork as ScriptResult;
        };
        expect((await same(["--version"])).stdout).toMatch(/^aws-cli\//);
        const listed = await same([
            "s3api",
            "list-objects-v2",
            "--bucket",
            BUCKET,
            "--prefix",
            `postgres/${backupRun}/`,
            "--query",
            "Contents[].[Key,Size]",
            "--output",
            "text",
            ...endpoint,
        ]);
        expect(listed.stdout).toContain(`postgres/${backupRun}/manifest`);
        const missing = await same(["s3api", "head-bucket", "--bucket", "med-agi-no-such-bucket", ...endpoint]);
        expect(missing.status).not.toBe(0);
        const usage = await same(["s3api", "no-such-operation"]);
        // argparse's usage error: 2 in CLI v1, 252 in v2.
        expect([usage.status, usage.stderr]).toEqual([expect.any(Number), expect.stringContaining("Invalid choice")]);
        expect(usage.status).not.toBe(0);
        // Streams: stdin to an object (SSE-KMS as the scripts send it), then the object to stdout.
        for (const mode of ["fork", "plain"] as const) {
            const put = await run(
                "aws",
                ["s3", "cp", "-", `s3://${bucket}/parity/${mode}`, "--sse", "aws:kms", "--sse-kms-key-id", KMS_KEY, ...endpoint],
                via[mode],
                300000,
                `streamed ${mode}\n`,
            );
            expect([mode, put.status, put.stderr]).toEqual([mode, 0, ""]);
            const got = await run("aws", ["s3", "cp", `s3://${bucket}/parity/${mode}`, "-", ...endpoint], via[mode]);
            expect([mode, got.status, got.stdout]).toEqual([mode, 0, `streamed ${mode}\n`]);
        }
        const sent = s3.uploads().filter((u) => u.bucket === bucket);
        expect(sent.map((u) => [u.key, u.sse, u.kmsKeyId, u.userAgent.split(" ")[0]])).toEqual(
            ["fork", "plain"].map((mode) => [`parity/${mode}`, "aws:kms", KMS_KEY, expect.stringMatching(/^aws-cli\//)]),
        );
        expect(sent[0]?.userAgent.split(" ").slice(0, 2)).toEqual(sent[1]?.userAgent.split(" ").slice(0, 2));
    });

    test.concurrent("postgres-backup fails non-zero with a wrong password, before anything is uploaded", async () => {
        const dir = workDir("wrongpw");
        const dump = await runScript("pg-dump.sh", [], podEnv({ PGPASSWORD: "wrong-password", WORK_DIR: dir }));
        expect(dump.status).not.toBe(0);
        expect(dump.stderr).toContain('cannot connect to PostgreSQL database "medagi"');
        expect(dump.stderr).not.toContain("wrong-password");
        // The upload step alone also refuses: no manifest was produced.
        const alone = await runScript("s3-publish.sh", [], podEnv({ WORK_DIR: dir }));
        expect(alone.status).not.toBe(0);
        expect(alone.stderr).toContain("no manifest");
    });

    test.concurrent("the upload and fetch steps refuse a bad encryption setting or signing key before touching S3", async () => {
        const { outCopy } = await mainBackup();
        const cases: [NodeJS.ProcessEnv, string][] = [
            [{ S3_SSE: "AES257" }, 'S3_SSE must be "aws:kms" or "none", got "AES257"'],
            [{ S3_SSE: "none" }, 'S3_SSE_KMS_KEY_ID is set but S3_SSE is "none"'],
            [{ BACKUP_SIGNING_KEY: "" }, "BACKUP_SIGNING_KEY is not set"],
            [{ BACKUP_SIGNING_KEY: "short" }, "BACKUP_SIGNING_KEY must be 32 to 64 characters"],
        ];
        for (const [extra, message] of cases) {
            const r = await runScript("s3-publish.sh", [], podEnv({ WORK_DIR: outCopy, BACKUP_BUCKET: "med-agi-unused", ...extra }));
            expect([r.status, r.stderr]).toEqual([1, expect.stringContaining(message)]);
            expect(r.stderr).not.toContain("short");
            expect(s3.uploads().filter((u) => u.bucket === "med-agi-unused")).toEqual([]);
        }
        const fetchNoKey = await runScript("s3-fetch.sh", [], podEnv({ WORK_DIR: workDir("nokey"), BACKUP_SIGNING_KEY: undefined }));
        expect([fetchNoKey.status, fetchNoKey.stderr]).toEqual([1, expect.stringContaining("BACKUP_SIGNING_KEY is not set")]);
    });

    test.concurrent("postgres-backup fails non-zero into a missing bucket and marks nothing complete", async () => {
        const { outCopy } = await mainBackup();
        const dir = workDir("nobucket");
        fs.cpSync(path.join(outCopy, "out"), path.join(dir, "out"), { recursive: true });
        const publish = await runScript("s3-publish.sh", [], podEnv({ BACKUP_BUCKET: "med-agi-no-such-bucket", WORK_DIR: dir }));
        expect(publish.status).not.toBe(0);
        expect(publish.stderr).toContain("bucket s3://med-agi-no-such-bucket does not exist");
        expect(s3.uploads().some((u) => u.bucket === "med-agi-no-such-bucket")).toBe(false);
    });

    test.concurrent("postgres-backup refuses to overwrite a completed run", async () => {
        const { outCopy, run, manifest } = await mainBackup();
        const dir = workDir("replay");
        fs.cpSync(path.join(outCopy, "out"), path.join(dir, "out"), { recursive: true });
        const again = await runScript("s3-publish.sh", [], podEnv({ WORK_DIR: dir }));
        expect(again.status).not.toBe(0);
        expect(again.stderr).toContain("refusing to overwrite a completed run");
        expect((await s3.get(BUCKET, `postgres/${run}/manifest`)).toString()).toBe(manifest);
    });

    test.concurrent("postgres-backup refuses to call a run backed up when the store drops the encryption flag", async () => {
        // s3rver without the front stores objects without ServerSideEncryption, as a bucket that ignored the flag would.
        const { outCopy } = await mainBackup();
        const bucket = await s3.bucket("med-agi-backups-nosse");
        const dir = workDir("nosse");
        fs.cpSync(path.join(outCopy, "out"), path.join(dir, "out"), { recursive: true });
        const r = await runScript("s3-publish.sh", [], podEnv({ BACKUP_BUCKET: bucket, WORK_DIR: dir, S3_ENDPOINT_URL: s3.rawEndpoint }));
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(
            /uploaded s3:\/\/\S+\/postgres\/\d{8}T\d{6}Z\/backup_\d{8}\.dump is stored without SSE-KMS \(ServerSideEncryption: None\)/,
        );
        expect((await s3.keys(bucket)).filter((k) => k.endsWith("/manifest"))).toEqual([]);
    });

    test.concurrent("restore refuses the live database without --overwrite-live, then restores every row after it is dropped", async () => {
        const { before } = await mainBackup();
        const dir = await fetched();
        pg.psql("medagi", "INSERT INTO empty_table VALUES (42)");
        const refused = await runScript("pg-restore.sh", ["--dir", path.join(dir, "in"), "--target-db", "medagi"], podEnv());
        expect(refused.status).toBe(2);
        expect(refused.stderr).toContain("REFUSED");
        expect(pg.psql("medagi", "SELECT count(*) FROM empty_table").trim()).toBe("1");
        pg.psql("postgres", "DROP DATABASE medagi WITH (FORCE)");
        const r = await runScript("pg-restore.sh", ["--dir", path.join(dir, "in"), "--target-db", "medagi", "--overwrite-live"], podEnv());
        expectOk(r, "pg-restore.sh --overwrite-live");
        expect(r.stderr).toContain("manifest signature verified with BACKUP_SIGNING_KEY");
        expect(r.stderr).toContain("row counts match the manifest for 8 table(s)");
        expect(tableChecksums("medagi")).toEqual(before);
    });

    test.concurrent("tools/restore.sh --local restores a chosen run into a new database, and refuses the live one", async () => {
        const { before, run } = await mainBackup();
        const env = podEnv({ TMPDIR: workDir("tool") });
        const refused = await restoreTool(["postgres", "--local", "--target-db", "medagi"], env);
        expect(refused.status).toBe(2);
        const ok = await restoreTool(["postgres", "--local", "--run", run.slice(0, 8), "--target-db", "medagi_inspect"], env);
        expectOk(ok, "tools/restore.sh postgres --local");
        expect(tableChecksums("medagi_inspect")).toEqual(before);
        const wrongRun = await restoreTool(["postgres", "--local", "--run", "19990101", "--target-db", "medagi_other"], env);
        expect(wrongRun.status).toBe(1);
        expect(wrongRun.stderr).toContain('no complete postgres backup matches "19990101"');
    });

    test.concurrent("restore-drill passes on a good run and drops its scratch database", async () => {
        const { run } = await mainBackup();
        const dir = await fetched();
        const r = await runScript("restore-drill.sh", [], podEnv({ WORK_DIR: dir, DRILL_DB_PREFIX: "drill_good" }));
        expectOk(r, "restore drill");
        expect(r.stderr).toContain(`DRILL PASSED for run ${run}`);
        expect(r.stderr).toContain("row counts match the manifest for 8 table(s)");
        expect(scratchDatabases("drill_good")).toEqual([]);
    });

    test.concurrent("restore-drill fails non-zero on a corrupted dump (bytes flipped in the bucket)", async () => {
        const { bucket, dump, dumpKey } = await copyOfMainRun("drill-corrupt");
        const bad = Buffer.from(dump);
        for (let i = 200; i < 260; i++) bad[i] = (bad[i] as number) ^ 0xff;
        await s3.put(bucket, dumpKey, bad);
        const r = await drill(bucket, "drill_corrupt");
        expect(r.status).not.toBe(0);
        expect(r.stderr).toMatch(/SHA-256 mismatch for backup_\d{8}\.dump/);
        expect(scratchDatabases("drill_corrupt")).toEqual([]);
    });

    test.concurrent("restore-drill fails non-zero on a truncated dump even when the checksums were re-signed with the key", async () => {
        // Checksums cannot catch a dump that was truncated before it was checksummed: pg_restore must.
        const { bucket, run, dump, dumpKey, manifest } = await copyOfMainRun("drill-truncated");
        const truncated = dump.subarray(0, Math.floor(dump.length / 2));
        const name = path.basename(dumpKey);
        const sum = createHash("sha256").update(truncated).digest("hex");
        const forged = unsigned(manifest).replace(
            new RegExp(`^file\\t${name}\\t[0-9a-f]{64}\\t\\d+$`, "m"),
            `file\t${name}\t${sum}\t${truncated.length}`,
        );
        expect(forged).not.toEqual(unsigned(manifest));
        await s3.put(bucket, dumpKey, truncated);
        await s3.put(bucket, `postgres/${run}/manifest`, sign(forged));
        const r = await drill(bucket, "drill_trunc");
        expect(r.status).not.toBe(0);
        expect(r.stderr).toMatch(/pg_restore (--list cannot read|of backup_\d{8}\.dump into .* failed)/);
        expect(r.stderr).toContain("DRILL FAILED");
        expect(scratchDatabases("drill_trunc")).toEqual([]);
    });

    test.concurrent("restore-drill fails non-zero when a table's row count differs from the (re-signed) manifest", async () => {
        const { bucket, run, manifest } = await copyOfMainRun("drill-rows");
        const edited = unsigned(manifest).replace("table\tpublic.patients\t2500", "table\tpublic.patients\t2501");
        await s3.put(bucket, `postgres/${run}/manifest`, sign(edited));
        const r = await drill(bucket, "drill_rows");
        expect(r.status).not.toBe(0);
        expect(r.stderr).toContain("do not match the manifest");
        expect(r.stderr).toContain("DRILL FAILED");
        expect(scratchDatabases("drill_rows")).toEqual([]);
    });

    // --- Forged backups: an attacker who can write to the bucket, but has no signing key.

    test.concurrent(
        "only past-dated run ids are candidates: planted prefixes and future runs (even signed) are ignored and logged",
        async () => {
            const { bucket, run } = await copyOfMainRun("forge-names");
            const body = unsigned((await s3.get(bucket, `postgres/${run}/manifest`)).toString());
            /** A copy of the main run under `id`, its manifest naming `id` and signed with the real key. */
            const signedCopy = async (id: string): Promise<void> => {
                await s3.copyPrefix(bucket, `postgres/${run}/`, bucket, `postgres/${id}/`);
                await s3.put(bucket, `postgres/${id}/manifest`, sign(body.replace(`run\t${run}`, `run\t${id}`)));
            };
            await s3.copyPrefix(bucket, `postgres/${run}/`, bucket, "postgres/zz-evil/");
            const future = runId(Date.now() + 3600000);
            // Just inside the default 5-minute allowance, so the strict fetch below still sees it
            // more than 60 s ahead however slowly the first fetch runs on a loaded machine.
            const withinSkew = runId(Date.now() + 290000);
            await signedCopy(future);
            await signedCopy(withinSkew);
            // The default allowance is 5 minutes: a run 4m50s ahead is a clock difference, one an hour ahead is not.
            const dir = workDir("forge-names");
            const r = await runScript("s3-fetch.sh", [], podEnv({ BACKUP_BUCKET: bucket, WORK_DIR: dir }));
            expectOk(r, "s3-fetch.sh");
            expect(r.stderr).toContain(`IGNORED s3://${bucket}/postgres/zz-evil/manifest: "zz-evil" is not a run id`);
            expect(r.stderr).toContain(`IGNORED s3://${bucket}/postgres/${future}/manifest: run "${future}" is dated in the future`);
            expect(r.stderr).not.toContain(`run "${withinSkew}" is dated in the future`);
            expect(r.stderr).toContain(`run ${withinSkew} fetched and verified`);
            // With a 60 s allowance the 4m50s run is future too, and the real run is the latest.
            const strict = await runScript("s3-fetch.sh", [], podEnv({ BACKUP_BUCKET: bucket, WORK_DIR: dir, CLOCK_SKEW_SECONDS: "60" }));
            expectOk(strict, "s3-fetch.sh");
            expect(strict.stderr).toContain(`run "${withinSkew}" is dated in the future`);
            expect(strict.stderr).toContain(`run ${run} fetched and verified`);
            expect(fs.readFileSync(path.join(dir, "in", "manifest"), "utf8")).toContain(`run\t${run}\n`);
        },
    );

    test.concurrent("a planted run with a valid, newer run id but no signature is refused, and the drill never runs", async () => {
        const { bucket, run, manifest } = await copyOfMainRun("forge-unsigned");
        const newer = runId(epochOfRun(run) + 1000);
        await s3.copyPrefix(bucket, `postgres/${run}/`, bucket, `postgres/${newer}/`);
        await s3.put(bucket, `postgres/${newer}/manifest`, unsigned(manifest).replace(`run\t${run}`, `run\t${newer}`));
        const r = await drill(bucket, "drill_unsigned");
        expect(r.status).toBe(1);
        expect(r.stderr).toContain("is not signed");
        expect(r.stderr).not.toContain("DRILL");
        expect(scratchDatabases("drill_unsigned")).toEqual([]);
    });

    test.concurrent("a tampered manifest is refused by the fetch, the drill and the restore", async () => {
        const { bucket, run, manifest } = await copyOfMainRun("forge-manifest");
        // Same checksums, one row count changed, signature kept: the HMAC no longer matches.
        const tampered = manifest.replace("table\tpublic.patients\t2500", "table\tpublic.patients\t2499");
        await s3.put(bucket, `postgres/${run}/manifest`, tampered);
        const fetch = await drill(bucket, "drill_tampered");
        expect(fetch.status).toBe(1);
        expect(fetch.stderr).toContain("does not verify with BACKUP_SIGNING_KEY");
        // The postgres-image steps check the signature themselves too (a --dir given by hand, say).
        const dir = workDir("tampered");
        fs.mkdirSync(path.join(dir, "in"));
        for (const key of await s3.keys(bucket, `postgres/${run}/`)) {
            fs.writeFileSync(path.join(dir, "in", path.basename(key)), await s3.get(bucket, key));
        }
        const d = await runScript("restore-drill.sh", [], podEnv({ WORK_DIR: dir, DRILL_DB_PREFIX: "drill_tampered" }));
        expect([d.status, d.stderr]).toEqual([1, expect.stringContaining("REFUSED: the signature of")]);
        const p = await runScript("pg-restore.sh", ["--dir", path.join(dir, "in"), "--target-db", "medagi_tampered"], podEnv());
        expect([p.status, p.stderr]).toEqual([1, expect.stringContaining("REFUSED: the signature of")]);
        expect(scratchDatabases("drill_tampered")).toEqual([]);
        expect(scratchDatabases("medagi_tampered")).toEqual([]);
    });

    test.concurrent("a replaced dump with checksums updated to match is refused: the manifest's signature breaks", async () => {
        const { bucket, run, manifest, dumpKey } = await copyOfMainRun("forge-dump");
        const evil = Buffer.from("PGDMP planted SQL: DROP TABLE patients;");
        const name = path.basename(dumpKey);
        const forged = manifest.replace(
            new RegExp(`^file\\t${name}\\t[0-9a-f]{64}\\t\\d+$`, "m"),
            `file\t${name}\t${createHash("sha256").update(evil).digest("hex")}\t${evil.length}`,
        );
        expect(forged).not.toEqual(manifest);
        await s3.put(bucket, dumpKey, evil);
        await s3.put(bucket, `postgres/${run}/manifest`, forged);
        const r = await drill(bucket, "drill_dump");
        expect(r.status).toBe(1);
        expect(r.stderr).toContain("does not verify with BACKUP_SIGNING_KEY");
        expect(scratchDatabases("drill_dump")).toEqual([]);
    });

    test.concurrent("a manifest signed with another key is refused; during a rotation the previous key is accepted", async () => {
        const { bucket } = await copyOfMainRun("forge-key");
        const otherKey = randomBytes(32).toString("hex");
        const wrong = await runScript(
            "s3-fetch.sh",
            [],
            podEnv({ BACKUP_BUCKET: bucket, WORK_DIR: workDir("key"), BACKUP_SIGNING_KEY: otherKey }),
        );
        expect(wrong.status).toBe(1);
        expect(wrong.stderr).toContain(
            "does not verify with BACKUP_SIGNING_KEY: the manifest was altered, forged, or signed with another key",
        );
        const rotated = await runScript(
            "s3-fetch.sh",
            [],
            podEnv({
                BACKUP_BUCKET: bucket,
                WORK_DIR: workDir("key2"),
                BACKUP_SIGNING_KEY: otherKey,
                BACKUP_SIGNING_KEY_PREVIOUS: SIGNING_KEY,
            }),
        );
        expectOk(rotated, "s3-fetch.sh with the previous key");
        expect(rotated.stderr).toContain("manifest signature verified with BACKUP_SIGNING_KEY_PREVIOUS");
    });

    test.concurrent("a signed manifest copied under another run id is refused", async () => {
        const { bucket, run } = await copyOfMainRun("forge-replay");
        const newer = runId(epochOfRun(run) + 1000);
        await s3.copyPrefix(bucket, `postgres/${run}/`, bucket, `postgres/${newer}/`);
        const r = await runScript("s3-fetch.sh", [], podEnv({ BACKUP_BUCKET: bucket, WORK_DIR: workDir("replay2") }));
        expect(r.status).toBe(1);
        expect(r.stderr).toContain(`names run ${run} but was stored under ${newer}`);
    });

    test.concurrent("the signature is HMAC-SHA256: RFC 4231 vectors, openssl and Node agree with lib.sh", async () => {
        const lib = path.join(REPO_ROOT, "infra", "backups", "scripts", "lib.sh");
        const viaStdin = async (key: string, data: string): Promise<string> => {
            const r = await run("bash", ["-c", `. '${lib}' && hmac_sha256_hex "$1"`, "hmac", key], { PATH: process.env.PATH }, 60000, data);
            expectOk(r, "hmac_sha256_hex");
            return r.stdout;
        };
        // RFC 4231 test case 2.
        expect(await viaStdin("Jefe", "what do ya want for nothing?")).toBe(
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        );
        // A 64-character key (the longest accepted: one SHA-256 block) over a manifest-like body.
        const key = randomBytes(32).toString("hex");
        const body = `format\tmed-agi-backup/1\n${randomBytes(3000).toString("base64")}\n`;
        const ours = await viaStdin(key, body);
        expect(ours).toBe(createHmac("sha256", key).update(body).digest("hex"));
        const f = path.join(workDir("hmac"), "body");
        fs.writeFileSync(f, body);
        const openssl = await run("openssl", ["dgst", "-sha256", "-hmac", key, f], { PATH: process.env.PATH });
        expect(openssl.stdout.trim().split(" ").pop()).toBe(ours);
    });
});

// No cluster here: a stand-in kubectl records its arguments and prints YAML.
// Everything after it — checksums, manifest, signature, upload, completion — is real.
const resources = "configmaps,serviceaccounts,roles.rbac.authorization.k8s.io";
function kubectlStandIn(secretInOutput: boolean): { env: NodeJS.ProcessEnv; calls: string } {
    const dir = fs.mkdtempSync(path.join(work, "kubectl-"));
    const calls = path.join(dir, "calls");
    const kind = secretInOutput ? "Secret" : "ConfigMap";
    fs.writeFileSync(
        path.join(dir, "kubectl"),
        `#!/bin/sh\necho "$*" >> '${calls}'\nprintf 'apiVersion: v1\\nitems:\\n- apiVersion: v1\\n  kind: ${kind}\\n  metadata:\\n    name: x\\nkind: List\\n'\n`,
        { mode: 0o755 },
    );
    return { env: { PATH: `${dir}:${pg.binDir}:${aws.env.PATH ?? ""}` }, calls };
}
