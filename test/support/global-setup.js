"use strict";
/**
 * Jest global setup: renders dev, staging and prod once, before any test file
 * runs, with the real render command (one process, a worker thread per stack),
 * and tells the test workers where the plans are (MED_AGI_TEST_RENDERS).
 * `runStack(stack)` without overrides then reads that plan instead of running
 * the program again in every test file; with overrides it still runs the
 * program. If the render fails, nothing is shared and every test runs the
 * program itself (and the render's own tests report the failure).
 */
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

module.exports = async function globalSetup() {
    const root = path.resolve(__dirname, "..", "..");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "med-agi-test-renders-"));
    const r = spawnSync(
        process.execPath,
        ["-r", path.join(root, "tools", "lib", "ts-loader.js"), path.join(root, "tools", "render.ts"), "--out", dir],
        {
            cwd: root,
            encoding: "utf8",
        },
    );
    process.env.MED_AGI_TEST_RENDERS_DIR = dir; // for the teardown
    // What the command printed, for the render's own tests (test/render.test.ts).
    fs.writeFileSync(path.join(dir, "command.json"), JSON.stringify({ status: r.status, stdout: r.stdout, stderr: r.stderr }));
    if (r.status === 0) process.env.MED_AGI_TEST_RENDERS = dir;
    else process.stderr.write(`\nglobal setup: the shared render failed; every test runs the program itself\n${r.stderr}\n`);
};
