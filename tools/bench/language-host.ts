/**
 * How the Pulumi CLI's Node.js language host starts the program, computed
 * from Pulumi.yaml exactly as pulumi/pulumi does it (v3.2xx):
 *
 * - working directory: the directory of `main` when `main` names a file, or
 *   `main` itself when it names a directory, else the project root
 *   (pkg/engine/project.go `getPwdMain`); the language host runs in it and
 *   starts node there without changing it;
 * - command: `node <runtime.options.nodeargs…> @pulumi/pulumi/cmd/run … --pwd <dir> <entry>`
 *   (sdk/nodejs/cmd/pulumi-language-nodejs/main.go `execRuntime`,
 *   `constructArguments`);
 * - environment: PULUMI_CONFIG (the stack's config as JSON),
 *   PULUMI_NODEJS_TYPESCRIPT=true unless `typescript: false`, and
 *   PULUMI_NODEJS_TSCONFIG_PATH when `tsconfig` is set.
 *
 * The engine is not reachable here, so `tools/bench/cli-start.js` stands in
 * for `cmd/run`: it does what run.js does before the program (instrumentation,
 * source maps, chdir, ts-node when asked) and runs it under the mock runtime.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { parse } from "yaml";

export interface Launch {
    readonly argv: readonly string[];
    readonly cwd: string;
    readonly env: NodeJS.ProcessEnv;
}

interface ProjectFile {
    readonly name: string;
    readonly main?: string;
    readonly runtime?: string | { readonly name: string; readonly options?: Record<string, unknown> };
    readonly config?: Record<string, { readonly default?: unknown } | undefined>;
}

/** `nodeargs` as the language host splits it (shlex); quoting is not used in this project, so it is refused. */
function splitNodeArgs(nodeargs: unknown): string[] {
    if (nodeargs === undefined) return [];
    if (typeof nodeargs !== "string") throw new Error(`Pulumi.yaml runtime.options.nodeargs: ${JSON.stringify(nodeargs)} must be a string`);
    if (/["'\\]/.test(nodeargs))
        throw new Error(`Pulumi.yaml runtime.options.nodeargs: quoting is not supported by this emulation: ${nodeargs}`);
    return nodeargs.split(/\s+/).filter((a) => a !== "");
}

/** The language host's working directory and entry point for `main` (getPwdMain). */
export function pwdAndEntry(root: string, main: string | undefined): { pwd: string; entry: string } {
    if (main === undefined || main === "") return { pwd: root, entry: "." };
    const target = path.resolve(root, main);
    return fs.statSync(target).isDirectory() ? { pwd: target, entry: "." } : { pwd: path.dirname(target), entry: path.basename(target) };
}

export function languageHostLaunch(root: string, stack: string, node = process.execPath): Launch {
    const project = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as ProjectFile;
    const stackFile = (parse(fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8")) ?? {}) as {
        config?: Record<string, unknown>;
    };
    const options = typeof project.runtime === "object" ? (project.runtime.options ?? {}) : {};
    const { pwd, entry } = pwdAndEntry(root, project.main);

    // The config the CLI hands the program: project defaults under the stack's values, strings as they are, the rest as JSON.
    const config: Record<string, string> = {};
    for (const [key, spec] of Object.entries(project.config ?? {})) {
        if (spec?.default !== undefined)
            config[`${project.name}:${key}`] = typeof spec.default === "string" ? spec.default : JSON.stringify(spec.default);
    }
    for (const [key, value] of Object.entries(stackFile.config ?? {}))
        config[key] = typeof value === "string" ? value : JSON.stringify(value);

    const env: NodeJS.ProcessEnv = { ...process.env, PULUMI_CONFIG: JSON.stringify(config) };
    delete env.PULUMI_NODEJS_TYPESCRIPT;
    if (options.typescript !== false) env.PULUMI_NODEJS_TYPESCRIPT = "true";
    if (typeof options.tsconfig === "string") env.PULUMI_NODEJS_TSCONFIG_PATH = options.tsconfig;

    const run = path.join(root, "tools", "bench", "cli-start.js");
    return {
        argv: [node, ...splitNodeArgs(options.nodeargs), run, "--project", project.name, "--stack", stack, "--pwd", pwd, entry],
        cwd: pwd,
        env,
    };
}
