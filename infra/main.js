"use strict";
/**
 * The program's entry point for the Pulumi CLI (`main` in Pulumi.yaml).
 *
 * Pulumi.yaml turns the SDK's own TypeScript loader off (`typescript: false`):
 * ts-node type-checks the whole program before every `pulumi preview` and
 * `pulumi up`, which costs seconds each time and finds nothing that
 * `npm run typecheck` (run in CI on every change) has not. Instead the
 * project's loader transpiles each file once with esbuild and caches it
 * (tools/lib/ts-loader.js; Pulumi.yaml's `nodeargs` loads it before the SDK,
 * and this file again in case it runs without them). The CLI then calls the
 * exported function and publishes what it returns as the stack outputs.
 */
// Stack traces under the CLI: mapped to the TypeScript, and none formatted for
// the SDK's promise-leak report unless asked for (see the loader).
require("../tools/lib/ts-loader").prepareForPulumiCli();

module.exports = require("./index.ts");
