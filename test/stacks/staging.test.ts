import type { Plan } from "../../tools/lib/plan";
import { k8sObject, k8sObjects, runStack } from "../support/harness";
import { expectRunbookServices } from "./stack-assertions";

let plan: Plan;
beforeAll(async () => {
    plan = await runStack("staging");
});

describe("staging stack", () => {
    it("deploys the six runbook services from the ECR registry", () => {
        expectRunbookServices(plan, "v1.0.0", "123456789012.dkr.ecr.eu-west-1.amazonaws.com");
    });

    it("runs two replicas per service behind disruption budgets (and 1–2 GPU Tritons, no budget for one)", () => {
        expect(k8sObjects(plan, "HorizontalPodAutoscaler").map((h) => [h.metadata.name, h.spec.minReplicas, h.spec.maxReplicas])).toEqual([
            ["triton", 1, 2],
            ...["imaging", "ekg", "eval", "anchor", "modelcards", "ops"].map((n) => [n, 2, 4]),
        ]);
        expect(k8sObjects(plan, "PodDisruptionBudget")).toHaveLength(7); // the six services and OPA
    });

    it("gets certificates from cert-manager", () => {
        expect(k8sObject(plan, "Ingress", "eval").metadata.annotations["cert-manager.io/cluster-issuer"]).toBe("letsencrypt-prod");
    });
});
