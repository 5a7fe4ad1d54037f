/**
 * Rollback as Pulumi recommends it: there is no "undo" in Pulumi; restore the
 * code and config of the last good deployment and run `pulumi up`. Built on
 * the Automation API (`@pulumi/pulumi/automation`):
 *
 * 1. read the stack's history without secrets;
 * 2. choose the newest successful update older than the current one (or the
 *    one deployed from `--to <sha>`), refusing one deployed from a dirty work
 *    tree or from a commit this repository does not have;
 * 3. check that commit out in a temporary worktree and install it there;
 * 4. preview with diff and refresh, and stop unless `--yes`;
 * 5. `up` with a message naming the rollback, then check the outputs
 *    (release, model version) against the target's config.
 *
 * A locked stack is reported, never cancelled: `pulumi cancel` on an update
 * that is still running corrupts nothing only if a human knows it is dead.
 */
import { execFileSync } from "node:child_process";

import { LocalWorkspace, PulumiCommand, Stack, type UpdateSummary } from "@pulumi/pulumi/automation";

import { prepareWorktree, type Worktree } from "./worktree";

export class RollbackError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "RollbackError";
    }
}

export interface RollbackOptions {
    /** The repository (a checkout of this project). */
    readonly root: string;
    readonly stack: string;
    /** Commit (or prefix) to roll back to. @default the newest successful update before the current one */
    readonly to?: string;
    /** Run `up` after the preview. @default false: preview only */
    readonly yes?: boolean;
    /** Installation root of the Pulumi CLI (`<root>/bin/pulumi`). @default `pulumi` on PATH */
    readonly pulumiRoot?: string;
    readonly log?: (line: string) => void;
}

export interface RollbackResult {
    readonly target: { readonly version: number; readonly commit: string; readonly release: string | undefined };
    readonly current: { readonly version: number; readonly commit: string | undefined };
    readonly status: "previewed" | "rolled-back";
}

const LOCKED = /currently locked|locked by \d+ lock/i;

function lockedError(stack: string): RollbackError {
    return new RollbackError(
        `stack ${stack} is locked: another update is running (or one crashed). Wait for it to finish. ` +
            `Only if you know it is dead: pulumi cancel -s ${stack} (never done automatically), then run the rollback again.`,
    );
}

/** Wraps CLI failures: a lock becomes the locked-stack error, anything else keeps the CLI's message. */
async function cli<T>(stack: string, what: string, run: () => Promise<T>): Promise<T> {
    try {
        return await run();
    } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (LOCKED.test(message)) throw lockedError(stack);
        throw new RollbackError(`pulumi ${what} failed for stack ${stack}: ${message.split("\n").slice(0, 12).join("\n")}`);
    }
}

const commitOf = (u: UpdateSummary): string | undefined => u.environment?.["git.head"];
const configValue = (u: UpdateSummary, key: string): string | undefined => {
    const entry = (u.config as Record<string, { value?: string; secret?: boolean } | undefined> | undefined)?.[key];
    return entry === undefined || entry.secret ? undefined : entry.value;
};

/** The models version an update deployed, when its config set one: `med-agi:inference` is JSON in the history. */
function modelsVersionOf(u: UpdateSummary): string | undefined {
    const raw = configValue(u, "med-agi:inference");
    if (raw === undefined) return undefined;
    try {
        const version = (JSON.parse(raw) as { models?: { version?: unknown } } | null)?.models?.version;
        return typeof version === "string" ? version : undefined;
    } catch {
        return undefined;
    }
}

/** Chooses the update to roll back to; pure, for the tests. */
export function chooseTarget(
    stack: string,
    history: readonly UpdateSummary[],
    to: string | undefined,
): { target: UpdateSummary; current: UpdateSummary } {
    const [current] = history;
    if (current === undefined) throw new RollbackError(`stack ${stack} has no update history: nothing to roll back to`);
    if (current.result === "in-progress") throw lockedError(stack);
    const good = (u: UpdateSummary) => u.kind === "update" && u.result === "succeeded";
    let target: UpdateSummary | undefined;
    if (to !== undefined) {
        target = history.find((u) => good(u) && commitOf(u)?.startsWith(to.toLowerCase()) === true);
        if (target === undefined) {
            throw new RollbackError(
                `no successful update of stack ${stack} was deployed from commit ${to} (pulumi stack history -s ${stack} lists them)`,
            );
        }
    } else {
        target = history.slice(1).find(good);
        if (target === undefined) {
            throw new RollbackError(
                `stack ${stack} has no successful update before the current one (version ${current.version}): nothing to roll back to`,
            );
        }
    }
    const commit = commitOf(target);
    if (commit === undefined || commit === "") {
        throw new RollbackError(
            `update ${target.version} of stack ${stack} records no git commit (git.head): its code is unknown, refusing to guess`,
        );
    }
    if (target.environment?.["git.dirty"] === "true") {
        throw new RollbackError(
            `update ${target.version} of stack ${stack} was deployed from a dirty work tree at ${commit.slice(0, 12)}: the code it ran is in no commit, refusing to roll back to it`,
        );
    }
    return { target, current };
}

