/**
 * `npm run rollback` driven through a stand-in `pulumi` executable
 * (test/tools/pulumi-stand-in.sh; the only double: the real CLI is
 * unreachable here), selected with `PulumiCommand.get({ root })`. It records every argument list and answers
 * `stack history --json` with canned history in the CLI's format. The
 * repository is a scratch git repo with real commits.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import type { UpdateSummary } from "@pulumi/pulumi/automation";

import { chooseTarget, rollback, RollbackError, verifyOutputs } from "../../tools/lib/rollback";
import { ROOT } from "../support/harness";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rollback-test-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const repo = path.join(tmp, "repo");
const pulumiRoot = path.join(tmp, "pulumi");
const callLog = path.join(tmp, "calls.jsonl");
const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, encoding: "utf8" }).trim();

let commits: { v100: string; v110: string; v120: string };

beforeAll(() => {
    fs.mkdirSync(path.join(pulumiRoot, "bin"), { recursive: true });
    // The stand-in CLI: records argv, answers like pulumi 3.210 would.
    fs.copyFileSync(path.join(__dirname, "pulumi-stand-in.sh"), path.join(pulumiRoot, "bin", "pulumi"));
    fs.chmodSync(path.join(pulumiRoot, "bin", "pulumi"), 0o755);
    fs.mkdirSync(repo);
    git("init", "-q", "-b", "main");
    git("config", "user.email", "test@example.org");
    git("config", "user.name", "test");
    fs.copyFileSync(path.join(ROOT, "package-lock.json"), path.join(repo, "package-lock.json"));
    fs.writeFileSync(path.join(repo, ".gitignore"), "node_modules\n");
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(repo, "node_modules"), "dir");
    fs.writeFileSync(path.join(repo, "Pulumi.yaml"), "name: med-agi\nruntime: nodejs\n");
    const commit = (release: string) => {
        fs.writeFileSync(path.join(repo, "Pulumi.prod.yaml"), `config:\n  med-agi:release: ${release}\n`);
        git("add", "-A");
        git("commit", "-q", "-m", release);
        return git("rev-parse", "HEAD");
    };
    commits = { v100: commit("v1.0.0"), v110: commit("v1.1.0"), v120: commit("v1.2.0") };
});

type Entry = { version: number; kind?: string; result?: string; head?: string; dirty?: boolean; release?: string; models?: string };
/** History as `pulumi stack history --json` prints it: newest first. */
function history(entries: Entry[]): string {
    return JSON.stringify(
        entries.map((e) => ({
            version: e.version,
            kind: e.kind ?? "update",
            startTime: `2026-11-0${e.version}T10:00:00.000Z`,
            endTime: `2026-11-0${e.version}T10:05:00.000Z`,
            message: `deploy ${e.version}`,
            environment: {
                "exec.kind": "cli",
                "git.author": "ops",
                ...(e.head === undefined
                    ? {}
                    : { "git.head": e.head, "git.dirty": String(e.dirty ?? false), "git.headName": "refs/heads/main" }),
            },
            config: {
                "med-agi:release": { value: e.release ?? "v?", secret: false },
                // Structured config, as the CLI records it: JSON in `value`.
                ...(e.models === undefined
                    ? {}
                    : { "med-agi:inference": { value: JSON.stringify({ models: { version: e.models } }), secret: false } }),
                "med-agi:siemToken": { value: "[secret]", secret: true },
            },
            result: e.result ?? "succeeded",
            resourceChanges: { same: 74, update: 6 },
        })),
        null,
        2,
    );
}

function setup(entries: Entry[], env: { locked?: string; outputs?: Record<string, unknown> } = {}) {
    fs.writeFileSync(path.join(tmp, "history.json"), history(entries));
    fs.rmSync(callLog, { force: true });
    process.env.STANDIN_LOG = callLog;
    process.env.STANDIN_HISTORY = path.join(tmp, "history.json");
    process.env.STANDIN_LOCKED = env.locked ?? "";
    process.env.STANDIN_OUTPUTS = JSON.stringify(Object.fromEntries(Object.entries(env.outputs ?? {}).map(([k, v]) => [k, v])));
}
const calls = (): { args: string[]; cwd: string }[] =>
    fs.existsSync(callLog)
        ? fs
              .readFileSync(callLog, "utf8")
              .trim()
              .split("\n")
              .map((l) => JSON.parse(l))
        : [];
/** Argument lists without the flags every Automation API call adds. */
const commands = () =>
    calls().map((c) =>
        c.args.filter((a, i, all) => !["--non-interactive"].includes(a) && all[i - 1] !== "--exec-kind" && a !== "--exec-kind"),
    );

const HISTORY = (): Entry[] => [
    { version: 4, head: commits.v120, release: "v1.2.0" },
    { version: 3, head: commits.v110, release: "v1.1.0", result: "failed" },
    { version: 2, head: commits.v110, release: "v1.1.0", models: "v1.1.0" },
    { version: 1, head: commits.v100, release: "v1.0.0" },
];

