/**
 * The peers' manifest linters (kube-linter, kube-score, Polaris) run over a
 * rendered `kubernetes.yaml`, their JSON reduced to one finding per tool,
 * check and object, and judged against the one reviewed exceptions file
 * (test/manifests/linter-exceptions.yaml). The tools are built from the pins
 * in tools/go/<tool>/ and put on PATH by `npm test` (tools/go-tools.sh).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";

import { parse } from "yaml";

import { goTool } from "./go-tools";

export const LINTERS = ["kube-linter", "kube-score", "polaris"] as const;
export type Linter = (typeof LINTERS)[number];

export const LINTED_STACKS = ["dev", "staging", "prod"] as const;
export type LintedStack = (typeof LINTED_STACKS)[number];

/**
 * The Kubernetes version kube-score judges API versions against (its
 * default is v1.18): the EKS version of staging and prod (infra/aws, docs/versions.md).
 */
export const KUBE_SCORE_KUBERNETES_VERSION = "v1.35";

/** One finding: a check of a tool that fails on one object (its containers' findings merged). */
export interface LinterFinding {
    readonly tool: Linter;
    readonly check: string;
    /** `Kind/namespace/name`, or `Kind/name` for a cluster-scoped object. */
    readonly object: string;
    /** What the tool said, for the failure message. */
    readonly message: string;
}

/** One reviewed exception: this tool's check is accepted on these objects in these stacks, for this reason. */
export interface LinterException {
    readonly tool: Linter;
    readonly check: string;
    readonly objects: readonly string[];
    readonly stacks: readonly LintedStack[];
    readonly reason: string;
}

/**
 * A Job named by a hash of its content (`search-lifecycle-<10 hex>`, infra/datastores/elasticsearch/lifecycle.ts:
 * a changed lifecycle policy is a new Job) is named `<prefix>-<hash>`, so that an exception outlives the next change.
 */
const CONTENT_HASHED_JOB = /^(.+)-[0-9a-f]{10}$/;

/** `Kind/namespace/name`, or `Kind/name` without a namespace; a content-hashed Job's name ends in `-<hash>`. */
export function objectId(kind: string, namespace: string | undefined | null, name: string): string {
    const stable = kind === "Job" ? name.replace(CONTENT_HASHED_JOB, "$1-<hash>") : name;
    return namespace ? `${kind}/${namespace}/${stable}` : `${kind}/${stable}`;
}

/** The command line each tool runs with over `file`: default checks, JSON out. */
export function linterCommand(tool: Linter, file: string): [string, string[]] {
    switch (tool) {
        case "kube-linter":
            // No --config: kube-linter's built-in default checks.
            return [goTool("kube-linter"), ["lint", "--format", "json", file]];
        case "kube-score":
            // The default checks (no optional ones), judged against the targeted Kubernetes version.
            // Exceptions live in the one file, never in `kube-score/ignore` annotations.
            return [
                goTool("kube-score"),
                [
                    "score",
                    "--output-format",
                    "json",
                    "--kubernetes-version",
                    KUBE_SCORE_KUBERNETES_VERSION,
                    "--disable-ignore-checks-annotations",
                    file,
                ],
            ];
        case "polaris":
            // No --config: Polaris's built-in default checks and severities.
            return [goTool("polaris"), ["audit", "--audit-path", file, "--format", "json"]];
    }
}

/** The exit statuses that mean "ran and reported" (findings make kube-linter and kube-score exit 1). */
const REPORTED = { "kube-linter": [0, 1], "kube-score": [0, 1], polaris: [0] } as const satisfies Record<Linter, readonly number[]>;

