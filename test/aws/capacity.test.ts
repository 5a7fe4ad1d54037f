import {
    allocatable,
    capacityProblems,
    nodeRoom,
    packedNodes,
    podRequests,
    poolLoad,
    replicas,
    requestsOf,
    type PoolPod,
} from "../../infra/aws/capacity";
import { NODE_DAEMONSETS, systemPoolFixedPods } from "../../infra/aws/workloads";
import { capacityInputFor, parseConfig } from "../../infra/config";
import { ConfigValidationError } from "../../infra/validation";
import { readStackConfig } from "../../tools/lib/project";
import { configProblems, parseValues, PROD_ROUTING, PROD_SECRETS, rejectionProblems } from "../support/config-fixtures";
import { ROOT } from "../support/harness";

const CLOUD = { accountId: "123456789012", region: "eu-west-1", cluster: { adminRoleArns: ["arn:aws:iam::123456789012:role/deployer"] } };
/**
 * A system pool of m6i.large large enough as a whole for everything below: the
 * per-pod tests hold one pod to one node of it (1715m / 7318Mi after the DaemonSets).
 */
const LARGE_POOL = { nodePools: { system: { instanceTypes: ["m6i.large"], minSize: 2, desiredSize: 12, maxSize: 16 } } };
const values = (env: string, extra: Record<string, unknown> = {}) => ({
    environment: env,
    serviceDefaults: { replicas: 2 },
    ...PROD_ROUTING,
    cloud: CLOUD,
    ...extra,
});
const problems = (v: Record<string, unknown>, stack: string) => rejectionProblems(v, stack, PROD_SECRETS);
const accepted = (v: Record<string, unknown>, stack: string) => configProblems(v, stack, PROD_SECRETS);

describe("node allocatable by the EKS AMI's reservations", () => {
    it("gives an m6i.large 1930m and 7518Mi, a g5.xlarge 3920m and 15391Mi", () => {
        expect(allocatable("m6i.large")).toEqual({ cpuMilli: 1930, memoryMiB: 7518, gpus: 0 });
        expect(allocatable("g5.xlarge")).toEqual({ cpuMilli: 3920, memoryMiB: 15391, gpus: 1 });
        expect(allocatable("g5.2xlarge")).toEqual({ cpuMilli: 7910, memoryMiB: 31775, gpus: 1 });
    });

    it("counts 215m and 200Mi of DaemonSets on every node, none of them GPU-only with requests", () => {
        const onGpu = NODE_DAEMONSETS.filter((d) => d.pools.includes("gpu"));
        expect(onGpu.reduce((s, d) => s + d.requests.cpuMilli, 0)).toBe(215);
        expect(onGpu.reduce((s, d) => s + d.requests.memoryMiB, 0)).toBe(200);
    });
});

