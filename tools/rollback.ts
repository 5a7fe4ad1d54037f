/**
 * `npm run rollback -- --stack <stack> [--to <git-sha>] [--yes]`
 *
 * Rolls a stack back to its last good deployment the way Pulumi recommends:
 * that deployment's commit (code and stack config) is checked out in a
 * temporary worktree, previewed, and — with --yes — deployed with `pulumi up`.
 * See tools/lib/rollback.ts and docs/operations.md.
 */
import * as path from "node:path";

import { parseCommandLine, usageError } from "./lib/cli";
import { rollback, RollbackError } from "./lib/rollback";

const ROOT = path.resolve(__dirname, "..");

const USAGE = `usage: npm run rollback -- --stack <stack> [--to <git-sha>] [--yes]

  --stack <stack>      the stack to roll back (staging, prod, dev)
  --to <git-sha>       the commit whose deployment to restore; default: the newest successful update before the current one
  --yes                apply after the preview (without it: preview only)
  --pulumi-root <dir>  use <dir>/bin/pulumi instead of pulumi on PATH
  --help               show this help`;

async function main(): Promise<number> {
    const parsed = parseCommandLine("rollback", USAGE, {
        options: {
            stack: { type: "string" },
            to: { type: "string" },
            yes: { type: "boolean" },
            "pulumi-root": { type: "string" },
            help: { type: "boolean" },
        },
    });
    if (typeof parsed === "number") return parsed;
    const { values } = parsed;
    if (values.stack === undefined) return usageError("rollback", USAGE, "--stack is required");
    try {
        const result = await rollback({
            root: ROOT,
            stack: values.stack,
            ...(values.to === undefined ? {} : { to: values.to }),
            yes: values.yes === true,
            ...(values["pulumi-root"] === undefined ? {} : { pulumiRoot: values["pulumi-root"] }),
            log: (line) => process.stdout.write(`${line}\n`),
        });
        return result.status === "rolled-back" || values.yes !== true ? 0 : 1;
    } catch (err) {
        if (err instanceof RollbackError) {
            process.stderr.write(`rollback: ${err.message}\n`);
            return 1;
        }
        throw err;
    }
}

if (require.main === module) {
    main().then((code) => process.exit(code));
}
