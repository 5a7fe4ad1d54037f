/**
 * Test harness: runs the real program for a stack under Pulumi's mock runtime
 * (with the real Pulumi.yaml + Pulumi.<stack>.yaml, plus overrides) and
 * returns the registered resources. One stack per test file: mocks are global.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { isKubernetesObject, objectRef, type Plan, type PlannedResource } from "../../tools/lib/plan";

export const ROOT = path.resolve(__dirname, "../..");

/**
 * The directory where the global setup rendered every stack with the real
 * command (`<dir>/<stack>/…`, and `<dir>/command.json` with its status and
 * output), or undefined when that render failed.
 */
export function sharedRenders(): string | undefined {
    return process.env.MED_AGI_TEST_RENDERS;
}

/**
 * The plan of the real program for `stack`. Without overrides it is the plan
 * the global setup rendered for this test run (the same `planStack`, run once
 * for all test files); with overrides, the program runs here.
 */
export async function runStack(stack: string, overrides: Record<string, unknown> = {}): Promise<Plan> {
    const shared = sharedRenders();
    if (shared !== undefined && Object.keys(overrides).length === 0) {
        const file = path.join(shared, stack, "plan.json");
        if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")) as Plan;
    }
    // Loaded only here: a test file that reads the shared plans never loads the SDK and the program.
    const { planStack } = await import("../../tools/lib/render-stack");
    return planStack(ROOT, stack, overrides);
}

/** All resources of a Pulumi type token. */
export function ofType(plan: Plan, type: string): PlannedResource[] {
    return plan.resources.filter((r) => r.type === type);
}

/**
 * The Kubernetes object of `kind` named `name` in `namespace` (null: a
 * cluster-scoped object); fails the test unless exactly one exists.
 */
export function k8sObject(plan: Plan, kind: string, name: string, namespace: string | null = "med-agi"): Record<string, any> {
    const found = plan.resources.filter((r) => {
        if (!isKubernetesObject(r)) return false;
        const ref = objectRef(r);
        return ref.kind === kind && ref.name === name && (ref.namespace ?? null) === namespace;
    });
    if (found.length !== 1) throw new Error(`expected one ${kind} ${namespace}/${name}, found ${found.length}`);
    return found[0]!.inputs as Record<string, any>;
}

/** The Kubernetes objects of `kind`. */
export function k8sObjects(plan: Plan, kind: string): Record<string, any>[] {
    return plan.resources.filter((r) => isKubernetesObject(r) && r.inputs.kind === kind).map((r) => r.inputs as Record<string, any>);
}
