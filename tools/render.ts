/**
 * `npm run render -- [--stack <stack>]... [--out <dir>]`
 *
 * Evaluates the real program offline (Pulumi's mock runtime; no CLI, cloud or
 * cluster) for each stack and writes the render output of DESIGN.md. Without
 * --stack, every stack with a Pulumi.<stack>.yaml. Exits non-zero when any
 * stack's config is invalid or its program fails.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { parseArgs } from "node:util";

import { listStacks } from "./lib/project";

const ROOT = path.resolve(__dirname, "..");
const RESULT_MARKER = "@@render-result ";

interface WorkerResult {
    ok: boolean;
    stack: string;
    outDir?: string;
    resources?: number;
    files?: string[];
    millis?: number;
    placeholderSecrets?: string[];
    kind?: "config" | "program";
    registered?: number;
    message?: string;
}

const USAGE = `usage: npm run render -- [--stack <stack>]... [--out <dir>]

  --stack <stack>  render this stack (repeatable); default: every Pulumi.<stack>.yaml
  --out <dir>      output directory; default out/<stack>. With several stacks: <dir>/<stack>
  --root <dir>     directory holding Pulumi.yaml and the stack files; default: this project
  --help           show this help`;

/** Runs the render of one stack in a fresh process and returns its result line. */
export function renderInWorker(stack: string, outDir: string, root = ROOT): Promise<WorkerResult> {
    return new Promise((resolve) => {
        const child = spawn(
            process.execPath,
            ["--import", "tsx", path.join(__dirname, "render-worker.ts"), "--stack", stack, "--out", outDir, "--root", root],
            {
                cwd: ROOT,
                stdio: ["ignore", "pipe", "pipe"],
            },
        );
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("close", (code) => {
            const line = stdout.split("\n").find((l) => l.startsWith(RESULT_MARKER));
            if (line !== undefined) {
                resolve(JSON.parse(line.slice(RESULT_MARKER.length)) as WorkerResult);
            } else {
                resolve({ ok: false, stack, kind: "program", message: `render worker exited with code ${code}\n${stderr.trim()}` });
            }
        });
    });
}

async function main(): Promise<number> {
    let values;
    try {
        ({ values } = parseArgs({
            options: {
                stack: { type: "string", multiple: true },
                out: { type: "string" },
                root: { type: "string" },
                help: { type: "boolean" },
            },
            allowPositionals: false,
        }));
    } catch (err) {
        process.stderr.write(`render: ${(err as Error).message}\n\n${USAGE}\n`);
        return 2;
    }
    if (values.help) {
        process.stdout.write(`${USAGE}\n`);
        return 0;
    }
    const root = values.root === undefined ? ROOT : path.resolve(values.root);
    const known = listStacks(root);
    const stacks = values.stack ?? known;
    const unknown = stacks.filter((s) => !known.includes(s));
    if (unknown.length > 0) {
        process.stderr.write(
            `render: no Pulumi.<stack>.yaml for ${unknown.map((s) => `"${s}"`).join(", ")} (stacks: ${known.join(", ")})\n`,
        );
        return 2;
    }
    const outFor = (stack: string) =>
        values.out === undefined
            ? path.join(process.cwd(), "out", stack)
            : stacks.length === 1
              ? path.resolve(values.out)
              : path.resolve(values.out, stack);

    let failed = 0;
    for (const stack of stacks) {
        const result = await renderInWorker(stack, outFor(stack), root);
        if (result.ok) {
            const rel = path.relative(process.cwd(), result.outDir ?? "") || ".";
            process.stdout.write(
                `✔ ${stack.padEnd(8)} ${String(result.resources).padStart(4)} resources in ${Math.round(result.millis ?? 0)} ms → ${rel}/ (${(result.files ?? []).join(", ")})\n`,
            );
            const placeholders = result.placeholderSecrets ?? [];
            if (placeholders.length > 0) {
                process.stdout.write(
                    `  ⚠ credentials not in the stack file, rendered with placeholders (pulumi up needs them): ${placeholders.join(", ")}\n`,
                );
            }
        } else {
            failed++;
            const what =
                result.kind === "config"
                    ? `invalid configuration; ${result.registered ?? 0} resources registered, nothing written`
                    : "program failed; nothing written";
            process.stderr.write(`✘ ${stack}: ${what}\n${indent(result.message ?? "")}\n`);
        }
    }
    process.stdout.write(`${stacks.length - failed} of ${stacks.length} stacks rendered\n`);
    return failed === 0 ? 0 : 1;
}

function indent(text: string): string {
    return text
        .split("\n")
        .map((l) => `    ${l}`)
        .join("\n");
}

if (require.main === module) {
    main().then((code) => process.exit(code));
}
