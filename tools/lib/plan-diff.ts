/**
 * The difference between two renders of a stack, as a reviewer needs it: what
 * is added, removed, updated in place and replaced, with property paths and
 * old → new values, and the architecture diagram with the changed nodes
 * styled. The structural diff is microdiff's; resources are matched by URN.
 *
 * Secrets: plan.json already holds `"[secret]"` for every secret value; on top
 * of that nothing under a Secret's `data`/`stringData` is ever printed, even a
 * value the program forgot to mark secret.
 */
import diff, { type Difference } from "microdiff";

import { architectureGraph, graphToMermaid, type ArchGraph, type NodeChange } from "./architecture";
import { costChangeLine } from "./cost";
import { isKubernetesObject, objectRef, SECRET_MASK, type Plan, type PlannedResource } from "./plan";
import { replacementRule, type ReplacementRule } from "./replacements";

export interface PropertyChange {
    readonly path: (string | number)[];
    readonly kind: "added" | "removed" | "changed";
    readonly old?: unknown;
    readonly new?: unknown;
    /** Set when this change forces a replacement. */
    readonly replaces?: ReplacementRule;
}

export interface ResourceChange {
    readonly urn: string;
    readonly label: string;
    readonly protect: boolean;
    readonly changes: PropertyChange[];
    readonly replace: boolean;
}

export interface PlanDiff {
    readonly stack: string;
    readonly added: PlannedResource[];
    readonly removed: PlannedResource[];
    /** Updated in place or replaced (see `replace`). */
    readonly changed: ResourceChange[];
    readonly outputs: PropertyChange[];
    readonly base: Plan;
    readonly head: Plan;
}

/** `Deployment med-agi/imaging` for Kubernetes objects, `RDS Instance db` for the rest. */
export function resourceLabel(r: PlannedResource): string {
    if (isKubernetesObject(r)) {
        const ref = objectRef(r);
        return `${ref.kind} ${ref.namespace === undefined ? "" : `${ref.namespace}/`}${ref.name ?? r.name}`;
    }
    return `${r.type.split(":").pop() ?? r.type} ${r.name}`;
}

function kindOf(r: PlannedResource): string | undefined {
    return isKubernetesObject(r) ? String(r.inputs.kind) : undefined;
}

/** True when `path` of resource `r` lies under a Secret's data or stringData. */
function underSecretData(r: PlannedResource, path: readonly (string | number)[]): boolean {
    return kindOf(r) === "Secret" && (path[0] === "data" || path[0] === "stringData");
}

function toChange(d: Difference): PropertyChange {
    if (d.type === "CREATE") return { path: d.path, kind: "added", new: d.value };
    if (d.type === "REMOVE") return { path: d.path, kind: "removed", old: d.oldValue };
    return { path: d.path, kind: "changed", old: d.oldValue, new: d.value };
}

/** Diffs two plans of the same stack. */
export function diffPlans(base: Plan, head: Plan): PlanDiff {
    const before = new Map(base.resources.map((r) => [r.urn, r]));
    const after = new Map(head.resources.map((r) => [r.urn, r]));
    const changed: ResourceChange[] = [];
    for (const r of head.resources) {
        const old = before.get(r.urn);
        if (old === undefined) continue;
        const changes = diff(old.inputs, r.inputs).map((d) => {
            const change = toChange(d);
            const rule = replacementRule({ type: r.type, kind: kindOf(r) }, change.path);
            return rule === undefined ? change : { ...change, replaces: rule };
        });
        if (old.protect !== r.protect) changes.push({ path: ["(protect)"], kind: "changed", old: old.protect, new: r.protect });
        if (changes.length === 0) continue;
        changed.push({ urn: r.urn, label: resourceLabel(r), protect: old.protect, changes, replace: changes.some((c) => c.replaces) });
    }
    return {
        stack: head.stack,
        added: head.resources.filter((r) => !before.has(r.urn)),
        removed: base.resources.filter((r) => !after.has(r.urn)),
        changed,
        outputs: diff(base.outputs, head.outputs).map(toChange),
        base,
        head,
    };
}

/** "3 changed, 0 replaced, 1 added, 0 removed" — changed counts in-place updates only. */
export function summaryLine(d: PlanDiff): string {
    const replaced = d.changed.filter((c) => c.replace).length;
    return `${d.changed.length - replaced} changed, ${replaced} replaced, ${d.added.length} added, ${d.removed.length} removed`;
}

const MAX_VALUE = 80;

