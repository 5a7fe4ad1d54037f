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
    reporters: ["default", "<rootDir>/test/support/summary-reporter.js"],
};
