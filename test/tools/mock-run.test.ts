/**
 * The render's mock run (tools/lib/mock-run.ts): its stand-in for protobuf
 * Struct conversions (what a real Struct.fromJavaScript → toJavaScript round
 * trip returns, and the same refusals, without building messages), and runs
 * one after another in a thread, each from a fresh SDK state.
 */
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import * as path from "node:path";

import { structRoundTrip } from "../../tools/lib/mock-run";

const ROOT = path.resolve(__dirname, "../..");

const fromPulumi = createRequire(require.resolve("@pulumi/pulumi/package.json"));
const { Struct } = fromPulumi("google-protobuf/google/protobuf/struct_pb") as {
    Struct: { fromJavaScript(obj: unknown): { toJavaScript(): unknown } };
};
const viaProtobuf = (obj: unknown) => Struct.fromJavaScript(obj).toJavaScript();

class WithInherited {
    own = 1;
}
(WithInherited.prototype as unknown as Record<string, unknown>).inherited = 2;

describe("structRoundTrip", () => {
    const cases: Record<string, unknown> = {
        "scalars and null": { s: "x", n: 1.5, neg: -0, big: 1e300, t: true, f: false, z: null },
        "keys sorted, integer-like keys first": { b: 1, a: 2, "10": 3, "2": 4, B: 5 },
        "keys already in order, and in order but for the integer-like ones": {
            A: 1,
            a: { b: [{ c: 1, d: 2 }], e: { "10": 1, "9": 2, x: 3 } },
        },
        "nested arrays and objects": { list: [1, "two", null, [true, { y: 1, x: [] }]], o: { d: { c: { b: {} } } } },
        "NaN and Infinity are numbers": { nan: Number.NaN, inf: Number.POSITIVE_INFINITY },
        "objects by their enumerable keys, inherited included": {
            instance: new WithInherited(),
            date: new Date(0),
            map: new Map([["k", 1]]),
        },
        "a rendered resource's inputs": {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "imaging", labels: { "app.kubernetes.io/name": "imaging" } },
            spec: { replicas: 3, template: { spec: { containers: [{ name: "imaging", ports: [{ containerPort: 8006 }] }] } } },
            "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
        },
    };
    for (const [name, value] of Object.entries(cases)) {
        it(`returns what protobuf returns: ${name}`, () => {
            const ours = structRoundTrip(value);
            const theirs = viaProtobuf(value);
            expect(ours).toEqual(theirs);
            // Same key order (what plan.json and kubernetes.yaml are written in).
            expect(JSON.stringify(ours)).toBe(JSON.stringify(theirs));
        });
    }

    it("refuses what protobuf refuses, with its message", () => {
        for (const bad of [{ u: undefined }, { f: () => 1 }, { s: Symbol("x") }, { b: BigInt(1) }, { deep: [1, { u: undefined }] }]) {
            expect(() => viaProtobuf(bad)).toThrow("Unexpected struct type.");
            expect(() => structRoundTrip(bad)).toThrow("Unexpected struct type.");
        }
    });

    it("copies: a change to the result does not reach the input", () => {
        const input = { a: { b: [1] } };
        const out = structRoundTrip(input) as { a: { b: number[] } };
        out.a.b.push(2);
        expect(input).toEqual({ a: { b: [1] } });
    });
});

