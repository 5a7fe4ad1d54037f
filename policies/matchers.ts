/**
 * Matchers shared by the policy modules: which environment a resource belongs
 * to, Kubernetes object identity, the pod template of any workload, and the
 * containers of a pod. Every reader touches only the fields it returns, so an
 * unknown value elsewhere (during preview) does not stop a policy.
 */
import { ENVIRONMENTS, type Environment } from "../infra/environment";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";

import type { PolicyResource } from "./policy";

export const K8S = {
    namespace: "kubernetes:core/v1:Namespace",
    configMap: "kubernetes:core/v1:ConfigMap",
    service: "kubernetes:core/v1:Service",
    pod: "kubernetes:core/v1:Pod",
    pvc: "kubernetes:core/v1:PersistentVolumeClaim",
    deployment: "kubernetes:apps/v1:Deployment",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    daemonSet: "kubernetes:apps/v1:DaemonSet",
    replicaSet: "kubernetes:apps/v1:ReplicaSet",
    job: "kubernetes:batch/v1:Job",
    cronJob: "kubernetes:batch/v1:CronJob",
    hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    prometheusRule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
} as const;

/** Every workload kind that carries a pod template. */
export const WORKLOAD_TYPES = [K8S.deployment, K8S.statefulSet, K8S.daemonSet, K8S.replicaSet, K8S.job, K8S.cronJob, K8S.pod] as const;

/** The stack name of a URN (`urn:pulumi:<stack>::<project>::<type>::<name>`). */
export function stackOf(urn: string): string {
    return urn.split("::")[0]?.replace(/^urn:pulumi:/, "") ?? "";
}

/** Config of the policies that differ per environment. */
export interface EnvironmentConfig {
    /** Stack name → environment. A stack not listed is held to prod's rules: the strictest is the safe default. */
    readonly stackEnvironments: Record<string, Environment>;
}

export const ENVIRONMENT_DEFAULTS: EnvironmentConfig = {
    stackEnvironments: Object.fromEntries(ENVIRONMENTS.map((e) => [e, e])) as Record<string, Environment>,
};

export const ENVIRONMENT_SCHEMA: { readonly stackEnvironments: PolicyConfigJSONSchema } = {
    stackEnvironments: {
        type: "object",
        description: "Stack name → environment (dev | staging | prod). Unlisted stacks are checked as prod.",
        additionalProperties: { type: "string", enum: [...ENVIRONMENTS] },
    },
};

/** The environment a URN's stack is checked as. */
export function environmentOf(urn: string, config: EnvironmentConfig): Environment {
    return config.stackEnvironments[stackOf(urn)] ?? "prod";
}

/** Kind/namespace/name of a Kubernetes object's props (reads `kind` and `metadata.name/namespace` only). */
export function ref(props: Record<string, any>): { kind: string; namespace: string | undefined; name: string | undefined } {
    const metadata = props.metadata ?? {};
    return { kind: String(props.kind), namespace: metadata.namespace, name: metadata.name };
}

/** `Kind namespace/name`, as a violation message names an object. */
export function describe(props: Record<string, any>): string {
    const r = ref(props);
    return `${r.kind} ${r.namespace === undefined ? "" : `${r.namespace}/`}${r.name ?? "(auto-named)"}`;
}

/** The pod spec of a workload (the template's, for controllers), or undefined. */
export function podSpecOf(props: Record<string, any>): Record<string, any> | undefined {
    switch (props.kind) {
        case "Pod":
            return props.spec;
        case "CronJob":
            return props.spec?.jobTemplate?.spec?.template?.spec;
        case "Deployment":
        case "StatefulSet":
        case "DaemonSet":
        case "ReplicaSet":
        case "Job":
            return props.spec?.template?.spec;
        default:
            return undefined;
    }
}

/** The pod template's labels of a workload. */
export function podLabelsOf(props: Record<string, any>): Record<string, string> {
    const template = props.kind === "CronJob" ? props.spec?.jobTemplate?.spec?.template : props.spec?.template;
    return template?.metadata?.labels ?? {};
}

export interface ContainerRef {
    readonly container: Record<string, any>;
    /** `containers[0]`, `initContainers[1]`, … */
    readonly where: string;
}

/** Every container of a pod spec: init, regular and ephemeral. */
export function containersOf(pod: Record<string, any>): ContainerRef[] {
    const out: ContainerRef[] = [];
    for (const field of ["initContainers", "containers", "ephemeralContainers"] as const) {
        const list: Record<string, any>[] = pod[field] ?? [];
        list.forEach((container, i) => out.push({ container, where: `${field}[${i}] "${container.name}"` }));
    }
    return out;
}

/** Whether every `matchLabels` pair of `selector` is among `labels` (a PDB / NetworkPolicy selecting pods). */
export function selects(selector: Record<string, any> | undefined, labels: Record<string, string>): boolean {
    if (selector === undefined) return false;
    const match: Record<string, string> = selector.matchLabels ?? {};
    const entries = Object.entries(match);
    if (entries.length === 0 && (selector.matchExpressions ?? []).length === 0) return true;
    return entries.every(([k, v]) => labels[k] === v);
}

/** The Kubernetes objects of the stack of one type. */
export function objectsOf(resources: readonly PolicyResource[], token: string): PolicyResource[] {
    return resources.filter((r) => r.type === token);
}

/** The first PodDisruptionBudget in `namespace` that selects pods labelled `labels`. */
export function disruptionBudgetFor(
    resources: readonly PolicyResource[],
    namespace: string,
    labels: Record<string, string>,
): PolicyResource | undefined {
    return objectsOf(resources, K8S.pdb).find((p) => ref(p.props).namespace === namespace && selects(p.props.spec?.selector, labels));
}

/** Whether a PodDisruptionBudget spec lets every pod it selects be evicted at once. */
export function keepsNoPod(spec: Record<string, any>): boolean {
    return spec.minAvailable === 0 || spec.minAvailable === "0%" || spec.maxUnavailable === "100%";
}

/** A `5m` / `1h30m` / `90s` duration in seconds (Prometheus / Go duration subset); NaN when unparseable. */
export function durationSeconds(text: string): number {
    const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/g;
    const unit: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
    let total = 0;
    let consumed = 0;
    for (const m of text.matchAll(re)) {
        total += Number(m[1]) * (unit[m[2] ?? ""] ?? NaN);
        consumed += m[0].length;
    }
    return consumed === text.length && consumed > 0 ? total : NaN;
}
