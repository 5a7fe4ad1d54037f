/**
 * Config validation asks, before anything is created:
 *
 * - per pod: does every pod scheduled to a pool fit one of its nodes, after
 *   the DaemonSets that run on every node of that pool? A pod that fits no
 *   node stays Pending, and Cluster Autoscaler cannot help (no node group
 *   would fit it either). And can the GPU pool hold Triton's HPA maximum?
 * - per pool: do all its pods fit at once? The steady state (every pod at its
 *   minimum replicas) must fit `desiredSize` nodes, so that the first
 *   `pulumi up` schedules everything without waiting for Cluster Autoscaler
 *   (itself one of those pods), and every pod at its HPA maximum must fit
 *   `maxSize` nodes, where Cluster Autoscaler stops. The pods are packed
 *   first-fit-decreasing into nodes of the pool's smallest instance type
 *   ({@link packedNodes}).
 *
 * Which pods and DaemonSets run on the pools, their requests and replicas: ./workloads.ts.
 */
import { quantityValue } from "../services/config";
import { problem, type ConfigProblem } from "../validation";

/**
 * EC2 instance types the pools may use: vCPUs, memory (MiB, as EC2 lists it)
 * and NVIDIA GPUs; `maxPods`, the VPC CNI's limit without prefix delegation,
 * what the EKS AMI's kubelet gets. A type not in this table is refused by the
 * pools' validation, so a new type comes with its row. Checked 2026-12-04:
 *
 * - `maxPods`, every row: awslabs/amazon-eks-ami@81fec2e895854f599974fe4d3d72f61c0a9aaffa
 *   (2026-07-23) `nodeadm/internal/kubelet/instance-info.jsonl` (`defaultMaxENIs`,
 *   `ipv4AddressesPerInterface`) with `eni_max_pods.go` `calculateStandardMaxPods`:
 *   ENIs × (IPv4 per ENI − 1) + 2.
 * - vCPU and memory: openshift/openshift-docs@13d25405f455280740cd65bfcaba0e5157236872
 *   `modules/rosa-sdpolicy-am-aws-compute-types.adoc` (AWS instance types, "(n vCPU, m GiB)");
 *   GPUs (and vCPU/memory again): meta-pytorch/torchx@3297a6e2d0be496feaa688980e2b5ed5175f06ab
 *   `torchx/specs/named_resources_aws.py` ("taken from aws.amazon.com/ec2/instance-types").
 * - Rows marked UNCONFIRMED: vCPU/memory/GPUs not in those sources (ROSA lists no
 *   `.large`; neither lists g6). Confirm with `aws ec2 describe-instance-types
 *   --instance-types m6i.large m7i.large g6.xlarge g6.2xlarge --query
 *   'InstanceTypes[].[InstanceType,VCpuInfo.DefaultVCpus,MemoryInfo.SizeInMiB,GpuInfo.Gpus[0].Count]'`.
 */
