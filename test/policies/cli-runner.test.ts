/**
 * The pack loaded the way `pulumi preview --policy-pack policies` loads it:
 * the CLI's own runner (`@pulumi/pulumi/cmd/run-policy-pack`, started in the
 * pack's directory, registering ts-node with the TypeScript the pack
 * resolves) constructs the PolicyPack, which serves the Analyzer gRPC API
 * and prints its port. This test then plays the engine: it asks for the
 * analyzer info and sends AnalyzeStack / Analyze requests over gRPC.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import * as path from "node:path";

import { POLICIES } from "../../policies/all";
import type { Plan, PlannedResource } from "../../tools/lib/plan";
import { runPolicies } from "../../tools/lib/policy-run";
import { ROOT, runStack } from "../support/harness";
import { copy, obj, pod } from "./harness";

const fromPulumi = createRequire(require.resolve("@pulumi/pulumi/package.json"));
const grpc = fromPulumi("@grpc/grpc-js");
const proto = fromPulumi("@pulumi/pulumi/proto/analyzer_pb");
const services = fromPulumi("@pulumi/pulumi/proto/analyzer_grpc_pb");
const { Struct } = fromPulumi("google-protobuf/google/protobuf/struct_pb");
const { Empty } = fromPulumi("google-protobuf/google/protobuf/empty_pb");

let child: ChildProcess | undefined;
let client: any;
let plan: Plan;

function resource(r: PlannedResource, message: any): any {
    message.setType(r.type);
    message.setUrn(r.urn);
    message.setName(r.name);
    message.setProperties(Struct.fromJavaScript(JSON.parse(JSON.stringify(r.inputs))));
    const opts = new proto.AnalyzerResourceOptions();
    opts.setProtect(r.protect);
    message.setOptions(opts);
    return message;
}

const rpc = (method: string, request: unknown): Promise<any> =>
    new Promise((resolve, reject) => client[method](request, (err: unknown, resp: unknown) => (err ? reject(err) : resolve(resp))));

const mandatory = (resp: any): string[] =>
    resp
        .getDiagnosticsList()
        .filter((d: any) => d.getEnforcementlevel() === proto.EnforcementLevel.MANDATORY)
        .map((d: any) => `${d.getPolicyname()}: ${d.getMessage()}`);

beforeAll(async () => {
    plan = await runStack("prod");
    const started = spawn(process.execPath, [path.join(ROOT, "node_modules/@pulumi/pulumi/cmd/run-policy-pack"), "127.0.0.1:1", "."], {
        cwd: path.join(ROOT, "policies"),
        stdio: ["ignore", "pipe", "pipe"],
    });
    child = started;
    const port = await new Promise<string>((resolve, reject) => {
        let out = "";
        let err = "";
        started.stdout.on("data", (d: Buffer) => {
            out += d.toString();
            const m = /^(\d+)\s*$/m.exec(out);
            if (m?.[1] !== undefined) resolve(m[1]);
        });
        started.stderr.on("data", (d: Buffer) => (err += d.toString()));
        started.once("exit", (code) => reject(new Error(`run-policy-pack exited ${code}: ${err}${out}`)));
    });
    client = new services.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}, 180_000);

afterAll(async () => {
    client?.close();
    const c = child;
    if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill();
    await exited;
});

describe("the pack under the CLI's policy-pack runner", () => {
    it("serves the analyzer info: pack med-agi at the package.json version, every policy at its level", async () => {
        const info = await rpc("getAnalyzerInfo", new Empty());
        expect(info.getName()).toBe("med-agi");
        expect(info.getVersion()).toBe("0.1.0");
        const served = info.getPoliciesList().map((p: any) => [p.getName(), p.getEnforcementlevel()]);
        const levels: Record<string, number> = { advisory: proto.EnforcementLevel.ADVISORY, mandatory: proto.EnforcementLevel.MANDATORY };
        expect(served).toEqual(POLICIES.map((p) => [p.name, levels[p.enforcementLevel ?? "advisory"]]));
    });

    it("finds no mandatory violation in the prod stack", async () => {
        const request = new proto.AnalyzeStackRequest();
        request.setResourcesList(plan.resources.map((r) => resource(r, new proto.AnalyzerResource())));
        expect(mandatory(await rpc("analyzeStack", request))).toEqual([]);
        for (const r of plan.resources)
            expect([r.urn, mandatory(await rpc("analyze", resource(r, new proto.AnalyzeRequest())))]).toEqual([r.urn, []]);
    });

    it("answers a whole-stack request as the offline runner answers its per-policy ones", async () => {
        const mutated = copy(plan);
        mutated.resources.splice(mutated.resources.indexOf(obj(mutated, "Deployment", "triton-cpu")), 1);
        obj(mutated, "PodDisruptionBudget", "ekg").inputs.spec = {
            minAvailable: 0,
            selector: obj(mutated, "PodDisruptionBudget", "ekg").inputs.spec.selector,
        };
        const request = new proto.AnalyzeStackRequest();
        request.setResourcesList(mutated.resources.map((r) => resource(r, new proto.AnalyzerResource())));
        const overGrpc = mandatory(await rpc("analyzeStack", request)).sort();
        const offline = (await runPolicies(mutated)).findings
            .filter((f) => f.level === "mandatory" && "validateStack" in POLICIES.find((p) => p.name === f.policy)!)
            .map((f) => `${f.policy}: ${f.message}`)
            .sort();
        expect(overGrpc).toEqual(offline);
        expect(overGrpc.map((f) => f.split(":")[0])).toEqual(["runbook-prod-pdb", "runbook-triton-cpu-fallback"]);
    });

    it("refuses a Deployment whose image is `latest`", async () => {
        const mutated = copy(plan);
        const imaging = obj(mutated, "Deployment", "imaging");
        pod(imaging.inputs).containers[0].image = "med-agi/imaging:latest";
        const found = mandatory(await rpc("analyze", resource(imaging, new proto.AnalyzeRequest())));
        expect(found).toEqual([expect.stringMatching(/^k8s-pinned-images: .*med-agi\/imaging:latest/s)]);
    });
});
