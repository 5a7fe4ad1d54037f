/**
 * The order jest starts the test files in (test/support/sequencer.js): the
 * longest first, also on a clean clone where jest has no timings of its own.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { ROOT } from "../support/harness";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const LongestFirst = require("../support/sequencer.js") as {
    new (options: { contexts: unknown[]; globalConfig: unknown }): { sort(tests: Test[]): Test[] };
    LONGEST_FIRST: string[];
};

interface Test {
    path: string;
    duration?: number;
    context: { config: { rootDir: string; cacheDirectory: string; id: string }; hasteFS: { getSize(p: string): number } };
}

// An empty cache directory: no timings, as on a clean clone.
const cacheDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "sequencer-test-"));
afterAll(() => fs.rmSync(cacheDirectory, { recursive: true, force: true }));
const context = {
    config: { rootDir: ROOT, cacheDirectory, id: "sequencer-test" },
    hasteFS: { getSize: (p: string) => fs.statSync(p).size },
};
const test = (rel: string): Test => ({ path: path.join(ROOT, "test", rel), context });

describe("the test file order", () => {
    it("names only test files that exist", () => {
        expect(LongestFirst.LONGEST_FIRST.length).toBeGreaterThanOrEqual(10);
        expect(LongestFirst.LONGEST_FIRST.filter((f) => !fs.existsSync(path.join(ROOT, "test", f)))).toEqual([]);
        expect(new Set(LongestFirst.LONGEST_FIRST).size).toBe(LongestFirst.LONGEST_FIRST.length);
    });

    it("is the sequencer jest is configured with", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const config = require("../../jest.config.js") as { testSequencer?: string };
        expect(config.testSequencer).toBe("<rootDir>/test/support/sequencer.js");
    });

    it("starts the listed files first, in the list's order, and every other file once after them, without timings", () => {
        // config.test.ts is larger than the API server's and the failover's files: by size
        // (jest's order without timings) it would start before them.
        expect(fs.statSync(path.join(ROOT, "test/config.test.ts")).size).toBeGreaterThan(
            fs.statSync(path.join(ROOT, "test/manifests/apiserver.test.ts")).size,
        );
        const others = ["yaml.test.ts", "config.test.ts", "tools/project.test.ts"];
        const given = [...others, "inference/failover.test.ts", "manifests/apiserver.test.ts", "backups/scripts.test.ts"].map(test);
        const sequencer = new LongestFirst({ contexts: [context], globalConfig: {} });
        const order = sequencer.sort(given).map((t) => path.relative(path.join(ROOT, "test"), t.path));
        expect(order.slice(0, 3)).toEqual(["backups/scripts.test.ts", "manifests/apiserver.test.ts", "inference/failover.test.ts"]);
        expect([...order.slice(3)].sort()).toEqual([...others].sort());
    });
});