export const INSTANCE_TYPES = {
    // UNCONFIRMED vCPU/memory (maxPods confirmed: 3 ENIs × 10 IPs).
    "m6i.large": { vcpu: 2, memoryMiB: 8192, gpus: 0, maxPods: 29 },
    "m6i.xlarge": { vcpu: 4, memoryMiB: 16384, gpus: 0, maxPods: 58 },
    "m6i.2xlarge": { vcpu: 8, memoryMiB: 32768, gpus: 0, maxPods: 58 },
    "m6i.4xlarge": { vcpu: 16, memoryMiB: 65536, gpus: 0, maxPods: 234 },
    // UNCONFIRMED vCPU/memory (maxPods confirmed: 3 ENIs × 10 IPs).
    "m7i.large": { vcpu: 2, memoryMiB: 8192, gpus: 0, maxPods: 29 },
    "m7i.xlarge": { vcpu: 4, memoryMiB: 16384, gpus: 0, maxPods: 58 },
    "m7i.2xlarge": { vcpu: 8, memoryMiB: 32768, gpus: 0, maxPods: 58 },
    "g4dn.xlarge": { vcpu: 4, memoryMiB: 16384, gpus: 1, maxPods: 29 },
    "g4dn.2xlarge": { vcpu: 8, memoryMiB: 32768, gpus: 1, maxPods: 29 },
    "g5.xlarge": { vcpu: 4, memoryMiB: 16384, gpus: 1, maxPods: 58 },
    "g5.2xlarge": { vcpu: 8, memoryMiB: 32768, gpus: 1, maxPods: 58 },
    "g5.4xlarge": { vcpu: 16, memoryMiB: 65536, gpus: 1, maxPods: 234 },
    "g5.12xlarge": { vcpu: 48, memoryMiB: 196608, gpus: 4, maxPods: 737 },
    // UNCONFIRMED vCPU/memory/GPUs (maxPods confirmed: 4 ENIs × 15 IPs).
    "g6.xlarge": { vcpu: 4, memoryMiB: 16384, gpus: 1, maxPods: 58 },
    // UNCONFIRMED vCPU/memory/GPUs (maxPods confirmed: 4 ENIs × 15 IPs).
    "g6.2xlarge": { vcpu: 8, memoryMiB: 32768, gpus: 1, maxPods: 58 },
    "g6e.xlarge": { vcpu: 4, memoryMiB: 32768, gpus: 1, maxPods: 58 },
    "p4d.24xlarge": { vcpu: 96, memoryMiB: 1179648, gpus: 8, maxPods: 737 },
    // maxPods as the AMI computes it (defaultMaxENIs 2 in instance-info.jsonl: its default network card only).
    "p5.48xlarge": { vcpu: 192, memoryMiB: 2097152, gpus: 8, maxPods: 100 },
} as const;
/** Rows whose vCPU/memory/GPUs no offline source confirmed (see above). */
export const UNCONFIRMED_INSTANCE_TYPES: readonly InstanceTypeName[] = ["m6i.large", "m7i.large", "g6.xlarge", "g6.2xlarge"];
export type InstanceTypeName = keyof typeof INSTANCE_TYPES;

export function isKnownInstanceType(type: string): type is InstanceTypeName {
    return Object.prototype.hasOwnProperty.call(INSTANCE_TYPES, type);
}

/** CPU (millicores) and memory (MiB) a pod asks for, and GPUs. */
export interface Amounts {
    readonly cpuMilli: number;
    readonly memoryMiB: number;
    readonly gpus?: number;
}

/** The two node pools of the cloud layer (infra/aws/nodepools.ts). */
export type PoolName = "system" | "gpu";

/** Requests as a container writes them (`cpu: 250m`, `memory: 512Mi`), in {@link Amounts}; an unset amount is 0. */
export function requestsOf(requests: { readonly cpu?: string; readonly memory?: string }): Amounts {
    return {
        cpuMilli: requests.cpu === undefined ? 0 : quantityValue(requests.cpu) * 1000,
        memoryMiB: requests.memory === undefined ? 0 : quantityValue(requests.memory) / 2 ** 20,
    };
}

/**
 * What a pod requests of its node, as the scheduler counts it: the larger of
 * the sum over its containers and its largest init container (init containers
 * run one at a time, before the others), per resource.
 */
export function podRequests(containers: readonly Amounts[], initContainers: readonly Amounts[] = []): Amounts {
    const sum = (k: keyof Amounts) => containers.reduce((s, c) => s + (c[k] ?? 0), 0);
    const max = (k: keyof Amounts) => Math.max(0, ...initContainers.map((c) => c[k] ?? 0));
    const gpus = Math.max(sum("gpus"), max("gpus"));
    return {
        cpuMilli: Math.max(sum("cpuMilli"), max("cpuMilli")),
        memoryMiB: Math.max(sum("memoryMiB"), max("memoryMiB")),
        ...(gpus > 0 ? { gpus } : {}),
    };
}

/**
 * Allocatable of a node of `type`, as the EKS AMI's kubelet computes it
 * (amazon-eks-ami@81fec2e, nodeadm `internal/kubelet/config.go`
 * `getCPUMillicoresToReserve` (600/100/50/25 hundredths of a percent over
 * 0–1–2–4–n cores), `getMemoryMebibytesToReserve` (11 × maxPods + 255) and
 * `evictionHard` memory.available 100Mi; checked 2026-12-04): kube-reserved CPU 6 % of the first core, 1 %
 * of the second, 0.5 % of the next two, 0.25 % of the rest; kube-reserved
 * memory 11 MiB × maxPods + 255 MiB; hard eviction at 100 MiB available
 * memory; no system-reserved. The memory is EC2's nominal figure: the node
 * reports a little less (kernel, firmware), so this errs towards accepting.
 */
