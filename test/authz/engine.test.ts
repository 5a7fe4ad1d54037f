/**
 * The authorisation policy run by the real OPA engine: the `opa` command built
 * from source at the OPA image's version (tools/go/opa, tools/go-tools.sh).
 *
 * - `opa check --strict` and `opa test --coverage` over infra/authz/policy;
 *   authz.rego's coverage is printed and must be ≥ 90 %.
 * - Per stack, the policy bundle exactly as the OPA pod gets it: the
 *   ConfigMaps of the rendered kubernetes.yaml laid out as the kubelet mounts
 *   them (`..data` links and all), and the Deployment's own command line with
 *   only the listen address changed (a Unix socket here, not 0.0.0.0:8181).
 *   One `opa run --server` per stack answers the full decision matrix (every
 *   service × every role of the grant table × every action, each also with a
 *   missing and a malformed claim), requests that try to slip past OPA's own
 *   API authorisation (`..`, encoded slashes, a trailing slash, method case),
 *   and inputs that try the same inside the decision.
 *
 * The expected matrix below is written out by hand from docs/authz.md's
 * promise, not derived from the grant table; docs/authz.md in turn shows the
 * matrix as the engine returned it (checked here).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

import { renderAll, STACKS, type Stack } from "../policies/harness";
import { goTool } from "../support/go-tools";
import { ROOT } from "../support/harness";
import { parseManifests } from "../support/manifest-yaml";

const POLICY_DIR = path.join(ROOT, "infra/authz/policy");
const SERVICES = ["imaging", "ekg", "eval", "anchor", "modelcards", "ops"] as const;
const ROLES = ["clinician", "ml-engineer", "auditor", "operator", "platform-admin"] as const;
const ACTIONS = ["read", "write", "infer", "evaluate", "admin"] as const;
type Service = (typeof SERVICES)[number];
type Role = (typeof ROLES)[number];
/** Role → service → the actions allowed there, space-separated in ACTIONS order ("—": none). */
type Matrix = Record<Role, Record<Service, string>>;

const NO: Record<Service, string> = { imaging: "—", ekg: "—", eval: "—", anchor: "—", modelcards: "—", ops: "—" };
const EVERY = "read write infer evaluate admin";

/** staging and prod: least privilege, platform-admin holds nothing. */
const NAMED: Matrix = {
    clinician: { imaging: "read infer", ekg: "read infer", eval: "—", anchor: "—", modelcards: "read", ops: "—" },
    "ml-engineer": {
        imaging: "read",
        ekg: "read",
        eval: "read write evaluate",
        anchor: "read write",
        modelcards: "read write",
        ops: "—",
    },
    auditor: { imaging: "read", ekg: "read", eval: "read", anchor: "read", modelcards: "read", ops: "read" },
    operator: { imaging: "—", ekg: "—", eval: "—", anchor: "—", modelcards: "read", ops: "read write admin" },
    "platform-admin": NO,
};
const EXPECTED: Record<Stack, Matrix> = {
    dev: {
        ...NAMED,
        "platform-admin": { imaging: EVERY, ekg: EVERY, eval: EVERY, anchor: EVERY, modelcards: EVERY, ops: EVERY },
    },
    staging: NAMED,
    prod: NAMED,
};

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "opa-engine-test-"));

