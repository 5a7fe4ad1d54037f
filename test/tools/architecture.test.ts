/**
 * The architecture diagram of summary.md and of the diff comment: data paths
 * derived from the plan, and every diagram accepted by the real Mermaid
 * parser (the `mermaid` package under jsdom, in its own process).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { architectureGraph, architectureMermaid } from "../../tools/lib/architecture";
import type { Plan, PlannedResource } from "../../tools/lib/plan";
import { diffMarkdown, diffMermaid, diffPlans } from "../../tools/lib/plan-diff";
import { readPlans } from "../../tools/diff";
import { renderStacks } from "../../tools/render";
import { ROOT, sharedRenders } from "../support/harness";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "architecture-test-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

type Parsed = { ok: boolean; type?: string; error?: string };
/** Parses diagrams with the real Mermaid parser (one process for the whole file: starting Mermaid costs seconds). */
function mermaidParseAll(sources: string[]): Parsed[] {
    const out = execFileSync(process.execPath, [path.join(ROOT, "test/support/mermaid-parse.mjs")], {
        input: JSON.stringify(sources),
        encoding: "utf8",
    });
    return JSON.parse(out);
}
const BROKEN = "flowchart LR\n  a -->";
const diagrams = new Map<string, string>();
let parsed = new Map<string, Parsed>();
const mermaidParse = (sources: string[]): Parsed[] => sources.map((s) => parsed.get(s) as Parsed);

const plans = new Map<string, Plan>();
beforeAll(async () => {
    // The stacks as committed: the global setup's render, else rendered here.
    let dir = sharedRenders();
    if (dir === undefined) {
        const outcomes = await renderStacks(
            ["dev", "staging", "prod"].map((stack) => ({ root: ROOT, stack, outDir: path.join(tmp, stack) })),
        );
        for (const o of outcomes) if (!o.ok) throw new Error(`${o.stack}: ${o.message}`);
        dir = tmp;
    }
    for (const [stack, plan] of readPlans(dir)) plans.set(stack, plan);
    const prod = plans.get("prod")!;
    const dev = plans.get("dev")!;
    // prod with the Alertmanager config changed: a replaced node; dev → a cut-down prod: added, changed and removed nodes.
    const bumped: Plan = {
        ...prod,
        resources: prod.resources.map((r) =>
            r.inputs.kind === "ConfigMap" && (r.inputs.metadata as any).name === "alertmanager-med-agi-config"
                ? { ...r, inputs: { ...r.inputs, data: { "alertmanager.yaml": "x" } } }
                : r,
        ),
    };
    diagrams.set("changed", diffMermaid(diffPlans(prod, bumped)));
    diagrams.set("mixed", diffMermaid(diffPlans(dev, { ...prod, resources: [...prod.resources.slice(0, 30)] })));
    for (const stack of ["dev", "staging", "prod"]) diagrams.set(stack, architectureMermaid(plans.get(stack)!));
    diagrams.set("hand-made", architectureMermaid(handMade));
    const sources = [...diagrams.values(), BROKEN];
    const results = mermaidParseAll(sources);
    parsed = new Map(sources.map((s, i) => [s, results[i] as Parsed]));
});

const resource = (kind: string, name: string, extra: Record<string, unknown>): PlannedResource => ({
    urn: `urn:${kind}:${name}`,
    type: `kubernetes:x/v1:${kind}`,
    name,
    parent: null,
    protect: false,
    inputs: { apiVersion: "v1", kind, metadata: { name, namespace: "med-agi" }, ...extra },
});
const pod = (labels: Record<string, string>, env: { name: string; value: string }[]) => ({
    template: { metadata: { labels }, spec: { containers: [{ env }] } },
});
const handMade: Plan = {
    project: "p",
    stack: "s",
    outputs: {},
    resources: [
        resource("Deployment", "imaging", {
            spec: pod({ app: "imaging" }, [
                { name: "TRITON_URL", value: "http://triton.med-agi.svc.cluster.local:8000" },
                { name: "DATABASE_HOST", value: "med-agi-postgres" },
            ]),
        }),
        resource("Deployment", "triton", { spec: pod({ app: "triton", role: "gpu", pool: "inference" }, []) }),
        resource("Deployment", "triton-cpu", { spec: pod({ app: "triton-cpu", pool: "inference" }, []) }),
        resource("StatefulSet", "med-agi-postgres", { spec: pod({ app: "postgres" }, []) }),
        resource("Service", "triton", { spec: { selector: { pool: "inference" }, ports: [{ port: 8000 }] } }),
        resource("Service", "med-agi-postgres", { spec: { selector: { app: "postgres" }, ports: [{ port: 5432 }] } }),
    ],
};

