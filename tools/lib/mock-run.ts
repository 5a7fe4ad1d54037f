/**
 * Runs the real program for one stack under Pulumi's own mock runtime and
 * records what it registers: no CLI, no provider plugins, no cloud, no cluster.
 *
 * The SDK keeps a run's state in one store per module instance (per thread).
 * Each run replaces all of it, as the SDK's own unit-test support does:
 * `setAllConfig` the config and secret keys, `setMocks` (`resetOptions`)
 * the stack, settings, feature flags, logged-error count and pending
 * registrations, while the resource modules the provider SDKs registered as
 * they loaded stay. So one thread renders several stacks one after another
 * as separate processes would (tested); runs in one thread must not overlap.
 */
import { createRequire } from "node:module";

import * as pulumi from "@pulumi/pulumi";
import { runInPulumiStack } from "@pulumi/pulumi/runtime/stack";

import { maskAll, maskSecrets, type Plan, type PlannedResource } from "./plan";
import type { StackConfig } from "./project";

/** The SDK's own modules, as the program loads them. */
const fromPulumi = createRequire(require.resolve("@pulumi/pulumi/package.json"));

/** What the mock "provider" returns for a resource: its inputs plus computed fields. */
export function mockState(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
    const state: Record<string, unknown> = { ...inputs };
    if (type.startsWith("kubernetes:") && inputs.metadata !== undefined) {
        const metadata = { ...(inputs.metadata as Record<string, unknown>) };
        metadata.name ??= `${name}-mock`; // auto-naming adds a random suffix
        state.metadata = metadata;
    }
    if (type === "random:index/randomPassword:RandomPassword" || type === "random:index/randomString:RandomString") {
        // The provider computes it (a RandomPassword's is secret, so the render masks it).
        state.result ??= `mock-${name}`;
    }
    if (type.startsWith("aws:")) {
        state.arn ??= `arn:aws:mock:::${name}`;
        Object.assign(state, awsComputed(type, name, inputs));
    }
    return state;
}

/**
 * Computed outputs the cloud layer reads from a few AWS resources (the
 * kubeconfig, the OIDC issuer, the node security group, the RDS address, the
 * node group's Auto Scaling group, the S3 gateway endpoint's CIDR blocks). Every value says it is a mock.
 */
function awsComputed(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
    switch (type) {
        case "aws:eks/cluster:Cluster":
            return {
                endpoint: `https://${name}.mock-eks.invalid`,
                certificateAuthority: { data: Buffer.from(`mock CA of ${name}`).toString("base64") },
                identities: [{ oidcs: [{ issuer: `https://oidc.mock-eks.invalid/id/${name}` }] }],
                vpcConfig: { ...(inputs.vpcConfig as Record<string, unknown>), clusterSecurityGroupId: `sg-mock-${name}` },
            };
        case "aws:eks/nodeGroup:NodeGroup":
            return { resources: [{ autoscalingGroups: [{ name: `${name}-mock-asg` }] }] };
        case "aws:rds/instance:Instance": {
            const address = `${String(inputs.identifier ?? name)}.mock-rds.invalid`;
            return {
                address,
                endpoint: `${address}:${String(inputs.port ?? 5432)}`,
                masterUserSecrets: [{ secretArn: `arn:aws:mock:::${name}-master-secret` }],
            };
        }
        case "aws:ec2/vpcEndpoint:VpcEndpoint":
            // A gateway endpoint reports its service's prefix list and CIDR blocks (RFC 5737 documentation ranges here).
            return inputs.vpcEndpointType === "Gateway"
                ? { prefixListId: `pl-mock-${name}`, cidrBlocks: ["198.51.100.0/25", "198.51.100.128/26"] }
                : {};
        default:
            return {};
    }
}

