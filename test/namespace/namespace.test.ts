import { namespaceLabels, PlatformNamespace } from "../../infra/namespace";
import { runUnderMocks } from "../../tools/lib/mock-run";
import type { Plan } from "../../tools/lib/plan";

let plan: Plan;
beforeAll(async () => {
    plan = await runUnderMocks({ project: "med-agi", stack: "unit", values: {}, secretKeys: [] }, () => {
        new PlatformNamespace("platform", { name: "med-agi" });
        new PlatformNamespace("nodes", { name: "med-agi-node", podSecurity: "privileged" }, { protect: true });
    });
});

describe("PlatformNamespace", () => {
    it("enforces, audits and warns on Pod Security Admission restricted by default", () => {
        const ns = plan.resources.find((r) => r.name === "platform-namespace")!;
        expect((ns.inputs.metadata as any).name).toBe("med-agi");
        expect((ns.inputs.metadata as any).labels).toMatchObject({
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/warn": "restricted",
        });
    });

    it("takes another level when asked, and passes protect down to the namespace", () => {
        const ns = plan.resources.find((r) => r.name === "nodes-namespace")!;
        expect((ns.inputs.metadata as any).labels["pod-security.kubernetes.io/enforce"]).toBe("privileged");
        expect(ns.protect).toBe(true);
        expect(plan.resources.find((r) => r.name === "platform-namespace")!.protect).toBe(false);
    });

    it("labels the namespace as part of med-agi, managed by Pulumi", () => {
        expect(namespaceLabels("baseline")).toMatchObject({
            "app.kubernetes.io/part-of": "med-agi",
            "app.kubernetes.io/managed-by": "pulumi",
        });
    });
});
