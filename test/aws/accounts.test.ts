import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { sharedAccountProblems } from "../../infra/aws/accounts";
import { planStack, RenderError } from "../../tools/lib/render-stack";

const ROOT = path.resolve(__dirname, "../..");
const OVERRIDE_LINES =
    /\n {4}# Example files: staging and prod share[^\n]*\n(?: {4}#[^\n]*\n)*? {4}allowSharedAccount:\n {6}reason: [^\n]*/;

const claim = (stack: string, environment: string, accountId = "123456789012", sharedAccountReason?: string) => ({
    stack,
    accountId,
    region: "eu-west-1",
    creates: stack === "prod",
    environment,
    ...(sharedAccountReason === undefined ? {} : { sharedAccountReason }),
});

/** A copy of the project's Pulumi.yaml and stack files, with `edit` applied to every stack file. */
function projectCopy(edit: (file: string, text: string) => string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "med-agi-accounts-"));
    for (const f of fs.readdirSync(ROOT).filter((f) => /^Pulumi(\..+)?\.yaml$/.test(f))) {
        fs.writeFileSync(path.join(dir, f), edit(f, fs.readFileSync(path.join(ROOT, f), "utf8")));
    }
    return dir;
}

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

    it("stops the render of staging and of prod when the committed files lose the override, before any resource", async () => {
        const root = projectCopy((_f, t) => t.replace(OVERRIDE_LINES, ""));
        expect(fs.readFileSync(path.join(root, "Pulumi.staging.yaml"), "utf8")).not.toContain("allowSharedAccount");
        for (const stack of ["staging", "prod"]) {
            const failure = await planStack(root, stack).catch((err: unknown) => err);
            expect(failure).toBeInstanceOf(RenderError);
            expect((failure as RenderError).kind).toBe("config");
            expect((failure as RenderError).registered).toBe(0);
            expect((failure as RenderError).message).toContain(`cloud.allowSharedAccount.reason: "<why>" in Pulumi.${stack}.yaml`);
        }
        fs.rmSync(root, { recursive: true, force: true });
    });

    it("refuses a reason too short to say why", async () => {
        const root = projectCopy((f, t) => (f === "Pulumi.staging.yaml" ? t.replace(/reason: example account[^\n]*/, "reason: ok") : t));
        const failure = await planStack(root, "staging").catch((err: unknown) => err);
        expect((failure as RenderError).message).toContain("cloud.allowSharedAccount.reason");
        expect((failure as RenderError).message).toContain("at least 20 characters");
        fs.rmSync(root, { recursive: true, force: true });
    });
});
