// ESLint flat config: typescript-eslint strict + Pulumi's rules (no Output in template literals).
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

export default tseslint.config(
    { ignores: ["node_modules/", "out/", "bin/", "coverage/", "**/*.mjs"] },
    ...tseslint.configs.strict,
    {
        files: ["**/*.ts"],
        plugins: { "@pulumi": pulumi },
        languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
        rules: {
            "@pulumi/no-output-in-template-literal": "error",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
            // The package root of @pulumi/aws loads ~300 modules eagerly (≈ 180 ms
            // CPU on every render, preview and up); its service submodules are lazy.
            // The root of @pulumi/kubernetes (and its helm and yaml modules, which
            // load the root) loads every API group: ~130 modules where the groups
            // the program uses are ~35 (≈ 60 ms CPU per run).
            "@typescript-eslint/no-restricted-imports": [
                "error",
                {
                    paths: [
                        {
                            name: "@pulumi/aws",
                            message:
                                'Import the service submodule instead (e.g. `import * as ec2 from "@pulumi/aws/ec2"`): the package root loads every service eagerly.',
                            allowTypeImports: true,
                        },
                        {
                            name: "@pulumi/kubernetes",
                            message:
                                'Import the API group version instead (e.g. `import * as corev1 from "@pulumi/kubernetes/core/v1"`): the package root loads every group eagerly.',
                            allowTypeImports: true,
                        },
                    ],
                    patterns: [
                        {
                            regex: "^@pulumi/kubernetes/(helm(/v[34])?|yaml(/.*)?)$",
                            message:
                                'These load the package root (Chart and ConfigFile parse manifests into every group): import the Release itself, `import { Release as HelmRelease } from "@pulumi/kubernetes/helm/v3/release"`.',
                            allowTypeImports: true,
                        },
                    ],
                },
            ],
        },
    },
    {
        // The few plain CommonJS files: the TypeScript loader and what must run before it.
        files: ["**/*.js"],
        languageOptions: {
            sourceType: "commonjs",
            globals: {
                require: "readonly",
                module: "writable",
                process: "readonly",
                __dirname: "readonly",
                globalThis: "readonly",
                console: "readonly",
            },
        },
        rules: { "@typescript-eslint/no-require-imports": "off" },
    },
    {
        // Policies read the engine's untyped resource props (`PolicyResource.props: Record<string, any>`
        // in @pulumi/policy itself), behind its unknown-value proxy: `any` there is the SDK's type.
        files: ["policies/**/*.ts"],
        rules: { "@typescript-eslint/no-explicit-any": "off" },
    },
    {
        // Tests read deep into plain inputs; `any` there is deliberate.
        files: ["test/**/*.ts"],
        rules: { "@typescript-eslint/no-explicit-any": "off", "@typescript-eslint/no-non-null-assertion": "off" },
    },
);