function opa(args: string[], cwd = ROOT) {
    const r = spawnSync(goTool("opa"), args, { cwd, encoding: "utf8" });
    if (r.error) throw r.error;
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("the opa command", () => {
    it("is the version of the OPA image every stack deploys", async () => {
        const version = /^Version: (\S+)$/m.exec(opa(["version"]).stdout)?.[1];
        expect(version).toBe("1.21.1");
        for (const stack of STACKS) expect(manifests[stack].image).toMatch(/^openpolicyagent\/opa:1\.21\.1-static@sha256:[0-9a-f]{64}$/);
    });
});

describe("infra/authz/policy under opa", () => {
    it("passes opa check --strict", () => {
        const r = opa(["check", "--strict", POLICY_DIR]);
        expect(r.stderr + r.stdout).toBe("");
        expect(r.status).toBe(0);
    });

    it("passes all 34 Rego unit tests (authz_test.rego, system-authz_test.rego)", () => {
        const r = opa(["test", "--format=json", POLICY_DIR]);
        const results = JSON.parse(r.stdout) as { package: string; name: string; fail?: boolean; error?: unknown }[];
        const failed = results.filter((t) => t.fail === true || t.error !== undefined).map((t) => `${t.package}.${t.name}`);
        expect(failed).toEqual([]);
        expect(results.length).toBe(34);
        expect(r.status).toBe(0);
    });

    it("covers at least 90 % of authz.rego (and of the other shipped modules)", () => {
        const r = opa(["test", "--coverage", "--format=json", POLICY_DIR]);
        expect(r.status).toBe(0);
        const report = JSON.parse(r.stdout) as { files: Record<string, { coverage?: number; not_covered?: { start: { row: number } }[] }> };
        const shipped = ["authz.rego", "system-authz.rego", "system-log.rego"];
        const figures = shipped.map((name) => {
            const entry = Object.entries(report.files).find(([f]) => path.basename(f) === name)?.[1];
            const missed = (entry?.not_covered ?? []).map((m) => m.start.row);
            return { name, coverage: entry?.coverage ?? 0, missed: [...new Set(missed)] };
        });
        process.stdout.write(
            "opa test --coverage: " +
                figures
                    .map(
                        (f) =>
                            `${f.name} ${f.coverage.toFixed(1)} %` +
                            (f.missed.length > 0 ? ` (rows not covered: ${f.missed.join(", ")})` : ""),
                    )
                    .join(", ") +
                "\n",
        );
        for (const f of figures) expect({ file: f.name, atLeast90: f.coverage >= 90 }).toEqual({ file: f.name, atLeast90: true });
    });

    it("is lint-clean under Regal, with only the reviewed exceptions of .regal/config.yaml", () => {
        const r = spawnSync(goTool("regal"), ["lint", "--format=json", "infra/authz/policy"], { cwd: ROOT, encoding: "utf8" });
        const report = JSON.parse(r.stdout) as {
            violations?: { title: string; location: { file: string; row: number } }[];
            summary: { files_scanned: number };
        };
        expect((report.violations ?? []).map((v) => `${v.title} at ${v.location.file}:${v.location.row}`)).toEqual([]);
        expect(report.summary.files_scanned).toBe(5);
        expect(r.status).toBe(0);
        const config = fs.readFileSync(path.join(ROOT, ".regal/config.yaml"), "utf8");
        expect(config.match(/^ {4}[a-z-]+:$/gm)).toEqual(["    directory-package-mismatch:", "    unresolved-reference:"]);
    });
});

// ---------------------------------------------------------------------------
// The rendered bundle, served as the pod serves it.

interface Manifest {
    image: string;
    args: string[];
    /** mountPath → the ConfigMap's files. */
    mounts: Record<string, Record<string, string>>;
}

/** The OPA Deployment's command line and mounted files, from a stack's rendered kubernetes.yaml. */
function opaManifest(kubernetesYaml: string): Manifest {
    const objects = parseManifests(kubernetesYaml);
    const find = (kind: string, name: string) => {
        const found = objects.filter((o) => o?.kind === kind && o.metadata?.name === name && o.metadata?.namespace === "med-agi");
        if (found.length !== 1) throw new Error(`expected one ${kind} med-agi/${name} in kubernetes.yaml, found ${found.length}`);
        return found[0];
    };
    const pod = find("Deployment", "opa").spec.template.spec;
    const container = pod.containers.find((c: any) => c.name === "opa");
    const mounts: Record<string, Record<string, string>> = {};
    for (const m of container.volumeMounts) {
        const volume = pod.volumes.find((v: any) => v.name === m.name);
        mounts[m.mountPath] = find("ConfigMap", volume.configMap.name).data;
    }
    return { image: container.image, args: container.args, mounts };
}

/** Writes a ConfigMap's files as the kubelet does: in `..<timestamp>/`, `..data` → it, each file a link through `..data`. */
function mountConfigMap(dir: string, files: Record<string, string>): void {
    const stamp = "..2026_12_04_00_00_00.000000001";
    fs.mkdirSync(path.join(dir, stamp), { recursive: true });
    fs.symlinkSync(stamp, path.join(dir, "..data"));
    for (const [name, text] of Object.entries(files)) {
        fs.writeFileSync(path.join(dir, stamp, name), text);
        fs.symlinkSync(path.join("..data", name), path.join(dir, name));
    }
}

/** The container's args with the mount paths moved under `root` and the listen address replaced by `addr`. */
function localArgs(args: string[], mountPaths: string[], root: string, addr: string): string[] {
    return args.map((arg) => {
        if (arg.startsWith("--addr=")) return `--addr=${addr}`;
        for (const m of mountPaths) {
            if (arg === m) return path.join(root, m);
            const at = arg.indexOf(`${m}/`);
            if (at === 0 || (at > 0 && arg[at - 1] === "=")) return arg.slice(0, at) + path.join(root, m) + arg.slice(at + m.length);
        }
        return arg;
    });
}

interface Reply {
    status: number;
    body: any;
}

/** One OPA server per stack on a Unix socket; requests over a keep-alive agent. */
class OpaServer {
    readonly agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    stdout = "";
    stderr = "";
    private constructor(
        readonly proc: ChildProcess,
        readonly socket: string,
    ) {}

    static async start(stack: Stack, manifest: Manifest): Promise<OpaServer> {
        const root = path.join(tmp, stack);
        for (const [mountPath, files] of Object.entries(manifest.mounts)) mountConfigMap(path.join(root, mountPath), files);
        const socket = path.join(root, "opa.sock");
        const args = localArgs(manifest.args, Object.keys(manifest.mounts), root, `unix://${socket}`);
        // Ready when the listener's socket appears: OPA opens it only after every plugin is up.
        const watcher = fs.watch(root);
        const appeared = new Promise<void>((resolve) => {
            watcher.on("change", (_event, name) => {
                if (name === "opa.sock") resolve();
            });
        });
        const proc = spawn(goTool("opa"), args, { stdio: ["ignore", "pipe", "pipe"] });
        const server = new OpaServer(proc, socket);
        proc.stdout!.on("data", (b: Buffer) => (server.stdout += b.toString()));
        proc.stderr!.on("data", (b: Buffer) => (server.stderr += b.toString()));
        const exited = new Promise<never>((_resolve, reject) =>
            proc.on("exit", (code) =>
                reject(new Error(`opa for ${stack} exited (${code}) before serving:\n${server.stderr}${server.stdout}`)),
            ),
        );
        const timeout = new Promise<never>((_resolve, reject) =>
            setTimeout(
                () => reject(new Error(`opa for ${stack} did not serve ${socket} within 120 s:\n${server.stderr}`)),
                120_000,
            ).unref(),
        );
        try {
            await Promise.race([appeared, exited, timeout]);
            // The socket's file appears at bind(), a moment before listen(): on a busy machine a request in
            // between is refused. Connect until it is accepted (each refusal is an event, not a guess).
            await Promise.race([server.accepting(), exited, timeout]);
        } finally {
            watcher.close();
        }
        exited.catch(() => undefined);
        return server;
    }

    /** Resolves once a connection to the socket is accepted; retries only a refused or missing listener. */
    private async accepting(): Promise<void> {
        const deadline = Date.now() + 120_000;
        while (this.proc.exitCode === null && Date.now() < deadline) {
            const refused = await new Promise<boolean>((resolve, reject) => {
                const conn = net.connect(this.socket);
                conn.once("connect", () => {
                    conn.destroy();
                    resolve(false);
                });
                conn.once("error", (err: NodeJS.ErrnoException) =>
                    err.code === "ECONNREFUSED" || err.code === "ENOENT" ? resolve(true) : reject(err),
                );
            });
            if (!refused) return;
            await new Promise((resolve) => setTimeout(resolve, 25));
        }
    }

    request(method: string, urlPath: string, body?: unknown): Promise<Reply> {
        if (method !== method.toUpperCase()) return this.rawRequest(method, urlPath, body);
        return new Promise((resolve, reject) => {
            const payload = body === undefined ? undefined : JSON.stringify(body);
            const req = http.request(
                {
                    socketPath: this.socket,
                    agent: this.agent,
                    method,
                    path: urlPath,
                    headers:
                        payload === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
                },
                (res) => {
                    let text = "";
                    res.setEncoding("utf8");
                    res.on("data", (c: string) => (text += c));
                    res.on("end", () => {
                        let parsed: unknown = text;
                        try {
                            parsed = JSON.parse(text);
                        } catch {
                            // not JSON (a redirect's HTML, a 404's text): kept as text
                        }
                        resolve({ status: res.statusCode!, body: parsed });
                    });
                },
            );
            req.on("error", reject);
            req.end(payload);
        });
    }

    /** A request written byte by byte: node's client upper-cases the method, OPA's router does not. */
    rawRequest(method: string, urlPath: string, body: unknown): Promise<Reply> {
        return new Promise((resolve, reject) => {
            const payload = JSON.stringify(body ?? null);
            const conn = net.connect(this.socket);
            let text = "";
            conn.setEncoding("utf8");
            conn.on("data", (c: string) => (text += c));
            conn.on("error", reject);
            conn.on("end", () => {
                const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(text)?.[1]);
                const rest = text.slice(text.indexOf("\r\n\r\n") + 4);
                let parsed: unknown = rest;
                try {
                    parsed = JSON.parse(rest);
                } catch {
                    // not JSON
                }
                resolve({ status, body: parsed });
            });
            conn.end(
                `${method} ${urlPath} HTTP/1.1\r\nHost: opa\r\nContent-Type: application/json\r\n` +
                    `Content-Length: ${Buffer.byteLength(payload)}\r\nConnection: close\r\n\r\n${payload}`,
            );
        });
    }

    /** The decision services ask for: `result` of POST /v1/data/medagi/authz/allow (undefined when absent). */
    async allow(input: unknown): Promise<unknown> {
        const r = await this.request("POST", "/v1/data/medagi/authz/allow", { input });
        if (r.status !== 200) throw new Error(`POST /v1/data/medagi/authz/allow answered ${r.status}: ${JSON.stringify(r.body)}`);
        return r.body.result;
    }

    stop(): void {
        this.agent.destroy();
        this.proc.kill("SIGTERM");
    }
}

