/**
 * The capacity check sees every pod the cloud stacks make. In the staging and
 * prod renders, every object that makes pods (a workload, an operator's
 * resource, a Helm release, an EKS add-on) is covered by a row of the capacity
 * input (infra/aws/workloads.ts), no row stands for an object the render no
 * longer holds, each row's requests, replicas and pool are what the render
 * declares, and each chart row was read at the version the stack pins.
 */
import {
    podRequests,
    requestsOf,
    RUN_ONCE,
    type Amounts,
    type CapacityInput,
    type PodOwner,
    type PoolName,
    type Replicas,
} from "../../infra/aws/capacity";
import { ECK_PREPARE_FS_REQUESTS } from "../../infra/aws/workloads";
import { capacityInputFor, parseConfig, type PlatformConfig } from "../../infra/config";
import { ConfigValidationError } from "../../infra/validation";
import type { Plan, PlannedResource } from "../../tools/lib/plan";
import { readStackConfig } from "../../tools/lib/project";
import { ROOT, runStack } from "../support/harness";

/** Kinds whose objects hold a pod template (the path to it). */
const WORKLOAD_POD_SPEC: Readonly<Record<string, readonly string[]>> = {
    Deployment: ["spec", "template", "spec"],
    StatefulSet: ["spec", "template", "spec"],
    DaemonSet: ["spec", "template", "spec"],
    ReplicaSet: ["spec", "template", "spec"],
    Job: ["spec", "template", "spec"],
    CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
    Pod: ["spec"],
};
/** Custom resources whose operator makes pods. */
const OPERATOR_KINDS = ["Elasticsearch", "Kibana", "Prometheus", "Alertmanager", "ThanosRuler", "Cluster"];
/** Kubernetes kinds that make no pod. A kind in neither list fails the test until it is classified. */
const NO_POD_KINDS = [
    "ConfigMap",
    "Secret",
    "Service",
    "ServiceAccount",
    "Namespace",
    "Ingress",
    "IngressClass",
    "NetworkPolicy",
    "PodDisruptionBudget",
    "HorizontalPodAutoscaler",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
    "StorageClass",
    "ServiceMonitor",
    "PodMonitor",
    "PrometheusRule",
    "ClusterIssuer",
    "Issuer",
    "Certificate",
];
/** EC2 instances outside the node pools: the self-hosted deploy runner's Auto Scaling group (infra/aws/runner.ts). */
const OUTSIDE_POOLS = /-deploy-runner$/;

interface PodMaker {
    readonly kind: PodOwner["kind"] | string;
    readonly name: string;
    readonly resource: PlannedResource;
}

/** The objects of a render that make pods; throws naming any Kubernetes kind not classified above. */
function podMakers(plan: Plan): PodMaker[] {
    const out: PodMaker[] = [];
    const unclassified: string[] = [];
    for (const r of plan.resources) {
        if (r.type === "kubernetes:helm.sh/v3:Release") out.push({ kind: "Release", name: String(r.inputs.chart), resource: r });
        else if (r.type === "aws:eks/addon:Addon") out.push({ kind: "Addon", name: String(r.inputs.addonName), resource: r });
        else if (r.type === "aws:autoscaling/group:Group" || r.type === "aws:ec2/instance:Instance") {
            if (!OUTSIDE_POOLS.test(String(r.inputs.name ?? r.name))) unclassified.push(`${r.type} ${r.name} (EC2 outside the node pools)`);
        } else if (r.type.startsWith("kubernetes:")) {
            const kind = String(r.inputs.kind);
            const name = String((r.inputs.metadata as { name?: string } | undefined)?.name);
            if (kind in WORKLOAD_POD_SPEC || OPERATOR_KINDS.includes(kind)) out.push({ kind, name, resource: r });
            else if (!NO_POD_KINDS.includes(kind)) unclassified.push(`${r.type} ${name}`);
        }
    }
    if (unclassified.length > 0)
        throw new Error(`classify these as making pods or not (test/aws/capacity-coverage.test.ts): ${unclassified.join("; ")}`);
    return out;
}

