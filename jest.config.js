/** @type {import('jest').Config} */
module.exports = {
    testEnvironment: "node",
    roots: ["<rootDir>/test"],
    testMatch: ["**/*.test.ts"],
    transform: {
        // Type-checking is `npm run typecheck`'s job; tests only transpile.
        "^.+\\.ts$": "<rootDir>/test/support/esbuild-transform.js",
    },
    // Each file runs the Pulumi program under its own mocks: one stack per process.
    maxWorkers: 2,
    testTimeout: 120000,
    // test.concurrent cases at once (test/backups/scripts.test.ts): cases waiting on a shared
    // backup hold a slot, so a few more than the cores keep both cores busy.
    maxConcurrency: 8,
    reporters: ["default", "<rootDir>/test/support/summary-reporter.js"],
};
