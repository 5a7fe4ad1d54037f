/**
 * Runs the policy pack over a plan offline, through the engine's own request
 * handlers of `@pulumi/policy` (`makeAnalyzeRpcFun` per resource,
 * `makeAnalyzeStackRpcFun` once for the stack) on the same `AnalyzeRequest`
 * protobufs the Pulumi CLI sends: the real unknown-value proxy, secret
 * unwrapping, type filtering and not-applicable handling, without the gRPC
 * server that `new PolicyPack` would start.
 *
 * `@pulumi/policy` and the protobuf modules are loaded on the first run only,
 * so that importing this module costs nothing.
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";

import { PACK_NAME, POLICIES, type MedAgiPolicy } from "../../policies/all";
import type { Plan, PlannedResource } from "./plan";

export type Level = "mandatory" | "advisory";

/** One violation, with what a reviewer needs to act on it. */
export interface Finding {
    readonly policy: string;
    readonly area: string;
    readonly level: Level;
    /** The resource (its URN), or the stack for a stack-wide finding. */
    readonly urn: string;
    readonly message: string;
    /** The runbook line or standard the policy enforces. */
    readonly rationale: string;
    /** How to fix it. */
    readonly remediation: string;
}

export interface PolicyReport {
    readonly pack: string;
    readonly version: string;
    readonly stack: string;
    readonly policies: number;
    readonly resources: number;
    readonly mandatory: number;
    readonly advisory: number;
    readonly findings: Finding[];
}

/** The pack's version, from policies/package.json (what `new PolicyPack` reads under the CLI). */
export const PACK_VERSION: string = (
    JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../policies/package.json"), "utf8")) as { version: string }
).version;

/** The parts of the protobuf messages (`@pulumi/pulumi/proto/analyzer_pb`, untyped JS) used here. */
interface Diagnostic {
    getPolicyname(): string;
    getMessage(): string;
    getUrn(): string;
    getEnforcementlevel(): number;
}
interface AnalyzeResponse {
    getDiagnosticsList(): Diagnostic[];
}
interface ResourceMessage {
    setType(v: string): void;
    setUrn(v: string): void;
    setName(v: string): void;
    setProperties(v: unknown): void;
    setOptions(v: unknown): void;
    setParent(v: string): void;
}
interface AnalyzerProto {
    AnalyzeRequest: new () => ResourceMessage;
    AnalyzerResource: new () => ResourceMessage;
    AnalyzeStackRequest: new () => { setResourcesList(v: ResourceMessage[]): void };
    AnalyzerResourceOptions: new () => { setProtect(v: boolean): void; setParent(v: string): void };
}
type Handler = (call: { request: unknown }, cb: (err: unknown, resp: AnalyzeResponse) => void) => void;
type MakeHandler = (pack: string, version: string, level: string, policies: MedAgiPolicy[]) => Handler;

interface Engine {
    /** The engine's per-resource handler over the policies that can apply to a type. */
    analyze: (type: string) => Handler | undefined;
    /** One handler per stack policy, with the types it reads. */
    stack: { reads: readonly string[]; handler: Handler }[];
    proto: AnalyzerProto;
    /** google.protobuf.Struct, as @pulumi/pulumi's messages expect it. */
    Struct: new () => object;
}

let engineFor: WeakMap<readonly MedAgiPolicy[], Engine> | undefined;

