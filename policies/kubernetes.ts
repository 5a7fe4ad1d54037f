/**
 * Kubernetes security: the Pod Security Standard "restricted" and the usual
 * kube-score / Polaris checks, for every workload the program declares
 * (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod).
 *
 * One named, justified allow-list: the node log rotator, which must run as
 * root on a hostPath to rotate the files the runbook names. It is exempt from
 * exactly what it needs (those two paths, those three capabilities, root) and
 * from nothing else, and it lives in its own namespace (not `restricted`).
 */
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";

import { DEFAULT_NODE_NAMESPACE, LOGROTATE_CAPABILITIES, LOGROTATE_NAMES, STATE_HOST_PATH } from "../infra/logrotate/defaults";
import { LOG_ROTATION, NAMESPACE } from "../infra/runbook";
import { containersOf, describe, K8S, objectsOf, podSpecOf, ref, WORKLOAD_TYPES, type ContainerRef } from "./matchers";
import { resourcePolicy, stackPolicy, type MedAgiPolicy, type ReportViolation } from "./policy";

/** A workload allowed to do what the restricted profile forbids — only what is listed. */
export interface Exemption {
    /** `Kind namespace/name` of the workload. */
    readonly workload: string;
    /** Why it needs the exemption, for the reviewer. */
    readonly justification: string;
    /** hostPath volumes it may mount (exact paths). */
    readonly hostPaths: readonly string[];
    /** Capabilities it may add. */
    readonly capabilities: readonly string[];
    /** Whether it may run as UID 0. */
    readonly runAsRoot: boolean;
}

/** The allow-list: the node log rotator (infra/logrotate), and nothing else. */
export const NODE_LOG_ROTATOR: Exemption = {
    workload: `DaemonSet ${DEFAULT_NODE_NAMESPACE}/${LOGROTATE_NAMES.daemonSet}`,
    justification:
        `The runbook's "Log Rotation" rotates ${LOG_ROTATION.directory} on each node: logrotate must read and replace other users' 0640 files there ` +
        `(root with ${LOGROTATE_CAPABILITIES.join(", ")}) and keep its state across pod restarts (${STATE_HOST_PATH}). ` +
        `It runs in its own namespace ${DEFAULT_NODE_NAMESPACE}, never in ${NAMESPACE}, not privileged, with no host namespaces, a read-only root filesystem and all other capabilities dropped.`,
    hostPaths: [LOG_ROTATION.directory, STATE_HOST_PATH],
    capabilities: [...LOGROTATE_CAPABILITIES],
    runAsRoot: true,
};

const EXEMPTION_DEFAULTS = { exemptions: [NODE_LOG_ROTATOR] as Exemption[] };
const EXEMPTION_SCHEMA: { readonly exemptions: PolicyConfigJSONSchema } = {
    exemptions: {
        type: "array",
        description: "Workloads (`Kind namespace/name`) exempt from parts of the restricted profile, each with its justification.",
        items: {
            type: "object",
            required: ["workload", "justification", "hostPaths", "capabilities", "runAsRoot"],
            properties: {
                workload: { type: "string" },
                justification: { type: "string", minLength: 20 },
                hostPaths: { type: "array", items: { type: "string" } },
                capabilities: { type: "array", items: { type: "string" } },
                runAsRoot: { type: "boolean" },
            },
        },
    },
};

function exemptionFor(props: Record<string, any>, exemptions: readonly Exemption[]): Exemption | undefined {
    const r = ref(props);
    return exemptions.find((e) => e.workload === `${r.kind} ${r.namespace}/${r.name}`);
}

const PSS = "Kubernetes Pod Security Standards, profile restricted";