export function allocatable(type: InstanceTypeName): Required<Amounts> {
    const t = INSTANCE_TYPES[type];
    const cores = t.vcpu;
    const reservedCpu = 60 + (cores > 1 ? 10 : 0) + Math.min(Math.max(cores - 2, 0), 2) * 5 + Math.max(cores - 4, 0) * 2.5;
    return {
        cpuMilli: cores * 1000 - reservedCpu,
        memoryMiB: t.memoryMiB - (11 * t.maxPods + 255) - 100,
        gpus: t.gpus,
    };
}

/**
 * The object of a stack that makes a pod, as the render shows it: a workload
 * the program declares (by `metadata.name`), an operator resource, a Helm
 * release (by chart, at the version whose defaults were read) or an EKS add-on.
 */
export interface PodOwner {
    readonly kind: "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob" | "Elasticsearch" | "Release" | "Addon";
    /** `metadata.name`; a Release's chart; an Addon's `addonName`. */
    readonly name: string;
    /** A Release's chart version, whose defaults the requests were read from. */
    readonly version?: string;
    /** The name carries a content hash, `<name>-<10 hex digits>` (the index lifecycle Job). */
    readonly hashSuffix?: boolean;
}

/** Where a pod's requests come from: a config key, or (when no key sets them) a program constant or a chart's default. */
export type RequestsOrigin = { readonly key: string; readonly source?: undefined } | { readonly source: string; readonly key?: undefined };

/**
 * How many copies of a pod run. `min`: at steady state, the HPA's `minReplicas`
 * or the workload's replicas. `max`: at the HPA's `maxReplicas` (`min` without
 * an HPA). A Job's or CronJob's pod, a Helm hook's, an ACME solver's: one
 * ({@link RUN_ONCE}).
 */
export interface Replicas {
    readonly min: number;
    readonly max: number;
}

/**
 * A pod that runs to completion counts once, in the steady state as at the
 * maximum: the backup CronJobs' schedules overlap (02:00, 02:30 and 03:00,
 * each allowed hours, `concurrencyPolicy: Forbid` keeping one pod each), and
 * the first `pulumi up` runs the index lifecycle Job, the smoke test, the
 * charts' hook Jobs and the ACME solvers alongside everything else. Counting
 * them at once is what the scheduler may meet.
 */
export const RUN_ONCE: Replicas = { min: 1, max: 1 };

/** A fixed replica count (no HPA). */
export const replicas = (n: number): Replicas => ({ min: n, max: n });

/** A pod the stack schedules to a pool: its name (what `kubectl get pods` shows, less the suffixes), its requests ({@link podRequests}) and its replicas. */
export type PoolPod = RequestsOrigin & {
    readonly name: string;
    readonly pool: PoolName;
    readonly requests: Amounts;
    readonly replicas: Replicas;
    readonly owner: PodOwner;
    /**
     * The chart values that set the requests of the pod's containers, one dotted path to a
     * `resources` per container (a path twice when two containers take it): tests hold the
     * requests, summed, to the render's.
     */
    readonly valuesKeys?: readonly string[];
    /** The chart value that sets the replica count (a dotted path): tests hold `replicas` to the render's. */
    readonly replicasKey?: string;
};

/** A DaemonSet that runs on every node of the pools it lists, and what it requests there. */
export interface NodeDaemonSet {
    readonly name: string;
    readonly pools: readonly PoolName[];
    readonly requests: Amounts;
    readonly source: string;
    readonly owner: PodOwner;
    /** As {@link PoolPod.valuesKeys}. */
    readonly valuesKeys?: readonly string[];
}

const fmtCpu = (m: number) => (m % 1000 === 0 ? `${m / 1000}` : `${Math.round(m)}m`);
const fmtMem = (mi: number) => (mi % 1024 === 0 ? `${mi / 1024}Gi` : `${Math.round(mi)}Mi`);
const fmt = (a: Amounts) => `cpu ${fmtCpu(a.cpuMilli)}, memory ${fmtMem(a.memoryMiB)}${a.gpus ? `, nvidia.com/gpu ${a.gpus}` : ""}`;

