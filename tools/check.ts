/**
 * `npm run check -- <render-dir | plan.json>... [--json]`
 *
 * Runs the CrossGuard policy pack (policies/) over a render's plan.json with
 * the engine's own analyzer handlers (tools/lib/policy-run.ts). Each violation
 * names the resource (URN), the policy, the runbook line or standard it
 * enforces, and the fix. Several renders (`npm run check -- out/dev out/prod`)
 * are checked in one process, one report after another: the pack loads once.
 * Exits 1 on a mandatory violation in any of them, 2 on bad usage.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { parseCommandLine, usageError } from "./lib/cli";
import type { Plan } from "./lib/plan";

const USAGE = `usage: npm run check -- <render-dir | plan.json>... [--json]

  <render-dir>  a directory written by \`npm run render\` (reads its plan.json)
  <plan.json>   any plan of the render contract's shape
                several of either: each is checked, its report printed in turn
  --json        print the report as JSON (policy.json's shape); one target only
  --help        show this help`;

function readPlan(target: string): Plan {
    const file = fs.statSync(target).isDirectory() ? path.join(target, "plan.json") : target;
    const plan = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<Plan>;
    if (!Array.isArray(plan.resources) || typeof plan.stack !== "string" || typeof plan.project !== "string") {
        throw new Error(`${file} is not a plan: it needs "project", "stack" and "resources" (DESIGN.md "Render output contract")`);
    }
    return plan as Plan;
}

export async function main(argv: readonly string[]): Promise<number> {
    const parsed = parseCommandLine("check", USAGE, {
        args: [...argv],
        options: { json: { type: "boolean" }, help: { type: "boolean" } },
        allowPositionals: true,
    });
    if (typeof parsed === "number") return parsed;
    const targets = parsed.positionals;
    if (targets.length === 0) return usageError("check", USAGE, "give a render directory or plan.json");
    // One report is policy.json's shape; several would need another shape, which nothing reads.
    if (parsed.values.json && targets.length > 1) {
        return usageError("check", USAGE, `--json takes one render directory or plan.json (given ${targets.length})`);
    }
    // Every target read before any is checked, and every unreadable one named.
    const plans: Plan[] = [];
    const problems: string[] = [];
    for (const target of targets) {
        try {
            plans.push(readPlan(target));
        } catch (err) {
            problems.push(`check: ${(err as Error).message}\n`);
        }
    }
    if (problems.length > 0) {
        process.stderr.write(problems.join(""));
        return 2;
    }
    // Loaded once the targets are read: a usage error answers without loading the pack.
    const { formatReport, runPolicies } = await import("./lib/policy-run");
    let mandatory = 0;
    for (const [i, plan] of plans.entries()) {
        const report = await runPolicies(plan);
        mandatory += report.mandatory;
        // A blank line between the reports of several renders, as between the findings of one.
        process.stdout.write(parsed.values.json ? `${JSON.stringify(report, null, 2)}\n` : `${i > 0 ? "\n" : ""}${formatReport(report)}`);
    }
    return mandatory > 0 ? 1 : 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => process.exit(code));
}