describe("capacity validation: every pod fits a node of its pool", () => {
    it("accepts the defaults in staging and prod", () => {
        expect(() => parseValues(values("staging"), "staging", PROD_SECRETS)).not.toThrow();
        expect(() => parseValues(values("prod"), "prod", PROD_SECRETS)).not.toThrow();
    });

    it("refuses Triton at 4 CPU / 16Gi on a g5.xlarge, naming the pod, its requests, the type and its allocatable", () => {
        expect(
            problems(
                values("staging", {
                    inference: { gpu: { resources: { requests: { cpu: "4", memory: "16Gi" }, limits: { cpu: "8", memory: "32Gi" } } } },
                }),
                "staging",
            ),
        ).toEqual([
            'inference.gpu.resources.requests: "triton: cpu 4, memory 16Gi, nvidia.com/gpu 1" is not allowed (pod triton requests cpu 4, memory 16Gi, nvidia.com/gpu 1, but a g5.xlarge node of the gpu pool has cpu 3920m, memory 15391Mi, nvidia.com/gpu 1 allocatable (EKS AMI reservations), cpu 3705m, memory 15191Mi, nvidia.com/gpu 1 after the DaemonSets (aws-node, kube-proxy, ebs-csi-node, fluent-bit, med-agi-logrotate, prometheus-node-exporter, nvidia-device-plugin, dcgm-exporter): lower the requests or choose a larger instance type for cloud.nodePools.gpu.instanceTypes)',
        ]);
    });

    it("accepts Triton at the last request that fits a g5.xlarge (3705m) and refuses one millicore more", () => {
        const triton = (cpu: string) => ({
            inference: { gpu: { resources: { requests: { cpu, memory: "12Gi" }, limits: { cpu: "4", memory: "14Gi" } } } },
        });
        expect(accepted(values("staging", triton("3705m")), "staging")).toEqual([]);
        expect(problems(values("staging", triton("3706m")), "staging")).toHaveLength(1);
    });

    it("refuses triton-cpu at 2 CPU on an m6i.large, and accepts it on the default m6i.xlarge", () => {
        const cpu2 = { inference: { cpu: { resources: { requests: { cpu: "2", memory: "4Gi" }, limits: { cpu: "4", memory: "8Gi" } } } } };
        expect(
            problems(values("staging", { ...cpu2, cloud: { ...CLOUD, ...LARGE_POOL } }), "staging").map(
                (p) => p.split(" is not allowed")[0],
            ),
        ).toEqual(['inference.cpu.resources.requests: "triton-cpu: cpu 2010m, memory 4104Mi"']);
        expect(accepted(values("staging", cpu2), "staging")).toEqual([]);
    });

    it("refuses a GPU HPA maximum beyond the GPU pool (prod: 6 replicas, 4 GPUs) and accepts it at the pool's size", () => {
        const prodPools = { nodePools: { gpu: { instanceTypes: ["g5.2xlarge"], minSize: 1, desiredSize: 2, maxSize: 4 } } };
        expect(problems(values("prod", { cloud: { ...CLOUD, ...prodPools }, inference: { gpu: { maxReplicas: 6 } } }), "prod")).toEqual([
            "inference.gpu.maxReplicas: 6 is not allowed (Triton's HPA may scale to 6 replicas of 1 GPU, but the GPU pool holds at most 4 (cloud.nodePools.gpu.maxSize 4 × 1 per g5.2xlarge node): set inference.gpu.maxReplicas ≤ 4 or raise cloud.nodePools.gpu.maxSize)",
        ]);
        expect(accepted(values("prod", { cloud: { ...CLOUD, ...prodPools }, inference: { gpu: { maxReplicas: 4 } } }), "prod")).toEqual([]);
    });

    it("refuses an instance type without a row in the capacity table", () => {
        expect(
            capacityProblems({
                pools: {
                    system: { instanceTypes: ["m5.large"], desiredSize: 2, maxSize: 2 },
                    gpu: { instanceTypes: ["g5.xlarge"], desiredSize: 1, maxSize: 1 },
                },
                pods: [],
                daemonSets: NODE_DAEMONSETS,
            }).map((p) => p.path),
        ).toEqual(["cloud.nodePools.system.instanceTypes.0"]);
    });
});

const DAEMONSETS_ON_SYSTEM = "aws-node, kube-proxy, ebs-csi-node, fluent-bit, med-agi-logrotate, prometheus-node-exporter";

describe("capacity validation: the Elasticsearch nodes (dataStores.elasticsearch.resources)", () => {
    // m6i.large: 1930m / 7518Mi allocatable, 1715m / 7318Mi after the DaemonSets.
    const es = (requests: { cpu: string; memory: string }, limit = requests.memory) => ({
        dataStores: { elasticsearch: { resources: { requests, limits: { memory: limit } } } },
        cloud: { ...CLOUD, ...LARGE_POOL },
    });

    it("accepts a node that takes all the CPU an m6i.large has left (1715m) and refuses one millicore more", () => {
        expect(accepted(values("staging", es({ cpu: "1715m", memory: "4Gi" })), "staging")).toEqual([]);
        expect(problems(values("staging", es({ cpu: "1716m", memory: "4Gi" })), "staging")).toEqual([
            `dataStores.elasticsearch.resources.requests: "med-agi-search-es-default: cpu 1716m, memory 4Gi" is not allowed (pod med-agi-search-es-default requests cpu 1716m, memory 4Gi, but a m6i.large node of the system pool has cpu 1930m, memory 7518Mi allocatable (EKS AMI reservations), cpu 1715m, memory 7318Mi after the DaemonSets (${DAEMONSETS_ON_SYSTEM}): lower the requests or choose a larger instance type for cloud.nodePools.system.instanceTypes)`,
        ]);
    });

    it("accepts a node that takes all the memory an m6i.large has left (7318Mi) and refuses one MiB more", () => {
        expect(accepted(values("staging", es({ cpu: "1", memory: "7318Mi" })), "staging")).toEqual([]);
        expect(problems(values("staging", es({ cpu: "1", memory: "7319Mi" })), "staging")).toEqual([
            `dataStores.elasticsearch.resources.requests: "med-agi-search-es-default: cpu 1, memory 7319Mi" is not allowed (pod med-agi-search-es-default requests cpu 1, memory 7319Mi, but a m6i.large node of the system pool has cpu 1930m, memory 7518Mi allocatable (EKS AMI reservations), cpu 1715m, memory 7318Mi after the DaemonSets (${DAEMONSETS_ON_SYSTEM}): lower the requests or choose a larger instance type for cloud.nodePools.system.instanceTypes)`,
        ]);
    });

    it("accepts 8Gi nodes on an m6i.xlarge system pool, which an m6i.large refuses", () => {
        const big = es({ cpu: "2", memory: "8Gi" });
        const xlarge = { nodePools: { system: { instanceTypes: ["m6i.xlarge"], minSize: 4, desiredSize: 4, maxSize: 6 } } };
        expect(accepted(values("prod", { ...big, cloud: { ...CLOUD, ...xlarge } }), "prod")).toEqual([]);
        expect(problems(values("staging", big), "staging").map((p) => p.split(" is not allowed")[0])).toEqual([
            'dataStores.elasticsearch.resources.requests: "med-agi-search-es-default: cpu 2, memory 8Gi"',
        ]);
    });

    it("counts ECK's init container when it asks for more than the node's own request (max of init and containers)", () => {
        // elastic-internal-init-filesystem requests 100m/50Mi: a 50m/32Mi node still needs 100m/50Mi to start.
        expect(podRequests([requestsOf({ cpu: "50m", memory: "32Mi" })], [{ cpuMilli: 100, memoryMiB: 50 }])).toEqual({
            cpuMilli: 100,
            memoryMiB: 50,
        });
    });
});

