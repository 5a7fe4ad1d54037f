/**
 * The architecture a reviewer reads in summary.md and in a PR's diff comment:
 * a graph derived from the plan's resources (never from a hand-kept list, so
 * components that land later appear on their own) and written as a Mermaid
 * flowchart.
 *
 * Nodes: clients, workloads (per namespace), Services that are not simply
 * "the Service of the workload of the same name" (e.g. Triton's failover
 * Service), Helm releases, and the things outside the cluster the plan names:
 * databases, buckets, Alertmanager's receivers, the SIEM.
 *
 * Data paths, each read from what the plan declares:
 * - clients → services: Ingress rules;
 * - workload → Service / database / bucket: the workload's environment
 *   (`env` values and ConfigMaps it takes with `envFrom`) naming a Service's
 *   DNS name, a database host (`PGHOST`, …) or a bucket (`*_BUCKET`);
 * - Prometheus → Alertmanager → receivers: the kube-prometheus-stack release
 *   and the routes of the rendered `alertmanager.yaml`;
 * - Fluent Bit → SIEM: the `Host` of the fluent-bit release's outputs.
 */
import * as path from "node:path";
import { parse } from "yaml";

import { isKubernetesObject, objectRef, type Plan, type PlannedResource } from "./plan";
import { annotatedFiles } from "./render-files";

/** How a node changed between two renders (the diff comment styles it). */
export type NodeChange = "added" | "changed" | "replaced" | "removed";

type Shape = "box" | "stadium" | "subroutine" | "cylinder" | "external" | "circle";

export interface ArchNode {
    readonly id: string;
    readonly label: string;
    readonly shape: Shape;
    /** Namespace subgraph; undefined: outside the cluster (or cluster-scoped). */
    readonly namespace: string | undefined;
    /** The resources this node stands for: a change to any of them changes the node. */
    readonly urns: string[];
}

export interface ArchEdge {
    readonly from: string;
    readonly to: string;
    readonly label?: string;
    /** Dotted: a Service routing to the pods it selects. */
    readonly dotted?: boolean;
}

export interface ArchGraph {
    readonly nodes: ArchNode[];
    readonly edges: ArchEdge[];
}

const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job"];
/** Environment variables that name a PostgreSQL server. */
const DATABASE_HOST_KEYS = /^(PGHOST|POSTGRES_HOST|DATABASE_HOST|DB_HOST)$/;
const BUCKET_KEY = /_BUCKET$/;

export const mermaidId = (s: string): string => s.replace(/[^A-Za-z0-9_]/g, "_");

