/** dev: no GPU anywhere; deployment/triton runs on CPU behind the same failover Service name. */
import type { Plan } from "../../tools/lib/plan";
import { k8sObject, k8sObjects, runStack } from "../support/harness";
import { deployment, expectRestricted, gpuUse, imagingEnv, tritonContainer } from "./stack-checks";

let plan: Plan;
beforeAll(async () => {
    plan = await runStack("dev");
});

describe("Triton in the dev stack", () => {
    it("requests no GPU and tolerates no GPU taint anywhere", () => {
        expect(gpuUse(plan)).toEqual([]);
        expect(plan.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").map((r) => r.inputs.chart)).not.toEqual(
            expect.arrayContaining(["nvidia-device-plugin"]),
        );
        expect(plan.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").map((r) => r.inputs.chart)).toEqual(
            expect.not.arrayContaining(["dcgm-exporter", "prometheus-adapter"]),
        );
    });

    it("runs deployment/triton on CPU (first container triton, ready on /v2/health/ready) and no triton-cpu", () => {
        const c = tritonContainer(plan, "triton");
        expect(c.image).toBe("nvcr.io/nvidia/tritonserver:26.07-py3");
        expect(c.startupProbe).toEqual({
            httpGet: { path: "/v2/health/ready", port: "http" },
            periodSeconds: 10,
            timeoutSeconds: 3,
            failureThreshold: 120,
        });
        expect(c.readinessProbe).toEqual({
            httpGet: { path: "/v2/health/ready", port: "http" },
            periodSeconds: 5,
            timeoutSeconds: 2,
            failureThreshold: 3,
            successThreshold: 2,
        });
        expect(c.livenessProbe).toEqual({
            httpGet: { path: "/v2/health/live", port: "http" },
            periodSeconds: 15,
            timeoutSeconds: 3,
            failureThreshold: 4,
        });
        expect(c.ports.map((p: any) => p.containerPort)).toEqual([8000, 8001, 8002]);
        expect(deployment(plan, "triton").spec.template.spec.nodeSelector).toBeUndefined();
        expect(k8sObjects(plan, "Deployment").map((d) => d.metadata.name)).not.toContain("triton-cpu");
        expect(k8sObjects(plan, "HorizontalPodAutoscaler").map((h) => h.metadata.name)).not.toContain("triton");
        expectRestricted(deployment(plan, "triton"));
    });

    it("serves the models from the in-cluster S3 store under models.version", () => {
        const args = tritonContainer(plan, "triton").args as string[];
        expect(args).toContain("--model-repository=s3://seaweedfs-filer.med-agi.svc:8333/med-agi-models/v1.0.0");
        expect(args).toContain("--model-control-mode=explicit");
        expect(deployment(plan, "triton").spec.template.metadata.labels["inference.med-agi.io/models-version"]).toBe("v1.0.0");
    });

    it("keeps the failover Service name: imaging calls service/triton, which selects the CPU Triton", () => {
        expect(imagingEnv(plan)).toEqual({
            TRITON_URL: "http://triton.med-agi.svc.cluster.local:8000",
            TRITON_GRPC_URL: "triton.med-agi.svc.cluster.local:8001",
            TRITON_GPU_URL: "",
            TRITON_CPU_URL: "http://triton.med-agi.svc.cluster.local:8000",
        });
        const svc = k8sObject(plan, "Service", "triton");
        const labels = deployment(plan, "triton").spec.template.metadata.labels;
        for (const [k, v] of Object.entries(svc.spec.selector)) expect(labels[k]).toBe(v);
    });

    it("ships no CPU-failover alert and does not page for a missing GPU Triton", () => {
        const rules = k8sObjects(plan, "PrometheusRule").flatMap((r) => r.spec.groups.flatMap((g: any) => g.rules));
        expect(rules.map((r: any) => r.alert)).not.toContain("MedAgiTritonCpuFailoverActive");
        const unhealthy = rules.find((r: any) => r.alert === "MedAgiTritonUnhealthy");
        expect(unhealthy.expr).not.toContain("vector(0)");
    });
});
