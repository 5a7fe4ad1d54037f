import { PRICES, UNCONFIRMED_PRICES } from "../../infra/aws/prices";
import { costChangeLine, costTable } from "../../tools/lib/cost";
import { diffMarkdown, diffPlans } from "../../tools/lib/plan-diff";
import type { Plan } from "../../tools/lib/plan";
import { runStack } from "../support/harness";

const TODAY = new Date("2026-12-04T12:00:00Z");
const plans: Record<string, Plan> = {};
beforeAll(async () => {
    for (const stack of ["dev", "staging", "prod"]) plans[stack] = await runStack(stack);
});

const figures = (plan: Plan) => costTable(plan, TODAY)!.lines.map((l) => [l.item, l.quantity, l.monthly]);

describe("the monthly cost in summary.md", () => {
    it("prices staging at $1626.44 a month", () => {
        expect(figures(plans.staging!)).toEqual([
            ["EKS control plane 1.35 (standard support)", 1, 73],
            ["node group med-agi-staging-system: m6i.xlarge × desired size", 3, 468.66],
            ["node group med-agi-staging-gpu: g5.xlarge × desired size", 1, 819.79],
            ["med-agi-staging-deploy-runner: m6i.large", 1, 78.11],
            ["NAT gateways", 1, 35.04],
            ["RDS PostgreSQL db.t4g.large", 1, 103.66],
            ["interface endpoints (per endpoint per AZ)", 6, 48.18],
        ]);
        expect(costTable(plans.staging!, TODAY)!.total).toBe(1626.44);
    });

    it("prices prod at $3495.24 a month, multi-AZ RDS counted twice", () => {
        expect(figures(plans.prod!)).toEqual([
            ["EKS control plane 1.35 (standard support)", 1, 73],
            ["node group med-agi-prod-system: m6i.xlarge × desired size", 5, 781.1],
            ["node group med-agi-prod-gpu: g5.2xlarge × desired size", 2, 1975.38],
            ["med-agi-prod-deploy-runner: m6i.large", 1, 78.11],
            ["NAT gateways", 3, 105.12],
            ["RDS PostgreSQL db.r6g.large multi-AZ", 1, 410.26],
            ["interface endpoints (per endpoint per AZ)", 9, 72.27],
        ]);
        expect(costTable(plans.prod!, TODAY)!.total).toBe(3495.24);
        expect(costTable(plans.prod!, TODAY)!.unpriced).toEqual([]);
    });

    it("charges extended support once the version is past its standard support: 1.35 after 2027-03-27", () => {
        expect(costTable(plans.prod!, new Date("2027-03-27T12:00:00Z"))!.lines[0]).toEqual({
            item: "EKS control plane 1.35 (standard support)",
            quantity: 1,
            hourly: 0.1,
            monthly: 73,
        });
        expect(costTable(plans.prod!, new Date("2027-03-28T12:00:00Z"))!.lines[0]).toEqual({
            item: "EKS control plane 1.35 (extended support)",
            quantity: 1,
            hourly: 0.6,
            monthly: 438,
        });
    });

    it("names only real rows as unconfirmed, and confirms the EKS and NAT rows (infra/aws/prices.ts)", () => {
        const rows = (region: string) =>
            Object.entries(PRICES[region]!).flatMap(([k, v]) => (typeof v === "number" ? [k] : Object.keys(v).map((n) => `${k}.${n}`)));
        for (const [region, names] of Object.entries(UNCONFIRMED_PRICES)) for (const n of names) expect(rows(region)).toContain(n);
        expect(UNCONFIRMED_PRICES["eu-west-1"]).not.toContain("natGateway");
        expect(UNCONFIRMED_PRICES["eu-west-1"]!.some((n) => n.startsWith("eksCluster"))).toBe(false);
    });

    it("has no cost table for dev (no cloud layer)", () => {
        expect(costTable(plans.dev!, TODAY)).toBeUndefined();
    });

    it("shows the change in cost in the PR diff", () => {
        const cheaper: Plan = structuredClone(plans.prod!);
        const gpu = cheaper.resources.find((r) => r.name === "med-agi-prod-gpu" && r.type === "aws:eks/nodeGroup:NodeGroup")!;
        (gpu.inputs as any).scalingConfig.desiredSize = 1;
        expect(costChangeLine(plans.prod!, cheaper, TODAY)).toBe(
            "Monthly cost (on-demand, storage and traffic not included): $3495.24 → $2507.55 (−$987.69)",
        );
        expect(diffMarkdown(diffPlans(plans.prod!, cheaper), { today: TODAY })).toContain("$3495.24 → $2507.55 (−$987.69)");
        expect(costChangeLine(plans.dev!, plans.dev!, TODAY)).toBeUndefined();
    });
});
