/**
 * Real servers on loopback for the backup script tests, started once per test
 * file: a PostgreSQL cluster (Debian's server binaries, one initdb + pg_ctl in a
 * temp dir, as the `postgres` user when the tests run as root) and s3rver (an
 * S3-compatible server, in a child process behind the recording front of
 * s3-server.js). Scripts run asynchronously, so independent cases run at the
 * same time. Missing tools throw: the tests fail, they never skip.
 */
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const SCRIPTS_DIR = path.join(REPO_ROOT, "infra", "backups", "scripts");

/** The newest /usr/lib/postgresql/<major>/bin that has initdb (or PG_BIN). */
export function postgresBinDir(): string {
    const explicit = process.env.PG_BIN;
    if (explicit !== undefined && fs.existsSync(path.join(explicit, "initdb"))) return explicit;
    const root = "/usr/lib/postgresql";
    const majors = fs.existsSync(root) ? fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, "bin", "initdb"))) : [];
    majors.sort((a, b) => Number(b) - Number(a));
    if (majors.length === 0) {
        throw new Error("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (install Debian package postgresql)");
    }
    return path.join(root, majors[0] as string, "bin");
}

export function requireTool(tool: string, debianPackage: string): void {
    const found = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" });
    if (found.status !== 0) throw new Error(`${tool} not found on PATH (install Debian package ${debianPackage})`);
}

/**
 * PATH for the scripts with the directory of the aws CLI that `aws` resolves to
 * first. Where `aws` is a pyenv shim (a bash script that runs `pyenv exec` on
 * every call), the shim is resolved once with `pyenv which`: the same aws CLI,
 * without two extra bash processes on each of the suite's ~80 calls.
 */
export function pathWithResolvedAws(pathVar: string | undefined): string | undefined {
    const aws = whichAws(pathVar);
    if (aws === undefined || !/\/shims\/aws$/.test(aws) || !fs.readFileSync(aws, "utf8").includes("pyenv")) return pathVar;
    const real = spawnSync("pyenv", ["which", "aws"], { encoding: "utf8", env: { ...process.env, PATH: pathVar } });
    if (real.status !== 0 || real.stdout.trim() === "") return pathVar;
    return `${path.dirname(real.stdout.trim())}:${pathVar ?? ""}`;
}

/** The file `aws` resolves to on `pathVar`, or undefined. */
function whichAws(pathVar: string | undefined): string | undefined {
    const found = spawnSync("sh", ["-c", "command -v aws"], { encoding: "utf8", env: { ...process.env, PATH: pathVar } });
    const aws = found.stdout.trim();
    return found.status === 0 && aws !== "" ? aws : undefined;
}

export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const addr = srv.address();
            const port = typeof addr === "object" && addr !== null ? addr.port : 0;
            srv.close(() => resolve(port));
        });
    });
}

