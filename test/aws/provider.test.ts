import { mockCall } from "../../tools/lib/mock-run";
import type { Plan } from "../../tools/lib/plan";
import { runStack } from "../support/harness";

const GET_SECRET = "aws:secretsmanager/getSecretVersion:getSecretVersion";

describe("AWS function calls go through the stack's provider", () => {
    it("the render refuses an AWS call through the default provider, and answers one through an explicit provider", () => {
        expect(() => mockCall({ token: GET_SECRET, inputs: { secretId: "arn:s" } })).toThrow(
            `${GET_SECRET} was invoked through the default AWS provider (ambient region and credentials, no allowedAccountIds); pass the stack's provider ({ provider })`,
        );
        expect(mockCall({ token: GET_SECRET, inputs: { secretId: "arn:s" }, provider: "urn:p::id" })).toMatchObject({ arn: "arn:s" });
    });

    it("renders staging, whose RDS master secret is read with the cloud layer's provider", async () => {
        const plan: Plan = await runStack("staging");
        expect(plan.resources.some((r) => r.type === "postgresql:index/role:Role")).toBe(true);
    });
});
