"use strict";
/** Removes the renders the global setup shared with the test files. */
const fs = require("node:fs");

module.exports = async function globalTeardown() {
    const dir = process.env.MED_AGI_TEST_RENDERS_DIR;
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
};