describe("rollback with --yes", () => {
    let result: Awaited<ReturnType<typeof rollback>>;
    const lines: string[] = [];
    beforeAll(async () => {
        setup(HISTORY(), { outputs: { release: "v1.1.0", inference: { modelsVersion: "v1.1.0", tritonGpu: true } } });
        result = await rollback({ root: repo, stack: "prod", yes: true, pulumiRoot, log: (l) => lines.push(l) });
    });

    it("chooses the newest successful update older than the current one", () => {
        expect(result.status).toBe("rolled-back");
        expect(result.target).toEqual({ version: 2, commit: commits.v110, release: "v1.1.0" });
        expect(result.current).toEqual({ version: 4, commit: commits.v120 });
    });

    it("reads history without --show-secrets, previews with diff and refresh before up, and never cancels", () => {
        const all = commands();
        const history = all.filter((a) => a[0] === "stack" && a[1] === "history");
        expect(history.length).toBeGreaterThan(0);
        for (const h of history) expect(h).not.toContain("--show-secrets");
        const preview = all.findIndex((a) => a[0] === "preview");
        const up = all.findIndex((a) => a[0] === "up");
        expect(preview).toBeGreaterThan(-1);
        expect(up).toBeGreaterThan(preview);
        expect(all[preview]).toEqual(expect.arrayContaining(["--diff", "--refresh"]));
        expect(all.some((a) => a.includes("cancel"))).toBe(false);
    });

    it("runs up in the target commit's worktree with a message naming the rollback", () => {
        const up = calls().find((c) => c.args[0] === "up")!;
        expect(up.args).toEqual(
            expect.arrayContaining([
                "--yes",
                "--refresh",
                "--message",
                `rollback prod to ${commits.v110.slice(0, 12)} (update 2, release v1.1.0) from update 4`,
            ]),
        );
        expect(up.cwd).not.toBe(repo);
        expect(up.cwd).toMatch(/med-agi-worktree-/);
        expect(fs.existsSync(up.cwd)).toBe(false); // the worktree is removed afterwards
    });

    it("makes exactly these CLI calls, in this order", () => {
        const message = `rollback prod to ${commits.v110.slice(0, 12)} (update 2, release v1.1.0) from update 4`;
        const args = calls().map((c) => c.args.map((a) => a.replace(/^tcp:\/\/127\.0\.0\.1:\d+$/, "tcp://127.0.0.1:<port>")));
        const s = ["--stack", "prod", "--non-interactive"];
        expect(args).toEqual([
            ["version"],
            ["stack", "select", ...s],
            ["stack", "history", "--json", ...s],
            ["stack", "select", ...s],
            ["preview", "--refresh", "--diff", "--exec-kind", "auto.local", "--event-log", "tcp://127.0.0.1:<port>", ...s],
            ["up", "--yes", "--skip-preview", "--message", message, "--refresh", "--exec-kind", "auto.local", ...s],
            ["stack", "output", "--json", ...s],
            ["stack", "output", "--json", "--show-secrets", ...s],
            ["stack", "history", "--json", "--page-size", "1", "--page", "1", ...s],
        ]);
    });

    it("reports the outputs verified", () => {
        expect(lines.at(-1)).toBe(`rollback: prod is at ${commits.v110.slice(0, 12)}; outputs verified (release v1.1.0)`);
    });
});

describe("rollback without --yes", () => {
    it("previews and stops before up", async () => {
        setup(HISTORY());
        const result = await rollback({ root: repo, stack: "prod", to: commits.v100.slice(0, 10), pulumiRoot });
        expect(result.status).toBe("previewed");
        expect(result.target.commit).toBe(commits.v100);
        expect(commands().some((a) => a[0] === "up")).toBe(false);
        expect(commands().some((a) => a[0] === "preview")).toBe(true);
    });
});