const covers = (o: PodOwner, m: PodMaker) =>
    o.kind === m.kind && (o.hashSuffix === true ? new RegExp(`^${o.name}-[0-9a-f]{10}$`).test(m.name) : o.name === m.name);

/** A stack's config as the render parses it: credentials missing from the stack file stood in for. */
function stackConfig(stack: string): PlatformConfig {
    const parse = (overrides: Record<string, unknown>) => {
        const c = readStackConfig(ROOT, stack, overrides);
        return parseConfig({ stack, values: c.values, isSecret: (key) => c.secretKeys.includes(key) });
    };
    try {
        return parse({});
    } catch (err) {
        if (!(err instanceof ConfigValidationError) || err.problems.some((p) => p.missingSecret === undefined)) throw err;
        return parse(Object.fromEntries(err.problems.map((p) => [p.missingSecret, { secure: "placeholder" }])));
    }
}

function at(value: unknown, path: readonly string[]): any {
    return path.reduce<any>((v, k) => (v === undefined || v === null ? undefined : v[k]), value);
}

/** A release's value at a dotted path of its chart values. */
const valueAt = (inputs: Record<string, unknown>, dotted: string): any => at(inputs, ["values", ...dotted.split(".")]);

interface Container {
    readonly name: string;
    readonly resources?: { readonly requests?: Record<string, string> };
}

function containerAmounts(c: Container): Amounts {
    const r = c.resources?.requests ?? {};
    const gpus = r["nvidia.com/gpu"] === undefined ? 0 : Number(r["nvidia.com/gpu"]);
    return { ...requestsOf(r), ...(gpus > 0 ? { gpus } : {}) };
}

/** What a rendered pod spec requests (max of its init containers and the sum of its containers). */
function specRequests(spec: { containers: Container[]; initContainers?: Container[] }): Amounts {
    return podRequests(spec.containers.map(containerAmounts), (spec.initContainers ?? []).map(containerAmounts));
}

/** The pools a pod can land on, from its tolerations and node selector. */
function poolsOf(spec: { tolerations?: { key?: string; operator?: string }[]; nodeSelector?: Record<string, string> }): PoolName[] {
    const tolerations = spec.tolerations ?? [];
    const tolerateAll = tolerations.some((t) => t.operator === "Exists" && t.key === undefined);
    const tolerateGpu = tolerateAll || tolerations.some((t) => t.key === "nvidia.com/gpu");
    const selector = spec.nodeSelector ?? {};
    const selectsGpu = selector["med-agi.io/pool"] === "triton-gpu" || selector["nvidia.com/gpu.present"] === "true";
    const selectsSystem = selector["med-agi.io/pool"] === "system";
    if (selectsGpu) return tolerateGpu ? ["gpu"] : [];
    if (tolerateGpu && !selectsSystem) return ["system", "gpu"];
    return ["system"];
}