describe("capacity validation: pods whose requests no config key sets", () => {
    const operator = systemPoolFixedPods({ traefik: 2, oauth2Proxy: 2, prometheus: 1, alertmanager: 1 }).find(
        (p) => p.name === "elastic-operator",
    )!;
    // A DaemonSet leaving exactly `cpu` millicores of an m6i.large (1930m allocatable) to the operator's 100m.
    const leaving = (cpu: number) =>
        capacityProblems({
            pools: {
                system: { instanceTypes: ["m6i.large"], desiredSize: 2, maxSize: 2 },
                gpu: { instanceTypes: ["g5.xlarge"], desiredSize: 1, maxSize: 1 },
            },
            pods: [operator],
            daemonSets: [
                {
                    name: "filler",
                    pools: ["system"],
                    requests: { cpuMilli: 1930 - cpu, memoryMiB: 0 },
                    source: "test",
                    owner: { kind: "DaemonSet", name: "filler" },
                },
            ],
        });

    it("names the chart default the requests come from, and the instance types to change", () => {
        expect(leaving(100)).toEqual([]);
        expect(leaving(99).map((p) => p.message)).toEqual([
            `${operator.source}: "elastic-operator: cpu 100m, memory 150Mi" is not allowed (pod elastic-operator requests cpu 100m, memory 150Mi, but a m6i.large node of the system pool has cpu 1930m, memory 7518Mi allocatable (EKS AMI reservations), cpu 99m, memory 7518Mi after the DaemonSets (filler): choose a larger instance type for cloud.nodePools.system.instanceTypes (no config key sets these requests))`,
        ]);
        expect(leaving(99)[0]!.path).toBe(
            "eck-operator chart 3.5.0 default (elastic/cloud-on-k8s v3.5.0 = 386c7b1, deploy/eck-operator/values.yaml resources.requests 100m/150Mi, replicaCount 1)",
        );
    });
});