/** Runs `tasks` at most `width` at a time. */
async function pool<T>(tasks: (() => Promise<T>)[], width = 8): Promise<T[]> {
    const out: T[] = new Array<T>(tasks.length);
    let next = 0;
    await Promise.all(
        Array.from({ length: width }, async () => {
            while (next < tasks.length) {
                const i = next++;
                out[i] = await tasks[i]!();
            }
        }),
    );
    return out;
}

const manifests = {} as Record<Stack, Manifest>;
const servers = {} as Record<Stack, OpaServer>;
let cleanupRenders: () => void = () => undefined;
beforeAll(async () => {
    const rendered = await renderAll();
    cleanupRenders = rendered.cleanup;
    for (const stack of STACKS) manifests[stack] = opaManifest(fs.readFileSync(path.join(rendered.dirs[stack], "kubernetes.yaml"), "utf8"));
    const started = await Promise.all(STACKS.map((stack) => OpaServer.start(stack, manifests[stack])));
    STACKS.forEach((stack, i) => (servers[stack] = started[i]!));
}, 180_000);
afterAll(() => {
    for (const server of Object.values(servers)) server.stop();
    cleanupRenders();
    fs.rmSync(tmp, { recursive: true, force: true });
});

/** The engine's matrix: for each role and service, the actions it allowed a well-formed request. */
async function engineMatrix(server: OpaServer): Promise<Matrix> {
    const cells = ROLES.flatMap((role) => SERVICES.flatMap((service) => ACTIONS.map((action) => ({ role, service, action }))));
    const results = await pool(
        cells.map((c) => () => server.allow({ subject: "5f0c-user", roles: [c.role], service: c.service, action: c.action })),
    );
    const matrix = Object.fromEntries(ROLES.map((r) => [r, { ...NO }])) as Matrix;
    for (const [i, c] of cells.entries()) {
        if (typeof results[i] !== "boolean") throw new Error(`${JSON.stringify(c)}: result ${JSON.stringify(results[i])} is not a boolean`);
        if (results[i] === true)
            matrix[c.role][c.service] = matrix[c.role][c.service] === "—" ? c.action : `${matrix[c.role][c.service]} ${c.action}`;
    }
    return matrix;
}