/** Text safe inside a quoted Mermaid label. */
function text(s: string): string {
    return s.replace(/"/g, "#quot;").replace(/[<>]/g, (c) => (c === "<" ? "#lt;" : "#gt;"));
}

interface PodTemplate {
    metadata?: { labels?: Record<string, string> };
    spec?: { containers?: Container[]; initContainers?: Container[] };
}
interface Container {
    env?: { name?: string; value?: unknown }[];
    envFrom?: { configMapRef?: { name?: string }; secretRef?: { name?: string } }[];
}

/** Secrets a workload's containers take whole with envFrom (their values are masked; their names are not). */
function secretsFrom(r: PlannedResource): string[] {
    const pod = podTemplate(r);
    const ns = objectRef(r).namespace;
    return [...(pod?.spec?.initContainers ?? []), ...(pod?.spec?.containers ?? [])].flatMap((c) =>
        (c.envFrom ?? []).flatMap((f) => (f.secretRef?.name === undefined ? [] : [`${ns}/${f.secretRef.name}`])),
    );
}

/** Label on the Secret of a database role (infra/datastores/postgres): a workload that takes it connects to PostgreSQL. */
const POSTGRES_ROLE_LABEL = "med-agi/postgres-role";

function podTemplate(r: PlannedResource): PodTemplate | undefined {
    const spec = (r.inputs.spec ?? {}) as { template?: PodTemplate; jobTemplate?: { spec?: { template?: PodTemplate } } };
    return r.inputs.kind === "CronJob" ? spec.jobTemplate?.spec?.template : spec.template;
}

/** The literal environment of a workload's containers: env values plus ConfigMaps taken with envFrom. */
function environment(r: PlannedResource, configMaps: Map<string, Record<string, unknown>>): [string, string][] {
    const pod = podTemplate(r);
    const ns = objectRef(r).namespace;
    const out: [string, string][] = [];
    for (const c of [...(pod?.spec?.initContainers ?? []), ...(pod?.spec?.containers ?? [])]) {
        for (const from of c.envFrom ?? []) {
            const data = configMaps.get(`${ns}/${from.configMapRef?.name}`);
            for (const [k, v] of Object.entries(data ?? {})) if (typeof v === "string") out.push([k, v]);
        }
        for (const e of c.env ?? []) if (typeof e.name === "string" && typeof e.value === "string") out.push([e.name, e.value]);
    }
    return out;
}

/** The host a value names: a URL's host, `host:port`, or a bare DNS name. */
function hostOf(value: string): string | undefined {
    const v = value.trim();
    if (v === "") return undefined;
    try {
        if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return new URL(v).hostname || undefined;
    } catch {
        return undefined;
    }
    const m = /^([A-Za-z0-9.-]+)(:\d+)?$/.exec(v);
    return m?.[1];
}

function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
    if (selector === undefined || Object.keys(selector).length === 0) return false;
    return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** Derives the architecture graph from a plan. */
export function architectureGraph(plan: Plan): ArchGraph {
    const objects = plan.resources.filter(isKubernetesObject).map((r) => ({ r, ref: objectRef(r) }));
    const nodes = new Map<string, ArchNode>();
    const edges: ArchEdge[] = [];
    const edgeKeys = new Set<string>();
    const addNode = (node: ArchNode) => {
        const existing = nodes.get(node.id);
        if (existing === undefined) nodes.set(node.id, node);
        else existing.urns.push(...node.urns.filter((u) => !existing.urns.includes(u)));
        return node.id;
    };
    const addEdge = (edge: ArchEdge) => {
        if (edge.from === edge.to) return;
        const key = `${edge.from}>${edge.to}`;
        const same = edgeKeys.has(key) ? edges.findIndex((e) => e.from === edge.from && e.to === edge.to) : -1;
        if (same === -1) {
            edgeKeys.add(key);
            edges.push(edge);
            return;
        }
        // One arrow per pair: labels of several variables naming the same target are joined.
        const existing = edges[same] as ArchEdge;
        const labels = [...(existing.label?.split(", ") ?? []), ...(edge.label === undefined ? [] : [edge.label])];
        edges[same] = { ...existing, ...(labels.length === 0 ? {} : { label: [...new Set(labels)].join(", ") }) };
    };
    addNode({ id: "clients", label: "Clients", shape: "circle", namespace: undefined, urns: [] });

    const configMaps = new Map<string, Record<string, unknown>>();
    for (const { r, ref } of objects) {
        if (ref.kind === "ConfigMap") configMaps.set(`${ref.namespace}/${ref.name}`, (r.inputs.data ?? {}) as Record<string, unknown>);
    }
    const sameName = (ns: string | undefined, name: string | undefined) =>
        objects.filter(({ ref }) => ref.namespace === ns && ref.name === name && !WORKLOAD_KINDS.includes(ref.kind)).map(({ r }) => r.urn);

    // Workloads, with the objects of the same namespace/name (Service, Ingress, HPA, PDB, …).
    const servicePort = new Map<string, number | undefined>();
    for (const { r, ref } of objects.filter(({ ref }) => ref.kind === "Service")) {
        servicePort.set(
            `${ref.namespace}/${ref.name}`,
            ((r.inputs.spec as { ports?: { port?: number }[] } | undefined)?.ports ?? [])[0]?.port,
        );
    }
    const workloads = objects.filter(({ ref }) => WORKLOAD_KINDS.includes(ref.kind));
    const workloadId = (ns: string | undefined, name: string | undefined) => mermaidId(`w_${ns}_${name}`);
    for (const { r, ref } of workloads) {
        const spec = (r.inputs.spec ?? {}) as { replicas?: number; schedule?: string; suspend?: boolean };
        const port = servicePort.get(`${ref.namespace}/${ref.name}`);
        const detail =
            ref.kind === "CronJob"
                ? `CronJob ${spec.suspend === true ? "(suspended)" : (spec.schedule ?? "")}`
                : `${ref.kind}${spec.replicas === undefined ? "" : ` ×${spec.replicas}`}${port === undefined ? "" : ` :${port}`}`;
        addNode({
            id: workloadId(ref.namespace, ref.name),
            label: `${ref.name}<br/>${detail}`,
            shape: "box",
            namespace: ref.namespace,
            urns: [r.urn, ...sameName(ref.namespace, ref.name)],
        });
    }

    // Services: a Service that routes to exactly the workload of its own name is that workload's node;
    // any other (a failover Service over two Deployments, a headless one, …) gets a node of its own.
    const serviceTarget = new Map<string, string>();
    for (const { r, ref } of objects.filter(({ ref }) => ref.kind === "Service")) {
        const selector = (r.inputs.spec as { selector?: Record<string, string> } | undefined)?.selector;
        const selected = workloads.filter(
            ({ r: w, ref: wref }) => wref.namespace === ref.namespace && selects(selector, podTemplate(w)?.metadata?.labels),
        );
        const own = selected.length === 1 && selected[0]?.ref.name === ref.name;
        if (own) {
            serviceTarget.set(`${ref.namespace}/${ref.name}`, workloadId(ref.namespace, ref.name));
            continue;
        }
        if (selected.length === 0 && workloads.some(({ ref: w }) => w.namespace === ref.namespace && w.name === ref.name)) {
            // Selector not readable (e.g. computed): fall back to the workload of the same name.
            serviceTarget.set(`${ref.namespace}/${ref.name}`, workloadId(ref.namespace, ref.name));
            continue;
        }
        const port = servicePort.get(`${ref.namespace}/${ref.name}`);
        const id = addNode({
            id: mermaidId(`s_${ref.namespace}_${ref.name}`),
            label: `${ref.name}<br/>Service${port === undefined ? "" : ` :${port}`}`,
            shape: "stadium",
            namespace: ref.namespace,
            urns: [r.urn],
        });
        serviceTarget.set(`${ref.namespace}/${ref.name}`, id);
        for (const { ref: wref } of selected) addEdge({ from: id, to: workloadId(wref.namespace, wref.name), dotted: true });
    }

    // Clients → services, from the Ingress rules.
    for (const { r, ref } of objects.filter(({ ref }) => ref.kind === "Ingress")) {
        const spec = (r.inputs.spec ?? {}) as {
            rules?: { host?: string; http?: { paths?: { backend?: { service?: { name?: string } } }[] } }[];
        };
        for (const rule of spec.rules ?? []) {
            for (const p of rule.http?.paths ?? []) {
                const target = serviceTarget.get(`${ref.namespace}/${p.backend?.service?.name}`);
                if (target !== undefined) addEdge({ from: "clients", to: target, label: rule.host ?? "*" });
            }
        }
    }

    // In-cluster data stores run by operators (ECK, CloudNativePG): the custom resource is the node, reached
    // through the Services its operator creates (`<name>-es-http`; `<name>-rw` and any of the Cluster's name).
    const operatorStores = new Map<string, string>();
    for (const { r, ref } of objects.filter(({ ref }) => ref.kind === "Elasticsearch" || ref.kind === "Cluster")) {
        const postgres = ref.kind === "Cluster";
        const id = addNode({
            id: mermaidId(`ds_${ref.namespace}_${ref.name}`),
            label: `${ref.name}<br/>${postgres ? "PostgreSQL (CloudNativePG)" : "Elasticsearch (ECK)"}`,
            shape: "cylinder",
            namespace: ref.namespace,
            urns: [r.urn],
        });
        operatorStores.set(postgres ? "postgres" : "elasticsearch", id);
        for (const name of postgres ? [`${ref.name}-rw`, ref.name] : [`${ref.name}-es-http`]) {
            if (!serviceTarget.has(`${ref.namespace}/${name}`)) serviceTarget.set(`${ref.namespace}/${name}`, id);
        }
    }

    // External data stores the cloud layer declares: an RDS instance is the database whose host starts with its identifier.
    const rdsInstances = plan.resources
        .filter((r) => r.type === "aws:rds/instance:Instance")
        .map((r) => ({ r, identifier: typeof r.inputs.identifier === "string" ? r.inputs.identifier : r.name }));
    // Workloads that take a database role's Secret (values masked) connect to the stack's PostgreSQL.
    const roleSecrets = new Set(
        objects
            .filter(
                ({ r, ref }) =>
                    ref.kind === "Secret" &&
                    (r.inputs.metadata as { labels?: Record<string, string> } | undefined)?.labels?.[POSTGRES_ROLE_LABEL] !== undefined,
            )
            .map(({ ref }) => `${ref.namespace}/${ref.name}`),
    );
    const [rds] = rdsInstances;
    const databaseNode = (): string | undefined =>
        operatorStores.get("postgres") ??
        (rds === undefined
            ? undefined
            : addNode({
                  id: mermaidId(`db_${rds.identifier}`),
                  label: `PostgreSQL<br/>RDS ${rds.identifier}`,
                  shape: "cylinder",
                  namespace: undefined,
                  urns: [rds.r.urn],
              }));
    for (const { r, ref } of workloads) {
        const secret = secretsFrom(r).find((name) => roleSecrets.has(name));
        const db = secret === undefined ? undefined : databaseNode();
        if (secret !== undefined && db !== undefined)
            addEdge({ from: workloadId(ref.namespace, ref.name), to: db, label: `Secret ${secret.split("/")[1]}` });
    }
    const buckets = plan.resources.filter((r) => /^aws:s3\/bucket(V2)?:Bucket(V2)?$/.test(r.type) && typeof r.inputs.bucket === "string");

    // Workload → Service / database / bucket, from the workload's environment.
    for (const { r, ref } of workloads) {
        const from = workloadId(ref.namespace, ref.name);
        for (const [key, value] of environment(r, configMaps)) {
            const host = hostOf(value);
            const labels = host?.split(".") ?? [];
            const [first, second] = labels;
            const svcNs = second === undefined || second === "svc" ? ref.namespace : second;
            const svc = first === undefined ? undefined : serviceTarget.get(`${svcNs}/${first}`);
            const clusterName = labels.length <= 2 || labels.slice(2).join(".").startsWith("svc");
            if (svc !== undefined && clusterName) {
                addEdge({ from, to: svc, label: key });
            } else if (DATABASE_HOST_KEYS.test(key) && host !== undefined) {
                const rds = rdsInstances.find(({ identifier }) => host === identifier || host.startsWith(`${identifier}.`));
                const id = addNode({
                    id: mermaidId(`db_${rds?.identifier ?? host}`),
                    label: `PostgreSQL<br/>${rds === undefined ? host : `RDS ${rds.identifier}`}`,
                    shape: "cylinder",
                    namespace: undefined,
                    urns: rds === undefined ? [] : [rds.r.urn],
                });
                addEdge({ from, to: id, label: key });
            } else if (BUCKET_KEY.test(key) && value !== "") {
                const bucket = buckets.find((b) => b.inputs.bucket === value);
                const id = addNode({
                    id: mermaidId(`bucket_${value}`),
                    label: `bucket<br/>${value}`,
                    shape: "cylinder",
                    namespace: undefined,
                    urns: bucket === undefined ? [] : [bucket.urn],
                });
                addEdge({ from, to: id, label: key });
            }
        }
    }

    // Helm releases; kube-prometheus-stack is drawn as Prometheus → Alertmanager.
    const files = annotatedFiles(plan);
    for (const r of plan.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release")) {
        const inputs = r.inputs as { chart?: string; version?: string; namespace?: string; values?: Record<string, unknown> };
        const release = `${inputs.chart ?? r.name} ${inputs.version ?? ""}`.trim();
        if (inputs.chart === "kube-prometheus-stack") {
            const prom = addNode({
                id: mermaidId(`prom_${r.name}`),
                label: `Prometheus<br/>${release}`,
                shape: "subroutine",
                namespace: inputs.namespace,
                urns: [r.urn],
            });
            const alertmanager = (inputs.values?.alertmanager ?? {}) as { enabled?: boolean };
            if (alertmanager.enabled === false) continue;
            // Its configuration objects (alertmanager-*) in the release's namespace are part of it.
            const config = objects
                .filter(({ ref }) => ref.namespace === inputs.namespace && ref.name?.startsWith("alertmanager") === true)
                .map(({ r: o }) => o.urn);
            const am = addNode({
                id: mermaidId(`am_${r.name}`),
                label: "Alertmanager",
                shape: "subroutine",
                namespace: inputs.namespace,
                urns: [r.urn, ...config],
            });
            addEdge({ from: prom, to: am, label: "alerts" });
            for (const [route, receiver] of alertRoutes(files)) {
                const id = addNode({
                    id: mermaidId(`rcv_${receiver.name}`),
                    label: receiver.label,
                    shape: "external",
                    namespace: undefined,
                    urns: [],
                });
                addEdge({ from: am, to: id, label: route });
            }
            continue;
        }
        const id = addNode({
            id: mermaidId(`h_${r.name}`),
            label: `${release}<br/>Helm release`,
            shape: "subroutine",
            namespace: inputs.namespace,
            urns: [r.urn],
        });
        if (inputs.chart === "fluent-bit") {
            for (const host of fluentBitHosts(inputs.values)) {
                const siem = addNode({
                    id: mermaidId(`siem_${host}`),
                    label: `SIEM<br/>${host}`,
                    shape: "external",
                    namespace: undefined,
                    urns: [],
                });
                addEdge({ from: id, to: siem, label: "logs" });
            }
        }
    }
    return { nodes: [...nodes.values()], edges };
}

interface Receiver {
    readonly name: string;
    readonly label: string;
}

/** Routes of the rendered alertmanager.yaml to receivers that notify someone: [matchers, receiver]. */
function alertRoutes(files: Map<string, string>): [string, Receiver][] {
    const file = [...files.entries()].find(([rel]) => path.posix.basename(rel) === "alertmanager.yaml")?.[1];
    if (file === undefined) return [];
    const config = parse(file) as {
        route?: { routes?: { receiver?: string; matchers?: string[] }[] };
        receivers?: Record<string, unknown>[];
    } | null;
    const receivers = new Map<string, Receiver>();
    for (const rcv of config?.receivers ?? []) {
        const name = String(rcv.name);
        const how: string[] = [];
        if (Array.isArray(rcv.pagerduty_configs)) how.push("PagerDuty");
        for (const s of (rcv.slack_configs ?? []) as { channel?: string }[]) how.push(`Slack ${s.channel ?? ""}`.trim());
        if (Array.isArray(rcv.email_configs)) how.push("email");
        if (Array.isArray(rcv.webhook_configs)) how.push("webhook");
        if (how.length > 0) receivers.set(name, { name, label: `${name}<br/>${how.join(", ")}` });
    }
    return (config?.route?.routes ?? [])
        .filter((route) => route.receiver !== undefined && receivers.has(route.receiver))
        .map((route) => [(route.matchers ?? []).join(", ") || "all", receivers.get(route.receiver as string) as Receiver]);
}

/** Hosts of the fluent-bit release's `[OUTPUT]` sections. */
function fluentBitHosts(values: Record<string, unknown> | undefined): string[] {
    const outputs = ((values?.config ?? {}) as { outputs?: unknown }).outputs;
    if (typeof outputs !== "string") return [];
    return [...outputs.matchAll(/^\s*Host\s+(\S+)\s*$/gim)].map((m) => m[1] as string);
}

const SHAPES: Record<Shape, (label: string) => string> = {
    box: (l) => `["${l}"]`,
    stadium: (l) => `(["${l}"])`,
    subroutine: (l) => `[["${l}"]]`,
    cylinder: (l) => `[("${l}")]`,
    external: (l) => `>"${l}"]`,
    circle: (l) => `(("${l}"))`,
};

/** Styles of changed nodes in a diff comment. */
export const CHANGE_STYLES: Record<NodeChange, string> = {
    added: "fill:#dafbe1,stroke:#1a7f37,stroke-width:2px",
    changed: "fill:#fff8c5,stroke:#9a6700,stroke-width:2px",
    replaced: "fill:#ffebe9,stroke:#cf222e,stroke-width:4px",
    removed: "fill:#eaeef2,stroke:#57606a,stroke-dasharray:5 5",
};

/** Writes a graph as a Mermaid flowchart; `changes` (node id → change) adds the diff's styles. */
export function graphToMermaid(graph: ArchGraph, changes: ReadonlyMap<string, NodeChange> = new Map()): string {
    const label = (n: ArchNode) => (changes.get(n.id) === "removed" ? `${n.label}<br/>(removed)` : n.label);
    const line = (n: ArchNode, indent: string) => `${indent}${n.id}${SHAPES[n.shape](text(label(n)).replace(/#lt;br\/#gt;/g, "<br/>"))}`;
    const lines = ["flowchart LR"];
    const byNamespace = new Map<string, ArchNode[]>();
    for (const n of graph.nodes) {
        if (n.namespace === undefined) lines.push(line(n, "  "));
        else byNamespace.set(n.namespace, [...(byNamespace.get(n.namespace) ?? []), n]);
    }
    for (const [ns, nodes] of byNamespace) {
        lines.push(`  subgraph ${mermaidId(`ns_${ns}`)}["namespace ${text(ns)}"]`, ...nodes.map((n) => line(n, "    ")), "  end");
    }
    for (const e of graph.edges) {
        const arrow = e.dotted ? "-.->" : "-->";
        lines.push(`  ${e.from} ${arrow}${e.label === undefined ? "" : `|"${text(e.label)}"|`} ${e.to}`);
    }
    const used = (Object.keys(CHANGE_STYLES) as NodeChange[]).filter((c) => [...changes.values()].includes(c));
    for (const change of used) {
        const ids = graph.nodes.filter((n) => changes.get(n.id) === change).map((n) => n.id);
        if (ids.length === 0) continue;
        lines.push(`  classDef ${change} ${CHANGE_STYLES[change]}`, `  class ${ids.join(",")} ${change}`);
    }
    return lines.join("\n");
}

/** The plan's architecture as a Mermaid flowchart. */
export function architectureMermaid(plan: Plan): string {
    return graphToMermaid(architectureGraph(plan));
}
