"use strict";
/**
 * Stands in for the SDK's `@pulumi/pulumi/cmd/run` (what the Node.js language
 * host starts, see tools/bench/language-host.ts for the command line, working
 * directory and environment), with the mock runtime in place of the engine,
 * which is not reachable here. Before the program it does what run.js does:
 * loads the SDK's instrumentation and source-map support, changes to `--pwd`,
 * and registers ts-node when PULUMI_NODEJS_TYPESCRIPT=true (type checking
 * unless PULUMI_NODEJS_TRANSPILE_ONLY=true or the tsconfig sets `noCheck`).
 * Then it requires the entry point and runs its exported function inside the
 * root stack, and waits for every registration, as the host does.
 *
 * Exits 0 when the program ran to completion, printing how many resources it registered.
 */
require("@pulumi/pulumi/cmd/run/instrumentation");
require("source-map-support/register");
const path = require("node:path");
const { parseArgs } = require("node:util");

const { values, positionals } = parseArgs({
    options: { project: { type: "string" }, stack: { type: "string" }, pwd: { type: "string" } },
    allowPositionals: true,
});
if (values.pwd) process.chdir(values.pwd);

if (process.env.PULUMI_NODEJS_TYPESCRIPT === "true") {
    const tsutils = require("@pulumi/pulumi/tsutils");
    const tsconfig = process.env.PULUMI_NODEJS_TSCONFIG_PATH ?? "tsconfig.json";
    const compilerOptions = tsutils.loadTypeScriptCompilerOptions(tsconfig);
    const env = process.env.PULUMI_NODEJS_TRANSPILE_ONLY;
    const transpileOnly = env ? env === "true" : compilerOptions.noCheck;
    const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
    require(tsnodeRequire).register({
        compiler: typescriptRequire,
        transpileOnly,
        project: tsconfig,
        skipProject: false,
        compilerOptions: { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: "true", ...compilerOptions },
    });
}

const pulumi = require("@pulumi/pulumi");
const { runInPulumiStack } = require("@pulumi/pulumi/runtime/stack");
pulumi.runtime.setAllConfig(JSON.parse(process.env.PULUMI_CONFIG ?? "{}"), []);
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
        values.project,
        values.stack,
        false,
    )
    .then(() =>
        runInPulumiStack(async () => {
            const program = require(path.resolve(positionals[0] ?? "."));
            return typeof program === "function" ? program() : program;
        }),
    )
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