/** A matrix as the Markdown table docs/authz.md shows. */
function markdown(matrix: Matrix): string {
    const rows = ROLES.map((role) => `| \`${role}\` | ${SERVICES.map((s) => matrix[role][s].split(" ").join(", ")).join(" | ")} |`);
    return [`| role | ${SERVICES.join(" | ")} |`, `|---|${SERVICES.map(() => "---").join("|")}|`, ...rows].join("\n");
}

/**
 * Inputs that must be refused in every stack: each cell of the matrix with a
 * claim missing (no subject) and with a claim malformed (roles a string),
 * each role × service with the other claim faults, and per service the
 * tricks a lenient matcher would let through.
 */
function badInputs(): { what: string; input: unknown }[] {
    const bad: { what: string; input: unknown }[] = [];
    for (const role of ROLES) {
        for (const service of SERVICES) {
            for (const action of ACTIONS) {
                bad.push(
                    { what: `${role} ${service} ${action}, no subject`, input: { roles: [role], service, action } },
                    { what: `${role} ${service} ${action}, roles a string`, input: { subject: "u", roles: role, service, action } },
                );
            }
            bad.push(
                { what: `${role} ${service}, empty subject`, input: { subject: "", roles: [role], service, action: "read" } },
                { what: `${role} ${service}, subject not a string`, input: { subject: 7, roles: [role], service, action: "read" } },
                { what: `${role} ${service}, no roles`, input: { subject: "u", service, action: "read" } },
                { what: `${role} ${service}, a role not a string`, input: { subject: "u", roles: [role, 7], service, action: "read" } },
            );
        }
    }
    for (const service of SERVICES) {
        const as = (over: Record<string, unknown>) => ({ subject: "u", roles: ["auditor"], service, action: "read", ...over });
        bad.push(
            { what: `${service}, no roles at all`, input: as({ roles: [] }) },
            { what: `${service}, an unknown role`, input: as({ roles: ["root"] }) },
            { what: `${service}, role case`, input: as({ roles: ["Auditor"] }) },
            { what: `${service}, action case`, input: as({ action: "READ" }) },
            { what: `${service}, action *`, input: as({ action: "*" }) },
            { what: `${service}, service case`, input: as({ service: service.toUpperCase() }) },
            { what: `${service}, trailing slash`, input: as({ service: `${service}/` }) },
            { what: `${service}, ..`, input: as({ service: `${service}/../${service}` }) },
            { what: `${service}, encoded slash`, input: as({ service: `x%2F..%2F${service}` }) },
        );
    }
    bad.push(
        { what: "service *", input: { subject: "u", roles: ["auditor"], service: "*", action: "read" } },
        { what: "no input", input: undefined },
        { what: "input a string", input: "auditor" },
        { what: "input null", input: null },
    );
    return bad;
}
const BAD_INPUTS = badInputs();

