import type { Plan } from "../../tools/lib/plan";
import { runStack } from "../support/harness";
import { cloudSuite, ofType, one } from "./cloud-assertions";

let plan: Plan;
beforeAll(async () => {
    plan = await runStack("prod");
});

describe("prod cloud layer", () => {
    cloudSuite(() => plan, { stack: "prod", zones: 3, natGateways: 3, prod: true });

    it("runs at least 2 system nodes and keeps a GPU node (no scale-from-zero tags needed)", () => {
        expect(one(plan, "aws:eks/nodeGroup:NodeGroup", "med-agi-prod-system").inputs.scalingConfig.minSize).toBeGreaterThanOrEqual(2);
        expect(one(plan, "aws:eks/nodeGroup:NodeGroup", "med-agi-prod-gpu").inputs.scalingConfig).toEqual({
            minSize: 1,
            desiredSize: 2,
            maxSize: 4,
        });
        expect(ofType(plan, "aws:autoscaling/tag:Tag")).toEqual([]);
    });

    it("gives every NAT gateway its own zone, and each private route table the NAT of its zone", () => {
        const nats = ofType(plan, "aws:ec2/natGateway:NatGateway").map((n) => n.name);
        expect(nats).toEqual(["med-agi-prod-nat-eu-west-1a", "med-agi-prod-nat-eu-west-1b", "med-agi-prod-nat-eu-west-1c"]);
        const routes = ofType(plan, "aws:ec2/routeTable:RouteTable").filter((r) => r.name.includes("-private-"));
        expect(routes.map((r) => r.inputs.routes[0].natGatewayId)).toEqual(nats.map((n) => `${n}-id`));
    });

    it("uses a 14-day database backup retention from config", () => {
        expect(one(plan, "aws:rds/instance:Instance").inputs.backupRetentionPeriod).toBe(14);
    });
});
