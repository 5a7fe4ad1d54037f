/**
 * The failover, for real: the gate script the CPU pods ship (infra/inference/gate/gate.sh)
 * runs under BusyBox `sh` and `wget` (the gate image's tools) against Triton health
 * endpoints on loopback that flip between ready, unready and hanging. A stand-in kubelet
 * applies the probe thresholds of the rendered Deployments (one probe round per period),
 * and a stand-in ClusterIP Service `triton-gpu` has an endpoint only while the GPU pod
 * is ready. After every round the test asserts which pool the failover Service `triton`
 * (both pools, readiness decides) would send inference to.
 */
import { existsSync } from "node:fs";

import { cpuDeploymentSpec, GATE_SCRIPT_PATH, gpuDeploymentSpec, resolveInferenceSettings, inferenceSchema } from "../../infra/inference";
import { busyboxPath, execProbe, HealthServer, httpProbe, ReadinessTracker, ServiceVip, type ProbeThresholds } from "./kubelet";

const settings = resolveInferenceSettings("staging", inferenceSchema.parse({}), { region: "eu-west-1", modelBucket: "med-agi-models" });
const gpuSpec = gpuDeploymentSpec(settings, settings.gpu!) as any;
const cpuSpec = cpuDeploymentSpec(settings, { gpuUrl: "http://triton-gpu.med-agi.svc.cluster.local:8000" }) as any;
/** The probes exactly as rendered. */
const GPU_READINESS: ProbeThresholds = gpuSpec.template.spec.containers[0].readinessProbe;
const gateContainer = cpuSpec.template.spec.containers.find((c: any) => c.name === "gate");
const GATE_READINESS: ProbeThresholds = gateContainer.readinessProbe;
const GATE_COMMAND: string[] = gateContainer.readinessProbe.exec.command;
const GATE_ENV: Record<string, string> = Object.fromEntries(gateContainer.env.map((e: any) => [e.name, e.value]));

type Pool = "gpu" | "cpu";

class Cluster {
    readonly gpuTriton = new HealthServer();
    readonly cpuTriton = new HealthServer();
    gpuService!: ServiceVip;
    readonly gpuPod = new ReadinessTracker(GPU_READINESS);
    readonly cpuPod = new ReadinessTracker(GATE_READINESS);
    private gpuPort = 0;
    private cpuPort = 0;
    private readonly path = busyboxPath();
    /** Seconds of simulated time (one round per probe period). */
    now = 0;
    lastGate = "";

    async start(): Promise<void> {
        this.gpuPort = await this.gpuTriton.start();
        this.cpuPort = await this.cpuTriton.start();
        this.gpuService = new ServiceVip(this.gpuPort);
        await this.gpuService.init();
    }

    async stop(): Promise<void> {
        await this.gpuService.setEndpointReady(false);
        await this.gpuTriton.stop();
        await this.cpuTriton.stop();
    }

    /** Which pools the failover Service `triton` has ready endpoints in. */
    traffic(): Pool[] {
        return [...(this.gpuPod.ready ? (["gpu"] as const) : []), ...(this.cpuPod.ready ? (["cpu"] as const) : [])];
    }

    /** One probe period: the kubelet probes the GPU pod, endpoints follow, then it runs the CPU pod's gate. */
    async round(): Promise<Pool[]> {
        this.now += GPU_READINESS.periodSeconds;
        this.gpuPod.record(await httpProbe(this.gpuPort, "/v2/health/ready", GPU_READINESS.timeoutSeconds));
        await this.gpuService.setEndpointReady(this.gpuPod.ready);
        const gate = await execProbe(
            GATE_COMMAND.map((a) => (a === "/gate/gate.sh" ? GATE_SCRIPT_PATH : a)),
            {
                PATH: this.path,
                // In the pod these are 127.0.0.1:8000 and the triton-gpu Service; here their loopback stand-ins.
                GATE_LOCAL_URL: `http://127.0.0.1:${this.cpuPort}/v2/health/ready`,
                GATE_GPU_URL: `http://127.0.0.1:${this.gpuService.port}/v2/health/ready`,
                GATE_TIMEOUT_SECONDS: GATE_ENV.GATE_TIMEOUT_SECONDS!,
            },
            GATE_READINESS.timeoutSeconds,
        );
        this.lastGate = gate.output;
        this.cpuPod.record(gate.success);
        return this.traffic();
    }