describe.each(["staging", "prod"] as const)("%s: the capacity input covers every pod the render makes", (stack) => {
    let plan: Plan;
    let input: CapacityInput;
    let makers: PodMaker[];
    beforeAll(async () => {
        plan = await runStack(stack);
        const config = stackConfig(stack);
        input = capacityInputFor({ ...config, cloud: config.cloud! });
        makers = podMakers(plan);
    });
    const rows = () => [
        ...input.pods.map((p) => ({ name: p.name, owner: p.owner, requests: p.requests, pools: [p.pool], valuesKeys: p.valuesKeys })),
        ...input.daemonSets.map((d) => ({
            name: d.name,
            owner: d.owner,
            requests: d.requests,
            pools: [...d.pools],
            valuesKeys: d.valuesKeys,
        })),
    ];

    it("covers every pod-making object of the render", () => {
        const uncovered = makers.filter((m) => !rows().some((r) => covers(r.owner, m))).map((m) => `${m.kind} ${m.name}`);
        expect(uncovered).toEqual([]);
        // The render's pod makers, as the capacity input sees them.
        expect(new Set(makers.map((m) => m.kind))).toEqual(
            new Set(["Addon", "Release", "Elasticsearch", "Job", "CronJob", "DaemonSet", "Deployment"]),
        );
    });

    it("holds no row whose object the render does not make", () => {
        const stale = rows()
            .filter((r) => !makers.some((m) => covers(r.owner, m)))
            .map((r) => `${r.name} (${r.owner.kind} ${r.owner.name})`);
        expect(stale).toEqual([]);
    });

    it("reads each chart's defaults at the version the stack pins", () => {
        const mismatched = rows()
            .filter((r) => r.owner.kind === "Release")
            .flatMap((r) => {
                const release = makers.find((m) => covers(r.owner, m));
                return release === undefined || release.resource.inputs.version === r.owner.version
                    ? []
                    : [`${r.name}: read at ${r.owner.version}, pinned ${String(release.resource.inputs.version)}`];
            });
        expect(mismatched).toEqual([]);
    });

    it("gives each pod the requests the render declares: its pod spec, the operator's own containers, the values the program sets", () => {
        const differing = rows().flatMap((r) => {
            const maker = makers.find((m) => covers(r.owner, m));
            if (maker === undefined) return []; // a stale row, reported above
            const inputs = maker.resource.inputs;
            let declared: Amounts | undefined;
            if (r.owner.kind in WORKLOAD_POD_SPEC) declared = specRequests(at(inputs, WORKLOAD_POD_SPEC[r.owner.kind]!));
            else if (r.owner.kind === "Elasticsearch") {
                const main = specRequests(at(inputs, ["spec", "nodeSets", "0", "podTemplate", "spec"]));
                declared = podRequests([main], [ECK_PREPARE_FS_REQUESTS, main]);
            } else if (r.valuesKeys !== undefined)
                declared = podRequests(r.valuesKeys.map((k) => requestsOf(valueAt(inputs, k)?.requests ?? {})));
            return declared === undefined || JSON.stringify(declared) === JSON.stringify(r.requests)
                ? []
                : [`${r.name}: capacity input ${JSON.stringify(r.requests)}, render ${JSON.stringify(declared)}`];
        });
        expect(differing).toEqual([]);
        // Every pod the program sizes itself is held to the render.
        expect(
            rows()
                .filter((r) => r.owner.kind === "Release" && r.valuesKeys !== undefined)
                .map((r) => r.name),
        ).toEqual(
            expect.arrayContaining([
                "fluent-bit",
                "cluster-autoscaler",
                "traefik",
                "oauth2-proxy",
                "elasticsearch-exporter",
                "cert-manager",
                "cert-manager-webhook",
                "cert-manager-cainjector",
                "cert-manager-startupapicheck",
                "kube-prometheus-stack-operator",
                "kube-prometheus-stack-kube-state-metrics",
                "kube-prometheus-stack-grafana",
                "prometheus-kube-prometheus-stack-prometheus",
                "prometheus-adapter",
            ]),
        );
    });

    it("leaves no pod without requests but the operator's admission hook Jobs, the node exporter and the NVIDIA DaemonSets (chart defaults)", () => {
        const none = rows()
            .filter((r) => r.requests.cpuMilli === 0 && r.requests.memoryMiB === 0)
            .map((r) => r.name);
        expect(none).toEqual([
            "kube-prometheus-stack-admission-create",
            "kube-prometheus-stack-admission-patch",
            "prometheus-node-exporter",
            "nvidia-device-plugin",
            "dcgm-exporter",
        ]);
    });

    it("gives each pod the replicas the render declares: the HPA's bounds, the workload's replicas, the chart value the program sets; one for a run-to-completion pod", () => {
        const hpas = plan.resources.filter((r) => r.type.startsWith("kubernetes:") && r.inputs.kind === "HorizontalPodAutoscaler");
        const differing = input.pods.flatMap((p) => {
            const maker = makers.find((m) => covers(p.owner, m));
            if (maker === undefined) return []; // a stale row, reported above
            const inputs = maker.resource.inputs;
            let declared: Replicas | undefined;
            if (p.owner.kind === "Deployment" || p.owner.kind === "StatefulSet") {
                const hpa = hpas.find((h) => at(h.inputs, ["spec", "scaleTargetRef", "name"]) === p.owner.name);
                const spec = hpa?.inputs.spec as { minReplicas?: number; maxReplicas: number } | undefined;
                const fixed = Number(at(inputs, ["spec", "replicas"]) ?? 1);
                declared = spec === undefined ? { min: fixed, max: fixed } : { min: spec.minReplicas ?? 1, max: spec.maxReplicas };
            } else if (p.owner.kind === "Elasticsearch") {
                const count = (at(inputs, ["spec", "nodeSets"]) as { count: number }[]).reduce((n, set) => n + set.count, 0);
                declared = { min: count, max: count };
            } else if (p.owner.kind === "Job") {
                // One pod at a time: no parallelism.
                declared = at(inputs, ["spec", "parallelism"]) === undefined ? RUN_ONCE : undefined;
            } else if (p.owner.kind === "CronJob") {
                // One Job at a time (Forbid), one pod each.
                const spec = inputs.spec as { concurrencyPolicy?: string; jobTemplate: { spec: { parallelism?: number } } };
                declared = spec.concurrencyPolicy === "Forbid" && spec.jobTemplate.spec.parallelism === undefined ? RUN_ONCE : undefined;
            } else if (p.replicasKey !== undefined) {
                const n = Number(valueAt(inputs, p.replicasKey));
                declared = { min: n, max: n };
            } else return []; // a chart's or an add-on's default: the row's source says where it is read
            return JSON.stringify(declared) === JSON.stringify(p.replicas)
                ? []
                : [`${p.name}: capacity input ${JSON.stringify(p.replicas)}, render ${JSON.stringify(declared)}`];
        });
        expect(differing).toEqual([]);
        // The chart replica counts the program sets are held to the render.
        expect(input.pods.filter((p) => p.replicasKey !== undefined).map((p) => p.name)).toEqual(
            expect.arrayContaining([
                "cluster-autoscaler",
                "traefik",
                "oauth2-proxy",
                "cert-manager",
                "cert-manager-webhook",
                "prometheus-kube-prometheus-stack-prometheus",
                "alertmanager-kube-prometheus-stack-alertmanager",
                "prometheus-adapter",
            ]),
        );
    });

    it("places each pod on the pool its tolerations and node selector choose (no GPU toleration: the system pool)", () => {
        const misplaced = rows().flatMap((r) => {
            const maker = makers.find((m) => covers(r.owner, m));
            if (maker === undefined) return []; // a stale row, reported above
            const inputs = maker.resource.inputs;
            // An add-on's manifests, and a chart whose values leave scheduling to its defaults: the row's source says where it runs.
            const values = (inputs.values ?? {}) as Record<string, unknown>;
            if (
                r.owner.kind === "Addon" ||
                (r.owner.kind === "Release" && values.tolerations === undefined && values.nodeSelector === undefined)
            )
                return [];
            const spec =
                r.owner.kind in WORKLOAD_POD_SPEC
                    ? at(inputs, WORKLOAD_POD_SPEC[r.owner.kind]!)
                    : r.owner.kind === "Elasticsearch"
                      ? at(inputs, ["spec", "nodeSets", "0", "podTemplate", "spec"])
                      : inputs.values;
            const pools = poolsOf(spec);
            return JSON.stringify(pools) === JSON.stringify(r.pools)
                ? []
                : [`${r.name}: capacity input ${r.pools.join("+")}, render ${pools.join("+")}`];
        });
        expect(misplaced).toEqual([]);
    });
});
