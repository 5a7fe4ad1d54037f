"use strict";
/**
 * Starts the program the way the Pulumi CLI's Node.js language host does
 * (node_modules/@pulumi/pulumi/cmd/run/run.js), with the mock runtime
 * standing in for the engine, which is not reachable here:
 *
 * - reads `runtime.options` and `main` from Pulumi.yaml;
 * - with `typescript: true` (the SDK's default) registers ts-node exactly as
 *   run.js does: type checking unless PULUMI_NODEJS_TRANSPILE_ONLY=true or
 *   the tsconfig sets `noCheck`;
 * - requires `main` and calls the exported function inside the root stack.
 *
 * `node tools/bench/cli-start.js [--stack <stack>]` (default dev, the
 * embedded default: its file needs no credentials). Exits 0 when the program
 * ran to completion.
 */
const fs = require("node:fs");
const path = require("node:path");
const { parseArgs } = require("node:util");

const ROOT = path.resolve(__dirname, "..", "..");
const { values } = parseArgs({ options: { stack: { type: "string", default: "dev" } } });
const { parse } = require("yaml");

const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
const stackFile = parse(fs.readFileSync(path.join(ROOT, `Pulumi.${values.stack}.yaml`), "utf8")) ?? {};
const options = project.runtime?.options ?? {};

// The config the CLI hands the program: project defaults under the stack's values.
const config = {};
for (const [key, spec] of Object.entries(project.config ?? {})) {
    if (spec?.default !== undefined) config[`${project.name}:${key}`] = spec.default;
}
for (const [key, value] of Object.entries(stackFile.config ?? {})) config[key] = value;
const strings = Object.fromEntries(
    Object.entries(config).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]),
);

process.chdir(ROOT);
if (options.typescript !== false) {
    // run.js: transpileOnly from the environment, else the tsconfig's noCheck.
    const tsutils = require("@pulumi/pulumi/cmd/run/../../tsutils");
    const compilerOptions = tsutils.loadTypeScriptCompilerOptions("tsconfig.json");
    const env = process.env.PULUMI_NODEJS_TRANSPILE_ONLY;
    const transpileOnly = env ? env === "true" : compilerOptions.noCheck;
    const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
    require(tsnodeRequire).register({
        compiler: typescriptRequire,
        transpileOnly,
        project: "tsconfig.json",
        skipProject: false,
        compilerOptions: { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: "true", ...compilerOptions },
    });
}

const pulumi = require("@pulumi/pulumi");
const { runInPulumiStack } = require("@pulumi/pulumi/runtime/stack");
pulumi.runtime.setAllConfig(strings, []);
let registered = 0;
pulumi.runtime
    .setMocks(
        {
            newResource: (args) => {
                registered++;
                return { id: `${args.name}-id`, state: args.inputs };
            },
            call: (args) => args.inputs,
        },
        project.name,
        values.stack,
        false,
    )
    .then(() =>
        runInPulumiStack(async () => {
            const program = require(path.resolve(ROOT, project.main ?? "."));
            return typeof program === "function" ? program() : program;
        }),
    )
    // As the language host does before it reports the program done: wait for
    // every outstanding resource registration.
    .then(() => pulumi.runtime.disconnect())
    .then(
        () => {
            process.stdout.write(`cli-start: ${values.stack}: ${registered} resources registered\n`);
            process.exit(0);
        },
        (err) => {
            process.stderr.write(`cli-start: ${err.stack ?? err}\n`);
            process.exit(1);
        },
    );
