/**
 * Reads a Pulumi project the way the CLI would for a stack: `Pulumi.yaml`
 * (project-level config defaults) merged under `Pulumi.<stack>.yaml`.
 *
 * `secure:` values can't be decrypted without the CLI and the stack's secrets
 * provider: they are replaced by a placeholder and reported as secret keys, so
 * the program sees exactly which keys are secrets.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { parseYaml } from "../../infra/yaml";
import { listStacks } from "./stacks";

export { listStacks };

export interface ProjectFile {
    readonly name: string;
    /** `namespace:key` → default value, from `Pulumi.yaml`'s `config:` block. */
    readonly defaults: Readonly<Record<string, unknown>>;
}

export interface StackConfig {
    readonly project: string;
    readonly stack: string;
    /** `namespace:key` → string value (objects JSON-encoded), as the CLI hands config to a program. */
    readonly values: Record<string, string>;
    /** Keys set with `secure:` (placeholders in `values`). */
    readonly secretKeys: string[];
    /** The directory of Pulumi.yaml and the stack files (what the CLI gives the program as its root directory). @default unset */
    readonly root?: string;
}

/** Placeholder standing in for a `secure:` value that cannot be decrypted offline. */
export function secretPlaceholder(key: string): string {
    return `offline-placeholder-for-${key.replace(/[^A-Za-z0-9]+/g, "-")}`;
}

function readYaml(file: string): unknown {
    try {
        return parseYaml(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new Error(`${file}: ${(err as Error).message}`);
    }
}

function qualify(project: string, key: string): string {
    return key.includes(":") ? key : `${project}:${key}`;
}

/** Parses `Pulumi.yaml` in `root`. */
export function readProject(root: string): ProjectFile {
    const file = path.join(root, "Pulumi.yaml");
    const doc = readYaml(file) as { name?: unknown; config?: Record<string, unknown> } | null;
    if (!doc || typeof doc.name !== "string") throw new Error(`${file}: no project "name"`);
    const defaults: Record<string, unknown> = {};
    for (const [key, decl] of Object.entries(doc.config ?? {})) {
        // Typed declarations `{type, default, description}`; a bare scalar is a default; `{value}` a fixed value.
        if (decl !== null && typeof decl === "object" && !Array.isArray(decl)) {
            const d = decl as { default?: unknown; value?: unknown };
            const value = d.default ?? d.value;
            if (value !== undefined) defaults[qualify(doc.name, key)] = value;
        } else if (decl !== undefined) {
            defaults[qualify(doc.name, key)] = decl;
        }
    }
    return { name: doc.name, defaults };
}

function encode(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/** The merged config of `stack`, optionally with `overrides` (`namespace:key` or bare keys) on top. */
export function readStackConfig(root: string, stack: string, overrides: Readonly<Record<string, unknown>> = {}): StackConfig {
    const project = readProject(root);
    const stackFile = ["yaml", "yml"].map((ext) => path.join(root, `Pulumi.${stack}.${ext}`)).find((f) => fs.existsSync(f));
    if (stackFile === undefined)
        throw new Error(`no Pulumi.${stack}.yaml in ${root} (stacks here: ${listStacks(root).join(", ") || "none"})`);
    const doc = (readYaml(stackFile) ?? {}) as { config?: Record<string, unknown> };

    const values = new Map<string, string>();
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries(project.defaults)) values.set(key, encode(value));
    const apply = (key: string, value: unknown) => {
        const full = qualify(project.name, key);
        if (value !== null && typeof value === "object" && "secure" in (value as object)) {
            values.set(full, secretPlaceholder(full));
            secretKeys.push(full);
        } else {
            values.set(full, encode(value));
        }
    };
    for (const [key, value] of Object.entries(doc.config ?? {})) apply(key, value);
    for (const [key, value] of Object.entries(overrides)) {
        if (value === undefined) values.delete(qualify(project.name, key));
        else apply(key, value);
    }
    return { project: project.name, stack, values: Object.fromEntries(values), secretKeys, root: path.resolve(root) };
}
