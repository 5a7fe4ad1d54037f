import { sharedAccountProblems } from "../../infra/aws/accounts";

const claim = (stack: string, environment: string, accountId = "123456789012", sharedAccountReason?: string) => ({
    stack,
    accountId,
    region: "eu-west-1",
    creates: stack === "prod",
    environment,
    ...(sharedAccountReason === undefined ? {} : { sharedAccountReason }),
});

describe("staging and prod in one account only with an explicit override (issue 19, finding 8)", () => {
    it("refuses staging and prod in one account, naming both stacks, the account and the override", () => {
        expect(sharedAccountProblems(claim("staging", "staging"), [claim("prod", "prod"), claim("staging", "staging")])).toEqual([
            {
                path: "cloud.accountId",
                message:
                    'cloud.accountId: "123456789012" is not allowed (stacks "staging" (staging) and "prod" (prod) both deploy to account 123456789012, and then nothing but IAM separates prod from staging; give each environment its own account (AWS multi-account guidance), or accept the shared account explicitly with cloud.allowSharedAccount.reason: "<why>" in Pulumi.staging.yaml)',
            },
        ]);
        expect(
            sharedAccountProblems(claim("prod", "prod"), [claim("prod", "prod"), claim("staging", "staging")]).map((p) => p.path),
        ).toEqual(["cloud.accountId"]);
    });

    it("accepts separate accounts, two stacks of one environment, and a stack whose own file sets the override", () => {
        expect(sharedAccountProblems(claim("staging", "staging"), [claim("prod", "prod", "210987654321")])).toEqual([]);
        expect(sharedAccountProblems(claim("staging", "staging"), [claim("staging-eu", "staging")])).toEqual([]);
        expect(
            sharedAccountProblems(claim("staging", "staging", "123456789012", "a sandbox organisation with a single account"), [
                claim("prod", "prod"),
            ]),
        ).toEqual([]);
    });

    it("the override of the other stack does not excuse this one", () => {
        const peers = [claim("prod", "prod", "123456789012", "a sandbox organisation with a single account")];
        expect(sharedAccountProblems(claim("staging", "staging"), peers).map((p) => p.path)).toEqual(["cloud.accountId"]);
    });
});
