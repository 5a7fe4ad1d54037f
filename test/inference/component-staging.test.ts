/** staging: the GPU pool, the gated CPU fallback, autoscaling and a different models version. */
import type { Plan } from "../../tools/lib/plan";
import { k8sObject, k8sObjects, runStack } from "../support/harness";
import { deployment, expectRestricted, gpuUse, imagingEnv, tritonContainer } from "./stack-checks";

let plan: Plan;
beforeAll(async () => {
    plan = await runStack("staging", { inference: { models: { version: "v1.1.0" } } });
});

describe("Triton in the staging stack", () => {
    it("requests GPUs and tolerates the GPU taint in deployment/triton only", () => {
        expect(gpuUse(plan)).toEqual([
            {
                deployment: "triton",
                gpus: "1",
                tolerations: [{ key: "nvidia.com/gpu", operator: "Equal", value: "true", effect: "NoSchedule" }],
            },
        ]);
        // The GPU label the device plugin needs, and the pool label the cloud layer gives the Triton GPU node group.
        expect(deployment(plan, "triton").spec.template.spec.nodeSelector).toEqual({
            "nvidia.com/gpu.present": "true",
            "med-agi.io/pool": "triton-gpu",
        });
    });

    it("keeps the CPU fallback off the GPU pool, one warm replica, behind the gate", () => {
        const cpu = deployment(plan, "triton-cpu");
        expect(cpu.spec.replicas).toBe(1);
        const spec = cpu.spec.template.spec;
        expect(spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0]).toEqual({
            key: "nvidia.com/gpu.present",
            operator: "NotIn",
            values: ["true"],
        });
        expect(spec.containers.map((c: any) => c.name)).toEqual(["triton", "gate"]);
        expect(spec.containers[1].readinessProbe.exec.command).toEqual(["sh", "/gate/gate.sh"]);
        expect(spec.containers[1].env).toContainEqual({
            name: "GATE_GPU_URL",
            value: "http://triton-gpu.med-agi.svc.cluster.local:8000/v2/health/ready",
        });
        expect(cpu.metadata.annotations["pulumi.com/skipAwait"]).toBe("true");
        expect(k8sObject(plan, "ConfigMap", "triton-gate").data["gate.sh"]).toContain("no GPU Triton is ready");
        expectRestricted(cpu);
        expectRestricted(deployment(plan, "triton"));
    });

    it("gives the GPU Triton 20 minutes to start, then probes liveness every 15 s and readiness every 5 s", () => {
        const c = tritonContainer(plan, "triton");
        // Startup: 120 × 10 s = 20 minutes to pull the model repository and load it before liveness may kill the pod.
        expect(c.startupProbe).toEqual({
            httpGet: { path: "/v2/health/ready", port: "http" },
            periodSeconds: 10,
            timeoutSeconds: 3,
            failureThreshold: 120,
        });
        expect(c.livenessProbe).toEqual({
            httpGet: { path: "/v2/health/live", port: "http" },
            periodSeconds: 15,
            timeoutSeconds: 3,
            failureThreshold: 4,
        });
        expect(c.readinessProbe).toEqual({
            httpGet: { path: "/v2/health/ready", port: "http" },
            periodSeconds: 5,
            timeoutSeconds: 2,
            failureThreshold: 3,
            successThreshold: 2,
        });
    });

    it("gives the gated CPU fallback the same startup and liveness, and leaves its readiness to the gate", () => {
        const [triton, gate] = deployment(plan, "triton-cpu").spec.template.spec.containers;
        expect(triton.startupProbe).toEqual({
            httpGet: { path: "/v2/health/ready", port: "http" },
            periodSeconds: 10,
            timeoutSeconds: 3,
            failureThreshold: 120,
        });
        expect(triton.livenessProbe).toEqual({
            httpGet: { path: "/v2/health/live", port: "http" },
            periodSeconds: 15,
            timeoutSeconds: 3,
            failureThreshold: 4,
        });
        expect(triton.readinessProbe).toBeUndefined();
        expect(gate.readinessProbe).toEqual({
            exec: { command: ["sh", "/gate/gate.sh"] },
            periodSeconds: 5,
            timeoutSeconds: 5,
            failureThreshold: 3,
            successThreshold: 3,
        });
    });

    it("selects both pools in service/triton and only the GPU pods in service/triton-gpu", () => {
        const gpuLabels = deployment(plan, "triton").spec.template.metadata.labels;
        const cpuLabels = deployment(plan, "triton-cpu").spec.template.metadata.labels;
        const matches = (sel: Record<string, string>, labels: Record<string, string>) =>
            Object.entries(sel).every(([k, v]) => labels[k] === v);
        const failover = k8sObject(plan, "Service", "triton").spec.selector;
        expect([matches(failover, gpuLabels), matches(failover, cpuLabels)]).toEqual([true, true]);
        const gpuOnly = k8sObject(plan, "Service", "triton-gpu").spec.selector;
        expect([matches(gpuOnly, gpuLabels), matches(gpuOnly, cpuLabels)]).toEqual([true, false]);
    });

    it("scales deployment/triton on GPU utilisation between 1 and 2 replicas, targeting below the runbook's 90 %", () => {
        const hpa = k8sObject(plan, "HorizontalPodAutoscaler", "triton").spec;
        expect(hpa.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: "triton" });
        expect([hpa.minReplicas, hpa.maxReplicas]).toEqual([1, 2]);
        expect(hpa.metrics[0].pods.metric.name).toBe("triton_gpu_utilization");
        expect(Number(hpa.metrics[0].pods.target.averageValue)).toBeLessThan(90);
        expect(deployment(plan, "triton").spec.replicas).toBeUndefined();
    });

    it("installs the device plugin, DCGM exporter and prometheus-adapter, pinned, tolerating the GPU taint", () => {
        const releases = Object.fromEntries(
            plan.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").map((r) => [r.inputs.chart, r.inputs]),
        ) as Record<string, any>;
        expect(releases["nvidia-device-plugin"].version).toBe("0.20.0");
        expect(releases["dcgm-exporter"].version).toBe("4.8.2");
        expect(releases["prometheus-adapter"].version).toBe("5.3.0");
        for (const chart of ["nvidia-device-plugin", "dcgm-exporter"]) {
            expect(releases[chart].values.tolerations).toContainEqual({
                key: "nvidia.com/gpu",
                operator: "Equal",
                value: "true",
                effect: "NoSchedule",
            });
        }
        expect(releases["dcgm-exporter"].values.serviceMonitor).toMatchObject({ enabled: true, honorLabels: true });
        expect(releases["prometheus-adapter"].values.rules.custom.map((r: any) => r.name.as)).toContain("triton_gpu_utilization");
        // The chart sets no requests; the capacity check reads the same constant.
        expect(releases["prometheus-adapter"].values.resources).toEqual({ requests: { cpu: "100m", memory: "128Mi" } });
    });

    it("follows models.version: repository path and pod-template label in both pools", () => {
        for (const name of ["triton", "triton-cpu"]) {
            expect(tritonContainer(plan, name).args).toContain("--model-repository=s3://med-agi-models-staging-123456789012/v1.1.0");
            expect(deployment(plan, name).spec.template.metadata.labels["inference.med-agi.io/models-version"]).toBe("v1.1.0");
        }
    });

    it("points imaging at the failover Service, with direct GPU and CPU endpoints", () => {
        expect(imagingEnv(plan)).toEqual({
            TRITON_URL: "http://triton.med-agi.svc.cluster.local:8000",
            TRITON_GRPC_URL: "triton.med-agi.svc.cluster.local:8001",
            TRITON_GPU_URL: "http://triton-gpu.med-agi.svc.cluster.local:8000",
            TRITON_CPU_URL: "http://triton-cpu.med-agi.svc.cluster.local:8000",
        });
    });

    it("scrapes Triton's metrics on 8002 from both pools with a pool label", () => {
        const sm = k8sObjects(plan, "ServiceMonitor").find((s) => s.metadata.name === "triton")!;
        expect(sm.spec.endpoints[0].port).toBe("metrics");
        expect(sm.spec.endpoints[0].relabelings[0].targetLabel).toBe("pool");
        const metrics = k8sObject(plan, "Service", "triton-metrics").spec;
        expect(metrics.publishNotReadyAddresses).toBe(true);
        expect(metrics.ports[0].port).toBe(8002);
    });

    it("pages on a missing deployment/triton and watches the CPU failover", () => {
        const rules = k8sObjects(plan, "PrometheusRule").flatMap((r) => r.spec.groups.flatMap((g: any) => g.rules));
        expect(rules.find((r: any) => r.alert === "MedAgiTritonUnhealthy").expr).toContain("or vector(0)");
        expect(rules.map((r: any) => r.alert)).toContain("MedAgiTritonCpuFailoverActive");
    });
});
