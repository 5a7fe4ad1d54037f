import * as fs from "node:fs";
import * as path from "node:path";

import { parse } from "yaml";

import { runnerLabel } from "../../infra/aws/runner";

const workflow = (file: string) =>
    parse(fs.readFileSync(path.resolve(__dirname, "../../.github/workflows", file), "utf8")) as { jobs: Record<string, any> };

describe("the pipeline runs where it can reach the cluster and the database", () => {
    it("deploys each stack on that stack's self-hosted runner, never on a hosted runner", () => {
        const jobs = workflow("deploy.yml").jobs;
        for (const stack of ["staging", "prod"]) {
            const labels: string[] = jobs[stack]["runs-on"];
            expect(labels.map((l) => l.replace("${{ github.job }}", stack))).toEqual(["self-hosted", "linux", "x64", runnerLabel(stack)]);
        }
    });

    it("previews and rolls back on the stack's runner too", () => {
        expect(workflow("preview.yml").jobs.preview["runs-on"]).toEqual(["self-hosted", "linux", "x64", "med-agi-${{ matrix.stack }}"]);
        expect(workflow("rollback.yml").jobs.rollback["runs-on"]).toEqual(["self-hosted", "linux", "x64", "med-agi-${{ inputs.stack }}"]);
    });

    it("labels the runner of a stack med-agi-<stack>", () => {
        expect(runnerLabel("prod")).toBe("med-agi-prod");
    });
});
