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
    // How long a worker may take to exit after its last file before jest kills it and prints
    // "A worker process has failed to exit gracefully". A worker holding a leaked handle never
    // exits, so it is still reported; 500 ms (jest's default) also flagged workers that were
    // only slow to wind down on a loaded machine (load 30-57 on 2 cores), with nothing left open.
    workerGracefulExitTimeout: 10000,
    // test.concurrent cases at once (test/backups/scripts.test.ts). The shared backups are
    // taken in its beforeAll, so a running case waits only on its own scripts: twice the
    // cores keeps them busy through the scripts' I/O, and a case's wall time (which its
    // timeout measures) stays near its own CPU time even on a loaded machine.
    maxConcurrency: 4,
    // dev, staging and prod rendered once for every test file that reads a stack as committed.
    globalSetup: "<rootDir>/test/support/global-setup.js",
    globalTeardown: "<rootDir>/test/support/global-teardown.js",
    // The longest files first, also on a clean clone without jest's timings (test/support/sequencer.js).
    testSequencer: "<rootDir>/test/support/sequencer.js",
    // The SDK's subsystems no test calls load on first use (test/support/jest-resolver.js).
    resolver: "<rootDir>/test/support/jest-resolver.js",
    reporters: ["default", "<rootDir>/test/support/summary-reporter.js"],
};