function engine(policies: readonly MedAgiPolicy[]): Engine {
    engineFor ??= new WeakMap();
    const cached = engineFor.get(policies);
    if (cached !== undefined) return cached;
    // The same protobuf modules the handlers use: resolved from @pulumi/pulumi, as @pulumi/policy does.
    const fromPulumi = createRequire(require.resolve("@pulumi/pulumi/package.json"));
    const fromPolicy = createRequire(__filename);
    // Untyped module (its .d.ts is internal): the two handler factories the gRPC server registers.
    const server = fromPolicy("@pulumi/policy/server") as { makeAnalyzeRpcFun: MakeHandler; makeAnalyzeStackRpcFun: MakeHandler };
    // Per type, the handler gets only the resource policies that can apply to it: the others
    // would answer "not applicable" after deserializing the resource once each. Findings are the same.
    const byType = new Map<string, Handler | undefined>();
    const analyze = (type: string) => {
        if (!byType.has(type)) {
            const subset = policies.filter((p) => "validateResource" in p && (p.appliesTo === undefined || p.appliesTo.includes(type)));
            byType.set(type, subset.length === 0 ? undefined : server.makeAnalyzeRpcFun(PACK_NAME, PACK_VERSION, "advisory", subset));
        }
        return byType.get(type);
    };
    // Each stack policy is handed only the resource types it declares it reads (policies/policy.ts
    // filters them under the CLI too), so it is sent only those: the engine decodes every resource
    // of the request once per stack policy, and most resources are of no interest to most of them.
    const stack = policies.flatMap((p) =>
        "validateStack" in p ? [{ reads: p.reads, handler: server.makeAnalyzeStackRpcFun(PACK_NAME, PACK_VERSION, "advisory", [p]) }] : [],
    );
    const made: Engine = {
        analyze,
        stack,
        proto: fromPulumi("@pulumi/pulumi/proto/analyzer_pb") as AnalyzerProto,
        Struct: (fromPulumi("google-protobuf/google/protobuf/struct_pb") as { Struct: new () => object }).Struct,
    };
    engineFor.set(policies, made);
    return made;
}

function call(fn: Handler, request: unknown): Promise<AnalyzeResponse> {
    return new Promise((resolve, reject) => fn({ request }, (err, resp) => (err ? reject(err) : resolve(resp))));
}

function options(e: Engine, r: PlannedResource): unknown {
    const opts = new e.proto.AnalyzerResourceOptions();
    opts.setProtect(r.protect);
    if (r.parent !== null) opts.setParent(r.parent);
    return opts;
}

/** Fills the fields an AnalyzeRequest and an AnalyzerResource share from a planned resource. */
function resourceMessage(msg: ResourceMessage, e: Engine, r: PlannedResource, properties: unknown): ResourceMessage {
    msg.setType(r.type);
    msg.setUrn(r.urn);
    msg.setName(r.name);
    msg.setProperties(properties);
    msg.setOptions(options(e, r));
    return msg;
}

/**
 * The resource's properties, in the request's `properties` field. The CLI
 * sends a protobuf Struct, which the handlers only ever decode with
 * `toJavaScript()` — once per policy — into plain JSON values. Building and
 * decoding a Struct is the identity on JSON, so the field holds a Struct
 * whose `toJavaScript()` answers that JSON directly (the handler copies it
 * before any policy sees it): the same values reach the same deserializer
 * and proxy, without protobuf's encode/decode per policy and resource. The real Struct
 * path, over gRPC, is what test/policies/cli-runner.test.ts exercises.
 */
function properties(e: Engine, r: PlannedResource): unknown {
    const plain = JSON.parse(JSON.stringify(r.inputs)) as unknown;
    return Object.assign(new e.Struct(), { toJavaScript: () => plain });
}

const LEVELS: Record<number, Level | undefined> = { 0: "advisory", 1: "mandatory" };