function check(result: SpawnSyncReturns<string>, what: string): string {
    if (result.error !== undefined) throw new Error(`${what}: ${result.error.message}`);
    if (result.status !== 0) throw new Error(`${what} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
    return result.stdout;
}

const isRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL server binary as the `postgres` user when we are root (postgres refuses root). */
function asPostgres(bin: string, args: string[]): SpawnSyncReturns<string> {
    return isRoot
        ? spawnSync("runuser", ["-u", "postgres", "--", bin, ...args], { encoding: "utf8" })
        : spawnSync(bin, args, { encoding: "utf8" });
}

export interface PgServer {
    readonly port: number;
    readonly binDir: string;
    readonly superuser: string;
    readonly superPassword: string;
    /** Run SQL as the superuser on `db`; returns unaligned, tab-separated rows. */
    psql(db: string, sql: string): string;
    stop(): void;
}

/** initdb a fresh cluster in a temp dir (scram-sha-256 on TCP), start it on a free loopback port. */
export async function startPostgres(): Promise<PgServer> {
    const binDir = postgresBinDir();
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "medagi-pg-"));
    fs.chmodSync(base, 0o755);
    const data = path.join(base, "data");
    fs.mkdirSync(data, { mode: 0o700 });
    const superPassword = `super-${process.pid}-${Date.now()}`;
    const pwfile = path.join(base, "pwfile");
    fs.writeFileSync(pwfile, superPassword, { mode: 0o600 });
    if (isRoot) {
        const id = (flag: string): number => Number(check(spawnSync("id", [flag, "postgres"], { encoding: "utf8" }), "id postgres").trim());
        fs.chownSync(data, id("-u"), id("-g"));
        fs.chownSync(pwfile, id("-u"), id("-g"));
    }
    check(
        asPostgres(path.join(binDir, "initdb"), [
            "-D",
            data,
            "-U",
            "postgres",
            `--pwfile=${pwfile}`,
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--no-sync",
        ]),
        "initdb",
    );
    const port = await freePort();
    check(
        asPostgres(path.join(binDir, "pg_ctl"), [
            "-D",
            data,
            "-l",
            path.join(data, "server.log"),
            "-w",
            // pg_ctl returns as soon as the server accepts connections; the bound only
            // catches a server that never starts, with room for a heavily loaded machine.
            "-t",
            "300",
            "-o",
            `-p ${port} -k ${data} -c listen_addresses=127.0.0.1 -c fsync=off`,
            "start",
        ]),
        "pg_ctl start",
    );
    let stopped = false;
    return {
        port,
        binDir,
        superuser: "postgres",
        superPassword,
        psql(db: string, sql: string): string {
            return check(
                spawnSync(
                    path.join(binDir, "psql"),
                    [
                        "-X",
                        "-q",
                        "-A",
                        "-t",
                        "-F",
                        "\t",
                        "-v",
                        "ON_ERROR_STOP=1",
                        "-h",
                        "127.0.0.1",
                        "-p",
                        String(port),
                        "-U",
                        "postgres",
                        "-d",
                        db,
                        "-c",
                        sql,
                    ],
                    {
                        encoding: "utf8",
                        env: { ...process.env, PGPASSWORD: superPassword },
                    },
                ),
                `psql ${db}`,
            );
        },
        stop(): void {
            if (stopped) return;
            stopped = true;
            asPostgres(path.join(binDir, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]);
            fs.rmSync(base, { recursive: true, force: true });
        },
    };
}

export interface S3Server {
    /** The endpoint the scripts and tests use (s3rver behind the recording front of s3-server.js). */
    readonly endpoint: string;
    /** s3rver itself, without the front: it drops the server-side encryption headers. */
    readonly rawEndpoint: string;
    /** Environment for the aws CLI and the scripts: endpoint, dummy keys, no user config. */
    readonly env: NodeJS.ProcessEnv;
    /** An SDK client for the tests' own setup and inspection (never used by the scripts). */
    readonly client: S3Client;
    /** Creates a bucket with a unique name starting with `prefix`. */
    bucket(prefix: string): Promise<string>;
    /** Every key under `prefix` in `bucket`, sorted. */
    keys(bucket: string, prefix?: string): Promise<string[]>;
    get(bucket: string, key: string): Promise<Buffer>;
    put(bucket: string, key: string, body: Buffer | string): Promise<void>;
    /** Copies every object under `fromPrefix` of `from` to `toPrefix` of `to`. */
    copyPrefix(from: string, fromPrefix: string, to: string, toPrefix: string): Promise<void>;
    /** Uploads the front recorded (one per PUT, copy or completed multipart upload), in order. */
    uploads(): RecordedUpload[];
    stop(): Promise<void>;
}

/** One upload as the S3 server received it. */
export interface RecordedUpload {
    readonly bucket: string;
    readonly key: string;
    readonly copy: boolean;
    readonly sse: string | null;
    readonly kmsKeyId: string | null;
    readonly userAgent: string;
}

let bucketCounter = 0;

/**
 * s3rver behind its recording front (test/backups/s3-server.js), data in a temp
 * dir; credentials are s3rver's fixed S3RVER/S3RVER. Waits for the server's own
 * READY line instead of sleeping.
 */
export async function startS3(): Promise<S3Server> {
    requireTool("aws", "awscli");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "medagi-s3-"));
    const log = path.join(dir, "uploads.jsonl");
    fs.writeFileSync(log, "");
    const child: ChildProcess = spawn(process.execPath, [path.join(__dirname, "s3-server.js"), path.join(dir, "data"), log], {
        stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const [port, rawPort] = await new Promise<[number, number]>((resolve, reject) => {
        let stdout = "";
        // Resolved by the server's READY line (or its exit); the timer only catches a server that hangs.
        const timer = setTimeout(() => reject(new Error(`s3-server.js did not start within 300 s\n${stderr}`)), 300000);
        child.stdout?.on("data", (chunk: Buffer) => {
            stdout += chunk.toString();
            const m = /^READY (\d+) (\d+)$/m.exec(stdout);
            if (m) {
                clearTimeout(timer);
                resolve([Number(m[1]), Number(m[2])]);
            }
        });
        child.once("exit", (code) => {
            clearTimeout(timer);
            reject(new Error(`s3-server.js exited ${code}\n${stderr}`));
        });
    });
    const endpoint = `http://127.0.0.1:${port}`;
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "medagi-home-"));
    const env: NodeJS.ProcessEnv = {
        PATH: pathWithResolvedAws(process.env.PATH),
        HOME: home,
        TMPDIR: home,
        LANG: "C.UTF-8",
        AWS_ACCESS_KEY_ID: "S3RVER",
        AWS_SECRET_ACCESS_KEY: "S3RVER",
        AWS_DEFAULT_REGION: "us-east-1",
        AWS_SHARED_CREDENTIALS_FILE: path.join(home, "no-credentials"),
        AWS_CONFIG_FILE: path.join(home, "no-config"),
        S3_ENDPOINT_URL: endpoint,
    };
    const client = new S3Client({
        endpoint,
        forcePathStyle: true,
        region: "us-east-1",
        credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
    });
    const keys = async (bucket: string, prefix = ""): Promise<string[]> => {
        const out: string[] = [];
        let token: string | undefined;
        do {
            const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
            for (const o of page.Contents ?? []) if (o.Key !== undefined) out.push(o.Key);
            token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
        } while (token !== undefined);
        return out.sort();
    };
    const get = async (bucket: string, key: string): Promise<Buffer> => {
        const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return Buffer.from(await (r.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
    };
    const put = async (bucket: string, key: string, body: Buffer | string): Promise<void> => {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    };
    return {
        endpoint,
        rawEndpoint: `http://127.0.0.1:${rawPort}`,
        env,
        client,
        async bucket(prefix: string): Promise<string> {
            const name = `${prefix}-${process.pid}-${++bucketCounter}`;
            await client.send(new CreateBucketCommand({ Bucket: name }));
            return name;
        },
        keys,
        get,
        put,
        async copyPrefix(from: string, fromPrefix: string, to: string, toPrefix: string): Promise<void> {
            for (const key of await keys(from, fromPrefix)) {
                await put(to, toPrefix + key.slice(fromPrefix.length), await get(from, key));
            }
        },
        uploads(): RecordedUpload[] {
            return fs
                .readFileSync(log, "utf8")
                .split("\n")
                .filter((l) => l !== "")
                .map((l) => JSON.parse(l) as RecordedUpload);
        },
        async stop(): Promise<void> {
            client.destroy();
            if (child.exitCode === null) {
                const exited = new Promise((r) => child.once("exit", r));
                child.kill("SIGTERM");
                await exited;
            }
            fs.rmSync(dir, { recursive: true, force: true });
            fs.rmSync(home, { recursive: true, force: true });
        },
    };
}

/** The aws CLI the scripts call: PATH with it first, and what else its calls need in the environment. */
export interface AwsCli {
    /** PATH and MED_AGI_AWS_FORKSERVER, to put in a script's environment. */
    readonly env: NodeJS.ProcessEnv;
    /** Whether calls go through the fork server (false: the plain CLI). */
    readonly forkServer: boolean;
    stop(): Promise<void>;
}

/**
 * The aws CLI for the scripts, with its imports done once: a fork server run by
 * the CLI's own interpreter (aws-forkserver.py: each call runs the real CLI in
 * a fresh fork of a process that has imported it and parsed its data files)
 * and a client named `aws` first on PATH (aws-client.py). About 0.2 CPU-s a
 * call instead of 0.8. `callers` is the environment the scripts run in (the S3
 * server's: HOME, AWS_*): the server runs in it, so that the data files it
 * reads ahead are those the calls read. The plain CLI (the aws on callers'
 * PATH) where it is not a Python script, or with MED_AGI_AWS_FORKSERVER=0.
 */
export async function startAwsCli(callers: NodeJS.ProcessEnv): Promise<AwsCli> {
    const pathVar = callers.PATH;
    const plain: AwsCli = { env: { PATH: pathVar }, forkServer: false, stop: async () => undefined };
    if (process.env.MED_AGI_AWS_FORKSERVER === "0") return plain;
    const aws = whichAws(pathVar);
    if (aws === undefined) throw new Error("aws not found on PATH (install Debian package awscli)");
    const python = /^#!\s*(\S*python[0-9.]*)\s*$/.exec(fs.readFileSync(aws, "utf8").split("\n", 1)[0] ?? "")?.[1];
    if (python === undefined) return plain;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "medagi-aws-"));
    const socket = path.join(dir, "aws.sock");
    fs.writeFileSync(path.join(dir, "aws"), `#!${python} -IS\n${fs.readFileSync(path.join(__dirname, "aws-client.py"), "utf8")}`, {
        mode: 0o755,
    });
    const server = spawn(python, [path.join(__dirname, "aws-forkserver.py"), socket, aws], {
        stdio: ["ignore", "pipe", "pipe"],
        env: callers,
    });
    let stderr = "";
    server.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
        let stdout = "";
        server.stdout?.on("data", (chunk: Buffer) => {
            stdout += chunk.toString();
            if (/^READY$/m.test(stdout)) resolve();
        });
        server.once("exit", (code) => reject(new Error(`aws-forkserver.py exited ${code} before it was ready\n${stderr}`)));
    });
    return {
        env: { PATH: `${dir}:${pathVar ?? ""}`, MED_AGI_AWS_FORKSERVER: socket },
        forkServer: true,
        async stop(): Promise<void> {
            if (server.exitCode === null && server.signalCode === null) {
                const exited = new Promise((r) => server.once("exit", r));
                server.kill("SIGTERM");
                await exited;
            }
            fs.rmSync(dir, { recursive: true, force: true });
            // What the handlers printed (a request they could not read): shown, never silently lost.
            if (stderr !== "") process.stderr.write(`aws-forkserver.py:\n${stderr}`);
        },
    };
}

