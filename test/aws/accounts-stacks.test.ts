/** The shared-account refusal over the project's real stack files (issue 19, finding 8). */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { planStack, RenderError } from "../../tools/lib/render-stack";

const ROOT = path.resolve(__dirname, "../..");
const OVERRIDE_LINES =
    /\n {4}# Example files: staging and prod share[^\n]*\n(?: {4}#[^\n]*\n)*? {4}allowSharedAccount:\n {6}reason: [^\n]*/;

/** A copy of the project's Pulumi.yaml and stack files, with `edit` applied to every stack file. */
function projectCopy(edit: (file: string, text: string) => string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "med-agi-accounts-"));
    for (const f of fs.readdirSync(ROOT).filter((f) => /^Pulumi(\..+)?\.yaml$/.test(f))) {
        fs.writeFileSync(path.join(dir, f), edit(f, fs.readFileSync(path.join(ROOT, f), "utf8")));
    }
    return dir;
}

describe("staging and prod in one account, over the stack files", () => {
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
