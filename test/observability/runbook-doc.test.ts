/** Every alert's runbook_url points at a section that exists in docs/runbook.md. */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { SERVICE_NAMES } from "../../infra/runbook";
import { headingSlug, ruleGroups } from "../../infra/observability";

const doc = readFileSync(join(__dirname, "../../docs/runbook.md"), "utf8");
const anchors = new Set(
    doc
        .split("\n")
        .filter((line) => /^#{1,6} /.test(line))
        .map((line) => headingSlug(line.replace(/^#+ /, ""))),
);
const rules = Object.values(
    ruleGroups({
        services: SERVICE_NAMES,
        siemShippingNamespace: "logging",
        // Every data-store health rule (multi-instance PostgreSQL, multi-node Elasticsearch, volumes).
        dataStoreHealth: {
            postgres: { cluster: "med-agi-postgres", instances: 2 },
            elasticsearch: { cluster: "med-agi-search", nodes: 3 },
            volumeClaims: ["med-agi-postgres-[0-9]+"],
        },
    }),
).flatMap((g) => [...g.rules]);

describe("docs/runbook.md", () => {
    it.each([...new Set(rules.map((r) => r.annotations.runbook_url))])("has the section %s points at", (url) => {
        const [path, anchor] = url.split("#");
        expect(path).toBe("docs/runbook.md");
        expect(anchors.has(anchor!)).toBe(true);
    });

    it("links only to sections that exist", () => {
        const links = [...doc.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
        expect(links.length).toBeGreaterThan(0);
        for (const link of links) expect(anchors.has(link!)).toBe(true);
    });
});

describe("headingSlug", () => {
    it("makes GitHub's anchor of a heading", () => {
        expect(headingSlug("MedAgiHighErrorRate")).toBe("medagihigherrorrate");
        expect(headingSlug("Every page: the P1 procedure")).toBe("every-page-the-p1-procedure");
    });
});