describe("runUnderMocks", () => {
    it("puts the SDK's own conversions, promise bookkeeping and source positions back once the program has run", async () => {
        const pulumi = await import("@pulumi/pulumi");
        const { runUnderMocks } = await import("../../tools/lib/mock-run");
        const debuggable = fromPulumi("./runtime/debuggable") as { debuggablePromise: unknown };
        const resourceClass = pulumi.Resource as unknown as { callsites: unknown };
        const before = [Struct.fromJavaScript, debuggable.debuggablePromise, resourceClass.callsites, Error.stackTraceLimit];
        let during: unknown[] = [];
        const plan = await runUnderMocks({ project: "p", stack: "s", values: {}, secretKeys: [] }, () => {
            during = [Struct.fromJavaScript, debuggable.debuggablePromise, resourceClass.callsites, Error.stackTraceLimit];
            new pulumi.ComponentResource("test:index:Thing", "thing", {}, {});
        });
        expect(plan.resources.map((r) => r.type)).toEqual(["test:index:Thing"]);
        // Replaced while the program ran, restored after it.
        expect(during.map((d, i) => d === before[i])).toEqual([false, false, false, false]);
        expect([Struct.fromJavaScript, debuggable.debuggablePromise, resourceClass.callsites, Error.stackTraceLimit]).toEqual(before);
    });

    it("starts each run from a fresh SDK state: config, secrets, stack and logged errors of an earlier run in this thread do not reach the next", async () => {
        const pulumi = await import("@pulumi/pulumi");
        const { runUnderMocks } = await import("../../tools/lib/mock-run");
        const runtimeConfig = fromPulumi("./runtime/config") as { isConfigSecret: (key: string) => boolean };
        const seen: Record<string, unknown>[] = [];
        const program = () => {
            const config = new pulumi.Config("p");
            seen.push({
                stack: pulumi.getStack(),
                a: config.get("a"),
                b: config.get("b"),
                secretB: runtimeConfig.isConfigSecret("p:b"),
                errorsLogged: pulumi.log.hasErrors(),
            });
            if (pulumi.getStack() === "one") void pulumi.log.error("stack one logs an error");
            new pulumi.ComponentResource("test:index:Thing", "thing", {}, {});
        };
        const first = await runUnderMocks({ project: "p", stack: "one", values: { "p:a": "1", "p:b": "s" }, secretKeys: ["p:b"] }, program);
        const second = await runUnderMocks({ project: "p", stack: "two", values: { "p:a": "2" }, secretKeys: [] }, program);
        expect(seen).toEqual([
            { stack: "one", a: "1", b: "s", secretB: true, errorsLogged: false },
            { stack: "two", a: "2", b: undefined, secretB: false, errorsLogged: false },
        ]);
        expect(first.resources.map((r) => r.urn)).toEqual(["urn:pulumi:one::p::test:index:Thing::thing"]);
        expect(second.resources.map((r) => r.urn)).toEqual(["urn:pulumi:two::p::test:index:Thing::thing"]);
    });

    it("keeps what the provider SDKs registered when their modules loaded: resource references still come back as resources", async () => {
        const pulumi = await import("@pulumi/pulumi");
        const { runUnderMocks } = await import("../../tools/lib/mock-run");
        const rpc = fromPulumi("./runtime/rpc") as { getResourceModule: (pkg: string, mod: string, version: string) => unknown };
        // As a provider SDK does once, when its module is first loaded.
        const module = {
            version: "1.0.0",
            construct: (): never => {
                throw new Error("not called here");
            },
        };
        pulumi.runtime.registerResourceModule("testpkg", "index", module);
        for (const stack of ["one", "two"]) {
            await runUnderMocks({ project: "p", stack, values: {}, secretKeys: [] }, () => {
                expect(rpc.getResourceModule("testpkg", "index", "1.0.0")).toBe(module);
            });
        }
        expect.assertions(2);
    });

    it("fails the run, not the process, when a resource's registration fails (an input that rejects), and the next run in the thread succeeds", () => {
        // In a process of its own: the SDK fails a registration through an unhandled
        // rejection, which jest would report against the test instead of letting the run see it.
        const script = [
            "const pulumi = require('@pulumi/pulumi');",
            "const { runUnderMocks, ProgramError } = require('./tools/lib/mock-run.ts');",
            "const config = (stack) => ({ project: 'p', stack, values: {}, secretKeys: [] });",
            "(async () => {",
            "    await runUnderMocks(config('one'), () => {",
            "        new pulumi.ComponentResource('test:index:Thing', 'before', {}, {});",
            "        new pulumi.CustomResource('test:index:Widget', 'widget', { size: Promise.reject(new Error('size unknown')) });",
            "    }).then(() => console.log('one: rendered'), (e) => console.log(`one: ${e instanceof ProgramError} ${e.registered} ${e.message}`));",
            "    const next = await runUnderMocks(config('two'), () => new pulumi.ComponentResource('test:index:Thing', 'after', {}, {}));",
            "    console.log(`two: ${next.resources.map((r) => r.urn).join(' ')}`);",
            "})();",
        ].join("\n");
        const r = spawnSync(process.execPath, ["-r", "./tools/lib/ts-loader.js", "-e", script], {
            cwd: ROOT,
            encoding: "utf8",
            timeout: 60_000,
        });
        expect(r.stdout.trim().split("\n")).toEqual([
            'one: true 2 error serializing property "size": size unknown',
            "two: urn:pulumi:two::p::test:index:Thing::after",
        ]);
        expect(r.status).toBe(0);
    });

    it("refuses a second run while one is in progress in the same thread, naming both stacks, and leaves the first intact", async () => {
        const pulumi = await import("@pulumi/pulumi");
        const { runUnderMocks } = await import("../../tools/lib/mock-run");
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const first = runUnderMocks({ project: "p", stack: "one", values: {}, secretKeys: [] }, async () => {
            new pulumi.ComponentResource("test:index:Thing", "thing", {}, {});
            await gate;
        });
        await expect(runUnderMocks({ project: "p", stack: "two", values: {}, secretKeys: [] }, () => undefined)).rejects.toThrow(
            'runUnderMocks: stack "two" started while stack "one" is still running in this thread',
        );
        release();
        expect((await first).resources.map((r) => r.urn)).toEqual(["urn:pulumi:one::p::test:index:Thing::thing"]);
        // …and the thread is free again afterwards.
        await expect(runUnderMocks({ project: "p", stack: "three", values: {}, secretKeys: [] }, () => undefined)).resolves.toBeDefined();
    });
});