/** A per-container check of the restricted profile. */
function containerPolicy<C extends object>(spec: {
    name: string;
    description: string;
    rationale: string;
    remediationSteps: string;
    defaults: C;
    schema: { readonly [K in keyof C]: object };
    check: (c: ContainerRef, pod: Record<string, any>, exemption: Exemption | undefined, config: C) => string | undefined;
}): MedAgiPolicy {
    return resourcePolicy({
        name: spec.name,
        area: "kubernetes",
        description: spec.description,
        rationale: spec.rationale,
        remediationSteps: spec.remediationSteps,
        enforcementLevel: "mandatory",
        defaults: spec.defaults,
        schema: spec.schema,
        types: WORKLOAD_TYPES,
        validate: (props, args, report, config) => {
            const pod = podSpecOf(props);
            if (pod === undefined) return args.notApplicable("no pod template");
            const exemption = exemptionFor(props, (config as { exemptions?: Exemption[] }).exemptions ?? []);
            for (const c of containersOf(pod)) {
                const problem = spec.check(c, pod, exemption, config);
                if (problem !== undefined) report(`${describe(props)} ${c.where}: ${problem}`);
            }
        },
    });
}

/** The effective security setting: the container's, else the pod's. */
function effective(c: ContainerRef, pod: Record<string, any>, field: string): unknown {
    return c.container.securityContext?.[field] ?? pod.securityContext?.[field];
}

const runAsNonRoot = containerPolicy({
    name: "k8s-run-as-non-root",
    description: "Containers run as a non-root user (runAsNonRoot true, runAsUser not 0).",
    rationale: `${PSS}: "Running as Non-root" / "Running as Non-root user"; kube-score container-security-context-user-group-id; Polaris runAsRootAllowed.`,
    remediationSteps: "Use restrictedContainerSecurityContext() / restrictedPodSecurityContext() from infra/k8s/security.ts (UID 10001).",
    defaults: EXEMPTION_DEFAULTS,
    schema: EXEMPTION_SCHEMA,
    check: (c, pod, exemption) => {
        if (exemption?.runAsRoot === true) return undefined;
        if (effective(c, pod, "runAsNonRoot") !== true) return "runAsNonRoot is not true.";
        if (effective(c, pod, "runAsUser") === 0) return "runAsUser is 0 (root).";
        return undefined;
    },
});

const noEscalation = containerPolicy({
    name: "k8s-no-privilege-escalation",
    description: "Containers set allowPrivilegeEscalation: false.",
    rationale: `${PSS}: "Privilege Escalation"; kube-score container-security-context-privilege-escalation; Polaris privilegeEscalationAllowed.`,
    remediationSteps: "Set securityContext.allowPrivilegeEscalation: false (restrictedContainerSecurityContext()).",
    defaults: {},
    schema: {},
    check: (c) => (c.container.securityContext?.allowPrivilegeEscalation === false ? undefined : "allowPrivilegeEscalation is not false."),
});

const dropCapabilities = containerPolicy({
    name: "k8s-drop-all-capabilities",
    description: "Containers drop ALL capabilities and add back none but NET_BIND_SERVICE (or an exemption's list).",
    rationale: `${PSS}: "Capabilities" (drop ALL, add only NET_BIND_SERVICE); Polaris dangerousCapabilities / insecureCapabilities.`,
    remediationSteps: 'Set securityContext.capabilities: {drop: ["ALL"]} and remove `add`.',
    defaults: { ...EXEMPTION_DEFAULTS, allowedAdd: ["NET_BIND_SERVICE"] as string[] },
    schema: { ...EXEMPTION_SCHEMA, allowedAdd: { type: "array", items: { type: "string" } } },
    check: (c, _pod, exemption, config) => {
        const caps = c.container.securityContext?.capabilities ?? {};
        const drop: string[] = caps.drop ?? [];
        if (!drop.includes("ALL")) return "capabilities.drop does not include ALL.";
        const allowed = [...config.allowedAdd, ...(exemption?.capabilities ?? [])];
        const extra = ((caps.add ?? []) as string[]).filter((a) => !allowed.includes(a));
        return extra.length === 0 ? undefined : `adds capabilities ${extra.join(", ")}.`;
    },
});

