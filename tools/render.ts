/**
 * `npm run render -- [--stack <stack>]... [--out <dir>]`
 *
 * Evaluates the real program offline (Pulumi's mock runtime; no CLI, cloud or
 * cluster) for each stack and writes the render output of DESIGN.md. Without
 * --stack, every stack with a Pulumi.<stack>.yaml. Exits non-zero when any
 * stack's config is invalid, its program fails or the policy pack finds a
 * mandatory violation (the files are written either way: policy.json says why).
 */
import * as path from "node:path";
import { Worker } from "node:worker_threads";

import { parseCommandLine } from "./lib/cli";
import { listStacks } from "./lib/stacks";
import type { RenderJob, RenderOutcome } from "./lib/render-stack";

const ROOT = path.resolve(__dirname, "..");
const LOADER = path.join(__dirname, "lib", "ts-loader.js");
const THREAD = path.join(__dirname, "lib", "render-thread.ts");

const USAGE = `usage: npm run render -- [--stack <stack>]... [--out <dir>]

  --stack <stack>  render this stack (repeatable); default: every Pulumi.<stack>.yaml
  --out <dir>      output directory; default out/<stack>. With several stacks: <dir>/<stack>
  --root <dir>     directory holding Pulumi.yaml and the stack files; default: this project
  --help           show this help`;

/** Renders one stack in a worker thread of this process (its own module registry, so its own mocks). */
function renderInThread(job: RenderJob): Promise<RenderOutcome> {
    return new Promise((resolve) => {
        const worker = new Worker(`require(${JSON.stringify(LOADER)}); require(${JSON.stringify(THREAD)});`, {
            eval: true,
            workerData: job,
        });
        let outcome: RenderOutcome | undefined;
        worker.once("message", (message: RenderOutcome) => (outcome = message));
        worker.once("error", (err) => (outcome ??= { ok: false, stack: job.stack, kind: "program", message: err.stack ?? String(err) }));
        worker.once("exit", (code) =>
            resolve(outcome ?? { ok: false, stack: job.stack, kind: "program", message: `render thread exited with code ${code}` }),
        );
    });
}

/**
 * Renders the stacks: one alone in this thread; several at once, each in its
 * own worker thread, so that they use every core.
 */
export async function renderStacks(jobs: readonly RenderJob[]): Promise<RenderOutcome[]> {
    const [only] = jobs;
    if (jobs.length === 1 && only !== undefined) {
        const { renderOutcome } = await import("./lib/render-stack");
        return [await renderOutcome(only)];
    }
    return Promise.all(jobs.map(renderInThread));
}

async function main(): Promise<number> {
    const parsed = parseCommandLine("render", USAGE, {
        options: {
            stack: { type: "string", multiple: true },
            out: { type: "string" },
            root: { type: "string" },
            help: { type: "boolean" },
        },
        allowPositionals: false,
    });
    if (typeof parsed === "number") return parsed;
    const { values } = parsed;
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
    const outcomes = await renderStacks(stacks.map((stack) => ({ root, stack, outDir: outFor(stack) })));
    for (const result of outcomes) {
        if (result.ok) {
            const rel = path.relative(process.cwd(), result.outDir) || ".";
            process.stdout.write(
                `✔ ${result.stack.padEnd(8)} ${String(result.resources).padStart(4)} resources in ${Math.round(result.millis)} ms → ${rel}/ (${result.files.join(", ")})\n`,
            );
            const { mandatory, advisory, policies } = result.policy;
            const verdict = `policy: ${policies} policies, ${mandatory} mandatory, ${advisory} advisory violation(s)`;
            if (mandatory > 0) {
                failed++;
                process.stderr.write(`  ✘ ${verdict} — see ${rel}/policy.json or run: npm run check -- ${rel}\n`);
            } else {
                process.stdout.write(`  ${verdict}${advisory > 0 ? ` (npm run check -- ${rel})` : ""}\n`);
            }
            const placeholders = result.placeholderSecrets;
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
            process.stderr.write(`✘ ${result.stack}: ${what}\n${indent(result.message)}\n`);
        }
    }
    process.stdout.write(`${stacks.length - failed} of ${stacks.length} stacks rendered and passed the policy pack\n`);
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