describe("capacity validation: each pool holds all its pods at once", () => {
    const onSystem = NODE_DAEMONSETS.filter((d) => d.pools.includes("system"));
    // m6i.large: 1715m, 7318Mi and 23 pods (29 less the 6 DaemonSets) after the system pool's DaemonSets.
    const room = nodeRoom("m6i.large", onSystem);
    const app = (cpuMilli: number, r: { min: number; max: number }): PoolPod => ({
        name: "app",
        pool: "system",
        requests: { cpuMilli, memoryMiB: 1024 },
        replicas: r,
        source: "test",
        owner: { kind: "Deployment", name: "app" },
    });
    const check = (pod: PoolPod, desiredSize: number, maxSize: number) =>
        capacityProblems({
            pools: {
                system: { instanceTypes: ["m6i.large"], desiredSize, maxSize },
                gpu: { instanceTypes: ["g5.xlarge"], desiredSize: 0, maxSize: 1 },
            },
            pods: [pod],
            daemonSets: NODE_DAEMONSETS,
        }).map((p) => p.message);
    const DS = "aws-node, kube-proxy, ebs-csi-node, fluent-bit, med-agi-logrotate, prometheus-node-exporter";

    it("packs whole pods: two of 857m share an m6i.large (1714m of 1715m), two of 858m do not", () => {
        expect(room).toEqual({ cpuMilli: 1715, memoryMiB: 7318, gpus: 0, pods: 23 });
        const pods = (cpuMilli: number, n: number) => Array.from({ length: n }, () => ({ cpuMilli, memoryMiB: 1024 }));
        expect(packedNodes(pods(857, 4), room)).toBe(2);
        // Their sum (3432m) is two thirds of three nodes' 5145m: a sum alone would accept them on 3.
        expect(packedNodes(pods(858, 4), room)).toBe(4);
    });

    it("packs by the scarcest of CPU, memory and pod slots, largest pods first", () => {
        expect(
            packedNodes(
                Array.from({ length: 23 }, () => ({ cpuMilli: 0, memoryMiB: 0 })),
                room,
            ),
        ).toBe(1);
        expect(
            packedNodes(
                Array.from({ length: 24 }, () => ({ cpuMilli: 0, memoryMiB: 0 })),
                room,
            ),
        ).toBe(2);
        expect(
            packedNodes(
                Array.from({ length: 2 }, () => ({ cpuMilli: 10, memoryMiB: 3660 })),
                room,
            ),
        ).toBe(2);
        // First-fit-decreasing: the 1200m pods open nodes the 500m pods then fill; in the given order they would need 3.
        const mixed = [500, 500, 1200, 1200].map((cpuMilli) => ({ cpuMilli, memoryMiB: 0 }));
        expect(packedNodes(mixed, room)).toBe(2);
    });

    it("accepts a steady state that just fits maxSize (4 × 857m on 2 of 3 nodes) and refuses one that does not (4 × 858m take 4)", () => {
        expect(check(app(857, replicas(4)), 3, 3)).toEqual([]);
        expect(check(app(858, replicas(4)), 3, 3)).toEqual([
            `cloud.nodePools.system.maxSize: 3 is not allowed (the system pool's pods at steady state (every pod at its minimum replicas: 4 pods, cpu 3432m, memory 4Gi) pack first-fit-decreasing onto 4 m6i.large nodes of cpu 1715m, memory 7318Mi and 23 pods each after the DaemonSets (${DS}), but the pool has at most 3, which hold cpu 5145m, memory 21954Mi: raise cloud.nodePools.system.maxSize and cloud.nodePools.system.desiredSize to ≥ 4, choose a larger instance type for cloud.nodePools.system.instanceTypes, or lower the replicas or requests)`,
        ]);
    });

    it("accepts a steady state that just fits desiredSize and refuses one that needs Cluster Autoscaler on the first up", () => {
        expect(check(app(857, replicas(4)), 2, 4)).toEqual([]);
        expect(check(app(858, replicas(4)), 2, 4)).toEqual([
            `cloud.nodePools.system.desiredSize: 2 is not allowed (the system pool's pods at steady state (every pod at its minimum replicas: 4 pods, cpu 3432m, memory 4Gi) pack first-fit-decreasing onto 4 m6i.large nodes of cpu 1715m, memory 7318Mi and 23 pods each after the DaemonSets (${DS}), but the pool starts with 2, which hold cpu 3430m, memory 14636Mi: the first pulumi up would leave pods Pending until Cluster Autoscaler, itself one of them, adds nodes; set cloud.nodePools.system.desiredSize to ≥ 4 (Cluster Autoscaler owns the size after the first up) or choose a larger instance type for cloud.nodePools.system.instanceTypes)`,
        ]);
    });

    it("accepts HPA maximums that just fit maxSize and refuses those that do not", () => {
        expect(check(app(857, { min: 2, max: 4 }), 2, 2)).toEqual([]);
        expect(check(app(858, { min: 2, max: 4 }), 2, 2)).toEqual([
            `cloud.nodePools.system.maxSize: 2 is not allowed (at their HPA maximums (app 2→4) the system pool's pods (4 pods, cpu 3432m, memory 4Gi) pack first-fit-decreasing onto 4 m6i.large nodes of cpu 1715m, memory 7318Mi and 23 pods each after the DaemonSets (${DS}), but the pool has at most 2, which hold cpu 3430m, memory 14636Mi: Cluster Autoscaler stops there and the replicas past it stay Pending under the load that asked for them; raise cloud.nodePools.system.maxSize to ≥ 4, choose a larger instance type for cloud.nodePools.system.instanceTypes, or lower the HPA maximums (services.<name>.autoscaling.maxReplicas))`,
        ]);
    });

    it("leaves a pool whose pod fits no node to the per-pod check: one problem, not two", () => {
        expect(check(app(1716, replicas(4)), 1, 1).map((m) => m.split(" is not allowed")[0])).toEqual([
            'test: "app: cpu 1716m, memory 1Gi"',
        ]);
    });

    it("refuses the system pool staging had (m6i.large, desired 2, max 4): its steady state takes 5", () => {
        const former = { nodePools: { system: { instanceTypes: ["m6i.large"], minSize: 2, desiredSize: 2, maxSize: 4 } } };
        expect(problems(values("staging", { cloud: { ...CLOUD, ...former } }), "staging")).toEqual([
            `cloud.nodePools.system.maxSize: 4 is not allowed (the system pool's pods at steady state (every pod at its minimum replicas: 51 pods, cpu 8250m, memory 21668Mi) pack first-fit-decreasing onto 5 m6i.large nodes of cpu 1715m, memory 7318Mi and 23 pods each after the DaemonSets (${DS}), but the pool has at most 4, which hold cpu 6860m, memory 29272Mi: raise cloud.nodePools.system.maxSize and cloud.nodePools.system.desiredSize to ≥ 5, choose a larger instance type for cloud.nodePools.system.instanceTypes, or lower the replicas or requests)`,
        ]);
    });

    it("refuses a GPU pool that starts with fewer nodes than Triton's minimum (prod: 2 replicas of 1 GPU)", () => {
        const gpu1 = { nodePools: { gpu: { instanceTypes: ["g5.xlarge"], minSize: 1, desiredSize: 1, maxSize: 2 } } };
        expect(problems(values("prod", { cloud: { ...CLOUD, ...gpu1 } }), "prod")).toEqual([
            "cloud.nodePools.gpu.desiredSize: 1 is not allowed (the gpu pool's pods at steady state (every pod at its minimum replicas: 2 pods, cpu 6, memory 24Gi, nvidia.com/gpu 2) pack first-fit-decreasing onto 2 g5.xlarge nodes of cpu 3705m, memory 15191Mi, nvidia.com/gpu 1 and 50 pods each after the DaemonSets (aws-node, kube-proxy, ebs-csi-node, fluent-bit, med-agi-logrotate, prometheus-node-exporter, nvidia-device-plugin, dcgm-exporter), but the pool starts with 1, which hold cpu 3705m, memory 15191Mi, nvidia.com/gpu 1: the first pulumi up would leave pods Pending until Cluster Autoscaler adds GPU nodes, minutes each; set cloud.nodePools.gpu.desiredSize to ≥ 2 (Cluster Autoscaler owns the size after the first up) or choose a larger instance type for cloud.nodePools.gpu.instanceTypes)",
        ]);
    });
});

