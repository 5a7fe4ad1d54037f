/**
 * `npm run diff -- <base> <head>` / `npm run diff -- --base <git-ref> [<head>]`
 *
 * Prints a Markdown diff of two renders, fit for a PR comment: a summary line
 * per stack first ("3 changed, 0 replaced, …"), replacements flagged, the
 * architecture diagram with changed nodes styled, then property paths with
 * old → new values. `<base>`/`<head>` are render directories (one stack's,
 * holding plan.json, or `npm run render`'s output with one directory per
 * stack) or plan.json files. `--base <git-ref>` renders that commit in a
 * temporary git worktree; without `<head>` the current checkout is rendered.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { parseCommandLine, usageError } from "./lib/cli";
import { renderGitRef } from "./lib/worktree";
import type { Plan } from "./lib/plan";
import { diffPlans, diffReport } from "./lib/plan-diff";

const ROOT = path.resolve(__dirname, "..");

const USAGE = `usage: npm run diff -- <base> <head> [--out <file>]
       npm run diff -- --base <git-ref> [<head>] [--out <file>]

  <base>, <head>     a render directory (plan.json inside, or one <stack>/plan.json per stack) or a plan.json
  --base <git-ref>   render that commit in a temporary git worktree as the base
  --out <file>       also write the Markdown to <file>
  --help             show this help`;

/** Reads the plans of a render: stack → plan. */
export function readPlans(location: string): Map<string, Plan> {
    const plans = new Map<string, Plan>();
    const read = (file: string) => {
        const plan = JSON.parse(fs.readFileSync(file, "utf8")) as Plan;
        if (typeof plan.stack !== "string" || !Array.isArray(plan.resources))
            throw new Error(`${file}: not a plan.json (no stack/resources)`);
        plans.set(plan.stack, plan);
    };
    if (!fs.existsSync(location)) throw new Error(`${location}: no such file or directory`);
    if (fs.statSync(location).isFile()) read(location);
    else if (fs.existsSync(path.join(location, "plan.json"))) read(path.join(location, "plan.json"));
    else {
        for (const entry of fs.readdirSync(location).sort()) {
            const file = path.join(location, entry, "plan.json");
            if (fs.existsSync(file)) read(file);
        }
    }
    if (plans.size === 0) throw new Error(`${location}: no plan.json found (render with npm run render first)`);
    return plans;
}

/** The Markdown diff of two renders; stacks present on one side only are reported as wholly added or removed. */
export function diffRenders(base: Map<string, Plan>, head: Map<string, Plan>): string {
    const stacks = [...new Set([...head.keys(), ...base.keys()])];
    const empty = (from: Plan): Plan => ({ ...from, resources: [], outputs: {} });
    return diffReport(
        stacks.map((stack) => {
            const h = head.get(stack);
            const b = base.get(stack);
            return diffPlans(b ?? empty(h as Plan), h ?? empty(b as Plan));
        }),
    );
}

async function main(): Promise<number> {
    const parsed = parseCommandLine("diff", USAGE, {
        options: { base: { type: "string" }, out: { type: "string" }, help: { type: "boolean" } },
        allowPositionals: true,
    });
    if (typeof parsed === "number") return parsed;
    const { values, positionals } = parsed;
    const expected = values.base === undefined ? [2] : [0, 1];
    if (!expected.includes(positionals.length)) {
        return usageError("diff", USAGE, `expected ${values.base === undefined ? "<base> <head>" : "at most <head>"}`);
    }
    const cleanups: (() => void)[] = [];
    try {
        let baseLocation = positionals[0] as string;
        let headLocation = positionals[1] as string;
        if (values.base !== undefined) {
            const base = renderGitRef(ROOT, values.base, (l) => process.stderr.write(`${l}\n`));
            cleanups.push(base.cleanup);
            baseLocation = base.outDir;
            headLocation = positionals[0] as string;
            if (headLocation === undefined) {
                const { renderStacks } = await import("./render");
                const { listStacks } = await import("./lib/project");
                const out = fs.mkdtempSync(path.join(os.tmpdir(), "med-agi-head-"));
                cleanups.push(() => fs.rmSync(out, { recursive: true, force: true }));
                const outcomes = await renderStacks(
                    listStacks(ROOT).map((stack) => ({ root: ROOT, stack, outDir: path.join(out, stack) })),
                );
                const failed = outcomes.filter((o) => !o.ok);
                if (failed.length > 0)
                    throw new Error(`the checkout does not render: ${failed.map((f) => f.stack).join(", ")} (run npm run render)`);
                headLocation = out;
            }
        }
        const markdown = diffRenders(readPlans(baseLocation), readPlans(headLocation));
        if (values.out !== undefined) fs.writeFileSync(values.out, `${markdown}\n`);
        process.stdout.write(`${markdown}\n`);
        return 0;
    } catch (err) {
        process.stderr.write(`diff: ${(err as Error).message}\n`);
        return 1;
    } finally {
        for (const c of cleanups) c();
    }
}

if (require.main === module) {
    main().then((code) => process.exit(code));
}