/** What the check reads of a node pool (`cloud.nodePools.<pool>`). */
export interface PoolSizes {
    readonly instanceTypes: readonly string[];
    readonly desiredSize: number;
    readonly maxSize: number;
}

export interface CapacityInput {
    readonly pools: Readonly<Record<PoolName, PoolSizes>>;
    readonly pods: readonly PoolPod[];
    /** The DaemonSets of the pools (infra/aws/workloads.ts `NODE_DAEMONSETS`). */
    readonly daemonSets: readonly NodeDaemonSet[];
    /** Triton's HPA maximum and the GPUs each replica takes; undefined without a GPU Triton. */
    readonly gpuHpa?: { readonly maxReplicas: number; readonly gpusPerPod: number };
}

/** What one node of a pool has left for its pods: allocatable less the DaemonSets' requests, and its pod slots (max pods less the DaemonSets' pods). */
export interface NodeRoom extends Required<Amounts> {
    readonly pods: number;
}

/** The room on a node of `type` after `daemonSets` (those that run on its pool). */
export function nodeRoom(type: InstanceTypeName, daemonSets: readonly NodeDaemonSet[]): NodeRoom {
    const node = allocatable(type);
    const used = (k: "cpuMilli" | "memoryMiB") => daemonSets.reduce((s, d) => s + d.requests[k], 0);
    return {
        cpuMilli: node.cpuMilli - used("cpuMilli"),
        memoryMiB: node.memoryMiB - used("memoryMiB"),
        gpus: node.gpus,
        pods: INSTANCE_TYPES[type].maxPods - daemonSets.length,
    };
}

/** Whether a pod's requests fit in `room`, a pod slot included. */
function fits(pod: Amounts, room: NodeRoom): boolean {
    return pod.cpuMilli <= room.cpuMilli && pod.memoryMiB <= room.memoryMiB && (pod.gpus ?? 0) <= room.gpus && room.pods >= 1;
}

/**
 * How many nodes of `room` hold `pods` when packed first-fit-decreasing: the
 * pods sorted by their largest share of a node (CPU, memory or GPUs), largest
 * first; each goes to the first node with room for it (CPU, memory, GPUs and a
 * pod slot), or opens a new one. A sum alone would split pods across nodes.
 * The scheduler packs no tighter: it places pods in the order they come and
 * prefers the least-allocated node, so a pool this fills exactly can still
 * leave a pod Pending. Every pod must fit an empty node (the per-pod check).
 * Pure.
 */
export function packedNodes(pods: readonly Amounts[], room: NodeRoom): number {
    const part = (x: number, of: number) => (x === 0 ? 0 : x / of);
    const share = (a: Amounts) =>
        Math.max(part(a.cpuMilli, room.cpuMilli), part(a.memoryMiB, room.memoryMiB), part(a.gpus ?? 0, room.gpus));
    const sorted = [...pods].sort((a, b) => share(b) - share(a));
    const nodes: { cpuMilli: number; memoryMiB: number; gpus: number; pods: number }[] = [];
    for (const pod of sorted) {
        let node = nodes.find((n) => fits(pod, n));
        if (node === undefined) {
            if (!fits(pod, room)) throw new Error(`packedNodes: a pod of ${fmt(pod)} fits no empty node (${fmt(room)})`);
            node = { ...room };
            nodes.push(node);
        }
        node.cpuMilli -= pod.cpuMilli;
        node.memoryMiB -= pod.memoryMiB;
        node.gpus -= pod.gpus ?? 0;
        node.pods -= 1;
    }
    return nodes.length;
}

/** The smallest of a pool's instance types (fewest vCPUs, then least memory): the nodes Cluster Autoscaler may add at worst. */
function smallestType(types: readonly InstanceTypeName[]): InstanceTypeName | undefined {
    return [...types].sort(
        (a, b) => INSTANCE_TYPES[a].vcpu - INSTANCE_TYPES[b].vcpu || INSTANCE_TYPES[a].memoryMiB - INSTANCE_TYPES[b].memoryMiB,
    )[0];
}

const times = (a: Required<Amounts>, n: number): Amounts => ({ cpuMilli: a.cpuMilli * n, memoryMiB: a.memoryMiB * n, gpus: a.gpus * n });
const total = (pods: readonly Amounts[]): Amounts => ({
    cpuMilli: pods.reduce((s, p) => s + p.cpuMilli, 0),
    memoryMiB: pods.reduce((s, p) => s + p.memoryMiB, 0),
    gpus: pods.reduce((s, p) => s + (p.gpus ?? 0), 0),
});