/** The mocks' answer to a provider function call (exported for its tests). */
export function mockCall(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    // Under the CLI an AWS function called without the stack's provider runs through the default
    // provider: the ambient region and credentials, without allowedAccountIds. Refused here, as a program error.
    if (args.token.startsWith("aws:") && (args.provider === undefined || args.provider === "")) {
        throw new Error(
            `${args.token} was invoked through the default AWS provider (ambient region and credentials, no allowedAccountIds); pass the stack's provider ({ provider })`,
        );
    }
    return args.token === "aws:secretsmanager/getSecretVersion:getSecretVersion"
        ? // The secret RDS manages for its master user: JSON with username and password (a mock value).
          {
              ...args.inputs,
              arn: String(args.inputs.secretId),
              secretString: JSON.stringify({ username: "medagi", password: "mock-rds-master-password" }),
          }
        : (args.inputs as Record<string, unknown>);
}

const pulumiMocks: pulumi.runtime.Mocks = {
    newResource: (args) => ({ id: `${args.name}-id`, state: mockState(args.type, args.name, args.inputs as Record<string, unknown>) }),
    call: mockCall,
};

interface Registration {
    readonly resource: pulumi.Resource;
    readonly type: string;
    readonly name: string;
    readonly qualifiedType: string;
    readonly urn: string;
}

export class ProgramError extends Error {
    constructor(
        readonly cause: unknown,
        readonly registered: number,
    ) {
        super(cause instanceof Error ? cause.message : String(cause));
        this.name = "ProgramError";
    }
}

/** The stack whose run is in progress in this thread, if any. */
let running: string | undefined;

/**
 * Runs `program` for `config.stack` under mocks and returns the plan.
 * Throws {@link ProgramError} (with how many resources were registered before
 * the failure) if the program throws.
 */
export async function runUnderMocks(config: StackConfig, program: () => Promise<unknown> | unknown): Promise<Plan> {
    if (running !== undefined) {
        throw new Error(
            `runUnderMocks: stack "${config.stack}" started while stack "${running}" is still running in this thread; ` +
                "the SDK's state is one per thread: run stacks one after another, or in separate worker threads",
        );
    }
    running = config.stack;
    try {
        return await runProgram(config, program);
    } finally {
        running = undefined;
    }
}

