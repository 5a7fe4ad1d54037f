import * as fs from "fs";
import * as path from "path";

import { privilegeModel, privilegeTableMarkdown, rolesOf } from "../../infra/datastores/postgres/privileges";

const doc = fs.readFileSync(path.resolve(__dirname, "../../docs/data.md"), "utf8");

describe("docs/data.md", () => {
    it("holds the roles × privileges table of the declared model", () => {
        const table = /<!-- privileges:begin -->\n([\s\S]*?)\n<!-- privileges:end -->/.exec(doc)?.[1];
        expect(table).toBe(privilegeTableMarkdown(privilegeModel()));
    });

    it("names the runbook's owner role and the least-privilege roles", () => {
        expect(rolesOf(privilegeModel()).map((r) => r.name)).toEqual([
            "medagi",
            "imaging",
            "ekg",
            "eval",
            "anchor",
            "modelcards",
            "ops",
            "medagi_readonly",
            "medagi_backup",
            "medagi_restore",
        ]);
        expect(doc).toContain("| eval | LOGIN | CONNECT | — | — | — | USAGE, CREATE | — | — | — |");
    });
});
