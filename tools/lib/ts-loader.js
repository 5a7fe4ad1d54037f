"use strict";
/**
 * Loads the project's TypeScript in-process, transpiled once and cached.
 *
 * Everything that runs the program goes through this file: the Pulumi CLI
 * (via `infra/main.js`, the `main` of Pulumi.yaml), `npm run render`, `check`,
 * `diff` and `bench` (`node -r ./tools/lib/ts-loader.js tools/<command>.ts`).
 *
 * - No type checking on this path: that is `npm run typecheck`, which CI runs.
 *   The CLI's default loader (ts-node) type-checks the whole program before
 *   every preview, which costs seconds and finds nothing CI has not.
 * - Each `.ts` file is transpiled by esbuild (one file at a time, so
 *   `__dirname` and stack traces keep pointing at the source) and the result
 *   is cached on disk under a hash of the file's path and content: a cache
 *   entry can never be stale, and an edited file is transpiled again on its
 *   next load. esbuild itself is only loaded on a cache miss.
 * - V8's compile cache (`module.enableCompileCache`) keeps the bytecode of
 *   the SDK and the program between runs.
 *
 * Hooks are registered with Node's own synchronous module hooks
 * (`module.registerHooks`, Node ≥ 22.15), per thread: a worker thread that
 * needs TypeScript requires this file first.
 */
const crypto = require("node:crypto");
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const { fileURLToPath } = require("node:url");

const ROOT = path.resolve(__dirname, "..", "..");
/** Bump when the transpile options change, so old cache entries are not reused. */
const CACHE_VERSION = "2";
const CACHE_DIR = process.env.MED_AGI_TS_CACHE ?? path.join(ROOT, "node_modules", ".cache", "med-agi-ts");

if (typeof Module.registerHooks !== "function") {
    throw new Error(`med-agi needs Node.js ≥ 22.15 (module.registerHooks); this is ${process.version}. See README.md ("Prerequisites").`);
}

if (!globalThis.__medAgiTsLoader) {
    globalThis.__medAgiTsLoader = true;
    if (process.env.MED_AGI_COMPILE_CACHE !== "0") Module.enableCompileCache?.(path.join(ROOT, "node_modules", ".cache", "med-agi-v8"));
    Module.registerHooks({ resolve: resolveTypeScript, load: loadTypeScript });
}

let esbuild;

/** The JavaScript for one TypeScript source, from the cache or transpiled now. */
function transpile(filename, source) {
    const key = crypto.createHash("sha256").update(`${CACHE_VERSION}\0${filename}\0`).update(source).digest("hex");
    const cached = path.join(CACHE_DIR, key.slice(0, 2), `${key}.js`);
    try {
        return fs.readFileSync(cached, "utf8");
    } catch {
        // not cached yet
    }
    esbuild ??= require("esbuild");
    const { code } = esbuild.transformSync(source, {
        loader: "ts",
        format: "cjs",
        platform: "node",
        target: "node22",
        sourcefile: filename,
        sourcemap: "inline",
        // As tsc does for `module: commonjs`: `import()` becomes `require()`,
        // which these hooks serve (an ESM import of a .ts file would bypass them).
        supported: { "dynamic-import": false },
        tsconfigRaw: { compilerOptions: { target: "ES2022", useDefineForClassFields: true } },
    });
    try {
        fs.mkdirSync(path.dirname(cached), { recursive: true });
        const tmp = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}`;
        fs.writeFileSync(tmp, code);
        fs.renameSync(tmp, cached); // atomic: concurrent loaders never read half a file
    } catch {
        // a read-only checkout still runs, it only transpiles every time
    }
    return code;
}

function isOwnTypeScript(filename) {
    return filename.endsWith(".ts") && !filename.endsWith(".d.ts") && !filename.includes(`${path.sep}node_modules${path.sep}`);
}

/** `import "./x"` from a .ts file may name x.ts or x/index.ts, as TypeScript resolves it. */
function resolveTypeScript(specifier, context, nextResolve) {
    const parent = context.parentURL?.startsWith("file:") ? fileURLToPath(context.parentURL) : undefined;
    if (parent !== undefined && isOwnTypeScript(parent) && (specifier.startsWith("./") || specifier.startsWith("../"))) {
        const base = path.resolve(path.dirname(parent), specifier);
        for (const candidate of [`${base}.ts`, path.join(base, "index.ts")]) {
            if (fs.existsSync(candidate)) return nextResolve(candidate, context);
        }
    }
    return nextResolve(specifier, context);
}

function loadTypeScript(url, context, nextLoad) {
    if (!url.startsWith("file:") || !url.endsWith(".ts")) return nextLoad(url, context);
    const filename = fileURLToPath(url);
    if (!isOwnTypeScript(filename)) return nextLoad(url, context);
    return { format: "commonjs", source: transpile(filename, fs.readFileSync(filename, "utf8")), shortCircuit: true };
}