const seccomp = containerPolicy({
    name: "k8s-seccomp-runtime-default",
    description: "Containers run under the RuntimeDefault (or a Localhost) seccomp profile.",
    rationale: `${PSS}: "Seccomp" (RuntimeDefault or Localhost); kube-score container-seccomp-profile.`,
    remediationSteps: 'Set securityContext.seccompProfile: {type: "RuntimeDefault"} on the pod (restrictedPodSecurityContext()).',
    defaults: {},
    schema: {},
    check: (c, pod) => {
        const type = (effective(c, pod, "seccompProfile") as { type?: string } | undefined)?.type;
        return type === "RuntimeDefault" || type === "Localhost" ? undefined : `seccompProfile is ${type ?? "unset"}.`;
    },
});

const readOnlyRoot = containerPolicy({
    name: "k8s-read-only-root-filesystem",
    description: "Containers have a read-only root filesystem (writable paths are emptyDir volumes).",
    rationale:
        "kube-score container-security-context-readonlyrootfilesystem; Polaris notReadOnlyRootFilesystem; CIS Kubernetes Benchmark 5.7.3.",
    remediationSteps: "Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the process writes (/tmp).",
    defaults: {},
    schema: {},
    check: (c) => (c.container.securityContext?.readOnlyRootFilesystem === true ? undefined : "readOnlyRootFilesystem is not true."),
});

const noPrivileged = containerPolicy({
    name: "k8s-no-privileged",
    description: "No container is privileged.",
    rationale: `${PSS} (and baseline): "Privileged Containers"; Polaris privileged.`,
    remediationSteps: "Remove securityContext.privileged (or set it false); grant a single capability instead, if any.",
    defaults: {},
    schema: {},
    check: (c) => (c.container.securityContext?.privileged === true ? "privileged is true." : undefined),
});

const resources = containerPolicy({
    name: "k8s-container-resources",
    description: "Every container requests and limits CPU and memory.",
    rationale:
        'kube-score container-resources; Polaris cpuRequestsMissing / memoryLimitsMissing; runbook "Memory Usage > 80% → Investigate" needs a memory limit to measure against.',
    remediationSteps: "Set resources.requests and resources.limits (cpu and memory) from the component's defaults or the stack file.",
    defaults: {},
    schema: {},
    check: (c) => {
        const r = c.container.resources ?? {};
        const missing = ["requests", "limits"].flatMap((k) =>
            ["cpu", "memory"].filter((q) => r[k]?.[q] === undefined).map((q) => `${k}.${q}`),
        );
        return missing.length === 0 ? undefined : `resources ${missing.join(", ")} missing.`;
    },
});

/** Whether an image reference is pinned: a digest, or a tag other than `latest`. */
export function isPinnedImage(image: string): boolean {
    if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
    const lastSegment = image.split("/").pop() ?? "";
    const colon = lastSegment.lastIndexOf(":");
    if (colon < 0) return false;
    const tag = lastSegment.slice(colon + 1);
    return tag.length > 0 && tag !== "latest";
}

const pinnedImages = containerPolicy({
    name: "k8s-pinned-images",
    description: "Every image is pinned: a tag other than `latest`, or a digest.",
    rationale:
        'runbook "Production Deployment": `docker build -t med-agi/imaging:v1.0.0` and `kubectl set image … :v1.0.0`; kube-score container-image-tag; Polaris tagNotSpecified.',
    remediationSteps: "Set release (or services.<name>.tag) to a release tag such as v1.0.0, and pin third-party images to a version.",
    defaults: {},
    schema: {},
    check: (c) => {
        const image = c.container.image;
        return typeof image === "string" && isPinnedImage(image)
            ? undefined
            : `image ${JSON.stringify(image)} is not pinned (no tag, or latest).`;
    },
});

const hostNamespaces = resourcePolicy({
    name: "k8s-no-host-namespaces",
    area: "kubernetes",
    description: "No pod shares the node's network, PID or IPC namespace, or binds a host port.",
    rationale: `${PSS} (and baseline): "Host Namespaces", "Host Ports"; Polaris hostNetworkSet / hostPIDSet / hostIPCSet / hostPortSet.`,
    remediationSteps: "Remove hostNetwork / hostPID / hostIPC and containers[].ports[].hostPort; expose through a Service.",
    enforcementLevel: "mandatory",
    defaults: {},
    schema: {},
    types: WORKLOAD_TYPES,
    validate: (props, args, report) => {
        const pod = podSpecOf(props);
        if (pod === undefined) return args.notApplicable("no pod template");
        for (const field of ["hostNetwork", "hostPID", "hostIPC"]) if (pod[field] === true) report(`${describe(props)}: ${field} is true.`);
        for (const c of containersOf(pod)) {
            for (const p of c.container.ports ?? []) {
                if (p.hostPort !== undefined && p.hostPort !== 0) report(`${describe(props)} ${c.where}: binds hostPort ${p.hostPort}.`);
            }
        }
    },
});