/** A pool's pods at steady state or at their maximums: how many, their summed requests, and the nodes they pack onto. */
export interface PoolLoad {
    readonly pods: number;
    readonly requests: Amounts;
    readonly nodes: number;
}

/**
 * What a pool's pods take of its nodes: the pool's smallest instance type,
 * the room on each of its nodes after the pool's DaemonSets, and the pods
 * packed ({@link packedNodes}) at steady state (every pod at `replicas.min`)
 * and at their maximums (`replicas.max`). Undefined when an instance type is
 * unknown or a pod fits no node of the smallest type (the per-pod check
 * reports both). Pure.
 */
export function poolLoad(
    sizes: Pick<PoolSizes, "instanceTypes">,
    pods: readonly PoolPod[],
    daemonSets: readonly NodeDaemonSet[],
): { readonly type: InstanceTypeName; readonly room: NodeRoom; readonly steady: PoolLoad; readonly peak: PoolLoad } | undefined {
    const known = sizes.instanceTypes.filter(isKnownInstanceType);
    const type = smallestType(known);
    if (type === undefined || known.length !== sizes.instanceTypes.length) return undefined;
    const room = nodeRoom(type, daemonSets);
    if (pods.some((p) => !fits(p.requests, room))) return undefined;
    const load = (bound: keyof Replicas): PoolLoad => {
        const copies = pods.flatMap((p) => Array.from({ length: p.replicas[bound] }, () => p.requests));
        return { pods: copies.length, requests: total(copies), nodes: packedNodes(copies, room) };
    };
    return { type, room, steady: load("min"), peak: load("max") };
}

/**
 * The aggregate check of one pool: the steady state against `maxSize`, then
 * `desiredSize`; the pods at their HPA maximums against `maxSize` (unless
 * `peakReported`: the GPU HPA rule said it). One problem per size key at most.
 */
function poolProblems(
    pool: PoolName,
    sizes: PoolSizes,
    pods: readonly PoolPod[],
    daemonSets: readonly NodeDaemonSet[],
    peakReported: boolean,
): ConfigProblem[] {
    const load = poolLoad(sizes, pods, daemonSets);
    if (load === undefined) return [];
    const { type, room, steady, peak } = load;
    const key = (k: string) => `cloud.nodePools.${pool}.${k}`;
    const packing = (l: PoolLoad) =>
        `${l.pods} pods, ${fmt(l.requests)}) pack first-fit-decreasing onto ${l.nodes} ${type} nodes of ${fmt(room)} and ${room.pods} pods each after the DaemonSets (${daemonSets.map((d) => d.name).join(", ")})`;
    const holding = (n: number) => `${n}, which hold ${fmt(times(room, n))}`;
    const steadyText = `the ${pool} pool's pods at steady state (every pod at its minimum replicas: ${packing(steady)}`;
    const larger = `choose a larger instance type for ${key("instanceTypes")}`;
    if (steady.nodes > sizes.maxSize) {
        return [
            problem(
                key("maxSize"),
                sizes.maxSize,
                `${steadyText}, but the pool has at most ${holding(sizes.maxSize)}: raise ${key("maxSize")} and ${key("desiredSize")} to ≥ ${steady.nodes}, ${larger}, or lower the replicas or requests`,
            ),
        ];
    }
    const out: ConfigProblem[] = [];
    if (steady.nodes > sizes.desiredSize) {
        const waiting =
            pool === "system"
                ? "until Cluster Autoscaler, itself one of them, adds nodes"
                : "until Cluster Autoscaler adds GPU nodes, minutes each";
        out.push(
            problem(
                key("desiredSize"),
                sizes.desiredSize,
                `${steadyText}, but the pool starts with ${holding(sizes.desiredSize)}: the first pulumi up would leave pods Pending ${waiting}; set ${key("desiredSize")} to ≥ ${steady.nodes} (Cluster Autoscaler owns the size after the first up) or ${larger}`,
            ),
        );
    }
    if (peak.nodes > sizes.maxSize && !peakReported) {
        const scaled = pods.filter((p) => p.replicas.max > p.replicas.min).map((p) => `${p.name} ${p.replicas.min}→${p.replicas.max}`);
        const hpaKeys = pool === "gpu" ? "inference.gpu.maxReplicas" : "services.<name>.autoscaling.maxReplicas";
        out.push(
            problem(
                key("maxSize"),
                sizes.maxSize,
                `at their HPA maximums (${scaled.join(", ")}) the ${pool} pool's pods (${packing(peak)}, but the pool has at most ${holding(sizes.maxSize)}: Cluster Autoscaler stops there and the replicas past it stay Pending under the load that asked for them; raise ${key("maxSize")} to ≥ ${peak.nodes}, ${larger}, or lower the HPA maximums (${hpaKeys})`,
            ),
        );
    }
    return out;
}

