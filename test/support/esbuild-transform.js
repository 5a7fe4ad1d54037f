"use strict";
/**
 * Jest transform: TypeScript to CommonJS with esbuild, as tools/lib/ts-loader.js
 * does for the program and the tools. Type checking is `npm run typecheck`'s
 * job; this only transpiles (ts-jest loaded the whole TypeScript compiler in
 * every worker to do the same).
 */
const crypto = require("node:crypto");
const { transformSync } = require("esbuild");

const OPTIONS = {
    loader: "ts",
    format: "cjs",
    platform: "node",
    target: "node22",
    sourcemap: "inline",
    supported: { "dynamic-import": false },
    tsconfigRaw: { compilerOptions: { target: "ES2022", useDefineForClassFields: true } },
};
const VERSION = require("esbuild/package.json").version;

module.exports = {
    process(sourceText, sourcePath) {
        return { code: transformSync(sourceText, { ...OPTIONS, sourcefile: sourcePath }).code };
    },
    getCacheKey(sourceText, sourcePath) {
        return crypto
            .createHash("sha256")
            .update(`${VERSION}\0${JSON.stringify(OPTIONS)}\0${sourcePath}\0`)
            .update(sourceText)
            .digest("hex");
    },
};
