/**
 * Turns a plan into the render output files of DESIGN.md: kubernetes.yaml,
 * prometheus-rules.yaml, annotated config files (alertmanager.yaml,
 * logrotate/…) and summary.md. Pure functions from plan to file contents.
 */
import { dump } from "js-yaml";

import { architectureMermaid } from "./architecture";
import { costMarkdown, costTable } from "./cost";
import { isKubernetesObject, objectRef, SECRET_MASK, type Plan, type PlannedResource } from "./plan";
import { annotatedFiles, RENDER_DIR_ANNOTATION } from "./render-files";

export { annotatedFiles, architectureMermaid, RENDER_DIR_ANNOTATION };

/**
 * The render's bulk YAML (a stack's ~400 manifests and its rule file) is
 * emitted by js-yaml: ~4× faster than the `yaml` package on these documents
 * (the largest single cost of a render's own code); the files read back as
 * exactly the plan's objects (test/render.test.ts). No anchors, no line
 * folding.
 */
const YAML_OPTIONS = { lineWidth: -1, noRefs: true } as const;
/** One YAML document as the render writes it (also for tests that write objects the way the render does). */
export const stringify = (value: unknown): string => dump(value, YAML_OPTIONS);

/**
 * A Secret's masked values as `kubectl apply` accepts them: `data` holds
 * base64, which `"[secret]"` is not, so masked `data` entries move to
 * `stringData` under the same key. The plan masks per key, so the keys always
 * survive; a Secret whose `data`/`stringData` is not a map cannot be written
 * as a valid manifest, and is refused rather than guessed at.
 */
function applyable(urn: string, obj: Record<string, unknown>): Record<string, unknown> {
    if (obj.kind !== "Secret") return obj;
    for (const field of ["data", "stringData"] as const) {
        const value = obj[field];
        if (value !== undefined && (value === null || typeof value !== "object" || Array.isArray(value))) {
            throw new Error(
                `${urn}: Secret ${field} is ${JSON.stringify(value)}, not a map of keys; it cannot be rendered as a valid Secret`,
            );
        }
    }
    if (obj.data === undefined) return obj;
    const data = Object.entries(obj.data as Record<string, unknown>);
    const masked = data.filter(([, v]) => v === SECRET_MASK);
    if (masked.length === 0) return obj;
    const { data: _data, ...rest } = obj;
    const plain = data.filter(([, v]) => v !== SECRET_MASK);
    return {
        ...rest,
        ...(plain.length === 0 ? {} : { data: Object.fromEntries(plain) }),
        stringData: { ...((obj.stringData as object | undefined) ?? {}), ...Object.fromEntries(masked) },
    };
}

/** Every Kubernetes object as a multi-document YAML stream, in registration order. */
export function kubernetesYaml(plan: Plan): string {
    return plan.resources
        .filter(isKubernetesObject)
        .map((r) => `# ${r.urn}\n${stringify(applyable(r.urn, r.inputs))}`)
        .join("---\n");
}

/** All PrometheusRule groups as one rule file, or undefined when the program declares none. */
export function prometheusRulesYaml(plan: Plan): string | undefined {
    const groups = plan.resources
        .filter((r) => isKubernetesObject(r) && r.inputs.kind === "PrometheusRule")
        .flatMap((r) => ((r.inputs.spec as { groups?: unknown[] } | undefined)?.groups ?? []) as unknown[]);
    return groups.length === 0 ? undefined : stringify({ groups });
}

/** Short type name for humans: `kubernetes:apps/v1:Deployment` → `Deployment`. */
export function shortType(type: string): string {
    return type.split(":").pop() ?? type;
}

/** Resource count per type token, sorted by type. */
export function countsByType(plan: Plan): [string, number][] {
    const counts = new Map<string, number>();
    for (const r of plan.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    return [...counts.entries()].sort(([a], [b]) => a.localeCompare(b));
}

function componentTree(plan: Plan): string[] {
    const children = new Map<string | undefined, PlannedResource[]>();
    for (const r of plan.resources) {
        const list = children.get(r.parent ?? undefined) ?? [];
        list.push(r);
        children.set(r.parent ?? undefined, list);
    }
    const lines: string[] = [];
    const walk = (parent: string | undefined, depth: number) => {
        for (const r of children.get(parent) ?? []) {
            const label = isKubernetesObject(r)
                ? `${objectRef(r).kind} \`${objectRef(r).namespace ? `${objectRef(r).namespace}/` : ""}${objectRef(r).name ?? r.name}\``
                : `${shortType(r.type)} \`${r.name}\``;
            lines.push(`${"  ".repeat(depth)}- ${label}${r.protect ? " 🔒 protected" : ""}`);
            walk(r.urn, depth + 1);
        }
    };
    walk(undefined, 0);
    return lines;
}

/** What a reviewer reads first: counts per type, the component tree, the architecture, policy results. */
export function summaryMarkdown(
    plan: Plan,
    extra: {
        policy?: string;
        placeholderSecrets?: readonly string[];
        /** The date of the support calendar (control-plane price). @default now */ today?: Date;
    } = {},
): string {
    const placeholders = extra.placeholderSecrets ?? [];
    const cost = costTable(plan, extra.today ?? new Date());
    const counts = countsByType(plan);
    const protectedCount = plan.resources.filter((r) => r.protect).length;
    return [
        `# ${plan.project} — stack \`${plan.stack}\``,
        "",
        `${plan.resources.length} resources (${protectedCount} protected). Rendered offline with Pulumi's mock runtime: ids and provider-computed fields are placeholders.`,
        "",
        ...(placeholders.length === 0
            ? []
            : [
                  `> **Credentials not in the stack file, rendered with placeholders:** ${placeholders.map((k) => `\`${k}\``).join(", ")}.`,
                  `> \`pulumi up\` refuses to run until each is set with \`pulumi config set --secret <key> <value>\`.`,
                  "",
              ]),
        ...(cost === undefined ? [] : costMarkdown(cost)),
        "## Resources per type",
        "",
        "| type | count |",
        "|---|---:|",
        ...counts.map(([type, n]) => `| \`${type}\` | ${n} |`),
        "",
        "## Architecture",
        "",
        "```mermaid",
        architectureMermaid(plan),
        "```",
        "",
        "## Component tree",
        "",
        ...componentTree(plan),
        "",
        "## Policy",
        "",
        extra.policy ?? "The policy pack has not run on this render.",
        "",
    ].join("\n");
}
