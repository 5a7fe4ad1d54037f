/**
 * Renders one stack: runs the real program under mocks and writes the render
 * output files into a directory. Used by the render tool's per-stack worker
 * process, by the benchmark and by tests.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { ConfigValidationError } from "../../infra/validation";
import { annotatedFiles, kubernetesYaml, prometheusRulesYaml, summaryMarkdown } from "./artifacts";
import { ProgramError, runUnderMocks } from "./mock-run";
import type { Plan } from "./plan";
import { readStackConfig } from "./project";

export interface RenderResult {
    readonly stack: string;
    readonly outDir: string;
    readonly resources: number;
    readonly files: string[];
    readonly millis: number;
}

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
    const config = readStackConfig(root, stack, overrides);
    const { main } = await import("../../infra/program");
    try {
        return await runUnderMocks(config, main);
    } catch (err) {
        if (err instanceof ProgramError) {
            const kind = err.cause instanceof ConfigValidationError ? "config" : "program";
            throw new RenderError(err.message, kind, err.registered);
        }
        throw err;
    }
}

/** The files of a render: relative path → content. */
export function renderFiles(plan: Plan): Map<string, string> {
    const files = new Map<string, string>();
    files.set("plan.json", `${JSON.stringify(plan, null, 2)}\n`);
    files.set("kubernetes.yaml", kubernetesYaml(plan));
    const rules = prometheusRulesYaml(plan);
    if (rules !== undefined) files.set("prometheus-rules.yaml", rules);
    for (const [rel, content] of annotatedFiles(plan)) {
        if (files.has(rel)) throw new Error(`render file ${rel} would overwrite a generated file`);
        files.set(rel, content);
    }
    files.set("summary.md", summaryMarkdown(plan));
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

export async function renderStack(root: string, stack: string, outDir: string): Promise<RenderResult> {
    const started = process.hrtime.bigint();
    const plan = await planStack(root, stack);
    const files = renderFiles(plan);
    writeRender(outDir, files);
    return {
        stack,
        outDir,
        resources: plan.resources.length,
        files: [...files.keys()].sort(),
        millis: Number(process.hrtime.bigint() - started) / 1e6,
    };
}
