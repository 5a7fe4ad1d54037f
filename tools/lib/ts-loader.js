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
 *   is cached on disk under a hash of esbuild's version and the file's path
 *   and content: a cache entry can never be stale, an edited file is
 *   transpiled again on its next load, and so is every file after an esbuild
 *   update. esbuild itself is only loaded on a cache miss (its package.json
 *   is read once per thread, for the version).
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

const { deferrableModules, standIn } = require("./deferred-modules");

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
    if (process.env.MED_AGI_DEFER_SDK_EXTRAS !== "0") deferUnusedSdkSubsystems();
}

/**
 * Stand-ins for the SDK's subsystems that a program run never calls (the
 * function serializer with TypeScript's compiler, the Automation API, …; see
 * ./deferred-modules.js), put in the module cache before the SDK loads. Only
 * modules not loaded yet are deferred (under the CLI, Pulumi.yaml's
 * `nodeargs` preloads this file before the SDK). MED_AGI_DEFER_SDK_EXTRAS=0
 * turns it off.
 */
function deferUnusedSdkSubsystems() {
    for (const filename of deferrableModules()) defer(filename);
}

/** Puts a stand-in for `filename` in the module cache that loads the real module on first use. */
function defer(filename) {
    if (require.cache[filename] !== undefined) return;
    let real;
    const module = new Module(filename, null);
    module.filename = filename;
    module.paths = Module._nodeModulePaths(path.dirname(filename));
    module.loaded = true;
    module.exports = standIn(() => {
        if (real === undefined) {
            Reflect.deleteProperty(require.cache, filename); // so that require() loads the real module
            real = require(filename);
        }
        return real;
    });
    require.cache[filename] = module;
}

let esbuild;
let esbuildVersion;

/** The installed esbuild's version, without loading esbuild. */
function transpilerVersion() {
    if (esbuildVersion === undefined) {
        try {
            esbuildVersion = JSON.parse(fs.readFileSync(require.resolve("esbuild/package.json"), "utf8")).version;
        } catch {
            esbuildVersion = "none"; // not installed: a cache miss reports it when it requires esbuild
        }
    }
    return esbuildVersion;
}

/** The JavaScript for one TypeScript source, from the cache or transpiled now. */
function transpile(filename, source) {
    const key = crypto.createHash("sha256").update(`${CACHE_VERSION}\0${transpilerVersion()}\0${filename}\0`).update(source).digest("hex");
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
    // Cheap string tests first: this hook sees every require of every module.
    const parentURL = context.parentURL;
    if ((specifier.startsWith("./") || specifier.startsWith("../")) && parentURL?.endsWith(".ts") && parentURL.startsWith("file:")) {
        const parent = fileURLToPath(parentURL);
        if (isOwnTypeScript(parent)) {
            const base = path.resolve(path.dirname(parent), specifier);
            for (const candidate of [`${base}.ts`, path.join(base, "index.ts")]) {
                if (fs.existsSync(candidate)) return nextResolve(candidate, context);
            }
        }
    }
    return nextResolve(specifier, context);
}

function loadTypeScript(url, context, nextLoad) {
    if (!url.startsWith("file:") || !url.endsWith(".ts")) return nextLoad(url, context);
    const filename = fileURLToPath(url);
    if (!isOwnTypeScript(filename)) return nextLoad(url, context);
    const source = transpile(filename, fs.readFileSync(filename, "utf8"));
    transpiledSources.set(filename, source);
    return { format: "commonjs", source, shortCircuit: true };
}

/**
 * Called by infra/main.js, the program's entry point under the Pulumi CLI,
 * once the SDK's runner has installed source-map-support.
 */
function prepareForPulumiCli() {
    mapTracesWithSourceMapSupport();
    skipSdkPromiseTraces();
}

/** The JavaScript each TypeScript file ran as, with its inline source map: what stack-trace mappers must read. */
const transpiledSources = new Map();

/**
 * The Pulumi CLI's runner installs source-map-support, which maps a stack
 * frame by reading the frame's file from disk; for a .ts file that is the
 * TypeScript, without the source map esbuild wrote into the JavaScript that
 * actually ran, so every trace would point at lines of the transpiled output.
 * Hand it the transpiled JavaScript instead. Does nothing (and returns false)
 * when source-map-support has not been loaded, as in `npm run render`.
 */
function mapTracesWithSourceMapSupport() {
    let id;
    try {
        id = require.resolve("source-map-support", { paths: [path.join(ROOT, "node_modules", "@pulumi", "pulumi", "cmd", "run")] });
    } catch {
        return false;
    }
    const sourceMapSupport = require.cache[id]?.exports;
    if (sourceMapSupport === undefined) return false;
    sourceMapSupport.install({ retrieveFile: (file) => transpiledSources.get(file) ?? null });
    return true;
}

/**
 * The SDK records a stack trace on every internal promise
 * (`runtime/debuggable.js`) that it prints only in a promise-leak report.
 * Captured, formatted and mapped through source maps, those ~40 traces per
 * resource cost more than the whole program, so none is captured: the SDK's
 * `debuggablePromise` runs with no stack frames to record, and the promise
 * carries a one-line note on how to get the trace instead. Every other trace
 * (errors, and the resource source positions the engine records) is still
 * captured and mapped to the TypeScript. PULUMI_DEBUG_PROMISE_LEAKS=true, the
 * SDK's own switch for leak debugging, keeps the leak traces in full.
 */
function skipSdkPromiseTraces() {
    if (process.env.PULUMI_DEBUG_PROMISE_LEAKS === "true") return;
    // The SDK calls it through its module's exports (`debuggable_1.debuggablePromise(…)`).
    const debuggable = require(path.join(ROOT, "node_modules", "@pulumi", "pulumi", "runtime", "debuggable.js"));
    const traced = debuggable.debuggablePromise;
    debuggable.debuggablePromise = function debuggablePromise(promise, ctx) {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            return traced(promise, ctx);
        } finally {
            Error.stackTraceLimit = limit;
            promise._debugStackTrace = SKIPPED_TRACE;
        }
    };
}
const SKIPPED_TRACE = "(promise stack trace not recorded: run with PULUMI_DEBUG_PROMISE_LEAKS=true to record it)";

module.exports = { deferrableModules, prepareForPulumiCli };
