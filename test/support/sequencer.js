"use strict";
/**
 * The order jest starts test files in. Jest's own sequencer starts the files
 * that took longest in earlier runs first, from timings it keeps in its cache;
 * without them (a clean clone, every CI run) it goes by file size, which put
 * the failover test (17 s, mostly waiting on probe timeouts) among the last
 * third and left a core idle at the end. The files below are the suite's
 * longest, as measured with `npm test -- --json`: they start first, longest
 * first, and the rest follow in jest's order. A file that is renamed or removed
 * here fails the suite (test/tools/sequencer.test.ts), so the list cannot go
 * stale silently.
 */
const path = require("node:path");
const Sequencer = require("@jest/test-sequencer").default;

/** Relative to test/, longest first. */
const LONGEST_FIRST = [
    "backups/scripts.test.ts",
    "manifests/apiserver.test.ts",
    "inference/failover.test.ts",
    "render.test.ts",
    "tools/ts-loader.test.ts",
    "tools/diff.test.ts",
    "policies/cli-runner.test.ts",
    "policies/pack.test.ts",
    "manifests/linters.test.ts",
    "manifests/schema.test.ts",
    "observability/promtool.test.ts",
    "datastores/privileges-pg.test.ts",
    "authz/engine.test.ts",
    "datastores/ca-bundle.test.ts",
];

class LongestFirst extends Sequencer {
    sort(tests) {
        const rank = (t) => LONGEST_FIRST.indexOf(path.relative(path.join(t.context.config.rootDir, "test"), t.path));
        const known = tests.filter((t) => rank(t) >= 0).sort((a, b) => rank(a) - rank(b));
        return [...known, ...super.sort(tests.filter((t) => rank(t) < 0))];
    }
}

module.exports = LongestFirst;
module.exports.LONGEST_FIRST = LONGEST_FIRST;
