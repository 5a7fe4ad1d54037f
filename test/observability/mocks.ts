/**
 * Runs the Observability component under Pulumi's mock runtime and returns
 * what it registered: type, name, parent and inputs of every child. The
 * caller sets the mocks once per file (mocks are process-global).
 */
import * as pulumi from "@pulumi/pulumi";

/** One registered resource, as the engine would receive it. */
export interface Registered {
    readonly type: string;
    readonly name: string;
    readonly parent: string | undefined;
    readonly inputs: Record<string, any>;
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** True when `value` is a secret as it reaches the engine. */
export function isSecretValue(value: unknown): boolean {
    return (
        typeof value === "object" && value !== null && (value as Record<string, unknown>)[SECRET_SIG] === "1b47061264138c4ac30d75fd1eb44270"
    );
}

/** The plain value inside a secret (or the value itself). */
export function unwrapSecret(value: unknown): any {
    return isSecretValue(value) ? (value as { value: unknown }).value : value;
}

const inputsByName = new Map<string, Record<string, any>>();

/** Installs mocks that record every resource's inputs. Call once, before constructing resources. */
export function installMocks(stack: string): void {
    pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                inputsByName.set(`${args.type}::${args.name}`, args.inputs as Record<string, any>);
                return { id: `${args.name}-id`, state: args.inputs };
            },
            call: (args) => args.inputs,
        },
        "med-agi",
        stack,
        false,
    );
}

/** Constructs a component through `build` and waits until every child is registered. */
export async function registerAll(build: (opts: pulumi.ComponentResourceOptions) => pulumi.ComponentResource): Promise<Registered[]> {
    const seen: { resource: pulumi.Resource; type: string; name: string; parent: pulumi.Resource | undefined }[] = [];
    const capture: pulumi.ResourceTransformation = (t) => {
        seen.push({ resource: t.resource, type: t.type, name: t.name, parent: t.opts.parent });
        return undefined;
    };
    const root = build({ transformations: [capture] });
    for (let count = -1; count !== seen.length;) {
        count = seen.length;
        await Promise.all(seen.map((s) => new Promise((resolve) => s.resource.urn.apply(resolve))));
    }
    await new Promise((resolve) => root.urn.apply(resolve));
    const names = new Map(seen.map((s) => [s.resource, s.name]));
    return seen
        .filter((s) => s.resource !== root)
        .map((s) => ({
            type: s.type,
            name: s.name,
            parent: s.parent === root ? "<component>" : s.parent === undefined ? undefined : names.get(s.parent),
            inputs: inputsByName.get(`${s.type}::${s.name}`) ?? {},
        }));
}

/** The one registered Kubernetes object of `kind` named `name`; fails unless exactly one exists. */
export function object(resources: readonly Registered[], kind: string, name: string): Record<string, any> {
    const found = resources.filter((r) => r.inputs.kind === kind && r.inputs.metadata?.name === name);
    if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
    return found[0]!.inputs;
}
