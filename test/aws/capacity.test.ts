import { allocatable, capacityProblems, podRequests, requestsOf } from "../../infra/aws/capacity";
import { NODE_DAEMONSETS, SYSTEM_POOL_FIXED_PODS } from "../../infra/aws/workloads";
import { configProblems, parseValues, PROD_ROUTING, PROD_SECRETS, rejectionProblems } from "../support/config-fixtures";

const CLOUD = { accountId: "123456789012", region: "eu-west-1", cluster: { adminRoleArns: ["arn:aws:iam::123456789012:role/deployer"] } };
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

    it("refuses triton-cpu at 2 CPU on an m6i.large, and accepts it on an m6i.xlarge", () => {
        const cpu2 = { inference: { cpu: { resources: { requests: { cpu: "2", memory: "4Gi" }, limits: { cpu: "4", memory: "8Gi" } } } } };
        expect(problems(values("staging", cpu2), "staging").map((p) => p.split(" is not allowed")[0])).toEqual([
            'inference.cpu.resources.requests: "triton-cpu: cpu 2010m, memory 4104Mi"',
        ]);
        const xlarge = { cloud: { ...CLOUD, nodePools: { system: { instanceTypes: ["m6i.xlarge"] } } } };
        expect(accepted(values("staging", { ...cpu2, ...xlarge }), "staging")).toEqual([]);
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
                pools: { system: { instanceTypes: ["m5.large"], maxSize: 2 }, gpu: { instanceTypes: ["g5.xlarge"], maxSize: 1 } },
                pods: [],
                daemonSets: NODE_DAEMONSETS,
            }).map((p) => p.path),
        ).toEqual(["cloud.nodePools.system.instanceTypes.0"]);
    });
});

const DAEMONSETS_ON_SYSTEM = "aws-node, kube-proxy, ebs-csi-node, fluent-bit, med-agi-logrotate, prometheus-node-exporter";

describe("capacity validation: the Elasticsearch nodes (dataStores.elasticsearch.resources)", () => {
    // m6i.large, staging's system pool: 1930m / 7518Mi allocatable, 1715m / 7318Mi after the DaemonSets.
    const es = (requests: { cpu: string; memory: string }, limit = requests.memory) => ({
        dataStores: { elasticsearch: { resources: { requests, limits: { memory: limit } } } },
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

    it("accepts 8Gi nodes on prod's m6i.xlarge system pool, which staging's m6i.large refuses", () => {
        const big = es({ cpu: "2", memory: "8Gi" });
        expect(
            accepted(values("prod", { ...big, cloud: { ...CLOUD, nodePools: { system: { instanceTypes: ["m6i.xlarge"] } } } }), "prod"),
        ).toEqual([]);
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
    const operator = SYSTEM_POOL_FIXED_PODS.find((p) => p.name === "elastic-operator")!;
    // A DaemonSet leaving exactly `cpu` millicores of an m6i.large (1930m allocatable) to the operator's 100m.
    const leaving = (cpu: number) =>
        capacityProblems({
            pools: { system: { instanceTypes: ["m6i.large"], maxSize: 2 }, gpu: { instanceTypes: ["g5.xlarge"], maxSize: 1 } },
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
            "eck-operator chart 3.5.0 default (elastic/cloud-on-k8s v3.5.0 = 386c7b1, deploy/eck-operator/values.yaml resources.requests 100m/150Mi)",
        );
    });
});