/** Runs `tool` over `file` and returns its findings; throws with its output when it did not report. */
export function runLinter(tool: Linter, file: string): LinterFinding[] {
    const [command, args] = linterCommand(tool, file);
    const r = spawnSync(command, args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    if (r.error !== undefined || !(REPORTED[tool] as readonly number[]).includes(r.status ?? -1) || r.stdout.trim() === "") {
        throw new Error(
            `${tool} did not report on ${file} (exit ${r.status}${r.error ? `, ${r.error.message}` : ""}): ${r.stderr.slice(0, 2000)}`,
        );
    }
    return parseLinterOutput(tool, r.stdout);
}

/** Parses one tool's JSON output into findings, one per (check, object). */
export function parseLinterOutput(tool: Linter, stdout: string): LinterFinding[] {
    switch (tool) {
        case "kube-linter":
            return parseKubeLinter(stdout);
        case "kube-score":
            return parseKubeScore(stdout);
        case "polaris":
            return parsePolaris(stdout);
    }
}

/** Merges findings of the same tool, check and object (one per container) into one, their messages joined. */
function merged(findings: LinterFinding[]): LinterFinding[] {
    const byKey = new Map<string, LinterFinding>();
    for (const f of findings) {
        const key = `${f.tool}\u0000${f.check}\u0000${f.object}`;
        const had = byKey.get(key);
        byKey.set(
            key,
            had === undefined ? f : { ...had, message: had.message.includes(f.message) ? had.message : `${had.message}; ${f.message}` },
        );
    }
    return [...byKey.values()].sort((a, b) => findingKey(a).localeCompare(findingKey(b)));
}

/** `tool check object`: how a finding is named in every message. */
export function findingKey(f: Pick<LinterFinding, "tool" | "check" | "object">): string {
    return `${f.tool} ${f.check} ${f.object}`;
}

interface KubeLinterReport {
    Check: string;
    Diagnostic: { Message: string };
    Object: { K8sObject: { Namespace: string; Name: string; GroupVersionKind: { Kind: string } } };
}

/** kube-linter `--format json`: `{ Reports: [{ Check, Diagnostic: { Message }, Object: { K8sObject } }] }`. */
function parseKubeLinter(stdout: string): LinterFinding[] {
    const out = JSON.parse(stdout) as { Reports: KubeLinterReport[] | null };
    return merged(
        (out.Reports ?? []).map((r) => ({
            tool: "kube-linter",
            check: r.Check,
            object: objectId(r.Object.K8sObject.GroupVersionKind.Kind, r.Object.K8sObject.Namespace, r.Object.K8sObject.Name),
            message: r.Diagnostic.Message,
        })),
    );
}

interface KubeScoreObject {
    type_meta: { kind: string };
    object_meta: { name: string; namespace?: string };
    checks: { check: { id: string }; grade: number; skipped: boolean; comments: { path: string; summary: string }[] | null }[];
}

/** kube-score's grades below "OK" (scorecard.GradeWarning = 5, GradeCritical = 1; AlmostOK = 7 and AllOK = 10 pass). */
const KUBE_SCORE_FAILING_GRADES = new Set([1, 5]);

/** kube-score `--output-format json` (v2): one entry per object, each check with its grade. */
function parseKubeScore(stdout: string): LinterFinding[] {
    const out = JSON.parse(stdout) as KubeScoreObject[];
    const findings: LinterFinding[] = [];
    for (const o of out) {
        for (const c of o.checks) {
            if (c.skipped || !KUBE_SCORE_FAILING_GRADES.has(c.grade)) continue;
            findings.push({
                tool: "kube-score",
                check: c.check.id,
                object: objectId(o.type_meta.kind, o.object_meta.namespace, o.object_meta.name),
                message: (c.comments ?? []).map((m) => (m.path ? `${m.path}: ${m.summary}` : m.summary)).join("; "),
            });
        }
    }
    return merged(findings);
}

interface PolarisResultMessage {
    ID: string;
    Message: string;
    Success: boolean;
    Severity: string;
}
type PolarisResultSet = Record<string, PolarisResultMessage> | null;
interface PolarisResult {
    Name: string;
    Namespace: string;
    Kind: string;
    Results: PolarisResultSet;
    PodResult: { Results: PolarisResultSet; ContainerResults: { Name: string; Results: PolarisResultSet }[] | null } | null;
}

/** Polaris `audit --format json`: per object its own, its pod's and each container's failed checks of severity warning or danger. */
function parsePolaris(stdout: string): LinterFinding[] {
    const out = JSON.parse(stdout) as { Results: PolarisResult[] | null };
    const findings: LinterFinding[] = [];
    for (const r of out.Results ?? []) {
        const object = objectId(r.Kind, r.Namespace, r.Name);
        const add = (set: PolarisResultSet, where: string) => {
            for (const m of Object.values(set ?? {})) {
                if (m.Success || (m.Severity !== "warning" && m.Severity !== "danger")) continue;
                findings.push({ tool: "polaris", check: m.ID, object, message: where ? `${where}: ${m.Message}` : m.Message });
            }
        };
        add(r.Results, "");
        add(r.PodResult?.Results ?? null, "");
        for (const c of r.PodResult?.ContainerResults ?? []) add(c.Results, c.Name);
    }
    return merged(findings);
}

const OBJECT_ID = /^[A-Z][A-Za-z0-9]*\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?(\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?(-<hash>)?)?$/;
const ENTRY_KEYS = ["tool", "check", "objects", "stacks", "reason"];

/**
 * Reads and validates the exceptions file: a YAML list of entries
 * `{ tool, check, objects, stacks, reason }`. Throws listing every problem,
 * each naming the entry, the key, the bad value and what is allowed.
 */
export function loadExceptions(file: string): LinterException[] {
    const doc = parse(fs.readFileSync(file, "utf8")) as unknown;
    const problems = exceptionProblems(doc);
    if (problems.length > 0) throw new Error(`${file}:\n  ${problems.join("\n  ")}`);
    return doc as LinterException[];
}

/** Every problem of an exceptions document (empty: valid). */
export function exceptionProblems(doc: unknown): string[] {
    if (!Array.isArray(doc)) return [`the file must be a YAML list of exceptions, found ${JSON.stringify(doc)}`];
    const problems: string[] = [];
    const seen = new Map<string, number>();
    doc.forEach((entry: unknown, i) => {
        const at = `exception ${i + 1}`;
        if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
            problems.push(`${at}: must be a mapping with ${ENTRY_KEYS.join(", ")}, found ${JSON.stringify(entry)}`);
            return;
        }
        const e = entry as Record<string, unknown>;
        for (const key of Object.keys(e)) {
            if (!ENTRY_KEYS.includes(key)) problems.push(`${at}.${key}: unknown key (allowed: ${ENTRY_KEYS.join(", ")})`);
        }
        if (!(LINTERS as readonly unknown[]).includes(e.tool)) {
            problems.push(`${at}.tool: ${JSON.stringify(e.tool)} is not allowed (must be one of ${LINTERS.join(", ")})`);
        }
        if (typeof e.check !== "string" || !/^[A-Za-z][-A-Za-z0-9]*$/.test(e.check)) {
            problems.push(
                `${at}.check: ${JSON.stringify(e.check)} is not allowed (must be the tool's check id, e.g. container-image-pull-policy)`,
            );
        }
        if (!Array.isArray(e.objects) || e.objects.length === 0) {
            problems.push(`${at}.objects: ${JSON.stringify(e.objects)} is not allowed (must be a non-empty list of Kind/namespace/name)`);
        } else {
            for (const o of e.objects as unknown[]) {
                if (typeof o !== "string" || !OBJECT_ID.test(o)) {
                    problems.push(
                        `${at}.objects: ${JSON.stringify(o)} is not allowed (must be Kind/namespace/name or Kind/name, no wildcards)`,
                    );
                }
            }
        }
        if (!Array.isArray(e.stacks) || e.stacks.length === 0) {
            problems.push(
                `${at}.stacks: ${JSON.stringify(e.stacks)} is not allowed (must be a non-empty list of ${LINTED_STACKS.join(", ")})`,
            );
        } else {
            for (const s of e.stacks as unknown[]) {
                if (!(LINTED_STACKS as readonly unknown[]).includes(s)) {
                    problems.push(`${at}.stacks: ${JSON.stringify(s)} is not allowed (must be one of ${LINTED_STACKS.join(", ")})`);
                }
            }
        }
        if (typeof e.reason !== "string" || e.reason.trim().split(/\s+/).length < 8) {
            problems.push(
                `${at}.reason: ${JSON.stringify(e.reason)} is not allowed (must say in a sentence or more why the finding is accepted)`,
            );
        }
        if (Array.isArray(e.objects) && Array.isArray(e.stacks)) {
            for (const o of e.objects as unknown[]) {
                for (const s of e.stacks as unknown[]) {
                    const key = `${String(e.tool)} ${String(e.check)} ${String(o)} in ${String(s)}`;
                    const first = seen.get(key);
                    if (first !== undefined) problems.push(`${at}: ${key} is already excepted by exception ${first}`);
                    else seen.set(key, i + 1);
                }
            }
        }
    });
    return problems;
}

