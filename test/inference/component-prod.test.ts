/** prod: at least two GPU replicas with a disruption budget, IRSA for the models bucket. */
import type { Plan } from "../../tools/lib/plan";
import { k8sObject, runStack } from "../support/harness";
import { gpuUse, tritonContainer } from "./stack-checks";

let plan: Plan;
beforeAll(async () => {
    plan = await runStack("prod");
});

describe("Triton in the prod stack", () => {
    it("scales deployment/triton between 2 and 4 GPU replicas (its GPU pool's 4 nodes) with a disruption budget", () => {
        const hpa = k8sObject(plan, "HorizontalPodAutoscaler", "triton").spec;
        expect([hpa.minReplicas, hpa.maxReplicas]).toEqual([2, 4]);
        expect(k8sObject(plan, "PodDisruptionBudget", "triton").spec.maxUnavailable).toBe(1);
        expect(k8sObject(plan, "PodDisruptionBudget", "triton").spec.unhealthyPodEvictionPolicy).toBe("AlwaysAllow");
        expect(gpuUse(plan).map((u) => u.deployment)).toEqual(["triton"]);
    });

    it("reads the stack's models bucket through the cloud layer's Triton role (IRSA), with no static keys", () => {
        // The mock runtime gives every aws: resource the ARN arn:aws:mock:::<name>: this is the cloud layer's role.
        expect(k8sObject(plan, "ServiceAccount", "triton").metadata.annotations["eks.amazonaws.com/role-arn"]).toBe(
            "arn:aws:mock:::med-agi-prod-triton",
        );
        const env = tritonContainer(plan, "triton").env.map((e: any) => e.name);
        expect(env).not.toContain("AWS_ACCESS_KEY_ID");
        expect(tritonContainer(plan, "triton").args).toContain("--model-repository=s3://med-agi-models-prod-123456789012/v1.0.0");
    });
});