const hostPath = resourcePolicy({
    name: "k8s-no-host-path",
    area: "kubernetes",
    description: "No pod mounts a hostPath volume, except the exact paths of an allow-listed workload.",
    rationale: `${PSS} (and baseline): "HostPath Volumes"; kube-score / Polaris hostPath checks.`,
    remediationSteps:
        "Use a PersistentVolumeClaim, emptyDir, ConfigMap or Secret instead; node-level agents belong in the allow-list with a justification.",
    enforcementLevel: "mandatory",
    defaults: EXEMPTION_DEFAULTS,
    schema: EXEMPTION_SCHEMA,
    types: WORKLOAD_TYPES,
    validate: (props, args, report, config) => {
        const pod = podSpecOf(props);
        if (pod === undefined) return args.notApplicable("no pod template");
        const allowed = exemptionFor(props, config.exemptions)?.hostPaths ?? [];
        for (const v of pod.volumes ?? []) {
            const path = v.hostPath?.path;
            if (path !== undefined && !allowed.includes(path)) report(`${describe(props)}: volume "${v.name}" mounts hostPath ${path}.`);
        }
    },
});

/** Annotations that keep an AWS load balancer off the internet. */
const INTERNAL_LB_ANNOTATIONS: Readonly<Record<string, string>> = {
    "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
    "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
};

function checkService(
    props: Record<string, any>,
    report: ReportViolation,
    allowedPublic: readonly string[],
    rule: "nodeport" | "lb",
): void {
    const spec = props.spec ?? {};
    if (rule === "nodeport") {
        if (spec.type === "NodePort") report(`${describe(props)} is of type NodePort.`);
        for (const p of spec.ports ?? [])
            if (p.nodePort !== undefined) report(`${describe(props)} port ${p.name ?? p.port} pins nodePort ${p.nodePort}.`);
        return;
    }
    if (spec.type !== "LoadBalancer") return;
    const annotations: Record<string, string> = props.metadata?.annotations ?? {};
    const internal = Object.entries(INTERNAL_LB_ANNOTATIONS).some(([k, v]) => annotations[k] === v);
    const r = ref(props);
    if (!internal && !allowedPublic.includes(`${r.namespace}/${r.name}`)) {
        report(`${describe(props)} is an internet-facing LoadBalancer; traffic enters through the Ingress controller.`);
    }
}

const noNodePort = resourcePolicy({
    name: "k8s-no-nodeport",
    area: "kubernetes",
    description: "No Service is of type NodePort (or pins a nodePort).",
    rationale: "kube-score service-type (NodePort opens a port on every node); CIS EKS Benchmark 5.4 (restrict access to the nodes).",
    remediationSteps: "Use type ClusterIP behind the Ingress.",
    enforcementLevel: "mandatory",
    defaults: {},
    schema: {},
    types: [K8S.service],
    validate: (props, _args, report) => checkService(props, report, [], "nodeport"),
});

const noPublicLb = resourcePolicy({
    name: "k8s-no-public-loadbalancer",
    area: "kubernetes",
    description: "No Service is an internet-facing LoadBalancer unless it is allow-listed.",
    rationale:
        "Only the Ingress (TLS, one audited entry point) is public; CIS EKS Benchmark 5.4.5 (encrypt traffic to HTTPS load balancers).",
    remediationSteps:
        'Use ClusterIP behind the Ingress, or annotate service.beta.kubernetes.io/aws-load-balancer-scheme: internal; a deliberate public LB goes into allowedPublic ("namespace/name").',
    enforcementLevel: "mandatory",
    defaults: { allowedPublic: [] as string[] },
    schema: { allowedPublic: { type: "array", items: { type: "string" } } },
    types: [K8S.service],
    validate: (props, _args, report, config) => checkService(props, report, config.allowedPublic, "lb"),
});