async function runProgram(config: StackConfig, program: () => Promise<unknown> | unknown): Promise<Plan> {
    pulumi.runtime.setAllConfig(config.values, config.secretKeys);
    const inputsByKey = new Map<string, Record<string, unknown>[]>();
    const recordingMocks: pulumi.runtime.Mocks = {
        newResource: (args) => {
            const key = `${args.type}::${args.name}`;
            const queue = inputsByKey.get(key) ?? [];
            queue.push(args.inputs as Record<string, unknown>);
            inputsByKey.set(key, queue);
            return pulumiMocks.newResource(args);
        },
        call: pulumiMocks.call,
    };
    await pulumi.runtime.setMocks(recordingMocks, config.project, config.stack, false);
    // The project root, as the CLI sets it (`pulumi.runtime.getRootDirectory()`): the program reads the
    // other stack files there (infra/aws/registry-owner.ts). setMocks has no parameter for it.
    // Set on every run, so a root never leaks from one run into the next.
    const state = fromPulumi("./runtime/state") as { getStore(): { settings: { options: { rootDirectory?: string } } } };
    state.getStore().settings.options.rootDirectory = config.root ?? "";

    const registrations: Registration[] = [];
    const byResource = new Map<pulumi.Resource, Registration>();
    const record = (args: pulumi.ResourceTransformationArgs): undefined => {
        const parent = args.opts.parent === undefined ? undefined : byResource.get(args.opts.parent);
        const qualifiedType = parent === undefined ? args.type : `${parent.qualifiedType}$${args.type}`;
        const registration: Registration = {
            resource: args.resource,
            type: args.type,
            name: args.name,
            qualifiedType,
            urn: `urn:pulumi:${config.stack}::${config.project}::${qualifiedType}::${args.name}`,
        };
        registrations.push(registration);
        byResource.set(args.resource, registration);
        return undefined;
    };

    let result: unknown;
    let failure: unknown;
    // A resource whose registration fails (an input that rejects or cannot be
    // serialized) fails through an unhandled rejection, by the SDK's design;
    // the CLI reports it as the program's error, and so does this run, rather
    // than letting it end the process (and every other stack of the thread).
    const rejections: unknown[] = [];
    let signalRejection = (): void => undefined;
    const rejected = new Promise<void>((resolve) => (signalRejection = resolve));
    const onUnhandledRejection = (reason: unknown): void => {
        rejections.push(reason);
        signalRejection();
    };
    process.on("unhandledRejection", onUnhandledRejection);
    const restore = skipWhatMocksNeverRead();
    try {
        // The program runs inside the root stack resource, as under the CLI.
        await runInPulumiStack(async () => {
            pulumi.runtime.registerStackTransformation(record);
            try {
                result = await program();
            } catch (err) {
                failure = err;
                return undefined;
            }
            // Resources may register more children in callbacks: wait until the set is stable,
            // or a registration has failed.
            for (let seen = -1; seen !== registrations.length && rejections.length === 0;) {
                seen = registrations.length;
                try {
                    await Promise.race([Promise.all(registrations.map((r) => settle(r.resource.urn))), rejected]);
                } catch (err) {
                    rejections.push(err);
                }
            }
            return undefined;
        });
        // Let the runtime finish its queue (the stack's own outputs registration)
        // and close: the process then exits without leaked promises.
        await pulumi.runtime.disconnect();
        // Rejections are reported once the current tick's promises have run.
        await new Promise((resolve) => setImmediate(resolve));
    } finally {
        restore();
        process.off("unhandledRejection", onUnhandledRejection);
    }
    if (failure === undefined && rejections.length > 0)
        failure = rejections[0] ?? new Error("a promise of the program was rejected without a reason");
    if (failure !== undefined) throw new ProgramError(failure, registrations.length);
    const outputs = await resolveOutputs(result);

    const resources: PlannedResource[] = registrations.map((r) => {
        const queue = inputsByKey.get(`${r.type}::${r.name}`) ?? [];
        const inputs = queue.shift() ?? {};
        const internal = r.resource as unknown as { __protect?: boolean; __parentResource?: pulumi.Resource };
        const parent = internal.__parentResource === undefined ? undefined : byResource.get(internal.__parentResource);
        return {
            urn: r.urn,
            type: r.type,
            name: r.name,
            parent: parent?.urn ?? null,
            protect: internal.__protect === true,
            inputs: maskSecrets(inputs) as Record<string, unknown>,
        };
    });
    return { project: config.project, stack: config.stack, resources, outputs };
}

/** protobuf's `google.protobuf.Struct`, as the SDK loads it. */
interface StructClass {
    new (): { toJavaScript(): Record<string, unknown>; getFieldsMap(): unknown };
    fromJavaScript(obj: Record<string, unknown>): InstanceType<StructClass>;
}

/**
 * A value as a protobuf Struct/Value round trip returns it: the same types
 * accepted (null, string, number, boolean, arrays, objects by their
 * enumerable keys, inherited ones included) and refused ("Unexpected struct
 * type." for undefined, functions, symbols, bigints), objects' keys sorted,
 * as the Struct's map hands them back.
 */
export function structRoundTrip(value: unknown): unknown {
    if (value === null) return null;
    switch (typeof value) {
        case "string":
        case "number":
        case "boolean":
            return value;
        case "object": {
            if (Array.isArray(value)) return value.map(structRoundTrip);
            const keys: string[] = [];
            for (const key in value) keys.push(key);
            // Most objects arrive sorted (the monitor's answer is built from its sorted request): sort only the others.
            if (!inOrder(keys)) keys.sort();
            const out: Record<string, unknown> = {};
            for (const key of keys) out[key] = structRoundTrip((value as Record<string, unknown>)[key]);
            return out;
        }
        default:
            throw new Error("Unexpected struct type.");
    }
}