/** What each stack's engine answered: the matrix and the result of each bad input. */
const answers = {} as Record<Stack, { matrix: Matrix; bad: unknown[] }>;
beforeAll(async () => {
    await Promise.all(
        STACKS.map(async (stack) => {
            const matrix = await engineMatrix(servers[stack]);
            const bad = await pool(BAD_INPUTS.map((b) => () => servers[stack].allow(b.input)));
            answers[stack] = { matrix, bad };
        }),
    );
}, 60_000);

describe.each(STACKS)("%s: the rendered bundle under opa run --server, as the pod runs it", (stack) => {
    it("starts from the Deployment's command line without a warning about a flag", () => {
        expect(servers[stack].stderr).not.toMatch(/deprecated|unknown flag/i);
    });

    it("decides every service × role × action as docs/authz.md promises", () => {
        expect(answers[stack].matrix).toEqual(EXPECTED[stack]);
    });

    it("is shown in docs/authz.md as the engine returned it", () => {
        const doc = fs.readFileSync(path.join(ROOT, "docs/authz.md"), "utf8");
        const section = doc.slice(doc.indexOf(`#### ${stack}`));
        expect(section.startsWith(`#### ${stack}`)).toBe(true);
        expect(section).toContain(markdown(answers[stack].matrix));
    });

    it("refuses every cell when a claim is missing or malformed, and unknown roles, services and actions", () => {
        expect(BAD_INPUTS.length).toBe(30 * 5 * 2 + 30 * 4 + 6 * 9 + 4);
        const allowed = BAD_INPUTS.flatMap((b, i) =>
            answers[stack].bad[i] === false ? [] : [`${b.what} → ${JSON.stringify(answers[stack].bad[i])}`],
        );
        expect(allowed).toEqual([]);
    });

    it("says why an input cannot be decided on (POST /v1/data/medagi/authz/reasons)", async () => {
        const r = await servers[stack].request("POST", "/v1/data/medagi/authz/reasons", {
            input: { roles: "auditor", service: "billing", action: "delete" },
        });
        expect(r.status).toBe(200);
        expect([...(r.body.result as string[])].sort()).toEqual([
            'input.action: delete is not one of ["read", "write", "infer", "evaluate", "admin"]',
            "input.roles: must be an array of strings",
            'input.service: billing is not one of ["imaging", "ekg", "eval", "anchor", "modelcards", "ops"]',
            "input.subject: must be a non-empty string",
        ]);
    });

    it("erases a token a caller sends from the decision log", async () => {
        const result = await servers[stack].allow({
            subject: "u",
            roles: ["auditor"],
            service: "ops",
            action: "read",
            token: "eyJ-secret-token",
            headers: { authorization: "Bearer eyJ-secret-header" },
        });
        expect(result).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, 50));
        const log = servers[stack].stdout + servers[stack].stderr;
        expect(log).not.toContain("eyJ-secret");
        const line = log.split("\n").find((l) => l.includes('"erased"'));
        expect(JSON.parse(line!).erased).toEqual(["/input/headers", "/input/token"]);
    });
});

