/**
 * docs/security.md and docs/authz.md against what is deployed: the Secrets an
 * operator sees with `kubectl get secrets -n med-agi`, the default grant
 * table, and the links to the network and identity pages.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { ACTIONS, DEFAULT_GRANTS, ROLES } from "../../infra/authz";
import { SERVICE_NAMES } from "../../infra/runbook";
import { renderedPlans } from "../policies/harness";
import { ROOT } from "../support/harness";

const read = (file: string) => fs.readFileSync(path.join(ROOT, "docs", file), "utf8");

const plans = renderedPlans();

describe("docs/security.md", () => {
    const doc = read("security.md");

    it("links the network matrix, the secret flow and the OPA page", () => {
        for (const page of ["network.md", "identity.md", "authz.md"]) expect(doc).toContain(`](${page})`);
    });

    it.each(["dev", "staging", "prod"] as const)(
        "names every Secret the %s stack declares in med-agi (what `kubectl get secrets -n med-agi` lists)",
        (stack) => {
            const names = plans[stack].resources
                .map((r) => r.inputs as any)
                .filter((o) => o.kind === "Secret" && o.metadata?.namespace === "med-agi")
                .map((o) => o.metadata.name as string);
            expect(names.length).toBeGreaterThan(0);
            expect(names.filter((n) => !doc.includes(`\`${n}\``))).toEqual([]);
        },
    );

    it("walks through the runbook's security commands", () => {
        expect(doc).toContain("kubectl get secrets -n med-agi");
        expect(doc).toContain("Review security alerts");
        expect(doc).toContain("MedAgiHighAuthFailureRate");
    });
});

describe("docs/authz.md", () => {
    const doc = read("authz.md");

    it("shows the default grant table of staging and prod, cell by cell", () => {
        const header = `| role | ${SERVICE_NAMES.join(" | ")} |`;
        expect(doc).toContain(header);
        const rows = doc
            .slice(doc.indexOf(header))
            .split("\n")
            .slice(2, 2 + ROLES.length);
        for (const [i, role] of ROLES.entries()) {
            const cells = rows[i]!.split("|")
                .slice(1, -1)
                .map((c) => c.trim());
            expect(cells[0]).toBe(`\`${role}\``);
            const grants = (DEFAULT_GRANTS.prod as Record<string, Record<string, readonly string[]>>)[role] ?? {};
            SERVICE_NAMES.forEach((service, j) => {
                const shown = cells[j + 1] === "—" ? [] : cells[j + 1]!.split(", ");
                expect([role, service, shown]).toEqual([role, service, [...(grants[service] ?? [])]]);
            });
        }
        expect(DEFAULT_GRANTS.staging).toEqual(DEFAULT_GRANTS.prod);
    });

    it("lists the roles and actions the config accepts", () => {
        for (const role of ROLES) expect(doc).toContain(`\`${role}\``);
        for (const action of ACTIONS) expect(doc).toContain(`\`${action}\``);
    });
});
