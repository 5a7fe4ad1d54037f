/**
 * The TypeScript loader behind the Pulumi CLI entry point and every tool:
 * transpiled once, cached by content, never stale, no type checking.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { languageHostLaunch, pwdAndEntry } from "../../tools/bench/language-host";
import { ROOT } from "../support/harness";

const LOADER = path.join(ROOT, "tools", "lib", "ts-loader.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ts-loader-test-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function runTs(entry: string, cache: string, node = process.execPath) {
    return spawnSync(node, ["-r", LOADER, entry], { encoding: "utf8", env: { ...process.env, MED_AGI_TS_CACHE: cache } });
}

function cacheEntries(cache: string): string[] {
    return fs.existsSync(cache) ? fs.readdirSync(cache, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".js")) : [];
}

describe("tools/lib/ts-loader.js", () => {
    const dir = path.join(tmp, "project");
    const cache = path.join(tmp, "cache");
    const entry = path.join(dir, "main.ts");
    beforeAll(() => {
        fs.mkdirSync(path.join(dir, "lib"), { recursive: true });
        // Extensionless and directory imports, as TypeScript resolves them; a
        // parameter property and an enum, which Node's own type stripping refuses.
        fs.writeFileSync(
            path.join(dir, "lib", "index.ts"),
            "export enum Colour { Red = 1 }\nexport class Box { constructor(readonly size: number) {} }\n",
        );
        fs.writeFileSync(path.join(dir, "value.ts"), 'export const value: string = "first";\n');
        fs.writeFileSync(
            entry,
            'import { Box, Colour } from "./lib";\nimport { value } from "./value";\nconsole.log(`${value} ${new Box(3).size} ${Colour.Red} ${__dirname}`);\n',
        );
    });

    it("runs TypeScript with extensionless and directory imports, keeping __dirname", () => {
        const r = runTs(entry, cache);
        expect(r.stderr).toBe("");
        expect(r.stdout.trim()).toBe(`first 3 1 ${dir}`);
        expect(cacheEntries(cache)).toHaveLength(3);
    });

    it("serves the second run from the cache", () => {
        const before = cacheEntries(cache).sort();
        const r = runTs(entry, cache);
        expect(r.stdout.trim()).toBe(`first 3 1 ${dir}`);
        expect(cacheEntries(cache).sort()).toEqual(before);
    });

    it("transpiles an edited file again: a cache entry is never stale", () => {
        fs.writeFileSync(path.join(dir, "value.ts"), 'export const value: string = "second";\n');
        const r = runTs(entry, cache);
        expect(r.stdout.trim()).toBe(`second 3 1 ${dir}`);
        expect(cacheEntries(cache)).toHaveLength(4);
    });

    it("does not type-check (that is npm run typecheck's job)", () => {
        const bad = path.join(dir, "bad-types.ts");
        fs.writeFileSync(
            bad,
            'const n: number = "not a number" as unknown as number;\nconst s: string = 42 as never;\nconsole.log(typeof n, typeof s);\n',
        );
        const r = runTs(bad, cache);
        expect(r.status).toBe(0);
        expect(r.stdout.trim()).toBe("string number");
    });

    it("reports a syntax error with the file", () => {
        const broken = path.join(dir, "broken.ts");
        fs.writeFileSync(broken, "export const = ;\n");
        const r = runTs(broken, cache);
        expect(r.status).not.toBe(0);
        expect(r.stderr).toContain("broken.ts");
    });
});

describe("modules the program never calls are loaded on first use", () => {
    // One fresh node per mode: the deferred module list, the module count after
    // loading the SDK, then each deferred subsystem used through its stand-in.
    const script = [
        "const path = require('path');",
        // Relative to node_modules as resolved (in a git worktree it may be a link to another checkout's).
        "const modules = require('fs').realpathSync('node_modules');",
        "console.log(require(process.env.LOADER).deferrableModules().map((f) => path.relative(modules, f)).join(','));",
        "const pulumi = require('@pulumi/pulumi');",
        "console.log(Object.keys(require.cache).length);",
        "const { z } = require('zod');",
        "console.log(typeof pulumi.automation.LocalWorkspace.create, typeof z.locales.de, typeof require('glob').sync);",
        // The gRPC stubs build their client classes from @grpc/grpc-js when first used, as the runtime connects.
        "const resrpc = require('@pulumi/pulumi/proto/resource_grpc_pb');",
        "console.log(typeof resrpc.ResourceMonitorClient, typeof require('@grpc/grpc-js').credentials.createInsecure, typeof pulumi.provider.main, typeof require('@opentelemetry/api').propagation.inject);",
        "(async () => {",
        "  console.log((await pulumi.runtime.serializeFunction(async (x) => x + 1)).text.includes('x + 1'));",
        // normalize-package-data is called through TypeScript's __importDefault: its default is the module.
        // In a project of one dependency: arborist reads every package of the tree it is in, and
        // the project's (node_modules of this repository) cost 1.8 CPU-s per probe to read.
        "  process.chdir(process.env.CODE_PATHS_PROJECT);",
        "  console.log((await pulumi.runtime.computeCodePaths({ extraIncludePackages: ['yaml'] })).size > 0);",
        "})();",
    ].join("\n");
    const project = path.join(tmp, "code-paths");
    beforeAll(() => {
        fs.mkdirSync(path.join(project, "node_modules"), { recursive: true });
        fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "code-paths", dependencies: { yaml: "*" } }));
        fs.symlinkSync(fs.realpathSync(path.join(ROOT, "node_modules", "yaml")), path.join(project, "node_modules", "yaml"), "dir");
    });
    function probe(env: NodeJS.ProcessEnv): string[] {
        const r = spawnSync(process.execPath, ["-r", LOADER, "-e", script], {
            cwd: ROOT,
            encoding: "utf8",
            env: { ...process.env, LOADER, CODE_PATHS_PROJECT: project, ...env },
        });
        // The function serializer's own dependencies print Node deprecation and experimental warnings, deferred or not.
        expect(r.stderr.split("\n").filter((l) => l !== "" && !/Warning|--trace-deprecation/.test(l))).toEqual([]);
        expect(r.status).toBe(0);
        return r.stdout.trim().split("\n");
    }

    it("defers each subsystem as installed, loads the SDK with about half the modules, and the stand-ins behave as the modules", () => {
        const [list, deferredCount, ...deferred] = probe({});
        const [, eagerCount, ...eager] = probe({ MED_AGI_DEFER_SDK_EXTRAS: "0" });
        // At the installed versions: a dependency update that moves one is noticed here.
        expect(list?.split(",")).toEqual([
            "@pulumi/pulumi/automation/index.js",
            "@pulumi/pulumi/typescript-shim.js",
            "@npmcli/arborist/lib/index.js",
            "normalize-package-data/lib/normalize.js",
            "glob/dist/commonjs/index.js",
            "zod/v4/locales/index.cjs",
            "@grpc/grpc-js/build/src/index.js",
            "@opentelemetry/api/build/src/index.js",
            "@pulumi/pulumi/proto/engine_grpc_pb.js",
            "@pulumi/pulumi/proto/resource_grpc_pb.js",
            "@pulumi/pulumi/proto/callback_grpc_pb.js",
            "@pulumi/pulumi/proto/analyzer_grpc_pb.js",
            "@pulumi/pulumi/provider/index.js",
        ]);
        expect(deferred).toEqual(["function function function", "function function function function", "true", "true"]);
        expect(eager).toEqual(deferred);
        expect(Number(deferredCount)).toBeLessThan(Number(eagerCount) * 0.6);
    });
});

describe("the Pulumi CLI entry point", () => {
    it("Pulumi.yaml selects infra/main.js with the SDK's ts-node off and the loader preloaded", () => {
        const project = fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8");
        expect(project).toMatch(/^main: infra\/main\.js$/m);
        expect(project).toMatch(/^ {4}typescript: false$/m);
        expect(project).toMatch(/^ {4}nodeargs: --require med-agi-infra\/ts-loader$/m);
    });

    it("the language host runs node in the directory of main (getPwdMain), and the preload resolves from there and from the root", () => {
        expect(pwdAndEntry(ROOT, "infra/main.js")).toEqual({ pwd: path.join(ROOT, "infra"), entry: "main.js" });
        expect(pwdAndEntry(ROOT, "infra")).toEqual({ pwd: path.join(ROOT, "infra"), entry: "." });
        expect(pwdAndEntry(ROOT, undefined)).toEqual({ pwd: ROOT, entry: "." });
        for (const cwd of [path.join(ROOT, "infra"), ROOT]) {
            const r = spawnSync(
                process.execPath,
                ["--require", "med-agi-infra/ts-loader", "-e", "console.log(globalThis.__medAgiTsLoader)"],
                {
                    cwd,
                    encoding: "utf8",
                },
            );
            expect(r.stderr).toBe("");
            expect(r.stdout.trim()).toBe("true");
        }
    });

    it("runs the program to completion as the language host starts it", () => {
        const launch = languageHostLaunch(ROOT, "dev");
        expect(launch.cwd).toBe(path.join(ROOT, "infra"));
        expect(launch.argv.slice(1, 3)).toEqual(["--require", "med-agi-infra/ts-loader"]);
        expect(launch.env.PULUMI_NODEJS_TYPESCRIPT).toBeUndefined();
        const [node, ...args] = launch.argv;
        const r = spawnSync(node as string, args, { cwd: launch.cwd, env: launch.env, encoding: "utf8" });
        // dev's one warning (no IdP: /docs and Grafana are open, docs/identity.md), and nothing else.
        expect(r.stderr).toBe(
            "warning: [runtime] no OIDC provider configured (med-agi:oidc): the services' /docs and Grafana are NOT behind a login in dev. Set one with: pulumi config set --path med-agi:oidc.issuerUrl https://<your-idp>/ && pulumi config set --path med-agi:oidc.clientId <client-id> && pulumi config set --secret med-agi:oidcClientSecret <client-secret>\n",
        );
        expect(r.status).toBe(0);
        const registered = Number(/cli-start: dev: (\d+) resources registered/.exec(r.stdout)?.[1]);
        expect(registered).toBeGreaterThan(150);
    });

    it("keeps error traces mapped to the TypeScript, and replaces only the SDK's promise-leak traces by a note", () => {
        const dir = path.join(tmp, "traces");
        fs.mkdirSync(dir, { recursive: true });
        // Types and a blank line before the throw, so an unmapped trace would point elsewhere.
        fs.writeFileSync(
            path.join(dir, "thrower.ts"),
            "interface Shape {\n    readonly n: number;\n}\n\nexport function fail(shape: Shape): never {\n    throw new Error(`boom ${shape.n}`);\n}\n",
        );
        const script = [
            "require('source-map-support/register');", // as the SDK's runner does, before the program
            `require(${JSON.stringify(LOADER)}).prepareForPulumiCli();`, // as infra/main.js does
            // How many stack frames V8 captured for each trace formatted from here on.
            "const frames = []; const format = Error.prepareStackTrace;",
            "Error.prepareStackTrace = (e, sites) => { frames.push(sites.length); return format(e, sites); };",
            // As the SDK calls it: through the module's exports.
            "const debuggable = require('@pulumi/pulumi/runtime/debuggable');",
            "debuggable.debuggablePromise(Promise.resolve(1), 'probe');",
            // The SDK keeps the traced promise (not the one it returns) among its leak candidates.
            "const [traced] = require('@pulumi/pulumi/runtime/state').getStore().leakCandidates;",
            "console.log(JSON.stringify(traced._debugStackTrace));",
            "console.log(JSON.stringify(frames));",
            `try { require(${JSON.stringify(path.join(dir, "thrower.ts"))}).fail({ n: 1 }); } catch (e) { console.log(e.stack.split('\\n').slice(0, 2).join(' | ')); }`,
        ].join("\n");
        const run = (env: NodeJS.ProcessEnv) =>
            spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env } })
                .stdout.trim()
                .split("\n");
        const [leak, frames, error] = run({});
        expect(JSON.parse(leak as string)).toBe(
            "(promise stack trace not recorded: run with PULUMI_DEBUG_PROMISE_LEAKS=true to record it)",
        );
        // Not even captured: the one trace the SDK asked for had no frames to record.
        expect(JSON.parse(frames as string)).toEqual([0]);
        expect(error).toMatch(/^Error: boom 1 \| +at (Object\.)?fail \(.*thrower\.ts:6:11\)$/);
        expect(fs.readFileSync(path.join(ROOT, "infra", "main.js"), "utf8")).toMatch(
            /^require\("\.\.\/tools\/lib\/ts-loader"\)\.prepareForPulumiCli\(\);$/m,
        );
        const [fullLeak, fullFrames] = run({ PULUMI_DEBUG_PROMISE_LEAKS: "true" });
        expect(JSON.parse(fullLeak as string)).toMatch(/^Error:?\s*\n\s+at (Object\.)?debuggablePromise \(.*debuggable\.(js|ts):\d+:\d+\)/);
        expect(JSON.parse(fullFrames as string)).toEqual([expect.any(Number)]);
        expect(JSON.parse(fullFrames as string)[0]).toBeGreaterThan(1);
    });
});

describe("in the test files' module registry (test/support/jest-resolver.js)", () => {
    it("resolves each deferred module to a stand-in file, and the stand-ins still serve the real modules", async () => {
        const standIns = path.join(ROOT, "node_modules", ".cache", "med-agi-jest-stand-ins");
        for (const specifier of ["@pulumi/pulumi/typescript-shim.js", "@pulumi/pulumi/automation/index.js"]) {
            expect(path.dirname(require.resolve(specifier))).toBe(standIns);
        }
        // Not deferred: the SDK itself.
        // Resolved to its real path: in a git worktree node_modules may be a link to another checkout's.
        expect(require.resolve("@pulumi/pulumi")).toBe(
            path.join(fs.realpathSync(path.join(ROOT, "node_modules")), "@pulumi", "pulumi", "index.js"),
        );
        const pulumi = await import("@pulumi/pulumi");
        expect(typeof pulumi.automation.LocalWorkspace.create).toBe("function");
        const serialized = await pulumi.runtime.serializeFunction(async (x: number) => x + 1);
        expect(serialized.text).toContain("x + 1");
    });
});