export interface ScriptResult {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

/** Commands started by run() that have not exited yet, with their kill timers. */
const running = new Map<ChildProcess, NodeJS.Timeout>();

/**
 * Kills whatever run() started that is still running, and waits for it to exit.
 * For the file's afterAll: a case or hook that timed out leaves its script
 * running, and its process and kill timer would keep the jest worker from
 * exiting ("A worker process has failed to exit gracefully").
 */
export async function stopRunning(): Promise<void> {
    const exits = [...running].map(([child, timer]) => {
        clearTimeout(timer);
        const exited = new Promise((r) => child.once("close", r));
        child.kill("SIGKILL");
        return exited;
    });
    await Promise.all(exits);
}

/** Runs a command without blocking the event loop, so independent cases run at the same time. */
export function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 300000, input?: string): Promise<ScriptResult> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, { env, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
        if (input !== undefined) child.stdin?.end(input);
        let stdout = "";
        let stderr = "";
        child.stdout?.on("data", (c: Buffer) => (stdout += c.toString()));
        child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        running.set(child, timer);
        child.once("error", (err) => {
            clearTimeout(timer);
            running.delete(child);
            reject(err);
        });
        child.once("close", (status) => {
            clearTimeout(timer);
            running.delete(child);
            resolve({ status, stdout, stderr });
        });
    });
}

/** Runs `bash <script> args` from infra/backups/scripts — the files the CronJobs mount. */
export function runScript(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<ScriptResult> {
    return run("bash", [path.join(SCRIPTS_DIR, script), ...args], env);
}
