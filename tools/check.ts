/**
 * `npm run check -- <render-dir | plan.json> [--json]`
 *
 * Runs the CrossGuard policy pack (policies/) over a render's plan.json with
 * the engine's own analyzer handlers (tools/lib/policy-run.ts). Each violation
 * names the resource (URN), the policy, the runbook line or standard it
 * enforces, and the fix. Exits 1 on a mandatory violation, 2 on bad usage.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { parseCommandLine, usageError } from "./lib/cli";
import type { Plan } from "./lib/plan";
import { formatReport, runPolicies } from "./lib/policy-run";

const USAGE = `usage: npm run check -- <render-dir | plan.json> [--json]

  <render-dir>  a directory written by \`npm run render\` (reads its plan.json)
  <plan.json>   any plan of the render contract's shape
  --json        print the report as JSON (policy.json's shape)
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
    const [target, ...extra] = parsed.positionals;
    if (target === undefined || extra.length > 0) {
        return usageError("check", USAGE, "give exactly one render directory or plan.json");
    }
    let plan: Plan;
    try {
        plan = readPlan(target);
    } catch (err) {
        process.stderr.write(`check: ${(err as Error).message}\n`);
        return 2;
    }
    const report = await runPolicies(plan);
    process.stdout.write(parsed.values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    return report.mandatory > 0 ? 1 : 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => process.exit(code));
}
