import { allocatable, capacityProblems, NODE_DAEMONSETS } from "../../infra/aws/capacity";
import { configProblems, parseValues, PROD_ROUTING, PROD_SECRETS, rejectionProblems } from "../support/config-fixtures";
import { k8sObject, ofType, runStack } from "../support/harness";

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
            }).map((p) => p.path),
        ).toEqual(["cloud.nodePools.system.instanceTypes.0"]);
    });
});

describe("the DaemonSet table agrees with the render", () => {
    // The table copies the requests of the DaemonSets this program declares itself; a change to one
    // must move the table too, or capacity is judged on stale figures.
    it("holds the log rotator's and Fluent Bit's requests as staging declares them", async () => {
        const plan = await runStack("staging");
        const rotator = k8sObject(plan, "DaemonSet", "med-agi-logrotate", "med-agi-node");
        expect(rotator.spec.template.spec.containers[0].resources.requests).toMatchObject({ cpu: "10m", memory: "16Mi" });
        const fluentBit = ofType(plan, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "fluent-bit");
        expect((fluentBit?.inputs.values as { resources: { requests: unknown } }).resources.requests).toEqual({
            cpu: "50m",
            memory: "64Mi",
        });
        const row = (name: string) => NODE_DAEMONSETS.find((d) => d.name === name)?.requests;
        expect(row("med-agi-logrotate")).toEqual({ cpuMilli: 10, memoryMiB: 16 });
        expect(row("fluent-bit")).toEqual({ cpuMilli: 50, memoryMiB: 64 });
    });
});
