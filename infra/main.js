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
const path = require("node:path");

const loader = require("../tools/lib/ts-loader");

// Traces of errors point at the TypeScript, through the source maps of the transpiled files.
loader.mapTracesWithSourceMapSupport();

/**
 * The SDK's runner installs source-map-support, and the SDK records a stack
 * trace on every internal promise (`runtime/debuggable.js`) that it prints
 * only in a promise-leak report. Formatted and mapped through source maps,
 * those ~40 traces per resource cost more than the whole program, so they
 * are replaced by a one-line note on how to get them. Every other trace
 * (errors, and the resource source positions the engine records) is still
 * formatted and mapped to the TypeScript. PULUMI_DEBUG_PROMISE_LEAKS=true,
 * the SDK's own switch for leak debugging, keeps the leak traces in full.
 */
function skipSdkPromiseTraces() {
    const mapped = Error.prepareStackTrace;
    if (typeof mapped !== "function" || process.env.PULUMI_DEBUG_PROMISE_LEAKS === "true") return;
    const debuggable = `${path.sep}@pulumi${path.sep}pulumi${path.sep}runtime${path.sep}debuggable.js`;
    Error.prepareStackTrace = function prepareStackTrace(error, callSites) {
        if (!callSites[0]?.getFileName()?.endsWith(debuggable)) return mapped(error, callSites);
        return SKIPPED_TRACE;
    };
}
const SKIPPED_TRACE = "(promise stack trace not recorded: run with PULUMI_DEBUG_PROMISE_LEAKS=true to record it)";
skipSdkPromiseTraces();

module.exports = require("./index.ts");