describe("refusals", () => {
    const refuse = async (
        entries: Entry[],
        opts: { to?: string; locked?: string; outputs?: Record<string, unknown>; pulumiRoot?: string } = {},
    ) => {
        setup(entries, opts);
        const run = rollback({
            root: repo,
            stack: "prod",
            yes: true,
            pulumiRoot: opts.pulumiRoot ?? pulumiRoot,
            ...(opts.to === undefined ? {} : { to: opts.to }),
        });
        await expect(run).rejects.toBeInstanceOf(RollbackError);
        return run.catch((e: Error) => e.message);
    };

    it("a target deployed from a dirty work tree", async () => {
        const message = await refuse([
            { version: 2, head: commits.v120 },
            { version: 1, head: commits.v110, dirty: true },
        ]);
        expect(message).toBe(
            `update 1 of stack prod was deployed from a dirty work tree at ${commits.v110.slice(0, 12)}: the code it ran is in no commit, refusing to roll back to it`,
        );
        expect(commands().some((a) => a[0] === "preview" || a[0] === "up")).toBe(false);
    });

    it("a target whose commit is not recorded", async () => {
        expect(await refuse([{ version: 2, head: commits.v120 }, { version: 1 }])).toBe(
            "update 1 of stack prod records no git commit (git.head): its code is unknown, refusing to guess",
        );
    });

    it("a target whose commit this repository does not have", async () => {
        const unknown = "0123456789abcdef0123456789abcdef01234567";
        expect(
            await refuse([
                { version: 2, head: commits.v120 },
                { version: 1, head: unknown },
            ]),
        ).toBe(`commit ${unknown} (update 1) is not in this repository: git fetch origin, then run the rollback again`);
    });

    it("--to a commit no successful update was deployed from", async () => {
        expect(await refuse(HISTORY(), { to: "feedbeef" })).toBe(
            "no successful update of stack prod was deployed from commit feedbeef (pulumi stack history -s prod lists them)",
        );
    });

    it("no Pulumi CLI", async () => {
        const message = await refuse(HISTORY(), { pulumiRoot: path.join(tmp, "nowhere") });
        expect(message).toMatch(
            /^no usable Pulumi CLI \(.*nowhere\/bin\/pulumi\): .*Install it \(https:\/\/www\.pulumi\.com\/docs\/install\/\)/,
        );
    });

    it("no history", async () => {
        expect(await refuse([])).toBe("stack prod has no update history: nothing to roll back to");
    });

    it("no earlier good update", async () => {
        expect(
            await refuse([
                { version: 2, head: commits.v120 },
                { version: 1, head: commits.v110, result: "failed" },
            ]),
        ).toBe("stack prod has no successful update before the current one (version 2): nothing to roll back to");
    });

    it("a locked stack, without ever running cancel", async () => {
        const message = await refuse(HISTORY(), { locked: "preview" });
        expect(message).toBe(
            "stack prod is locked: another update is running (or one crashed). Wait for it to finish. Only if you know it is dead: pulumi cancel -s prod (never done automatically), then run the rollback again.",
        );
        expect(commands().some((a) => a.includes("cancel"))).toBe(false);
    });

    it("outputs that do not show the target's release after up", async () => {
        expect(await refuse(HISTORY(), { outputs: { release: "v1.2.0", inference: { modelsVersion: "v1.1.0" } } })).toBe(
            'stack prod was updated but its outputs do not match update 2: release is "v1.2.0", expected "v1.1.0"',
        );
    });
});

describe("verifyOutputs: the model rollback", () => {
    /** An update whose config set med-agi:inference's models.version (JSON, as the CLI records structured config). */
    const target = (models: unknown) =>
        ({
            version: 2,
            config: {
                "med-agi:release": { value: "v1.1.0", secret: false },
                "med-agi:inference": { value: JSON.stringify({ models: { version: models } }), secret: false },
            },
        }) as unknown as UpdateSummary;

    it("passes when inference.modelsVersion is the target's models.version", () => {
        expect(() => verifyOutputs("prod", target("v1.1.0"), { release: "v1.1.0", inference: { modelsVersion: "v1.1.0" } })).not.toThrow();
    });

    it("refuses another version, or none", () => {
        expect(() => verifyOutputs("prod", target("v1.1.0"), { release: "v1.1.0", inference: { modelsVersion: "v1.2.0" } })).toThrow(
            'stack prod was updated but its outputs do not match update 2: inference.modelsVersion is "v1.2.0", expected "v1.1.0"',
        );
        expect(() => verifyOutputs("prod", target("v1.1.0"), { release: "v1.1.0" })).toThrow(
            'inference.modelsVersion is undefined, expected "v1.1.0"',
        );
    });

    it("does not check a version the target's config left to the default", () => {
        const noModels = { version: 2, config: { "med-agi:release": { value: "v1.1.0", secret: false } } } as unknown as UpdateSummary;
        expect(() => verifyOutputs("prod", noModels, { release: "v1.1.0", inference: { modelsVersion: "v9.9.9" } })).not.toThrow();
    });
});

describe("chooseTarget", () => {
    it("treats an update in progress as a lock", () => {
        expect(() =>
            chooseTarget(
                "prod",
                JSON.parse(
                    history([
                        { version: 3, head: "a", result: "in-progress" },
                        { version: 2, head: "b" },
                    ]),
                ),
                undefined,
            ),
        ).toThrow(/stack prod is locked/);
    });
    it("skips refreshes and failed updates", () => {
        const h = JSON.parse(
            history([
                { version: 4, head: "d" },
                { version: 3, head: "c", kind: "refresh" },
                { version: 2, head: "b", result: "failed" },
                { version: 1, head: "a" },
            ]),
        );
        expect(chooseTarget("prod", h, undefined).target.version).toBe(1);
    });
});
