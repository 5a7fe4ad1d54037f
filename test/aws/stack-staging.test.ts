import type { Plan } from "../../tools/lib/plan";
import { runStack } from "../support/harness";
import { cloudSuite, ofType, one } from "./cloud-assertions";

let plan: Plan;
beforeAll(async () => {
    plan = await runStack("staging");
});

describe("staging cloud layer", () => {
    cloudSuite(() => plan, { stack: "staging", zones: 2, natGateways: 1, prod: false });

    it("lets the GPU pool scale to zero and tags its Auto Scaling group for scale-from-zero", () => {
        expect(one(plan, "aws:eks/nodeGroup:NodeGroup", "med-agi-staging-gpu").inputs.scalingConfig).toEqual({
            minSize: 0,
            desiredSize: 1,
            maxSize: 2,
        });
        const tags = Object.fromEntries(ofType(plan, "aws:autoscaling/tag:Tag").map((t) => [t.inputs.tag.key, t.inputs.tag.value]));
        expect(tags).toEqual({
            "k8s.io/cluster-autoscaler/node-template/label/med-agi.io/pool": "triton-gpu",
            "k8s.io/cluster-autoscaler/node-template/label/nvidia.com/gpu.present": "true",
            "k8s.io/cluster-autoscaler/node-template/label/k8s.amazonaws.com/accelerator": "nvidia-a10g",
            "k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu": "true:NoSchedule",
        });
        for (const t of ofType(plan, "aws:autoscaling/tag:Tag")) expect(t.inputs.autoscalingGroupName).toBe("med-agi-staging-gpu-mock-asg");
    });
});
