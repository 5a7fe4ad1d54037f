"use strict";
/**
 * The SDK loads, at start, subsystems a program run never calls:
 *
 * - `@pulumi/pulumi`'s entry module loads the Automation API
 *   (`pulumi.automation`, with js-yaml and more);
 * - the function serializer (`pulumi.runtime.serializeFunction`, used by
 *   dynamic providers and callbacks, not by this program) loads TypeScript's
 *   compiler (a 9 MB module), `@npmcli/arborist` with its npm-registry client
 *   tree (sigstore, pacote, cacache, …) and normalize-package-data
 *   (pulumi/pulumi#10185 calls importing the runtime "considered harmful"
 *   for this reason);
 * - `@pulumi/kubernetes/yaml` loads glob for `ConfigFile` patterns;
 * - zod's classic API loads all of its message locales for `z.locales`;
 * - gRPC: `@grpc/grpc-js` (about 60 modules), which the SDK's service stubs
 *   (`proto/*_grpc_pb`) build their client classes from as they load, the
 *   component-provider server (`pulumi.provider`, with the provider
 *   protocol's messages) and OpenTelemetry's API (the SDK's gRPC
 *   interceptor). A run under the mocks never opens a channel, and the
 *   policy pack's handlers are called without its server; under the CLI they
 *   load when the runtime first connects to the engine.
 *
 * Together about 700 of the 1,340 modules a render of prod loads. Each can be replaced
 * by a transparent stand-in that requires the real module on first use:
 * `pulumi.automation.*` and function serialization still work, loaded when
 * first touched. Two loaders use this file: tools/lib/ts-loader.js (every
 * command that runs the program) puts stand-ins in Node's module cache, and
 * the Jest resolver (test/support/jest-resolver.js) resolves the same modules
 * to stand-in files in every test file's module registry.
 */
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..", "..");

/** The modules deferred, as installed (a module that a dependency update moved is simply not deferred). */
function deferrableModules() {
    const resolveFrom = (specifier, ...from) => {
        try {
            return require.resolve(specifier, { paths: [path.join(ROOT, "node_modules", ...from)] });
        } catch {
            return undefined; // not installed, or moved in a future release: nothing to defer
        }
    };
    const inPackage = (name, ...file) => {
        const manifest = resolveFrom(`${name}/package.json`);
        return manifest === undefined ? undefined : path.join(path.dirname(manifest), ...file);
    };
    return [
        resolveFrom("@pulumi/pulumi/automation/index.js"),
        resolveFrom("@pulumi/pulumi/typescript-shim.js"),
        resolveFrom("@npmcli/arborist", "@pulumi", "pulumi", "runtime", "closure"),
        resolveFrom("normalize-package-data", "@pulumi", "pulumi", "runtime", "closure"),
        resolveFrom("glob", "@pulumi", "kubernetes", "yaml"),
        // zod's classic API exports all of its ~60 message locales (`z.locales`); it
        // loads its default (en) itself.
        inPackage("zod", "v4", "locales", "index.cjs"),
        resolveFrom("@grpc/grpc-js", "@pulumi", "pulumi"),
        resolveFrom("@opentelemetry/api", "@pulumi", "pulumi"),
        resolveFrom("@pulumi/pulumi/proto/engine_grpc_pb.js"),
        resolveFrom("@pulumi/pulumi/proto/resource_grpc_pb.js"),
        resolveFrom("@pulumi/pulumi/proto/callback_grpc_pb.js"),
        // The policy pack's analyzer service (a render calls the pack's handlers directly).
        resolveFrom("@pulumi/pulumi/proto/analyzer_grpc_pb.js"),
        resolveFrom("@pulumi/pulumi/provider/index.js"),
    ].filter((filename) => filename !== undefined && fs.existsSync(filename));
}

/**
 * A stand-in for a module's exports: every use of it calls `load()` (which
 * must return the real module's exports, loading it once) and answers as the
 * real module would.
 *
 * `__esModule: true` makes TypeScript's __importStar/__importDefault hand the
 * stand-in itself to the importer instead of copying every key (which would
 * load the module now); `default` then answers as they would have: the
 * module's own default export, or the CommonJS module itself. (Every deferred
 * module is used through its properties, none is called directly.)
 */
function standIn(load) {
    let loaded = false;
    const real = () => {
        const module = load();
        loaded = true;
        return module;
    };
    return new Proxy(
        {},
        {
            get: (_, key) => {
                if (key === "__esModule" && !loaded) return true;
                const module = real();
                return key === "default" && !module.__esModule ? module : Reflect.get(module, key);
            },
            has: (_, key) => Reflect.has(real(), key),
            ownKeys: () => Reflect.ownKeys(real()),
            getOwnPropertyDescriptor: (_, key) => {
                const descriptor = Reflect.getOwnPropertyDescriptor(real(), key);
                return descriptor === undefined ? undefined : { ...descriptor, configurable: true };
            },
            set: (_, key, value) => Reflect.set(real(), key, value),
        },
    );
}

module.exports = { deferrableModules, standIn };
