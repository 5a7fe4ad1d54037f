/**
 * Running the real Prometheus and Alertmanager tools from tests. A missing
 * tool is a failure, not a skip: `npm test` (tools/test.sh) installs the
 * Debian packages that provide them.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";

export interface ToolResult {
    readonly status: number;
    readonly stdout: string;
    readonly stderr: string;
}

/** Runs `tool args…`; throws when the tool is not installed. */
export function run(tool: "promtool" | "amtool", args: readonly string[], cwd?: string): ToolResult {
    const r = spawnSync(tool, args, { cwd, encoding: "utf8", timeout: 300_000 });
    if (r.error !== undefined) {
        throw new Error(`${tool} could not be run (${r.error.message}); install the Debian package (npm test does it: tools/test.sh)`);
    }
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh scratch directory. */
export function scratchDir(prefix: string): string {
    return mkdtempSync(join(tmpdir(), `med-agi-${prefix}-`));
}

/** Writes `value` as YAML to `dir/name` and returns the path. */
export function writeYaml(dir: string, name: string, value: unknown): string {
    const path = join(dir, name);
    writeFileSync(path, stringify(value, { lineWidth: 0 }));
    return path;
}
