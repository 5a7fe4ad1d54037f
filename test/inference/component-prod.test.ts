/** prod: at least two GPU replicas with a disruption budget, IRSA for the models bucket. */
import type { Plan } from "../../tools/lib/plan";
import { k8sObject, runStack } from "../support/harness";
import { gpuUse, tritonContainer } from "./stack-checks";

let plan: Plan;
beforeAll(async () => {
    plan = await runStack("prod");
});

describe("Triton in the prod stack", () => {
    it("scales deployment/triton between 2 and 6 GPU replicas with a disruption budget", () => {
        const hpa = k8sObject(plan, "HorizontalPodAutoscaler", "triton").spec;
        expect([hpa.minReplicas, hpa.maxReplicas]).toEqual([2, 6]);
        expect(k8sObject(plan, "PodDisruptionBudget", "triton").spec.maxUnavailable).toBe(1);
        expect(gpuUse(plan).map((u) => u.deployment)).toEqual(["triton"]);
    });

    it("reads the models bucket through the Triton role (IRSA), with no static keys", () => {
        expect(k8sObject(plan, "ServiceAccount", "triton").metadata.annotations["eks.amazonaws.com/role-arn"]).toBe(
            "arn:aws:iam::123456789012:role/med-agi-prod-triton",
        );
        const env = tritonContainer(plan, "triton").env.map((e: any) => e.name);
        expect(env).not.toContain("AWS_ACCESS_KEY_ID");
        expect(tritonContainer(plan, "triton").args).toContain("--model-repository=s3://med-agi-models/v1.0.0");
    });
});