const namespacePss = resourcePolicy({
    name: "k8s-namespace-pod-security",
    area: "kubernetes",
    description: `The workload namespace ${NAMESPACE} enforces the restricted Pod Security Standard (pod-security.kubernetes.io/enforce).`,
    rationale: `${PSS}, enforced by Pod Security Admission: the cluster refuses what these policies would flag even when applied outside Pulumi.`,
    remediationSteps: 'Label the namespace with podSecurityLabels("restricted") (infra/k8s/security.ts).',
    enforcementLevel: "mandatory",
    defaults: { namespaces: [NAMESPACE] as string[] },
    schema: { namespaces: { type: "array", items: { type: "string" } } },
    types: [K8S.namespace],
    validate: (props, args, report, config) => {
        const { name } = ref(props);
        if (name === undefined || !config.namespaces.includes(name)) return args.notApplicable("not a restricted namespace");
        const level = props.metadata?.labels?.["pod-security.kubernetes.io/enforce"];
        if (level !== "restricted") report(`${describe(props)} enforces "${level ?? "nothing"}", not restricted.`);
    },
});

const defaultDeny = stackPolicy({
    name: "k8s-default-deny-network-policy",
    reads: [...WORKLOAD_TYPES, K8S.networkPolicy],
    area: "kubernetes",
    description:
        "Every namespace that runs a workload has a default-deny NetworkPolicy for ingress and egress (podSelector {}, policyTypes [Ingress, Egress], no rules).",
    rationale:
        "Kubernetes NetworkPolicy guide (default deny all ingress and all egress); CIS Kubernetes Benchmark 5.3.2 (all namespaces have NetworkPolicies); NSA/CISA Kubernetes Hardening Guide; issue 11 (PHI: who can reach what must be explicit).",
    remediationSteps:
        "Declare a NetworkPolicy with podSelector {}, policyTypes [Ingress, Egress] and no rules in each workload namespace (infra/network `defaultDeny`), then allow each flow the workloads need (docs/network.md).",
    enforcementLevel: "mandatory",
    defaults: {},
    schema: {},
    validate: (args, report) => {
        const workloadNamespaces = new Set<string>();
        for (const token of WORKLOAD_TYPES)
            for (const w of objectsOf(args.resources, token)) workloadNamespaces.add(ref(w.props).namespace ?? "default");
        const denies = (direction: "Ingress" | "Egress", rules: "ingress" | "egress") =>
            new Set(
                objectsOf(args.resources, K8S.networkPolicy)
                    .filter((p) => {
                        const spec = p.props.spec ?? {};
                        const selectsAll =
                            Object.keys(spec.podSelector?.matchLabels ?? {}).length === 0 &&
                            (spec.podSelector?.matchExpressions ?? []).length === 0;
                        return selectsAll && ((spec.policyTypes ?? []) as string[]).includes(direction) && (spec[rules] ?? []).length === 0;
                    })
                    .map((p) => ref(p.props).namespace ?? "default"),
            );
        const ingress = denies("Ingress", "ingress");
        const egress = denies("Egress", "egress");
        for (const ns of [...workloadNamespaces].sort()) {
            const missing = [...(ingress.has(ns) ? [] : ["ingress"]), ...(egress.has(ns) ? [] : ["egress"])];
            if (missing.length > 0)
                report(
                    `namespace ${ns} runs workloads without a default-deny ${missing.join(" and ")} NetworkPolicy (podSelector {}, policyTypes [Ingress, Egress], no rules): add it with infra/network's defaultDeny.`,
                );
        }
    },
});

/** The Elasticsearch resource of ECK: its node sets' pod templates declare the Elasticsearch container's probes. */
export const ECK_ELASTICSEARCH_TYPE = "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch";

/**
 * Slow starters: Triton loads every model from the repository before it
 * is live (minutes for large models, longer from S3), and Elasticsearch
 * recovers its shards after a restart. A liveness probe alone kills them
 * while they start.
 */
