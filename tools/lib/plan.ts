/**
 * The plan: what one stack registers, in registration order — the shape of
 * `plan.json` (DESIGN.md "Render output contract").
 */
export interface PlannedResource {
    readonly urn: string;
    /** Pulumi type token, e.g. `kubernetes:apps/v1:Deployment`. */
    readonly type: string;
    /** Logical name. */
    readonly name: string;
    /** Parent URN; null for resources directly under the stack. */
    readonly parent: string | null;
    readonly protect: boolean;
    /** Inputs as registered, secrets replaced by `"[secret]"`. */
    readonly inputs: Record<string, unknown>;
}

export interface Plan {
    readonly project: string;
    readonly stack: string;
    readonly resources: PlannedResource[];
    readonly outputs: Record<string, unknown>;
}

/** The string that stands for every secret value in a plan. */
export const SECRET_MASK = "[secret]";

/** Pulumi's wire signature for secret values (`{ [SIG]: SECRET_SIG, value }`). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/**
 * Deep copy of `value` with every secret value replaced by {@link SECRET_MASK}.
 *
 * A secret that wraps a whole object (the Kubernetes SDK marks a Secret's
 * entire `data` and `stringData` secret) keeps its keys, and each value under
 * them is masked: `stringData: {"alertmanager.yaml": "[secret]"}`. The keys are
 * what a reviewer needs to see, and what keeps the object a valid manifest; no
 * value under a secret is ever copied.
 */
export function maskSecrets(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(maskSecrets);
    if (isPlainObject(value)) {
        if (value[SIG_KEY] === SECRET_SIG) return maskAll(value.value);
        return mapValues(value, maskSecrets);
    }
    return value;
}

/** Everything under a secret: objects keep their keys, every other value (arrays included) is masked. */
export function maskAll(value: unknown): unknown {
    if (!isPlainObject(value)) return SECRET_MASK;
    // A secret nested inside a secret: unwrap it too (its keys are as knowable).
    if (value[SIG_KEY] === SECRET_SIG) return maskAll(value.value);
    return mapValues(value, maskAll);
}

/** A new object with `f` of each own value, keys in their order (every resource's inputs go through this). */
function mapValues(value: Record<string, unknown>, f: (v: unknown) => unknown): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
        if (key === "__proto__")
            Object.defineProperty(out, key, { value: f(value[key]), enumerable: true, writable: true, configurable: true });
        else out[key] = f(value[key]);
    }
    return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Kubernetes object resources (not providers, Helm releases or components). */
export function isKubernetesObject(r: PlannedResource): boolean {
    return (
        r.type.startsWith("kubernetes:") &&
        !r.type.startsWith("kubernetes:helm.sh/") &&
        typeof r.inputs.apiVersion === "string" &&
        typeof r.inputs.kind === "string"
    );
}

/** Kind/namespace/name of a Kubernetes object resource. */
export function objectRef(r: PlannedResource): { kind: string; namespace: string | undefined; name: string | undefined } {
    const metadata = (r.inputs.metadata ?? {}) as { name?: string; namespace?: string };
    return { kind: String(r.inputs.kind), namespace: metadata.namespace, name: metadata.name };
}
