/**
 * Policy test support: real renders of the three stacks (the render tool's
 * own threads, once per test file), copies of their plans to mutate,
 * and the pack run over them through the engine's handlers.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { renderStacks } from "../../tools/render";
import type { Plan, PlannedResource } from "../../tools/lib/plan";
import type { MedAgiPolicy } from "../../policies/all";
import { runPolicies, type Finding } from "../../tools/lib/policy-run";
import { ROOT, sharedRenders } from "../support/harness";

export type Stack = "dev" | "staging" | "prod";
export const STACKS: readonly Stack[] = ["dev", "staging", "prod"];

/**
 * The real renders of the three stacks (plans and render directories): the
 * ones jest's global setup made with `npm run render` when it succeeded
 * (MED_AGI_TEST_RENDERS), else rendered here as the render tool does, on one
 * thread per core.
 */
export async function renderAll(): Promise<{ plans: Record<Stack, Plan>; dirs: Record<Stack, string>; cleanup: () => void }> {
    const shared = sharedRenders();
    let root: string;
    let cleanup: () => void = () => undefined;
    if (shared !== undefined && STACKS.every((s) => fs.existsSync(path.join(shared, s, "policy.json")))) {
        root = shared;
    } else {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "policy-test-"));
        const outcomes = await renderStacks(STACKS.map((stack) => ({ root: ROOT, stack, outDir: path.join(tmp, stack) })));
        for (const o of outcomes) if (!o.ok) throw new Error(`render of ${o.stack} failed: ${o.message}`);
        root = tmp;
        cleanup = () => fs.rmSync(tmp, { recursive: true, force: true });
    }
    const dirs = Object.fromEntries(STACKS.map((s) => [s, path.join(root, s)])) as Record<Stack, string>;
    const plans = Object.fromEntries(
        STACKS.map((s) => [s, JSON.parse(fs.readFileSync(path.join(dirs[s], "plan.json"), "utf8"))]),
    ) as Record<Stack, Plan>;
    return { plans, dirs, cleanup };
}

/**
 * The plans of renderAll for the test file that calls this at its top level:
 * filled in before its tests (beforeAll), the renders removed after them.
 */
export function renderedPlans(): Record<Stack, Plan> {
    const plans = {} as Record<Stack, Plan>;
    let cleanup: () => void = () => undefined;
    beforeAll(async () => {
        const rendered = await renderAll();
        cleanup = rendered.cleanup;
        Object.assign(plans, rendered.plans);
    }, 180_000);
    afterAll(() => cleanup());
    return plans;
}

/** A deep copy of a plan, safe to mutate. */
export function copy(plan: Plan): Plan {
    return structuredClone(plan);
}

/** The Kubernetes object `kind namespace/name` of a plan (fails unless exactly one). */
export function obj(plan: Plan, kind: string, name: string, namespace: string | null = "med-agi"): PlannedResource & { inputs: any } {
    const found = plan.resources.filter((r) => {
        const m = (r.inputs.metadata ?? {}) as { name?: string; namespace?: string };
        return r.inputs.kind === kind && m.name === name && (m.namespace ?? null) === namespace;
    });
    if (found.length !== 1) throw new Error(`expected one ${kind} ${namespace}/${name} in ${plan.stack}, found ${found.length}`);
    return found[0] as PlannedResource & { inputs: any };
}

/** The resource of a plan with logical name `name` (fails unless exactly one). */
export function named(plan: Plan, name: string): PlannedResource & { inputs: any } {
    const found = plan.resources.filter((r) => r.name === name);
    if (found.length !== 1) throw new Error(`expected one resource named ${name} in ${plan.stack}, found ${found.length}`);
    return found[0] as PlannedResource & { inputs: any };
}

/** Removes the resources matching `pred` (at least one). */
export function remove(plan: Plan, pred: (r: PlannedResource & { inputs: any }) => boolean): void {
    const kept = plan.resources.filter((r) => !pred(r as PlannedResource & { inputs: any }));
    if (kept.length === plan.resources.length) throw new Error(`nothing to remove in ${plan.stack}`);
    plan.resources.splice(0, plan.resources.length, ...kept);
}

/** The pod spec of a workload's inputs. */
export function pod(inputs: any): any {
    return inputs.kind === "CronJob" ? inputs.spec.jobTemplate.spec.template.spec : inputs.spec.template.spec;
}

/** The findings of `policies` (default: the whole pack) over `plan`. */
export async function findings(plan: Plan, policies?: readonly MedAgiPolicy[]): Promise<Finding[]> {
    return (await runPolicies(plan, policies)).findings;
}
