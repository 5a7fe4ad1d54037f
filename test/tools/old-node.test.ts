/**
 * README's first command on a machine whose `node` is too old for the project
 * (Node 20, say): `npm run render` must still run the program under the Node 22
 * that the pinned `node` devDependency installed into node_modules, because
 * `npm run` puts node_modules/.bin first on PATH.
 *
 * The test needs a Node.js older than 22.15 with its npm beside it: the first
 * such `node` on PATH (outside this project's node_modules), or the one
 * MED_AGI_OLD_NODE names. Without one it fails and says so: it never skips.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { ROOT } from "../support/harness";

/** [major, minor] of a `node` binary, or undefined when it does not run. */
function versionOf(node: string): [number, number] | undefined {
    const r = spawnSync(node, ["-p", "process.versions.node"], { encoding: "utf8", env: { PATH: path.dirname(node) } });
    if (r.status !== 0) return undefined;
    const [major, minor] = r.stdout.trim().split(".").map(Number);
    return [major!, minor!];
}

const tooOld = ([major, minor]: [number, number]): boolean => major < 22 || (major === 22 && minor < 15);

/** The directory of a Node.js older than 22.15 that has its npm beside it. */
function oldNodeDir(): string {
    const projectBins = path.join(ROOT, "node_modules");
    const candidates = [
        ...(process.env.MED_AGI_OLD_NODE === undefined ? [] : [process.env.MED_AGI_OLD_NODE]),
        ...(process.env.PATH ?? "")
            .split(path.delimiter)
            .filter((d) => d !== "" && !path.resolve(d).startsWith(projectBins))
            .map((d) => path.join(d, "node")),
    ];
    const seen: string[] = [];
    for (const node of candidates) {
        if (!fs.existsSync(node)) continue;
        const v = versionOf(node);
        seen.push(`${node} (${v === undefined ? "does not run" : v.join(".")})`);
        if (v !== undefined && tooOld(v) && fs.existsSync(path.join(path.dirname(node), "npm"))) return path.dirname(node);
    }
    throw new Error(
        "this test needs a Node.js older than 22.15 with npm beside it, to run README's `npm run render` as a machine with an old node does; " +
            `none found (seen: ${seen.join(", ") || "no node on PATH"}). Install one (e.g. Debian's nodejs 20) or point MED_AGI_OLD_NODE at its node binary.`,
    );
}

describe("npm run on a machine whose node is older than 22.15", () => {
    it("runs the render under the Node 22 that the pinned node devDependency installed", () => {
        const oldDir = oldNodeDir();
        const work = fs.mkdtempSync(path.join(os.tmpdir(), "old-node-"));
        try {
            // Every node process started below appends its version, binary and script here.
            const record = path.join(work, "record.jsonl");
            const recorder = path.join(work, "recorder.js");
            fs.writeFileSync(
                recorder,
                `require("fs").appendFileSync(${JSON.stringify(record)}, JSON.stringify({ version: process.version, execPath: process.execPath, script: process.argv[1] ?? "" }) + "\\n");\n`,
            );
            // A shell on that machine: the old node's directory first, no other node anywhere on PATH,
            // and none of the npm_* variables of the `npm test` that runs this file.
            const PATH = [
                oldDir,
                ...(process.env.PATH ?? "").split(path.delimiter).filter((d) => d !== "" && !fs.existsSync(path.join(d, "node"))),
            ].join(path.delimiter);
            const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== "INIT_CWD"));
            const r = spawnSync("npm", ["run", "render", "--", "--stack", "dev", "--out", path.join(work, "out")], {
                cwd: ROOT,
                encoding: "utf8",
                env: { ...env, PATH, NODE_OPTIONS: `--require ${recorder}` },
            });
            expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
            // One stack: the files go straight into --out.
            expect(fs.existsSync(path.join(work, "out", "plan.json"))).toBe(true);

            const runs = fs
                .readFileSync(record, "utf8")
                .trim()
                .split("\n")
                .map((l) => JSON.parse(l) as { version: string; execPath: string; script: string });
            // npm itself ran on the machine's old node ...
            const npm = runs.find((p) => /npm-cli\.js$|[/\\]npm$/.test(p.script));
            expect(npm).toBeDefined();
            expect(tooOld(npm!.version.slice(1).split(".").map(Number) as [number, number])).toBe(true);
            // ... and the render on the pinned Node 22 from node_modules.
            const render = runs.filter((p) => p.script === "tools/render.ts" || p.script.endsWith(`${path.sep}tools${path.sep}render.ts`));
            expect(render.length).toBeGreaterThanOrEqual(1);
            for (const p of render) {
                expect(p.version).toBe("v22.23.3");
                expect(fs.realpathSync(p.execPath)).toBe(fs.realpathSync(path.join(ROOT, "node_modules", "node", "bin", "node")));
            }
        } finally {
            fs.rmSync(work, { recursive: true, force: true });
        }
    });
});
