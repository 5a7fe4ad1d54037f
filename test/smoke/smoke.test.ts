/**
 * Post-deploy smoke checks: the list pinned to the runbook's health loop, the
 * Job's script run for real by a POSIX shell against a local HTTP server (with
 * a `wget` shim that behaves as BusyBox's: non-zero on a non-2xx status), and
 * `npm run smoke` against the same server.
 */
import { execFile, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";

import { clusterUrl, smokeChecks, smokeJob, smokeScript } from "../../infra/smoke/spec";
import { checkUrl, runSmoke } from "../../tools/smoke";
import { ROOT } from "../support/harness";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "smoke-test-"));
let server: http.Server;
let base: string;
const down = new Set<string>();
beforeAll(async () => {
    server = http.createServer((req, res) => {
        const service = (req.url ?? "").split("/")[1] ?? "";
        res.statusCode = down.has(service) ? 503 : 200;
        res.end(down.has(service) ? "down" : '{"status":"ok"}');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/{service}`;
});
afterAll(async () => {
    // Keep-alive connections of the checks' fetches would hold the server (and the worker) open.
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(tmp, { recursive: true, force: true });
});

describe("the checks", () => {
    it("are the runbook's loop: every service's /health on its port, then Triton through imaging", () => {
        expect(smokeChecks().map((c) => `${c.service}:${c.port}${c.path}`)).toEqual([
            "imaging:8006/health",
            "ekg:8016/health",
            "eval:8005/health",
            "anchor:8007/health",
            "modelcards:8008/health",
            "ops:8010/health",
            "imaging:8006/v1/triton/health",
        ]);
    });
    it("address the Services in the cluster and localhost ports from an operator's machine", () => {
        const [imaging] = smokeChecks();
        expect(clusterUrl(imaging!, "med-agi")).toBe("http://imaging.med-agi.svc:8006/health");
        expect(checkUrl("http://localhost", imaging!)).toBe("http://localhost:8006/health");
        expect(checkUrl("https://{service}.med-agi.example.org/", imaging!)).toBe("https://imaging.med-agi.example.org/health");
    });
});

describe("the Job", () => {
    const job = smokeJob({ namespace: "med-agi", image: "docker.io/library/busybox:1.37.0", release: "v1.0.0" }) as any;
    it("fails at the first failed pod and is kept after it finishes", () => {
        expect(job.spec.backoffLimit).toBe(0);
        expect(job.spec.ttlSecondsAfterFinished).toBeUndefined();
        expect(job.spec.template.spec.restartPolicy).toBe("Never");
        expect(job.spec.template.spec.containers[0].securityContext).toMatchObject({
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
        });
    });

    /** Runs the Job's script with sh, `wget` shimmed onto Node's fetch against the local server. */
    // Asynchronous: the HTTP server answering the checks lives in this process.
    function runScript(): Promise<{ status: number | null; stdout: string }> {
        const bin = path.join(tmp, "bin");
        fs.mkdirSync(bin, { recursive: true });
        const shim = `#!/bin/sh\nurl=""; for a in "$@"; do url="$a"; done\nexec ${process.execPath} -e 'fetch(process.argv[1]).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$url"\n`;
        fs.writeFileSync(path.join(bin, "wget"), shim, { mode: 0o755 });
        fs.writeFileSync(path.join(bin, "sleep"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
        const urls = smokeChecks().map((c) => ({ name: c.name, url: checkUrl(base, c) }));
        return new Promise((resolve) => {
            const child = spawn("sh", ["-c", smokeScript(urls, { attempts: 2, intervalSeconds: 0, timeoutSeconds: 2 })], {
                env: { PATH: `${bin}:/usr/bin:/bin` },
            });
            let stdout = "";
            child.stdout.on("data", (d) => (stdout += d));
            child.on("close", (status) => resolve({ status, stdout }));
        });
    }

    it("passes when every check answers 2xx", async () => {
        down.clear();
        const r = await runScript();
        expect(r.stdout).toContain("smoke: all checks passed");
        expect(r.status).toBe(0);
    });

    it("fails the deploy when one service is down, naming it", async () => {
        down.clear();
        down.add("ekg");
        const r = await runScript();
        expect(r.stdout).toContain("DOWN ekg /health");
        expect(r.stdout).toContain("ok   imaging /health");
        expect(r.status).toBe(1);
    });
});

describe("npm run smoke", () => {
    it("reports every check up", async () => {
        down.clear();
        const results = await runSmoke(base, 2);
        expect(results.map((r) => r.ok)).toEqual(Array(7).fill(true));
    });

    it("exits 1 and names the check that is down", async () => {
        down.clear();
        down.add("ops");
        const args = ["-r", "./tools/lib/ts-loader.js", "tools/smoke.ts", "--base-url", base, "--timeout", "2"];
        const r = await new Promise<{ status: number | null; stdout: string }>((resolve) =>
            execFile(process.execPath, args, { cwd: ROOT }, (err, stdout) =>
                resolve({ status: err === null ? 0 : Number(err.code), stdout }),
            ),
        );
        expect(r.stdout).toMatch(/^DOWN ops \/health +http:\/\/127\.0\.0\.1:\d+\/ops\/health \(HTTP 503\)$/m);
        expect(r.stdout).toContain("smoke: 1 of 7 checks down");
        expect(r.status).toBe(1);
    });

    it("refuses a missing --base-url", () => {
        expect(() =>
            execFileSync(process.execPath, ["-r", "./tools/lib/ts-loader.js", "tools/smoke.ts"], { cwd: ROOT, stdio: "pipe" }),
        ).toThrow(/--base-url is required/);
    });
});