const edges = (plan: Plan) => architectureGraph(plan).edges.map((e) => `${e.from} -> ${e.to}${e.label ? ` [${e.label}]` : ""}`);

describe("data paths in prod's diagram", () => {
    it("clients → each service through its Ingress host", () => {
        expect(edges(plans.get("prod")!)).toEqual(
            expect.arrayContaining([
                "clients -> w_med_agi_imaging [imaging.med-agi.example.org]",
                "clients -> w_med_agi_ops [ops.med-agi.example.org]",
            ]),
        );
    });
    it("backups → the database → the backups bucket", () => {
        expect(edges(plans.get("prod")!)).toEqual(
            expect.arrayContaining([
                "w_med_agi_postgres_backup -> db_med_agi_prod [PGHOST]",
                "w_med_agi_postgres_backup -> bucket_med_agi_backups_prod_123456789012 [BACKUP_BUCKET]",
            ]),
        );
        // The database node is the cloud layer's RDS instance, the bucket node its S3 bucket.
        const nodes = architectureGraph(plans.get("prod")!).nodes;
        const types = (id: string) => nodes.find((n) => n.id === id)?.urns.map((u) => u.split("::").at(-2)?.split("$").at(-1));
        expect(types("db_med_agi_prod")).toEqual(["aws:rds/instance:Instance"]);
        expect(types("bucket_med_agi_backups_prod_123456789012")).toEqual([expect.stringMatching(/^aws:s3\/bucket/)]);
    });
    it("Prometheus → Alertmanager → PagerDuty and the team", () => {
        expect(edges(plans.get("prod")!)).toEqual(
            expect.arrayContaining([
                "prom_observability_kube_prometheus_stack -> am_observability_kube_prometheus_stack [alerts]",
                'am_observability_kube_prometheus_stack -> rcv_pagerduty [severity="page"]',
                'am_observability_kube_prometheus_stack -> rcv_team [severity=~"warning|critical"]',
            ]),
        );
    });
    it("the post-deploy smoke Job the deploy waits on", () => {
        // Not the only Job any more (the search lifecycle Job is one too): found by name.
        const jobs = plans
            .get("prod")!
            .resources.filter((r) => r.inputs.kind === "Job")
            .map((r) => (r.inputs.metadata as any)?.name);
        expect(jobs).toContain("post-deploy-smoke");
        expect(architectureGraph(plans.get("prod")!).nodes.map((n) => n.id)).toContain("w_med_agi_post_deploy_smoke");
    });
    it("imaging → the Triton failover Service → the GPU and CPU Triton", () => {
        expect(edges(plans.get("prod")!)).toEqual(
            expect.arrayContaining([
                "w_med_agi_imaging -> s_med_agi_triton [TRITON_URL, TRITON_GRPC_URL]",
                "s_med_agi_triton -> w_med_agi_triton",
                "s_med_agi_triton -> w_med_agi_triton_cpu",
            ]),
        );
    });
    it("services → the data stores: their database role's Secret and Elasticsearch, RDS in prod, the operators' stores in dev", () => {
        const services = ["imaging", "ekg", "eval", "anchor", "modelcards", "ops"];
        expect(edges(plans.get("prod")!)).toEqual(
            expect.arrayContaining(
                services.flatMap((s) => [
                    `w_med_agi_${s} -> db_med_agi_prod [Secret postgres-${s}]`,
                    `w_med_agi_${s} -> ds_med_agi_med_agi_search [ELASTICSEARCH_URL]`,
                ]),
            ),
        );
        expect(edges(plans.get("dev")!)).toEqual(
            expect.arrayContaining(
                services.flatMap((s) => [
                    `w_med_agi_${s} -> ds_med_agi_med_agi_postgres [Secret postgres-${s}]`,
                    `w_med_agi_${s} -> ds_med_agi_med_agi_search [ELASTICSEARCH_URL]`,
                ]),
            ),
        );
    });

    it("Fluent Bit → SIEM", () => {
        expect(edges(plans.get("prod")!)).toContain("h_observability_fluent_bit -> siem_siem_collector_example_org [logs]");
    });
});

