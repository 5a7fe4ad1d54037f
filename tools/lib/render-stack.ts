/**
 * Renders one stack: runs the real program under mocks and writes the render
 * output files into a directory. Used by the render tool's threads, by the
 * benchmark and by tests.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { parseConfig } from "../../infra/config";
import { RDS_GLOBAL_BUNDLE_URL } from "../../infra/datastores/config";
import { main } from "../../infra/program";
import { ConfigValidationError } from "../../infra/validation";
import { annotatedFiles, kubernetesYaml, prometheusRulesYaml, summaryMarkdown } from "./artifacts";
import { ProgramError, runUnderMocks } from "./mock-run";
import type { Plan } from "./plan";
import { policyMarkdown, runPolicies, type PolicyReport } from "./policy-run";
import { readStackConfig, type StackConfig } from "./project";

export interface RenderResult {
    readonly stack: string;
    readonly outDir: string;
    readonly resources: number;
    readonly files: string[];
    readonly millis: number;
    /** Credentials the stack needs but its file does not hold, rendered with placeholders. */
    readonly placeholderSecrets: string[];
    /** The policy pack's verdict on the render (policy.json). */
    readonly policy: { readonly mandatory: number; readonly advisory: number; readonly policies: number };
}

/** A stack's config as rendered, and which missing credentials were stood in for. */
export interface PreparedConfig {
    readonly config: StackConfig;
    readonly placeholderSecrets: string[];
}

/**
 * Reads a stack's config for an offline render. Credentials are set per
 * deployment with `pulumi config set --secret` and are often not in the
 * committed stack file: when the *only* problems are missing credentials, they
 * are stood in for by placeholders (marked secret) and listed, so the render
 * shows what `pulumi up` creates once they are set. Any other problem is left
 * for the program to report, together with the missing credentials.
 */
export function prepareStackConfig(root: string, stack: string, overrides: Readonly<Record<string, unknown>> = {}): PreparedConfig {
    const config = readStackConfig(root, stack, overrides);
    try {
        parseConfig({ stack, values: config.values, isSecret: (key) => config.secretKeys.includes(key) });
        return { config, placeholderSecrets: [] };
    } catch (err) {
        if (!(err instanceof ConfigValidationError)) throw err;
        const missing = err.problems.map((p) => p.missingSecret);
        if (missing.some((key) => key === undefined)) return { config, placeholderSecrets: [] };
        const keys = [...new Set(missing as string[])];
        const standIns = Object.fromEntries(keys.map((key) => [key, { secure: "offline placeholder" }]));
        return {
            config: readStackConfig(root, stack, { ...overrides, ...standIns }),
            placeholderSecrets: keys.map((key) => `${config.project}:${key}`),
        };
    }
}

/** What the offline render's RDS CA ConfigMap holds: `pulumi up` fetches the real bundle there. */
export const RDS_CA_STAND_IN = `# offline render: pulumi up fills this with ${RDS_GLOBAL_BUNDLE_URL}\n`;

/** Why a render failed: invalid config (nothing registered) or a program error. */
export class RenderError extends Error {
    constructor(
        message: string,
        readonly kind: "config" | "program",
        readonly registered: number,
    ) {
        super(message);
        this.name = "RenderError";
    }
}

/** Runs the program of `root` for `stack` under mocks. */
export async function planStack(root: string, stack: string, overrides: Record<string, unknown> = {}): Promise<Plan> {
    return (await planPreparedStack(prepareStackConfig(root, stack, overrides))).plan;
}

async function planPreparedStack(prepared: PreparedConfig): Promise<{ plan: Plan; placeholderSecrets: string[] }> {
    try {
        // Offline: the RDS CA bundle `pulumi up` fetches from AWS is stood in for, and says so.
        return {
            plan: await runUnderMocks(prepared.config, () => main({ rdsCaBundleStandIn: RDS_CA_STAND_IN })),
            placeholderSecrets: prepared.placeholderSecrets,
        };
    } catch (err) {
        if (err instanceof ProgramError) {
            const kind = err.cause instanceof ConfigValidationError ? "config" : "program";
            throw new RenderError(err.message, kind, err.registered);
        }
        throw err;
    }
}