/** Runs `policies` (default: the whole pack) over `plan`. Throws when a policy crashes. */
export async function runPolicies(plan: Plan, policies: readonly MedAgiPolicy[] = POLICIES): Promise<PolicyReport> {
    const e = engine(policies);
    const byName = new Map(policies.map((p) => [p.name, p]));
    const stackUrn = `urn:pulumi:${plan.stack}::${plan.project}::pulumi:pulumi:Stack::${plan.project}-${plan.stack}`;
    const findings: Finding[] = [];
    const collect = (resp: AnalyzeResponse, fallbackUrn: string) => {
        for (const d of resp.getDiagnosticsList()) {
            const policy = byName.get(d.getPolicyname());
            findings.push({
                policy: d.getPolicyname(),
                area: policy?.area ?? "",
                level: LEVELS[d.getEnforcementlevel()] ?? "advisory",
                urn: d.getUrn() || fallbackUrn,
                message: d.getMessage(),
                rationale: policy?.rationale ?? "",
                remediation: policy?.remediationSteps ?? "",
            });
        }
    };

    // Each resource's properties are built once, and only for a resource some policy is sent:
    // a run of one policy (the mutation catalogue runs dozens) sends few of a stack's resources.
    const props: unknown[] = [];
    const propsAt = (i: number, r: PlannedResource) => (props[i] ??= properties(e, r));
    for (const [i, r] of plan.resources.entries()) {
        const handler = e.analyze(r.type);
        if (handler === undefined) continue;
        collect(await call(handler, resourceMessage(new e.proto.AnalyzeRequest(), e, r, propsAt(i, r))), r.urn);
    }

    const read = new Set(e.stack.flatMap((s) => s.reads));
    const messages = plan.resources.flatMap((r, i) => {
        if (!read.has(r.type)) return [];
        const res = resourceMessage(new e.proto.AnalyzerResource(), e, r, propsAt(i, r));
        if (r.parent !== null) res.setParent(r.parent);
        return [{ type: r.type, res }];
    });
    for (const { reads, handler } of e.stack) {
        const stackReq = new e.proto.AnalyzeStackRequest();
        stackReq.setResourcesList(messages.filter((m) => reads.includes(m.type)).map((m) => m.res));
        collect(await call(handler, stackReq), stackUrn);
    }

    const mandatory = findings.filter((f) => f.level === "mandatory").length;
    return {
        pack: PACK_NAME,
        version: PACK_VERSION,
        stack: plan.stack,
        policies: policies.length,
        resources: plan.resources.length,
        mandatory,
        advisory: findings.length - mandatory,
        findings,
    };
}

/** The policy's own description is the first line of every engine message; drop it (the report names the policy). */
function detail(f: Finding): string {
    const lines = f.message.split("\n");
    return lines.length > 1 ? lines.slice(1).join("\n") : f.message;
}

/** Human-readable report: each finding names the resource, the policy, what it enforces and the fix. */
export function formatReport(report: PolicyReport): string {
    const head = `policy pack ${report.pack}@${report.version} on stack ${report.stack}: ${report.policies} policies, ${report.resources} resources — ${report.mandatory} mandatory, ${report.advisory} advisory violation(s)`;
    const blocks = [...report.findings]
        .sort((a, b) => (a.level === b.level ? a.policy.localeCompare(b.policy) : a.level === "mandatory" ? -1 : 1))
        .map((f) =>
            [
                `${f.level === "mandatory" ? "✘ MANDATORY" : "⚠ advisory"} [${f.policy}] ${detail(f)}`,
                `    resource: ${f.urn}`,
                `    enforces: ${f.rationale}`,
                `    fix:      ${f.remediation}`,
            ].join("\n"),
        );
    return [head, ...blocks].join("\n\n") + "\n";
}

/** The summary.md section. */
export function policyMarkdown(report: PolicyReport): string {
    const head = `Policy pack \`${report.pack}@${report.version}\`: ${report.policies} policies over ${report.resources} resources — **${report.mandatory} mandatory**, ${report.advisory} advisory violation(s).`;
    if (report.findings.length === 0) return head;
    const esc = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
    return [
        head,
        "",
        "| level | policy | resource | finding | fix |",
        "|---|---|---|---|---|",
        ...report.findings.map(
            (f) =>
                `| ${f.level} | \`${f.policy}\` | \`${esc(f.urn.split("::").pop() ?? f.urn)}\` | ${esc(detail(f))} | ${esc(f.remediation)} |`,
        ),
    ].join("\n");
}