describe("OPA's own API under system-authz.rego (prod's bundle, as the pod serves it)", () => {
    const decision = { input: { subject: "u", roles: ["auditor"], service: "ops", action: "read" } };
    const REFUSED = { status: 401, result: undefined };
    /**
     * [method, path, body, status, result] as the engine must answer. A
     * result that is not `true` is a refusal for the service asking (fail
     * closed); what matters is that nothing but …/allow and …/reasons
     * answers with a decision or a document.
     */
    const CASES: [string, string, unknown, number, unknown][] = [
        ["POST", "/v1/data/medagi/authz/allow", decision, 200, true],
        ["POST", "/v1/data/medagi/authz/reasons", decision, 200, []],
        // system.authz sees the method upper-cased; the router matches it exactly.
        ["post", "/v1/data/medagi/authz/allow", decision, 405, undefined],
        ["Post", "/v1/data/medagi/authz/allow", decision, 405, undefined],
        ["GET", "/v1/data/medagi/authz/allow", undefined, REFUSED.status, REFUSED.result],
        // OPA's router redirects a trailing slash (a client following it re-asks without one).
        ["POST", "/v1/data/medagi/authz/allow/", decision, 301, undefined],
        ["POST", "/v1/data/medagi/authz/../acl", decision, REFUSED.status, REFUSED.result],
        ["POST", "/v1/data/medagi/authz/../../system/authz/allow", decision, REFUSED.status, REFUSED.result],
        ["POST", "/v1/data/medagi/authz/..%2Facl", decision, REFUSED.status, REFUSED.result],
        // Past system.authz (it sees the path unescaped) but no document of that name: no result.
        ["POST", "/v1/data/medagi%2Fauthz/allow", decision, 200, undefined],
        ["POST", "/v1/data/medagi/authz%2Fallow", decision, 200, undefined],
        ["POST", "/v1/data/medagi/authz/%2E%2E/acl", decision, REFUSED.status, REFUSED.result],
        ["POST", "//v1/data/medagi/authz/allow", decision, REFUSED.status, REFUSED.result],
        ["POST", "/v1/data/medagi/authz/allow?explain=full", decision, REFUSED.status, REFUSED.result],
        ["POST", "/v1/data/medagi/authz/allow?instrument=true", decision, REFUSED.status, REFUSED.result],
        ["POST", "/v1/data/medagi/authz", decision, REFUSED.status, REFUSED.result],
        ["POST", "/v1/data/medagi/authz/acl", decision, REFUSED.status, REFUSED.result],
        ["POST", "/v1/data/medagi/acl", decision, REFUSED.status, REFUSED.result],
        ["POST", "/v1/data", decision, REFUSED.status, REFUSED.result],
        ["POST", "/v1/data/system/authz/allow", decision, REFUSED.status, REFUSED.result],
        ["POST", "/v0/data/medagi/authz/allow", decision.input, REFUSED.status, REFUSED.result],
        ["PUT", "/v1/policies/backdoor", "package backdoor", REFUSED.status, REFUSED.result],
        ["PUT", "/v1/data/medagi/acl", {}, REFUSED.status, REFUSED.result],
        ["PATCH", "/v1/data/medagi/acl", [], REFUSED.status, REFUSED.result],
        ["DELETE", "/v1/data/medagi/acl", undefined, REFUSED.status, REFUSED.result],
        ["POST", "/v1/query", { query: "data" }, REFUSED.status, REFUSED.result],
        ["POST", "/v1/compile", { query: "data.medagi.authz.allow" }, REFUSED.status, REFUSED.result],
        ["GET", "/v1/config", undefined, REFUSED.status, REFUSED.result],
        ["GET", "/v1/status", undefined, REFUSED.status, REFUSED.result],
        ["GET", "/health", undefined, 200, undefined],
        ["GET", "/health?plugins", undefined, 200, undefined],
        ["GET", "/health?bundles", undefined, REFUSED.status, REFUSED.result],
        ["GET", "/metrics", undefined, 200, undefined],
    ];

    it.each(CASES)("%s %s", async (method, urlPath, body, status, result) => {
        const r = await servers.prod.request(method, urlPath, body);
        expect({ status: r.status, result: r.body?.result }).toEqual({ status, result });
    });
});