    /** `n` rounds; the traffic after each. */
    async rounds(n: number): Promise<Pool[][]> {
        const out: Pool[][] = [];
        for (let i = 0; i < n; i++) out.push(await this.round());
        return out;
    }
}

const GPU: Pool[] = ["gpu"];
const CPU: Pool[] = ["cpu"];

let cluster: Cluster;
beforeAll(async () => {
    if (!existsSync("/bin/busybox"))
        throw new Error("BusyBox is missing: install the Debian package busybox (npm test does it: tools/test.sh)");
    cluster = new Cluster();
    await cluster.start();
});
afterAll(async () => {
    await cluster.stop();
});

describe("the rendered probes", () => {
    it("need more than one failed probe to take a pod out, and more than one passed gate to put a CPU pod in", () => {
        expect(GPU_READINESS.failureThreshold).toBeGreaterThanOrEqual(2);
        expect(GATE_READINESS.successThreshold).toBeGreaterThanOrEqual(2);
        expect(GATE_READINESS.failureThreshold).toBeGreaterThanOrEqual(2);
    });

    it("switch within a minute each way even when every request runs into its timeout", () => {
        const worstOut = GPU_READINESS.failureThreshold * (GPU_READINESS.periodSeconds + GPU_READINESS.timeoutSeconds);
        const worstGateIn = GATE_READINESS.successThreshold * (GATE_READINESS.periodSeconds + GATE_READINESS.timeoutSeconds);
        expect(worstOut + worstGateIn).toBeLessThanOrEqual(60);
        const worstIn = GPU_READINESS.successThreshold * (GPU_READINESS.periodSeconds + GPU_READINESS.timeoutSeconds);
        const worstGateOut = GATE_READINESS.failureThreshold * (GATE_READINESS.periodSeconds + GATE_READINESS.timeoutSeconds);
        expect(worstIn + worstGateOut).toBeLessThanOrEqual(60);
    });
});