/** The files of a render: relative path → content (policy.json when the pack has run on it). */
export function renderFiles(plan: Plan, placeholderSecrets: readonly string[] = [], policy?: PolicyReport): Map<string, string> {
    const files = new Map<string, string>();
    files.set("plan.json", `${JSON.stringify(plan, null, 2)}\n`);
    if (policy !== undefined) files.set("policy.json", `${JSON.stringify(policy, null, 2)}\n`);
    files.set("kubernetes.yaml", kubernetesYaml(plan));
    const rules = prometheusRulesYaml(plan);
    if (rules !== undefined) files.set("prometheus-rules.yaml", rules);
    for (const [rel, content] of annotatedFiles(plan)) {
        if (files.has(rel)) throw new Error(`render file ${rel} would overwrite a generated file`);
        files.set(rel, content);
    }
    files.set(
        "summary.md",
        summaryMarkdown(plan, { placeholderSecrets, ...(policy === undefined ? {} : { policy: policyMarkdown(policy) }) }),
    );
    return files;
}

/**
 * Writes `files` as the new content of `outDir`: into a sibling temporary
 * directory first, then swapped in, so a failed render never leaves a
 * half-written directory behind.
 */
export function writeRender(outDir: string, files: Map<string, string>): void {
    const tmp = `${outDir}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    for (const [rel, content] of files) {
        const file = path.join(tmp, rel);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, content);
    }
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(outDir), { recursive: true });
    fs.renameSync(tmp, outDir);
}

/** One stack to render: where its project lives and where its files go. */
export interface RenderJob {
    readonly root: string;
    readonly stack: string;
    readonly outDir: string;
}

/** What a render reports to the command line: the result, or why nothing was written. */
export type RenderOutcome =
    | ({ readonly ok: true } & RenderResult)
    | {
          readonly ok: false;
          readonly stack: string;
          readonly kind: "config" | "program";
          readonly registered?: number;
          readonly message: string;
      };

/** Renders one stack and reports the outcome instead of throwing. */
export async function renderOutcome(job: RenderJob): Promise<RenderOutcome> {
    try {
        return { ok: true, ...(await renderStack(job.root, job.stack, job.outDir)) };
    } catch (err) {
        return {
            ok: false,
            stack: job.stack,
            kind: err instanceof RenderError ? err.kind : "program",
            ...(err instanceof RenderError ? { registered: err.registered } : {}),
            message: err instanceof Error ? err.message : String(err),
        };
    }
}

/**
 * Renders stacks one after another in this thread (each from a fresh SDK
 * state, see runUnderMocks), handing each outcome to `report` as soon as it is
 * known; returns them in order.
 */
export async function renderOneAfterAnother(
    jobs: readonly RenderJob[],
    report: (outcome: RenderOutcome) => void = () => undefined,
): Promise<RenderOutcome[]> {
    const outcomes: RenderOutcome[] = [];
    for (const job of jobs) {
        const outcome = await renderOutcome(job);
        report(outcome);
        outcomes.push(outcome);
    }
    return outcomes;
}

export async function renderStack(root: string, stack: string, outDir: string): Promise<RenderResult> {
    const started = process.hrtime.bigint();
    const { plan, placeholderSecrets } = await planPreparedStack(prepareStackConfig(root, stack));
    const policy = await runPolicies(plan);
    const files = renderFiles(plan, placeholderSecrets, policy);
    writeRender(outDir, files);
    return {
        stack,
        outDir,
        resources: plan.resources.length,
        files: [...files.keys()].sort(),
        millis: Number(process.hrtime.bigint() - started) / 1e6,
        placeholderSecrets,
        policy: { mandatory: policy.mandatory, advisory: policy.advisory, policies: policy.policies },
    };
}
