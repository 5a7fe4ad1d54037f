/**
 * Turning schema failures into messages an operator can act on.
 *
 * Every message names the key (as a dotted path under the `med-agi:` config
 * namespace), the value that was given and what is allowed, e.g.
 * `services.imaging.replicas: -1 is not allowed (must be ≥ 1)`.
 */
import type { z } from "zod";

/** One problem found in the stack configuration. */
export interface ConfigProblem {
    /** Dotted path of the offending key, e.g. `services.imaging.replicas`. */
    readonly path: string;
    /** The full sentence shown to the operator. */
    readonly message: string;
    /** Set when the problem is only that this credential is not configured (`pulumi config set --secret`). */
    readonly missingSecret?: string;
}

/** Thrown before any resource is registered when the stack configuration is invalid. */
export class ConfigValidationError extends Error {
    constructor(
        readonly stack: string,
        readonly problems: readonly ConfigProblem[],
    ) {
        super(
            `Invalid configuration for stack "${stack}" (${problems.length} problem${problems.length === 1 ? "" : "s"}; keys are under "med-agi:"):\n` +
                problems.map((p) => `  - ${p.message}`).join("\n"),
        );
        this.name = "ConfigValidationError";
    }
}

/** Renders a config value for a message: strings quoted, objects as compact JSON. */
export function showValue(value: unknown): string {
    if (value === undefined) return "(missing)";
    if (typeof value === "string") return JSON.stringify(value);
    if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
    const json = JSON.stringify(value);
    return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

/** Joins a zod path into the dotted key operators write in stack YAML. */
export function joinPath(path: readonly PropertyKey[]): string {
    return path.map(String).join(".");
}

/** A problem at `path` for `value`, with `allowed` saying what would be accepted. */
export function problem(path: string, value: unknown, allowed: string): ConfigProblem {
    const subject = path === "" ? "configuration" : path;
    if (value === undefined) return { path, message: `${subject}: is required (${allowed})` };
    return { path, message: `${subject}: ${showValue(value)} is not allowed (${allowed})` };
}

type AnySchema = z.core.$ZodType;

/** The object keys a schema accepts at `path` (through defaults, optionals, pipes and records). */
export function allowedKeysAt(schema: AnySchema, path: readonly PropertyKey[]): string[] {
    let current: AnySchema | undefined = unwrap(schema);
    for (const segment of path) {
        if (current === undefined) return [];
        const def = current._zod.def as unknown as Record<string, unknown>;
        if (def.type === "object") {
            const shape = def.shape as Record<string, AnySchema>;
            current = shape[String(segment)] === undefined ? undefined : unwrap(shape[String(segment)]);
        } else if (def.type === "record") {
            current = unwrap(def.valueType as AnySchema);
        } else {
            return [];
        }
    }
    if (current === undefined) return [];
    const def = current._zod.def as unknown as Record<string, unknown>;
    if (def.type === "object") return Object.keys(def.shape as object);
    // A record keyed by an enum (z.partialRecord(z.enum([...]), …)): its keys are the enum's values.
    const keyDef = def.type === "record" ? ((def.keyType as AnySchema)._zod.def as unknown as Record<string, unknown>) : undefined;
    return keyDef?.type === "enum" ? Object.values(keyDef.entries as Record<string, string>) : [];
}

function unwrap(schema: AnySchema): AnySchema {
    let current = schema;
    for (;;) {
        const def = current._zod.def as unknown as Record<string, unknown>;
        if (def.type === "default" || def.type === "optional" || def.type === "nullable" || def.type === "prefault") {
            current = def.innerType as AnySchema;
        } else if (def.type === "pipe") {
            current = def.in as AnySchema;
        } else {
            return current;
        }
    }
}

/** Converts zod issues into operator messages; `schema` is used to list allowed keys. */
export function problemsFromIssues(issues: readonly z.core.$ZodIssue[], schema: AnySchema): ConfigProblem[] {
    const out: ConfigProblem[] = [];
    for (const issue of issues) {
        const path = joinPath(issue.path);
        const input = (issue as { input?: unknown }).input;
        switch (issue.code) {
            case "unrecognized_keys": {
                const allowed = allowedKeysAt(schema, issue.path);
                for (const key of issue.keys) {
                    const keyPath = path === "" ? key : `${path}.${key}`;
                    out.push({
                        path: keyPath,
                        message: `${keyPath}: unknown key (allowed: ${allowed.join(", ") || "none"})`,
                    });
                }
                break;
            }
            case "too_small":
            case "too_big": {
                const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
                const op = issue.code === "too_small" ? (issue.inclusive ? "≥" : ">") : issue.inclusive ? "≤" : "<";
                const what =
                    issue.origin === "string"
                        ? `must be ${issue.code === "too_small" ? "at least" : "at most"} ${String(bound)} characters`
                        : issue.origin === "array" || issue.origin === "set"
                          ? `must have ${issue.code === "too_small" ? "at least" : "at most"} ${String(bound)} items`
                          : `must be ${op} ${String(bound)}`;
                out.push(problem(path, input, what));
                break;
            }
            case "invalid_type":
                out.push(problem(path, input, `expected ${issue.expected}`));
                break;
            case "invalid_value":
                out.push(problem(path, input, `allowed: ${issue.values.map((v) => showValue(v)).join(", ")}`));
                break;
            case "invalid_key": {
                // A record key that fails its schema: report the key's own rule.
                const inner = issue.issues.map((i) => i.message).join("; ");
                out.push(problem(path, input, inner));
                break;
            }
            case "invalid_format":
            case "custom":
            default:
                out.push(problem(path, input, issue.message));
        }
    }
    return out;
}