// The steps below share one cluster and run in order: each starts where the previous ended.
describe("failover between the GPU and the CPU pool (real gate, loopback Tritons)", () => {
    it("sends everything to the GPU pool once it is ready; the warm CPU pod stands by", async () => {
        const traffic = await cluster.rounds(4);
        expect(traffic[0]).toEqual([]); // the GPU pod needs 2 passed probes; the CPU gate needs 3
        expect(traffic.slice(1)).toEqual([GPU, GPU, GPU]);
        expect(cluster.lastGate).toContain("standby");
    });

    it("does not switch on one failed GPU probe", async () => {
        cluster.gpuTriton.health = "unready";
        expect(await cluster.round()).toEqual(GPU);
        cluster.gpuTriton.health = "ready";
        expect(await cluster.rounds(3)).toEqual([GPU, GPU, GPU]);
    });

    it("does not switch on two failed GPU probes in a row either", async () => {
        cluster.gpuTriton.health = "unready";
        expect(await cluster.rounds(2)).toEqual([GPU, GPU]);
        cluster.gpuTriton.health = "ready";
        expect(await cluster.rounds(3)).toEqual([GPU, GPU, GPU]);
    });

    it("fails over to the CPU pool within a minute when the GPU Triton stays unready", async () => {
        const start = cluster.now;
        cluster.gpuTriton.health = "unready";
        const traffic = await cluster.rounds(6);
        const switched = traffic.findIndex((t) => t.length === 1 && t[0] === "cpu");
        expect(switched).toBeGreaterThan(0); // never on the first failed probe
        expect(traffic.slice(0, switched).every((t) => t.includes("gpu"))).toBe(true);
        expect(traffic.slice(switched)).toEqual(Array(traffic.length - switched).fill(CPU));
        expect((switched + 1) * 5).toBeLessThanOrEqual(60);
        expect(cluster.now - start).toBe(30);
        expect(cluster.lastGate).toContain("serving");
    });

    it("keeps serving from the CPU pool through one or two failed gate probes", async () => {
        cluster.cpuTriton.health = "unready";
        expect(await cluster.rounds(2)).toEqual([CPU, CPU]);
        cluster.cpuTriton.health = "ready";
        expect(await cluster.rounds(2)).toEqual([CPU, CPU]);
    });

    it("does not fail back on one passed GPU probe", async () => {
        cluster.gpuTriton.health = "ready";
        expect(await cluster.round()).toEqual(CPU);
        cluster.gpuTriton.health = "unready";
        expect(await cluster.rounds(3)).toEqual([CPU, CPU, CPU]);
    });

    it("returns to the GPU pool within a minute once the GPU Triton is ready again", async () => {
        cluster.gpuTriton.health = "ready";
        const traffic = await cluster.rounds(6);
        const gpuIn = traffic.findIndex((t) => t.includes("gpu"));
        const cpuOut = traffic.findIndex((t, i) => i >= gpuIn && !t.includes("cpu"));
        expect(gpuIn).toBeGreaterThan(0);
        expect(traffic.slice(0, gpuIn)).toEqual(Array(gpuIn).fill(CPU)); // no gap: the CPU pool serves until the GPU is in
        expect(traffic.slice(gpuIn, cpuOut).every((t) => t.length === 2)).toBe(true); // briefly both
        expect(traffic.slice(cpuOut)).toEqual(Array(traffic.length - cpuOut).fill(GPU));
        expect((cpuOut + 1) * 5).toBeLessThanOrEqual(60);
        expect(cluster.lastGate).toContain("standby");
    });

    it("treats a hanging GPU Triton as not ready, and the gate answers within its probe timeout", async () => {
        cluster.gpuTriton.health = "hang";
        const traffic = await cluster.rounds(4);
        expect(traffic[0]).toEqual(GPU);
        expect(traffic[3]).toEqual(CPU);
        const gate = await execProbe(
            ["sh", GATE_SCRIPT_PATH],
            {
                PATH: busyboxPath(),
                GATE_LOCAL_URL: `http://127.0.0.1:${(cluster as any).cpuPort}/v2/health/ready`,
                GATE_GPU_URL: `http://127.0.0.1:${(cluster as any).gpuPort}/v2/health/ready`, // the hanging pod itself
                GATE_TIMEOUT_SECONDS: GATE_ENV.GATE_TIMEOUT_SECONDS!,
            },
            GATE_READINESS.timeoutSeconds,
        );
        expect(gate.success).toBe(true);
        expect(gate.seconds).toBeLessThan(GATE_READINESS.timeoutSeconds);
    }, 60_000);

    it("sends nothing anywhere when neither pool's Triton is ready (and MedAgiTritonUnhealthy pages)", async () => {
        cluster.gpuTriton.health = "unready";
        cluster.cpuTriton.health = "unready";
        const traffic = await cluster.rounds(3);
        expect(traffic[0]).toEqual(CPU); // one failed gate probe switches nothing
        expect(traffic[2]).toEqual([]);
        expect(cluster.lastGate).toContain("this pod's Triton is not ready");
    });

    it("lets the CPU pool serve again as soon as its Triton recovers while the GPU is still down", async () => {
        cluster.cpuTriton.health = "ready";
        const traffic = await cluster.rounds(3);
        expect(traffic.slice(0, 2)).toEqual([[], []]);
        expect(traffic[2]).toEqual(CPU);
    });
});
