/**
 * Real servers on loopback for the backup script tests: a PostgreSQL cluster
 * (Debian's server binaries, initdb + pg_ctl in a temp dir, as the `postgres`
 * user when the tests run as root) and s3rver (an S3-compatible server, run as
 * a child process so the tests can call the aws CLI synchronously). Missing
 * tools throw: the tests fail, they never skip.
 */
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

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const ok = await new Promise<boolean>((resolve) => {
            const sock = net.connect(port, "127.0.0.1");
            sock.once("connect", () => {
                sock.destroy();
                resolve(true);
            });
            sock.once("error", () => resolve(false));
        });
        if (ok) return;
        if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
    }
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
            "-t",
            "60",
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
    readonly endpoint: string;
    /** Environment for the aws CLI and the scripts: endpoint, dummy keys, no user config. */
    readonly env: NodeJS.ProcessEnv;
    aws(args: string[]): SpawnSyncReturns<string>;
    stop(): Promise<void>;
}

/** s3rver on a free loopback port, data in a temp dir; credentials are s3rver's fixed S3RVER/S3RVER. */
export async function startS3(): Promise<S3Server> {
    requireTool("aws", "awscli");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "medagi-s3-"));
    const port = await freePort();
    const bin = path.join(REPO_ROOT, "node_modules", "s3rver", "bin", "s3rver.js");
    const child: ChildProcess = spawn(process.execPath, [bin, "-d", dir, "-a", "127.0.0.1", "-p", String(port), "-s"], {
        stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    try {
        await waitForPort(port, 15000);
    } catch (err) {
        child.kill("SIGKILL");
        throw new Error(`s3rver did not start: ${String(err)}\n${stderr}`);
    }
    const endpoint = `http://127.0.0.1:${port}`;
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "medagi-home-"));
    const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
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
    return {
        endpoint,
        env,
        aws(args: string[]): SpawnSyncReturns<string> {
            return spawnSync("aws", [...args, "--endpoint-url", endpoint], { encoding: "utf8", env });
        },
        async stop(): Promise<void> {
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

export interface ScriptResult {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

/** Runs `bash <script> args` from infra/backups/scripts — the files the CronJobs mount. */
export function runScript(script: string, args: string[], env: NodeJS.ProcessEnv): ScriptResult {
    const r = spawnSync("bash", [path.join(SCRIPTS_DIR, script), ...args], { encoding: "utf8", env, timeout: 300000 });
    if (r.error !== undefined) throw r.error;
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