describe("capacity validation: the committed stacks", () => {
    /** A committed stack's capacity input, credentials missing from its file stood in for. */
    const inputOf = (stack: string) => {
        const parse = (overrides: Record<string, unknown>) => {
            const c = readStackConfig(ROOT, stack, overrides);
            return parseConfig({ stack, values: c.values, isSecret: (key) => c.secretKeys.includes(key) });
        };
        let config;
        try {
            config = parse({});
        } catch (err) {
            if (!(err instanceof ConfigValidationError) || err.problems.some((p) => p.missingSecret === undefined)) throw err;
            config = parse(Object.fromEntries(err.problems.map((p) => [p.missingSecret, { secure: "placeholder" }])));
        }
        return capacityInputFor({ ...config, cloud: config.cloud! });
    };
    const loads = (stack: string) => {
        const input = inputOf(stack);
        return (["system", "gpu"] as const).map((pool) => {
            const sizes = input.pools[pool];
            const load = poolLoad(
                sizes,
                input.pods.filter((p) => p.pool === pool),
                input.daemonSets.filter((d) => d.pools.includes(pool)),
            )!;
            return [pool, load.type, load.steady.nodes, sizes.desiredSize, load.peak.nodes, sizes.maxSize];
        });
    };

    it("start staging with the nodes its steady state takes, and hold its HPA maximums: [pool, type, steady, desired, peak, max]", () => {
        expect(loads("staging")).toEqual([
            ["system", "m6i.xlarge", 3, 3, 4, 6],
            ["gpu", "g5.xlarge", 1, 1, 2, 2],
        ]);
        expect(capacityProblems(inputOf("staging"))).toEqual([]);
    });

    it("start prod with a node more than its steady state packs onto, and hold its HPA maximums", () => {
        expect(loads("prod")).toEqual([
            ["system", "m6i.xlarge", 4, 5, 10, 12],
            ["gpu", "g5.2xlarge", 2, 2, 4, 4],
        ]);
        expect(capacityProblems(inputOf("prod"))).toEqual([]);
    });
});