/**
 * Every pod that fits no instance type of its pool, every unknown instance
 * type, a GPU HPA maximum beyond the GPU pool's GPUs, and every pool whose
 * pods do not fit it at once (steady state over `desiredSize` or `maxSize`,
 * HPA maximums over `maxSize`), at once. Pure.
 */
export function capacityProblems(input: CapacityInput): ConfigProblem[] {
    const out: ConfigProblem[] = [];
    const daemonSets = input.daemonSets;
    for (const pool of ["system", "gpu"] as const) {
        const ds = daemonSets.filter((d) => d.pools.includes(pool));
        input.pools[pool].instanceTypes.forEach((type, i) => {
            if (!isKnownInstanceType(type)) {
                out.push(
                    problem(
                        `cloud.nodePools.${pool}.instanceTypes.${i}`,
                        type,
                        `an instance type of the capacity table (infra/aws/capacity.ts: ${Object.keys(INSTANCE_TYPES).join(", ")}); add its row (vCPU, memory, GPUs, max pods) with its source to use it`,
                    ),
                );
                return;
            }
            const node = allocatable(type);
            const free = nodeRoom(type, ds);
            for (const pod of input.pods.filter((p) => p.pool === pool)) {
                const r = pod.requests;
                if (r.cpuMilli <= free.cpuMilli && r.memoryMiB <= free.memoryMiB && (r.gpus ?? 0) <= free.gpus) continue;
                const fix =
                    pod.key === undefined
                        ? `choose a larger instance type for cloud.nodePools.${pool}.instanceTypes (no config key sets these requests)`
                        : `lower the requests or choose a larger instance type for cloud.nodePools.${pool}.instanceTypes`;
                out.push(
                    problem(
                        pod.key ?? pod.source,
                        `${pod.name}: ${fmt(r)}`,
                        `pod ${pod.name} requests ${fmt(r)}, but a ${type} node of the ${pool} pool has ${fmt(node)} allocatable (EKS AMI reservations), ${fmt(free)} after the DaemonSets (${ds.map((d) => d.name).join(", ")}): ${fix}`,
                    ),
                );
            }
        });
    }
    let gpuHpaReported = false;
    const hpa = input.gpuHpa;
    if (hpa !== undefined) {
        const types = input.pools.gpu.instanceTypes.filter(isKnownInstanceType);
        if (types.length > 0) {
            const perNode = Math.min(...types.map((t) => Math.floor(INSTANCE_TYPES[t].gpus / hpa.gpusPerPod)));
            const fits = perNode * input.pools.gpu.maxSize;
            if (hpa.maxReplicas > fits) {
                gpuHpaReported = true;
                out.push(
                    problem(
                        "inference.gpu.maxReplicas",
                        hpa.maxReplicas,
                        `Triton's HPA may scale to ${hpa.maxReplicas} replicas of ${hpa.gpusPerPod} GPU, but the GPU pool holds at most ${fits} (cloud.nodePools.gpu.maxSize ${input.pools.gpu.maxSize} × ${perNode} per ${types.join("/")} node): set inference.gpu.maxReplicas ≤ ${fits} or raise cloud.nodePools.gpu.maxSize`,
                    ),
                );
            }
        }
    }
    for (const pool of ["system", "gpu"] as const) {
        const pods = input.pods.filter((p) => p.pool === pool);
        const ds = daemonSets.filter((d) => d.pools.includes(pool));
        out.push(...poolProblems(pool, input.pools[pool], pods, ds, pool === "gpu" && gpuHpaReported));
    }
    return out;
}