/** A value for a table cell: JSON, shortened, pipes and backticks escaped; anything under a Secret's data masked. */
function show(value: unknown, secret: boolean): string {
    if (value === undefined) return "";
    if (secret) return `\`${SECRET_MASK}\``;
    let json = JSON.stringify(value) ?? String(value);
    if (json.length > MAX_VALUE) json = `${json.slice(0, MAX_VALUE - 1)}…`;
    return `\`${json.replace(/`/g, "'").replace(/\|/g, "\\|").replace(/\n/g, " ")}\``;
}

/** For two multi-line strings, the first line that differs (a config file in a ConfigMap, a script, …). */
function firstDifferentLine(old: unknown, now: unknown): [unknown, unknown] {
    if (typeof old !== "string" || typeof now !== "string" || !(old.includes("\n") || now.includes("\n"))) return [old, now];
    const a = old.split("\n");
    const b = now.split("\n");
    const i = a.findIndex((line, n) => line !== b[n]);
    const at = i === -1 ? a.length : i;
    return [`line ${at + 1}: ${a[at] ?? "(end)"}`, `line ${at + 1}: ${b[at] ?? "(end)"}`];
}

function pathText(path: readonly (string | number)[]): string {
    return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${p}`)).join("");
}

/** Node id → how it changed, for the diagram: a node is as changed as the most changed resource it stands for. */
export function nodeChanges(d: PlanDiff, graph: ArchGraph, baseGraph: ArchGraph): Map<string, NodeChange> {
    const byUrn = new Map<string, NodeChange>();
    for (const r of d.added) byUrn.set(r.urn, "added");
    for (const c of d.changed) byUrn.set(c.urn, c.replace ? "replaced" : "changed");
    const rank: Record<NodeChange, number> = { removed: 0, changed: 1, added: 2, replaced: 3 };
    const out = new Map<string, NodeChange>();
    const baseIds = new Set(baseGraph.nodes.map((n) => n.id));
    for (const n of graph.nodes) {
        let best: NodeChange | undefined = baseIds.has(n.id) || n.urns.length === 0 ? undefined : "added";
        for (const urn of n.urns) {
            const c = byUrn.get(urn);
            if (c !== undefined && (best === undefined || rank[c] > rank[best])) best = c;
        }
        if (best !== undefined) out.set(n.id, best);
    }
    for (const n of baseGraph.nodes) if (!graph.nodes.some((h) => h.id === n.id)) out.set(n.id, "removed");
    return out;
}

/** The head's diagram plus the base's nodes that are gone, with changes styled. */
export function diffMermaid(d: PlanDiff): string {
    const head = architectureGraph(d.head);
    const base = architectureGraph(d.base);
    const changes = nodeChanges(d, head, base);
    const ids = new Set(head.nodes.map((n) => n.id));
    const gone = base.nodes.filter((n) => !ids.has(n.id));
    const all = new Set([...ids, ...gone.map((n) => n.id)]);
    const edges = [...head.edges, ...base.edges.filter((e) => (!ids.has(e.from) || !ids.has(e.to)) && all.has(e.from) && all.has(e.to))];
    return graphToMermaid({ nodes: [...head.nodes, ...gone], edges }, changes);
}

/** Rows shown per resource before the rest is summarised. */
const MAX_ROWS = 40;

/** The Markdown of one stack's diff, summary line first. */
export function diffMarkdown(
    d: PlanDiff,
    options: {
        readonly diagram?: boolean;
        readonly tables?: boolean;
        /** Date of the support calendar. @default now */ readonly today?: Date;
    } = {},
): string {
    const lines: string[] = [`**\`${d.stack}\`: ${summaryLine(d)}**`, ""];
    const cost = costChangeLine(d.base, d.head, options.today ?? new Date());
    if (cost !== undefined) lines.push(cost, "");
    const replaced = d.changed.filter((c) => c.replace);
    if (replaced.length > 0) {
        lines.push(
            "> [!CAUTION]",
            `> **${replaced.length} resource${replaced.length === 1 ? "" : "s"} will be REPLACED** (deleted and created again):`,
        );
        for (const c of replaced) {
            const why = c.changes.filter((x) => x.replaces).map((x) => `\`${pathText(x.path)}\` (${x.replaces?.source})`);
            lines.push(
                `> - **${c.label}**${c.protect ? " 🔒 protected: `pulumi up` refuses until protect is lifted" : ""} — ${why.join("; ")}`,
            );
        }
        lines.push("");
    }
    const protectedRemovals = d.removed.filter((r) => r.protect);
    if (protectedRemovals.length > 0) {
        lines.push("> [!WARNING]", "> Protected resources removed from the program (`pulumi up` refuses to delete them):");
        for (const r of protectedRemovals) lines.push(`> - ${resourceLabel(r)}`);
        lines.push("");
    }
    if (d.changed.length + d.added.length + d.removed.length === 0) {
        lines.push("No resource changes.", "");
    }
    if (options.diagram ?? true) {
        lines.push("```mermaid", diffMermaid(d), "```", "");
    }
    if (d.changed.length > 0 && (options.tables ?? true)) {
        lines.push("#### Changed", "");
        // Resources with the very same changes (a release bump relabels dozens) share one table.
        const groups = new Map<string, ResourceChange[]>();
        for (const c of d.changed) {
            const head = d.head.resources.find((r) => r.urn === c.urn) as PlannedResource;
            const rows = c.changes.map((x) => [
                pathText(x.path),
                x.kind,
                underSecretData(head, x.path) ? SECRET_MASK : x.old,
                underSecretData(head, x.path) ? SECRET_MASK : x.new,
            ]);
            const key = JSON.stringify([c.replace, kindOf(head) === "Secret", rows]);
            groups.set(key, [...(groups.get(key) ?? []), c]);
        }
        for (const group of groups.values()) {
            const first = group[0] as ResourceChange;
            const head = d.head.resources.find((r) => r.urn === first.urn) as PlannedResource;
            const n = first.changes.length;
            const who =
                group.length === 1
                    ? `<b>${first.label}</b>`
                    : `${group.length} resources: ${group.map((c) => `<b>${c.label}</b>`).join(", ")}`;
            lines.push(
                `<details><summary>${first.replace ? "🔴 replace" : "🟡 update"} ${who} (${n} propert${n === 1 ? "y" : "ies"})</summary>`,
                "",
            );
            lines.push("| path | old | new | |", "|---|---|---|---|");
            for (const x of first.changes.slice(0, MAX_ROWS)) {
                const secret = underSecretData(head, x.path);
                const [old, now] = firstDifferentLine(x.old, x.new);
                lines.push(
                    `| \`${pathText(x.path)}\` | ${show(old, secret)} | ${show(now, secret)} | ${x.replaces ? "**forces replacement**" : x.kind === "changed" ? "" : x.kind} |`,
                );
            }
            if (n > MAX_ROWS) lines.push(`| … ${n - MAX_ROWS} more | | | |`);
            lines.push("", "</details>", "");
        }
    }
    if (d.added.length > 0) lines.push("#### Added", "", ...d.added.map((r) => `- 🟢 ${resourceLabel(r)}`), "");
    if (d.removed.length > 0)
        lines.push("#### Removed", "", ...d.removed.map((r) => `- ⚪ ${resourceLabel(r)}${r.protect ? " 🔒" : ""}`), "");
    if (d.outputs.length > 0) {
        lines.push("#### Stack outputs", "", "| output | old | new |", "|---|---|---|");
        for (const x of d.outputs.slice(0, MAX_ROWS))
            lines.push(`| \`${pathText(x.path)}\` | ${show(x.old, false)} | ${show(x.new, false)} |`);
        lines.push("");
    }
    return lines.join("\n");
}

/** The PR comment over several stacks: one summary line per stack first, then each stack's detail. */
export function diffReport(diffs: readonly PlanDiff[], header = "### Render diff"): string {
    const lines = [header, "", ...diffs.map((d) => `- **\`${d.stack}\`**: ${summaryLine(d)}`), ""];
    for (const d of diffs) lines.push(`### \`${d.stack}\``, "", diffMarkdown(d));
    const text = lines.join("\n");
    if (text.length <= MAX_COMMENT) return text;
    // A GitHub comment holds 65,536 characters: keep the summary, replacements and diagrams, drop the tables.
    const short = [header, "", ...diffs.map((d) => `- **\`${d.stack}\`**: ${summaryLine(d)}`), ""];
    for (const d of diffs) short.push(`### \`${d.stack}\``, "", diffMarkdown(d, { tables: false }));
    short.push("_Property tables left out to fit a comment: the full diff is the workflow run's `render-diff` artifact._");
    return short.join("\n");
}

/** Characters of a PR comment we allow ourselves (GitHub's limit is 65,536). */
const MAX_COMMENT = 60_000;