/** Whether `keys` are in the order `keys.sort()` would put them (UTF-16 code units). */
function inOrder(keys: readonly string[]): boolean {
    for (let i = 1; i < keys.length; i++) if ((keys[i - 1] as string) > (keys[i] as string)) return false;
    return true;
}

/**
 * While the program runs under mocks, the SDK skips work whose only reader is
 * the engine or the promise-leak report; returns the function that puts it back.
 *
 * - Stack traces: the SDK records `new Error().stack` on every internal
 *   promise, for its promise-leak report (PULUMI_DEBUG_PROMISE_LEAKS) only,
 *   and a full trace per resource for the engine's source positions. Both are
 *   off (the render reports a failing program by its message), as is the
 *   leak report's bookkeeping (two more promises and a set entry per SDK
 *   promise: the render waits for every registration itself before it
 *   disconnects), unless that report is asked for.
 * - Protobuf: no message is ever encoded, yet the SDK converts every
 *   resource's inputs to a Struct for the monitor, which converts it straight
 *   back (and the same for its answer): a quarter of the render's time.
 *   `Struct.fromJavaScript` keeps the converted value instead and
 *   `toJavaScript()` answers it ({@link structRoundTrip}: what the round trip
 *   returns, and the same errors); any other use of the message (its fields
 *   map) gets the real Struct. The value is the message's own copy and is
 *   answered as it is, not copied again: the SDK reads it only through
 *   `deserializeProperties`, which builds new objects from it.
 */
function skipWhatMocksNeverRead(): () => void {
    const resourceClass = pulumi.Resource as unknown as { callsites: () => unknown[] };
    const debuggable = fromPulumi("./runtime/debuggable") as { debuggablePromise: <T>(p: Promise<T>, ctx: unknown) => Promise<T> };
    const { Struct } = fromPulumi("google-protobuf/google/protobuf/struct_pb") as { Struct: StructClass };
    const saved = {
        stackTraceLimit: Error.stackTraceLimit,
        callsites: resourceClass.callsites,
        debuggablePromise: debuggable.debuggablePromise,
        fromJavaScript: Struct.fromJavaScript,
    };
    if (process.env.PULUMI_DEBUG_PROMISE_LEAKS === undefined) {
        Error.stackTraceLimit = 0;
        resourceClass.callsites = () => [];
        debuggable.debuggablePromise = (p) => p;
    }
    Struct.fromJavaScript = (obj) => {
        const value = structRoundTrip(obj) as Record<string, unknown>;
        return Object.assign(new Struct(), {
            toJavaScript: () => value,
            getFieldsMap: () => saved.fromJavaScript(value).getFieldsMap(),
        });
    };
    return () => {
        Error.stackTraceLimit = saved.stackTraceLimit;
        resourceClass.callsites = saved.callsites;
        debuggable.debuggablePromise = saved.debuggablePromise;
        Struct.fromJavaScript = saved.fromJavaScript;
    };
}

/** An output's value once known; rejects with the reason it failed (a resource's URN: its registration). */
function settle<T>(output: pulumi.Output<T>): Promise<T> {
    return (output as unknown as { promise: () => Promise<T> }).promise();
}

/** Resolves stack outputs, masking secret ones (an object keeps its keys, as in resource inputs). */
async function resolveOutputs(result: unknown): Promise<Record<string, unknown>> {
    if (result === undefined || result === null || typeof result !== "object") return {};
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(result as Record<string, unknown>)) {
        const output = pulumi.output(value as pulumi.Input<unknown>);
        const secret = await pulumi.isSecret(output);
        const plain = await settle(pulumi.unsecret(output));
        out[key] = secret ? maskAll(plain) : maskSecrets(plain);
    }
    return out;
}
