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
    // One worker more than the 2 cores: several files spend seconds waiting (the failover's
    // probe timeouts, PostgreSQL and the S3 server), and a third worker keeps both cores busy
    // meanwhile (70 s instead of 82 s for the whole suite on 2 cores).
    maxWorkers: 3,
    testTimeout: 120000,
    // test.concurrent cases at once (test/backups/scripts.test.ts): cases waiting on a shared
    // backup hold a slot, so a few more than the cores keep both cores busy.
    maxConcurrency: 8,
    // dev, staging and prod rendered once for every test file that reads a stack as committed.
    globalSetup: "<rootDir>/test/support/global-setup.js",
    globalTeardown: "<rootDir>/test/support/global-teardown.js",
    reporters: ["default", "<rootDir>/test/support/summary-reporter.js"],
};
