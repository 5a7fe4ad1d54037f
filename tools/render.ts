/**
 * `npm run render -- [--stack <stack>]... [--out <dir>]`
 *
 * Evaluates the real program offline (Pulumi's mock runtime; no CLI, cloud or
 * cluster) for each stack and writes the render output of DESIGN.md. Without
 * --stack, every stack with a Pulumi.<stack>.yaml. Exits non-zero when any
 * stack's config is invalid, its program fails or the policy pack finds a
 * mandatory violation (the files are written either way: policy.json says why).
 */
import * as os from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";

import { parseCommandLine } from "./lib/cli";
import { listStacks } from "./lib/stacks";
import type { RenderJob, RenderOutcome } from "./lib/render-stack";

const ROOT = path.resolve(__dirname, "..");
const LOADER = path.join(__dirname, "lib", "ts-loader.js");
const THREAD = path.join(__dirname, "lib", "render-thread.ts");

const USAGE = `usage: npm run render -- [--stack <stack>]... [--out <dir>] [--jobs <n>]

  --stack <stack>  render this stack (repeatable); default: every Pulumi.<stack>.yaml
  --out <dir>      output directory; default out/<stack>. With several stacks: <dir>/<stack>
  --jobs <n>       render at most n stacks at once, one thread each; default: one per core
  --root <dir>     directory holding Pulumi.yaml and the stack files; default: this project
  --help           show this help`;

/** Renders stacks one after another in a worker thread of this process (its own module registry, so its own SDK state). */
function renderInThread(jobs: readonly RenderJob[]): Promise<RenderOutcome[]> {
    return new Promise((resolve) => {
        const worker = new Worker(`require(${JSON.stringify(LOADER)}); require(${JSON.stringify(THREAD)});`, {
            eval: true,
            workerData: jobs,
        });
        const outcomes: RenderOutcome[] = [];
        worker.on("message", (message: RenderOutcome) => outcomes.push(message));
        let failure: string | undefined;
        worker.once("error", (err) => (failure = err.stack ?? String(err)));
        // The thread posts one outcome per stack, in order; a stack it never reported failed with the thread.
        worker.once("exit", (code) =>
            resolve(
                jobs.map(
                    (job, i) =>
                        outcomes[i] ?? {
                            ok: false,
                            stack: job.stack,
                            kind: "program",
                            message: failure ?? `render thread exited with code ${code}`,
                        },
                ),
            ),
        );
    });
}

/** Renders stacks one after another in this thread. */
async function renderHere(jobs: readonly RenderJob[]): Promise<RenderOutcome[]> {
    const { renderOneAfterAnother } = await import("./lib/render-stack");
    return renderOneAfterAnother(jobs);
}

/**
 * Deals the stacks round-robin into at most `threads` groups, in order: with
 * dev, staging and prod on two threads, [dev, prod] and [staging].
 */
export function threadGroups<T>(jobs: readonly T[], threads: number): T[][] {
    const count = Math.max(1, Math.min(threads, jobs.length));
    return Array.from({ length: count }, (_, g) => jobs.filter((_, i) => i % count === g)).filter((group) => group.length > 0);
}

/**
 * Renders the stacks on at most `threads` threads: the first group in this
 * thread, each other group in a worker thread, all at once. A thread renders
 * its stacks one after another and loads the program only once; each stack
 * starts from a fresh SDK state (`runUnderMocks`), so the files are the same
 * as rendering each stack alone. Outcomes are in the order of `jobs`.
 */
export async function renderStacks(jobs: readonly RenderJob[], threads = os.availableParallelism()): Promise<RenderOutcome[]> {
    const [here = [], ...elsewhere] = threadGroups(jobs, threads);
    // Worker threads first: they start while this thread loads the program.
    const groups = [...elsewhere, here];
    const settled = await Promise.all([...elsewhere.map(renderInThread), renderHere(here)]);
    const byJob = new Map(groups.flatMap((group, g) => group.map((job, i) => [job, settled[g]?.[i]] as const)));
    return jobs.map(
        (job) => byJob.get(job) ?? { ok: false, stack: job.stack, kind: "program", message: "render: no outcome reported for this stack" },
    );
}

async function main(): Promise<number> {
    const parsed = parseCommandLine("render", USAGE, {
        options: {
            stack: { type: "string", multiple: true },
            out: { type: "string" },
            jobs: { type: "string" },
            root: { type: "string" },
            help: { type: "boolean" },
        },
        allowPositionals: false,
    });
    if (typeof parsed === "number") return parsed;
    const { values } = parsed;
    const root = values.root === undefined ? ROOT : path.resolve(values.root);
    const known = listStacks(root);
    const stacks = [...new Set(values.stack ?? known)];
    const unknown = stacks.filter((s) => !known.includes(s));
    if (unknown.length > 0) {
        process.stderr.write(
            `render: no Pulumi.<stack>.yaml for ${unknown.map((s) => `"${s}"`).join(", ")} (stacks: ${known.join(", ")})\n`,
        );
        return 2;
    }
    const jobs = values.jobs === undefined ? os.availableParallelism() : Number(values.jobs);
    if (!Number.isInteger(jobs) || jobs < 1) {
        process.stderr.write(`render: --jobs "${values.jobs}" is not allowed (must be a whole number ≥ 1)\n`);
        return 2;
    }
    const outFor = (stack: string) =>
        values.out === undefined
            ? path.join(process.cwd(), "out", stack)
            : stacks.length === 1
              ? path.resolve(values.out)
              : path.resolve(values.out, stack);

    let failed = 0;
    const outcomes = await renderStacks(
        stacks.map((stack) => ({ root, stack, outDir: outFor(stack) })),
        jobs,
    );
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
