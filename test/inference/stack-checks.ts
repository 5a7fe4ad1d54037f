/** Assertions on Triton's objects in a rendered stack, shared by the per-stack test files. */
import type { Plan } from "../../tools/lib/plan";
import { k8sObject, k8sObjects } from "../support/harness";

export function deployment(plan: Plan, name: string): Record<string, any> {
    return k8sObject(plan, "Deployment", name);
}

export function tritonContainer(plan: Plan, name: string): Record<string, any> {
    const c = deployment(plan, name).spec.template.spec.containers[0];
    expect(c.name).toBe("triton");
    return c;
}

/** Every GPU request/limit and GPU toleration in the stack's Deployments. */
export function gpuUse(plan: Plan): { deployment: string; gpus: unknown; tolerations: unknown[] }[] {
    return k8sObjects(plan, "Deployment")
        .map((d) => {
            const spec = d.spec.template.spec;
            const gpus = spec.containers.map((c: any) => c.resources?.limits?.["nvidia.com/gpu"]).find((g: unknown) => g !== undefined);
            const tolerations = (spec.tolerations ?? []).filter((t: any) => String(t.key).startsWith("nvidia.com/"));
            return { deployment: d.metadata.name as string, gpus, tolerations };
        })
        .filter((u) => u.gpus !== undefined || u.tolerations.length > 0);
}

export function imagingEnv(plan: Plan): Record<string, string> {
    const env = deployment(plan, "imaging").spec.template.spec.containers[0].env as { name: string; value?: string }[];
    return Object.fromEntries(env.filter((e) => e.name.startsWith("TRITON_")).map((e) => [e.name, e.value ?? ""]));
}

/** Every container of every Triton pod runs under the restricted profile. */
export function expectRestricted(d: Record<string, any>): void {
    const pod = d.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(pod.automountServiceAccountToken).toBe(false);
    for (const c of pod.containers) {
        expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true });
    }
    expect(pod.volumes.find((v: any) => v.name === "dshm").emptyDir.medium).toBe("Memory");
}