export const SLOW_START_DEFAULTS = {
    /** Image repositories (the last path segment, before `:`/`@`) whose containers start slowly. */
    slowStartImages: ["tritonserver", "elasticsearch"],
    /** The startup budget (initialDelaySeconds + failureThreshold × periodSeconds) a slow starter must get. */
    minStartupSeconds: 600,
};

/** The image repository's last path segment: `nvcr.io/nvidia/tritonserver:26.07-py3` → `tritonserver`. */
function imageName(image: unknown): string | undefined {
    if (typeof image !== "string") return undefined;
    const path = (image.split("@")[0] ?? "").replace(/:[^/]*$/, "");
    return path.split("/").pop();
}

/** How long a probe lets a container start before it fails it (Kubernetes' defaults for unset fields). */
export function probeBudgetSeconds(probe: Record<string, any>): number {
    return (probe.initialDelaySeconds ?? 0) + (probe.failureThreshold ?? 3) * (probe.periodSeconds ?? 10);
}

const startupProbes = resourcePolicy({
    name: "k8s-slow-start-startup-probe",
    area: "kubernetes",
    description:
        "A slow-starting container (Triton, Elasticsearch) with a liveness probe also has a startup probe whose budget covers its start.",
    rationale:
        "Kubernetes 'Configure Liveness, Readiness and Startup Probes': liveness checks begin only after the startup probe succeeds; without one, " +
        "the liveness probe restarts Triton while it loads its models (and Elasticsearch while it recovers), so the pod never becomes ready.",
    remediationSteps:
        "Give the container a startupProbe on the same endpoint as its liveness probe with initialDelaySeconds + failureThreshold × periodSeconds at least minStartupSeconds (infra/inference/spec.ts STARTUP_PROBE).",
    enforcementLevel: "mandatory",
    defaults: SLOW_START_DEFAULTS,
    schema: {
        slowStartImages: { type: "array", items: { type: "string" } },
        minStartupSeconds: { type: "number", minimum: 1 },
    },
    types: [...WORKLOAD_TYPES, ECK_ELASTICSEARCH_TYPE],
    validate: (props, args, report, config) => {
        // ECK sets the Elasticsearch image itself: every "elasticsearch" container of a node set's pod template is one.
        const candidates: ContainerRef[] =
            props.kind === "Elasticsearch"
                ? ((props.spec?.nodeSets ?? []) as Record<string, any>[]).flatMap((set, i) =>
                      containersOf(set.podTemplate?.spec ?? {})
                          .filter((c) => c.container.name === "elasticsearch")
                          .map((c) => ({ ...c, where: `nodeSets[${i}] ${c.where}` })),
                  )
                : (() => {
                      const pod = podSpecOf(props);
                      return pod === undefined
                          ? []
                          : containersOf(pod).filter((c) => config.slowStartImages.includes(imageName(c.container.image) ?? ""));
                  })();
        if (candidates.length === 0) return args.notApplicable("no slow-starting container");
        for (const c of candidates) {
            if (c.container.livenessProbe === undefined) continue;
            const startup = c.container.startupProbe as Record<string, any> | undefined;
            if (startup === undefined) {
                report(
                    `${describe(props)} ${c.where}: has a liveness probe but no startup probe; the liveness probe would kill it while it starts.`,
                );
            } else if (probeBudgetSeconds(startup) < config.minStartupSeconds) {
                report(
                    `${describe(props)} ${c.where}: its startup probe allows ${probeBudgetSeconds(startup)} s to start (initialDelaySeconds + failureThreshold × periodSeconds); a slow starter needs at least ${config.minStartupSeconds} s.`,
                );
            }
        }
    },
});

export const KUBERNETES_POLICIES: readonly MedAgiPolicy[] = [
    runAsNonRoot,
    noEscalation,
    dropCapabilities,
    seccomp,
    readOnlyRoot,
    noPrivileged,
    hostNamespaces,
    hostPath,
    resources,
    pinnedImages,
    noNodePort,
    noPublicLb,
    namespacePss,
    defaultDeny,
    startupProbes,
];