/** What the exceptions file does not cover in one stack, and the exceptions there that no finding needs. */
export interface Judgement {
    /** Findings no exception covers: each fails the test. */
    readonly unexcepted: LinterFinding[];
    /** `tool check object` of exceptions for this stack that matched no finding: stale, to be removed. */
    readonly stale: string[];
}

/** Judges one tool's findings in one stack against the exceptions. */
export function judge(
    tool: Linter,
    stack: LintedStack,
    findings: readonly LinterFinding[],
    exceptions: readonly LinterException[],
): Judgement {
    const excepted = new Set<string>();
    for (const e of exceptions) {
        if (e.tool !== tool || !e.stacks.includes(stack)) continue;
        for (const object of e.objects) excepted.add(findingKey({ tool: e.tool, check: e.check, object }));
    }
    const found = new Set(findings.map(findingKey));
    return {
        unexcepted: findings.filter((f) => !excepted.has(findingKey(f))),
        stale: [...excepted].filter((k) => !found.has(k)).sort(),
    };
}

/** The failure lines of a judgement: each names the tool, the check, the object and what the tool said. */
export function judgementProblems(stack: LintedStack, j: Judgement): string[] {
    return [
        ...j.unexcepted.map((f) => `${stack}: new finding ${findingKey(f)}: ${f.message}`),
        ...j.stale.map((k) => `${stack}: stale exception ${k}: no such finding any more; remove it from the exceptions file`),
    ];
}
