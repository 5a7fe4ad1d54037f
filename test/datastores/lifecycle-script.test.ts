/**
 * The index lifecycle Job's script, run for real: POSIX sh and curl against
 * an HTTPS server on loopback whose certificate is signed by a throwaway CA
 * (made with openssl), standing in for Elasticsearch's REST API at the
 * process boundary. It checks what the script sends (method, path, basic
 * auth, body), that it verifies the server with the CA it is given, and that
 * it stops at the first refused PUT.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { lifecycleConfigData, lifecycleRequests, lifecycleScript } from "../../infra/datastores/elasticsearch/lifecycle";

const dir = mkdtempSync(join(tmpdir(), "med-agi-lifecycle-"));
const paths = { documents: join(dir, "docs"), ca: join(dir, "ca"), tmp: join(dir, "tmp") };
for (const d of Object.values(paths)) mkdirSync(d);
const other = join(dir, "other-ca");
mkdirSync(other);

function openssl(args: string[]): void {
    const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
}

/** A self-signed CA certificate (one day) for `cn`, its key in `keyout`. */
function selfSignedCa(cn: string, keyout: string, out: string): void {
    openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", `/CN=${cn}`, "-keyout", keyout, "-out", out]);
}

interface Seen {
    readonly method: string;
    readonly url: string;
    readonly auth: string;
    readonly body: string;
}

let server: https.Server;
let port = 0;
const seen: Seen[] = [];
/** Answer of the server to a PUT of this path (default 200). */
const statusFor = new Map<string, number>();

beforeAll(async () => {
    // A CA, a server certificate for localhost signed by it, and an unrelated CA.
    selfSignedCa("test-ca", "ca.key", join(paths.ca, "ca.crt"));
    openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr"]);
    writeFileSync(join(dir, "san.ext"), "subjectAltName=DNS:localhost\n");
    openssl([
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        join(paths.ca, "ca.crt"),
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        "san.ext",
        "-out",
        "server.crt",
    ]);
    selfSignedCa("other-ca", "other.key", join(other, "ca.crt"));
    server = https.createServer({ key: readFileSync(join(dir, "server.key")), cert: readFileSync(join(dir, "server.crt")) }, (req, res) => {
        let body = "";
        req.on("data", (c: Buffer) => (body += c.toString()));
        req.on("end", () => {
            seen.push({ method: req.method ?? "", url: req.url ?? "", auth: req.headers.authorization ?? "", body });
            const status = req.method === "PUT" ? (statusFor.get(req.url ?? "") ?? 200) : 200;
            res.writeHead(status, { "content-type": "application/json" });
            res.end(status === 200 ? '{"acknowledged":true}' : '{"error":"refused"}');
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
});
afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

const requests = lifecycleRequests({ logs: "30d", audit: "365d" }, 1);
const data = lifecycleConfigData(requests);
for (const [file, text] of Object.entries(data)) if (file !== "apply.sh") writeFileSync(join(paths.documents, file), text);

/** Runs the script (with these paths and a short wait) and resolves with its exit code and output. */
function runScript(caDir = paths.ca): Promise<{ code: number; out: string }> {
    const script = join(dir, "apply.sh");
    writeFileSync(script, lifecycleScript(requests, { attempts: 2, intervalSeconds: 1 }, { ...paths, ca: caDir }));
    return new Promise((resolve) => {
        const child = spawn("sh", [script], {
            env: {
                PATH: process.env.PATH ?? "/usr/bin:/bin",
                ELASTICSEARCH_URL: `https://localhost:${port}`,
                ELASTICSEARCH_USERNAME: "medagi-lifecycle",
                ELASTICSEARCH_PASSWORD: "s3cret:with-colon",
            },
        });
        let out = "";
        child.stdout.on("data", (c: Buffer) => (out += c.toString()));
        child.stderr.on("data", (c: Buffer) => (out += c.toString()));
        child.on("close", (code) => resolve({ code: code ?? -1, out }));
    });
}

const basic = `Basic ${Buffer.from("medagi-lifecycle:s3cret:with-colon").toString("base64")}`;

describe("the lifecycle script against an HTTPS endpoint", () => {
    beforeEach(() => {
        seen.length = 0;
        statusFor.clear();
    });

    it("waits for health, then PUTs both policies and both templates with basic auth, bodies as built", async () => {
        const r = await runScript();
        expect(r.code).toBe(0);
        expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
            "GET /_cluster/health?wait_for_status=yellow&timeout=30s",
            "PUT /_ilm/policy/med-agi-logs",
            "PUT /_ilm/policy/med-agi-audit",
            "PUT /_index_template/med-agi-logs",
            "PUT /_index_template/med-agi-audit",
        ]);
        for (const s of seen) expect(s.auth).toBe(basic);
        expect(JSON.parse(seen[2]!.body)).toEqual(requests[1]!.body);
        expect(JSON.parse(seen[2]!.body).policy.phases.delete.min_age).toBe("365d");
    });

    it("fails at the first refused PUT and sends nothing after it", async () => {
        statusFor.set("/_ilm/policy/med-agi-audit", 400);
        const r = await runScript();
        expect(r.code).not.toBe(0);
        expect(seen.map((s) => s.url)).toEqual([
            "/_cluster/health?wait_for_status=yellow&timeout=30s",
            "/_ilm/policy/med-agi-logs",
            "/_ilm/policy/med-agi-audit",
        ]);
        expect(r.out).toContain("refused");
    });

    it("refuses a server its CA did not sign, and sends it no credentials", async () => {
        const r = await runScript(other);
        expect(r.code).not.toBe(0);
        expect(r.out).toContain("is not ready");
        expect(seen).toEqual([]);
    });
});
