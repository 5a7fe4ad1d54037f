import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { readRegistryClaims, registryOwnershipProblems } from "../../infra/aws/registry-owner";
import { planStack, RenderError } from "../../tools/lib/render-stack";
import { ROOT, runStack } from "../support/harness";

const claim = (stack: string, creates: boolean, accountId = "123456789012", region = "eu-west-1") => ({
    stack,
    accountId,
    region,
    creates,
});

/** A copy of the project's Pulumi.yaml and stack files, with `edit` applied to one stack file. */
function projectCopy(stack: string, edit: (text: string) => string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "med-agi-registry-"));
    for (const f of fs.readdirSync(ROOT).filter((f) => /^Pulumi(\..+)?\.yaml$/.test(f))) {
        const text = fs.readFileSync(path.join(ROOT, f), "utf8");
        fs.writeFileSync(path.join(dir, f), f === `Pulumi.${stack}.yaml` ? edit(text) : text);
    }
    return dir;
}

describe("ECR repositories: exactly one creating stack per account and region", () => {
    it("reads the committed stack files: prod creates the repositories, staging uses them, dev has no cloud", () => {
        const reason = "example account shared by the committed staging and prod files; use separate accounts in a real deployment";
        expect(readRegistryClaims(ROOT)).toEqual([
            { ...claim("prod", true), environment: "prod", sharedAccountReason: reason },
            { ...claim("staging", false), environment: "staging", sharedAccountReason: reason },
        ]);
    });

    it("refuses two creators in one account and region, naming both stacks", () => {
        expect(registryOwnershipProblems(claim("staging", true), [claim("prod", true), claim("staging", true)])).toEqual([
            {
                path: "cloud.registry.create",
                message:
                    'cloud.registry.create: true is not allowed (stacks "staging" and "prod" both create the ECR repositories med-agi/<service> in account 123456789012, eu-west-1, and the second `pulumi up` would fail with RepositoryAlreadyExistsException; exactly one stack per account and region creates them: set cloud.registry.create: false in Pulumi.prod.yaml or in Pulumi.staging.yaml)',
            },
        ]);
    });

    it("accepts one creator, and creators in different accounts or regions", () => {
        expect(registryOwnershipProblems(claim("prod", true), [claim("prod", true), claim("staging", false)])).toEqual([]);
        expect(registryOwnershipProblems(claim("staging", false), [claim("prod", true), claim("staging", false)])).toEqual([]);
        expect(registryOwnershipProblems(claim("staging", true), [claim("prod", true, "210987654321")])).toEqual([]);
        expect(registryOwnershipProblems(claim("staging", true), [claim("prod", true, "123456789012", "eu-central-1")])).toEqual([]);
    });

    it("refuses a stack that uses repositories no stack creates", () => {
        expect(registryOwnershipProblems(claim("staging", false), [claim("prod", false)]).map((p) => p.message)).toEqual([
            "cloud.registry.create: false is not allowed (no other stack of the project creates the ECR repositories in account 123456789012, eu-west-1, so the images have nowhere to live; set cloud.registry.create: true in exactly one stack of that account and region)",
        ]);
    });

    it("stops the render of a stack that would collide, before any resource is registered", async () => {
        const root = projectCopy("staging", (t) => t.replace("      create: false", "      create: true"));
        const failure = await planStack(root, "staging").catch((err: unknown) => err);
        expect(failure).toBeInstanceOf(RenderError);
        expect((failure as RenderError).kind).toBe("config");
        expect((failure as RenderError).registered).toBe(0);
        expect((failure as RenderError).message).toContain('stacks "staging" and "prod" both create the ECR repositories');
        fs.rmSync(root, { recursive: true, force: true });
    });

    it("creates the repositories in prod only, protected", async () => {
        // prod and staging as committed: the plans the global setup rendered (the same planStack).
        const prod = await runStack("prod");
        const staging = await runStack("staging");
        const repos = prod.resources.filter((r) => r.type === "aws:ecr/repository:Repository");
        expect(repos.map((r) => [r.inputs.name, r.protect])).toEqual([
            ["med-agi/imaging", true],
            ["med-agi/ekg", true],
            ["med-agi/eval", true],
            ["med-agi/anchor", true],
            ["med-agi/modelcards", true],
            ["med-agi/ops", true],
            ["med-agi/logrotate", true],
        ]);
        expect(staging.resources.filter((r) => r.type === "aws:ecr/repository:Repository")).toEqual([]);
    });
});
