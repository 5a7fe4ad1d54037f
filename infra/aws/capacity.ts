/**
 * Does the largest pod scheduled to a pool fit one of its nodes, after the
 * DaemonSets that run on every node of that pool? And can the GPU pool hold
 * Triton's HPA maximum? Config validation asks this before anything is
 * created: a pod that fits no node stays Pending, and
 * Cluster Autoscaler cannot help (no node group would fit it either).
 * Which pods and DaemonSets run on the pools, and their requests: ./workloads.ts.
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

/** A pod the stack schedules to a pool: its name (what `kubectl get pods` shows, less the suffixes) and its requests ({@link podRequests}). */
export type PoolPod = RequestsOrigin & {
    readonly name: string;
    readonly pool: PoolName;
    readonly requests: Amounts;
    readonly owner: PodOwner;
    /** The chart value the program sets the requests with (`resources`): tests hold the requests to the render's. */
    readonly valuesKey?: string;
};

/** A DaemonSet that runs on every node of the pools it lists, and what it requests there. */
export interface NodeDaemonSet {
    readonly name: string;
    readonly pools: readonly PoolName[];
    readonly requests: Amounts;
    readonly source: string;
    readonly owner: PodOwner;
    /** As {@link PoolPod.valuesKey}. */
    readonly valuesKey?: string;
}

const fmtCpu = (m: number) => (m % 1000 === 0 ? `${m / 1000}` : `${Math.round(m)}m`);
const fmtMem = (mi: number) => (mi % 1024 === 0 ? `${mi / 1024}Gi` : `${Math.round(mi)}Mi`);
const fmt = (a: Amounts) => `cpu ${fmtCpu(a.cpuMilli)}, memory ${fmtMem(a.memoryMiB)}${a.gpus ? `, nvidia.com/gpu ${a.gpus}` : ""}`;

export interface CapacityInput {
    readonly pools: Readonly<Record<PoolName, { readonly instanceTypes: readonly string[]; readonly maxSize: number }>>;
    readonly pods: readonly PoolPod[];
    /** The DaemonSets of the pools (infra/aws/workloads.ts `NODE_DAEMONSETS`). */
    readonly daemonSets: readonly NodeDaemonSet[];
    /** Triton's HPA maximum and the GPUs each replica takes; undefined without a GPU Triton. */
    readonly gpuHpa?: { readonly maxReplicas: number; readonly gpusPerPod: number };
}

/**
 * Every pod that fits no instance type of its pool, every unknown instance
 * type, and a GPU HPA maximum beyond the GPU pool's GPUs, at once. Pure.
 */
export function capacityProblems(input: CapacityInput): ConfigProblem[] {
    const out: ConfigProblem[] = [];
    const daemonSets = input.daemonSets;
    for (const pool of ["system", "gpu"] as const) {
        const ds = daemonSets.filter((d) => d.pools.includes(pool));
        const overhead = {
            cpuMilli: ds.reduce((s, d) => s + d.requests.cpuMilli, 0),
            memoryMiB: ds.reduce((s, d) => s + d.requests.memoryMiB, 0),
        };
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
            const free = { cpuMilli: node.cpuMilli - overhead.cpuMilli, memoryMiB: node.memoryMiB - overhead.memoryMiB, gpus: node.gpus };
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
    const hpa = input.gpuHpa;
    if (hpa !== undefined) {
        const types = input.pools.gpu.instanceTypes.filter(isKnownInstanceType);
        if (types.length > 0) {
            const perNode = Math.min(...types.map((t) => Math.floor(INSTANCE_TYPES[t].gpus / hpa.gpusPerPod)));
            const fits = perNode * input.pools.gpu.maxSize;
            if (hpa.maxReplicas > fits) {
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
    return out;
}
