/**
 * The rendered logrotate configs, run by the real logrotate on a scratch
 * directory: 35 forced rotations leave exactly the runbook's 30 archives.
 * Only the path (and, for the host config, the `create` owner: the test user
 * instead of medagi) differ from what the program deploys.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { logrotateConfig, type LogrotateVariant } from "../../infra/logrotate";

const ROTATIONS = 35;
let scratch: string;

beforeAll(() => {
    const found = spawnSync("sh", ["-c", "command -v logrotate"], { encoding: "utf8" });
    if (found.status !== 0) throw new Error("logrotate not found on PATH (install Debian package logrotate)");
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "medagi-logrotate-"));
});
afterAll(() => {
    if (scratch !== undefined) fs.rmSync(scratch, { recursive: true, force: true });
});

interface Setup {
    dir: string;
    conf: string;
    state: string;
    env: NodeJS.ProcessEnv;
    dockerCalls: string;
}

/** A log dir, the rendered config pointed at it, and a stand-in `docker` that records its calls. */
function setup(variant: LogrotateVariant, label: string = variant): Setup {
    const base = path.join(scratch, label);
    const dir = path.join(base, "logs");
    const bin = path.join(base, "bin");
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    fs.mkdirSync(bin, { recursive: true });
    const dockerCalls = path.join(base, "docker-calls");
    fs.writeFileSync(
        path.join(bin, "docker"),
        `#!/bin/sh\necho "$*" >> '${dockerCalls}'\ncase "$1" in ps) printf 'c0ffee01\\nc0ffee02\\n' ;; esac\n`,
        { mode: 0o755 },
    );
    const user = os.userInfo().username;
    const group = spawnSync("id", ["-gn"], { encoding: "utf8" }).stdout.trim();
    const conf = path.join(base, "med-agi.conf");
    fs.writeFileSync(conf, logrotateConfig(variant, { path: `${dir}/*.log`, createOwner: { owner: user, group } }), { mode: 0o644 });
    return { dir, conf, state: path.join(base, "state"), env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` }, dockerCalls };
}

function rotate(s: Setup): void {
    const r = spawnSync("logrotate", ["-f", "-s", s.state, s.conf], { encoding: "utf8", env: s.env, cwd: s.dir });
    if (r.status !== 0) throw new Error(`logrotate exited ${r.status}: ${r.stderr}`);
}

function archives(dir: string, log: string): string[] {
    return fs.readdirSync(dir).filter((f) => f.startsWith(`${log}.`));
}

const mode = (f: string): string => (fs.statSync(f).mode & 0o777).toString(8).padStart(4, "0");

describe.each<LogrotateVariant>(["host", "kubernetes"])("the %s config under real logrotate", (variant) => {
    let s: Setup;
    beforeAll(() => {
        s = setup(variant);
        fs.writeFileSync(path.join(s.dir, "empty.log"), "", { mode: 0o640 });
        // The host config's `create` sets 0640 from the first rotation on; with
        // copytruncate the file keeps its mode, so the service creates it 0640.
        fs.writeFileSync(path.join(s.dir, "app.log"), "", { mode: variant === "host" ? 0o644 : 0o640 });
        for (let i = 1; i <= ROTATIONS; i++) {
            fs.appendFileSync(path.join(s.dir, "app.log"), `entry ${i}\n`);
            rotate(s);
        }
    });

    it(`keeps exactly 30 archives (rotate 30) after ${ROTATIONS} forced rotations`, () => {
        expect(archives(s.dir, "app.log")).toHaveLength(30);
    });

    it("compresses all but the newest archive (delaycompress)", () => {
        const names = archives(s.dir, "app.log").sort((a, b) => Number(a.split(".")[2]) - Number(b.split(".")[2]));
        expect(names[0]).toBe("app.log.1");
        expect(names.slice(1)).toEqual(Array.from({ length: 30 - 1 }, (_, i) => `app.log.${i + 2}.gz`));
        expect(fs.readFileSync(path.join(s.dir, "app.log.1"), "utf8")).toBe(`entry ${ROTATIONS}\n`);
        const oldest = spawnSync("gzip", ["-dc", path.join(s.dir, "app.log.30.gz")], { encoding: "utf8" });
        expect(oldest.stdout).toBe(`entry ${ROTATIONS - 30 + 1}\n`);
    });

    it("leaves every archive and the live log with mode 0640", () => {
        for (const f of [...archives(s.dir, "app.log"), "app.log"]) expect(`${f}:${mode(path.join(s.dir, f))}`).toBe(`${f}:0640`);
    });

    it("does not rotate an empty log (notifempty)", () => {
        expect(archives(s.dir, "empty.log")).toEqual([]);
    });

    if (variant === "host") {
        it("signals the med-agi-* containers with USR1 once per rotation run (sharedscripts)", () => {
            const calls = fs.readFileSync(s.dockerCalls, "utf8").trim().split("\n");
            expect(calls.filter((c) => c === "ps -q --filter name=^med-agi-")).toHaveLength(ROTATIONS);
            expect(calls.filter((c) => c === "kill -s USR1 c0ffee01 c0ffee02")).toHaveLength(ROTATIONS);
        });
    } else {
        it("truncates the live log in place (copytruncate) and never calls docker", () => {
            expect(fs.statSync(path.join(s.dir, "app.log")).size).toBe(0);
            expect(fs.existsSync(s.dockerCalls)).toBe(false);
        });

        it("succeeds on a node without med-agi logs (missingok)", () => {
            const bare = setup("kubernetes", "bare-node");
            expect(fs.readdirSync(bare.dir)).toEqual([]);
            expect(() => rotate(bare)).not.toThrow();
        });
    }
});