/** Rolls `stack` back; throws {@link RollbackError} with a message for the operator. */
export async function rollback(opts: RollbackOptions): Promise<RollbackResult> {
    const log = opts.log ?? (() => {});
    let pulumiCommand: PulumiCommand;
    try {
        pulumiCommand = await PulumiCommand.get(opts.pulumiRoot === undefined ? {} : { root: opts.pulumiRoot });
    } catch (err) {
        throw new RollbackError(
            `no usable Pulumi CLI (${opts.pulumiRoot === undefined ? "pulumi on PATH" : `${opts.pulumiRoot}/bin/pulumi`}): ${(err as Error).message.split("\n")[0]}. ` +
                "Install it (https://www.pulumi.com/docs/install/) and log in to the stack's backend.",
        );
    }
    const here = await LocalWorkspace.create({ workDir: opts.root, pulumiCommand });
    const stack = await cli(opts.stack, "stack select", () => Stack.select(opts.stack, here));
    const history = await cli(opts.stack, "stack history", () => stack.history(undefined, undefined, false));
    const { target, current } = chooseTarget(opts.stack, history, opts.to);
    const commit = commitOf(target) as string;
    try {
        execFileSync("git", ["cat-file", "-e", `${commit}^{commit}`], { cwd: opts.root, stdio: "ignore" });
    } catch {
        throw new RollbackError(
            `commit ${commit} (update ${target.version}) is not in this repository: git fetch origin, then run the rollback again`,
        );
    }
    const release = configValue(target, "med-agi:release");
    log(
        `rollback: ${opts.stack} from update ${current.version} (${commitOf(current)?.slice(0, 12) ?? "unknown commit"}) ` +
            `to update ${target.version} (${commit.slice(0, 12)}, release ${release ?? "unknown"})`,
    );

    let worktree: Worktree | undefined;
    try {
        worktree = prepareWorktree(opts.root, commit, (l) => log(`rollback: ${l}`));
        log(`rollback: ${commit.slice(0, 12)} checked out in ${worktree.dir} (node_modules: ${worktree.modules})`);
        const ws = await LocalWorkspace.create({ workDir: worktree.dir, pulumiCommand });
        const there = await cli(opts.stack, "stack select", () => Stack.select(opts.stack, ws));
        const onOutput = (out: string) => log(out.replace(/\n$/, ""));
        await cli(opts.stack, "preview", () => there.preview({ diff: true, refresh: true, onOutput }));
        const base = {
            target: { version: target.version, commit, release },
            current: { version: current.version, commit: commitOf(current) },
        };
        if (opts.yes !== true) {
            log(
                `rollback: preview only. Re-run with --yes to apply: npm run rollback -- --stack ${opts.stack} --to ${commit.slice(0, 12)} --yes`,
            );
            return { ...base, status: "previewed" };
        }
        const message = `rollback ${opts.stack} to ${commit.slice(0, 12)} (update ${target.version}, release ${release ?? "unknown"}) from update ${current.version}`;
        const result = await cli(opts.stack, "up", () => there.up({ refresh: true, message, onOutput, showSecrets: false }));
        verifyOutputs(
            opts.stack,
            target,
            Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.secret ? undefined : v.value])),
        );
        log(`rollback: ${opts.stack} is at ${commit.slice(0, 12)}; outputs verified (release ${release ?? "unknown"})`);
        return { ...base, status: "rolled-back" };
    } finally {
        worktree?.cleanup();
    }
}

/** The stack's outputs after `up` must show the target's release and models version. */
export function verifyOutputs(stack: string, target: UpdateSummary, outputs: Record<string, unknown>): void {
    const problems: string[] = [];
    const release = configValue(target, "med-agi:release");
    if (release !== undefined && outputs.release !== release)
        problems.push(`release is ${JSON.stringify(outputs.release)}, expected "${release}"`);
    // The model rollback is med-agi:inference's models.version (docs/inference.md); checked when the
    // target's config set it (a default may differ between commits), against the stack output.
    const model = modelsVersionOf(target);
    const deployed = (outputs.inference as { modelsVersion?: unknown } | undefined)?.modelsVersion;
    if (model !== undefined && deployed !== model)
        problems.push(`inference.modelsVersion is ${JSON.stringify(deployed)}, expected "${model}"`);
    if (problems.length > 0) {
        throw new RollbackError(`stack ${stack} was updated but its outputs do not match update ${target.version}: ${problems.join("; ")}`);
    }
}
