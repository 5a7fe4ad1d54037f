/**
 * tools/go-tools.sh, the installer of the Go tools the tests drive, run for
 * real on copies of it in a scratch checkout: it builds a pinned tool into
 * the cache once and puts it on PATH, builds nothing when the cache holds it,
 * and stops the run naming a tool that cannot be built (a bogus version, a
 * missing go.sum, no Go at all) instead of skipping it.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { ROOT } from "../support/harness";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "go-tools-test-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A scratch checkout holding the real installer and the given tool directories. */
function checkout(name: string, tools: Record<string, Record<string, string>>): string {
    const root = path.join(tmp, name);
    fs.mkdirSync(path.join(root, "tools"), { recursive: true });
    fs.copyFileSync(path.join(ROOT, "tools/go-tools.sh"), path.join(root, "tools/go-tools.sh"));
    fs.chmodSync(path.join(root, "tools/go-tools.sh"), 0o755);
    for (const [tool, files] of Object.entries(tools)) {
        for (const [file, text] of Object.entries(files)) {
            const target = path.join(root, "tools/go", tool, file);
            fs.mkdirSync(path.dirname(target), { recursive: true });
            fs.writeFileSync(target, text);
        }
    }
    return root;
}

/**
 * Runs `script` in bash in `root`. Its stdin is /dev/null: on a socket (what
 * Node's default stdin pipe is), Debian's bash takes itself for an ssh
 * session's shell and sources ~/.bashrc, which on many machines puts Go back
 * on PATH.
 */
function run(root: string, script: string, env: Record<string, string> = {}) {
    const r = spawnSync("bash", ["-c", script], {
        cwd: root,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, MED_AGI_TOOLS_CACHE: path.join(root, "cache"), ...env },
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A tool module whose command lives in the module itself: builds in seconds, offline. */
const HELLO = {
    "go.mod": "module med-agi-tools/hello\n\ngo 1.24\n\ntool med-agi-tools/hello/cmd/hello\n",
    "go.sum": "",
    "cmd/hello/main.go": 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello from the cache") }\n',
};

describe("tools/go-tools.sh", () => {
    it("builds a missing tool once into <cache>/<tool>-<hash>/bin, says how long it took, and puts it first on PATH", () => {
        const root = checkout("build", { hello: HELLO });
        const first = run(root, "tools/go-tools.sh");
        expect(first.stderr).toMatch(/^go-tools: built hello in \d+ s$/m);
        expect(first.status).toBe(0);
        const bin = first.stdout.trim();
        expect(bin).toMatch(new RegExp(`^${path.join(root, "cache")}/hello-[0-9a-f]{16}/bin$`));
        expect(fs.readdirSync(path.join(root, "cache")).filter((e) => e.startsWith(".building"))).toEqual([]);

        // Sourced (as tools/test.sh does): no build this time, and the cached command runs by name.
        const sourced = run(root, ". tools/go-tools.sh && command -v hello && hello");
        expect(sourced.stderr).toBe("");
        expect(sourced.stdout).toBe(`${bin}/hello\nhello from the cache\n`);
    });

    it("builds anew into another directory when the pin changes", () => {
        const root = checkout("repin", { hello: HELLO });
        const before = run(root, "tools/go-tools.sh").stdout.trim();
        fs.appendFileSync(path.join(root, "tools/go/hello/go.mod"), "\n// pin changed\n");
        const after = run(root, "tools/go-tools.sh");
        expect(after.status).toBe(0);
        expect(after.stderr).toMatch(/^go-tools: built hello in \d+ s$/m);
        expect(after.stdout.trim()).not.toBe(before);
    });

    it("stops with the tool's name when its pinned version cannot be installed, and leaves nothing in the cache", () => {
        const opa = fs.readFileSync(path.join(ROOT, "tools/go/opa/go.mod"), "utf8");
        expect(opa).toContain("github.com/open-policy-agent/opa v1.21.1");
        const root = checkout("bogus", {
            opa: {
                "go.mod": opa.replace("github.com/open-policy-agent/opa v1.21.1", "github.com/open-policy-agent/opa v1.21.99"),
                "go.sum": fs.readFileSync(path.join(ROOT, "tools/go/opa/go.sum"), "utf8"),
            },
        });
        const r = run(root, ". tools/go-tools.sh; echo sourced-status=$?");
        expect(r.stderr).toContain("go-tools: cannot install opa: `go install tool` failed in tools/go/opa");
        // go.sum holds no hash for v1.21.99, and -mod=readonly refuses to fetch one: go's own error is shown.
        expect(r.stderr).toContain("missing go.sum entry for module providing package github.com/open-policy-agent/opa");
        expect(r.stdout).toBe("sourced-status=1\n");
        expect(fs.readdirSync(path.join(root, "cache")).filter((e) => e.startsWith("opa-") || e.startsWith(".building"))).toEqual([]);
        const executed = run(root, "tools/go-tools.sh");
        expect(executed.status).toBe(1);
    });

    it("stops with the tool's name when its go.sum is missing", () => {
        const root = checkout("nosum", { hello: { "go.mod": HELLO["go.mod"], "cmd/hello/main.go": HELLO["cmd/hello/main.go"] } });
        const r = run(root, "tools/go-tools.sh");
        expect(r.status).toBe(1);
        expect(r.stderr).toContain("go-tools: cannot install hello: ");
        expect(r.stderr).toContain("tools/go/hello/go.sum is missing");
    });

    it("names every tool it cannot install when there is no Go", () => {
        const root = checkout("nogo", { hello: HELLO, opa: { "go.mod": "module med-agi-tools/opa\n", "go.sum": "" } });
        // A PATH with only what the script needs before it looks for go.
        const bin = path.join(root, "bin");
        fs.mkdirSync(bin);
        for (const command of ["bash", "dirname", "basename"]) {
            const found = spawnSync("bash", ["-c", `command -v ${command}`], { encoding: "utf8" }).stdout.trim();
            fs.symlinkSync(found, path.join(bin, command));
        }
        // What a shell with that PATH finds for `go` (nothing): shown beside the script's result when it fails.
        const probe = run(root, "type -a go 2>&1", { PATH: bin }).stdout;
        const r = run(root, "tools/go-tools.sh", { PATH: bin });
        expect([r.status, r.stderr, probe]).toEqual([
            1,
            expect.stringContaining("go-tools: cannot install hello opa: no `go` on PATH"),
            expect.stringContaining("go: not found"),
        ]);
    });
});
