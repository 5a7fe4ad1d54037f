/**
 * The render's stand-in for protobuf Struct conversions (tools/lib/mock-run.ts):
 * what a real Struct.fromJavaScript → toJavaScript round trip returns, and the
 * same refusals, without building messages.
 */
import { createRequire } from "node:module";

import { structRoundTrip } from "../../tools/lib/mock-run";

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
});