describe("services → data stores, from the environment", () => {
    it("imaging → the Triton failover Service, which routes to both Triton Deployments", () => {
        expect(edges(handMade)).toEqual(
            expect.arrayContaining([
                "w_med_agi_imaging -> s_med_agi_triton [TRITON_URL]",
                "s_med_agi_triton -> w_med_agi_triton",
                "s_med_agi_triton -> w_med_agi_triton_cpu",
            ]),
        );
    });
    it("imaging → the in-cluster database through its Service", () => {
        expect(edges(handMade)).toContain("w_med_agi_imaging -> w_med_agi_med_agi_postgres [DATABASE_HOST]");
    });
    it("is a diagram Mermaid parses", () => {
        expect(mermaidParse([diagrams.get("hand-made")!])).toEqual([{ ok: true, type: "flowchart-v2" }]);
    });
});

describe("diff of a hand-made plan pair", () => {
    const secret = (value: string): PlannedResource => ({
        urn: "urn:secret",
        type: "kubernetes:core/v1:Secret",
        name: "s",
        parent: null,
        protect: false,
        inputs: {
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "creds", namespace: "med-agi" },
            stringData: { password: value },
            type: "Opaque",
        },
    });
    const plan = (r: PlannedResource[]): Plan => ({ project: "p", stack: "s", resources: r, outputs: {} });

    it("never prints a value under a Secret's stringData, even one left unmasked", () => {
        const md = diffMarkdown(diffPlans(plan([secret("hunter2-old")]), plan([secret("hunter2-new")])));
        expect(md).toContain("`stringData.password` | `[secret]` | `[secret]`");
        expect(md).not.toContain("hunter2");
    });

    it("flags a Deployment selector change as a replacement, with the Kubernetes API as its source", () => {
        const deployment = (app: string): PlannedResource => ({
            urn: "urn:deploy",
            type: "kubernetes:apps/v1:Deployment",
            name: "imaging",
            parent: null,
            protect: true,
            inputs: {
                apiVersion: "apps/v1",
                kind: "Deployment",
                metadata: { name: "imaging", namespace: "med-agi" },
                spec: { selector: { matchLabels: { app } } },
            },
        });
        const d = diffPlans(plan([deployment("a")]), plan([deployment("b")]));
        expect(d.changed[0]?.replace).toBe(true);
        expect(d.changed[0]?.changes[0]?.replaces?.source).toBe("Kubernetes API validation: apps/v1 Deployment spec.selector is immutable");
        expect(diffMarkdown(d)).toContain("🔒 protected");
    });
});

describe("every diagram parses with the real Mermaid parser", () => {
    it("summary.md's diagram of dev, staging and prod, and a diff diagram with every change style", () => {
        const changed = diagrams.get("changed")!;
        const mixed = diagrams.get("mixed")!;
        expect(changed).toContain("class am_observability_kube_prometheus_stack replaced");
        expect(mixed).toMatch(/classDef removed/);
        const sources = [...["dev", "staging", "prod"].map((s) => diagrams.get(s)!), changed, mixed];
        expect(mermaidParse(sources)).toEqual(sources.map(() => ({ ok: true, type: "flowchart-v2" })));
    });

    it("and the parser does reject a broken diagram", () => {
        const [result] = mermaidParse([BROKEN]);
        expect(result?.ok).toBe(false);
        expect(result?.error).toContain("Parse error");
    });
});
