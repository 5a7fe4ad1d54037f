/** The MedAgiService component under Pulumi's mock runtime, outside the full program. */
import * as pulumi from "@pulumi/pulumi";

import type { ServiceSettings } from "../../infra/services";
import { SERVICES } from "../../infra/runbook";
import { MedAgiService } from "../../infra/services";
import { runUnderMocks } from "../../tools/lib/mock-run";
import type { Plan } from "../../tools/lib/plan";

const BASE: ServiceSettings = {
    replicas: 1,
    autoscaling: { enabled: true, maxReplicas: 3, targetCpuUtilization: 70 },
    resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
    tag: "v1.0.0",
    env: {},
};

let plan: Plan;
beforeAll(async () => {
    plan = await runUnderMocks({ project: "med-agi", stack: "unit", values: {}, secretKeys: [] }, () => {
        // Default options: one replica, no ingress.
        new MedAgiService("ekg", { service: SERVICES.ekg, namespace: "med-agi", image: "med-agi/ekg:v1.0.0", settings: BASE });
        // Custom: three fixed replicas, an ingress, no ServiceMonitor.
        const custom = new MedAgiService("ops", {
            service: SERVICES.ops,
            namespace: "med-agi",
            image: "r.example/med-agi/ops:v9",
            settings: { ...BASE, replicas: 3, autoscaling: { ...BASE.autoscaling, enabled: false } },
            ingress: { className: "traefik", host: "ops.example.org", clusterIssuer: "letsencrypt" },
            serviceMonitor: { enabled: false },
        });
        return { url: custom.url, clusterUrl: custom.clusterUrl } as Record<string, pulumi.Output<unknown>>;
    });
});

const kinds = (parent: string) => plan.resources.filter((r) => r.parent?.endsWith(`::${parent}`)).map((r) => String(r.inputs.kind));

describe("MedAgiService", () => {
    it("creates a ServiceAccount, Deployment, Service, HPA and ServiceMonitor by default, and no PDB or Ingress", () => {
        expect(kinds("ekg")).toEqual(["ServiceAccount", "Deployment", "Service", "HorizontalPodAutoscaler", "ServiceMonitor"]);
    });

    it("names every object exactly as the service", () => {
        for (const r of plan.resources.filter((x) => x.parent?.endsWith("::ekg"))) {
            expect((r.inputs.metadata as any).name).toBe("ekg");
            expect((r.inputs.metadata as any).namespace).toBe("med-agi");
        }
    });

    it("types the component med-agi:services:MedAgiService and names children <name>-<role>", () => {
        const component = plan.resources.find((r) => r.name === "ekg")!;
        expect(component.type).toBe("med-agi:services:MedAgiService");
        expect(plan.resources.filter((r) => r.parent === component.urn).map((r) => r.name)).toEqual([
            "ekg-serviceaccount",
            "ekg-deployment",
            "ekg-service",
            "ekg-hpa",
            "ekg-servicemonitor",
        ]);
    });

    it("with fixed replicas, adds a PDB and an Ingress, and drops the HPA and monitor when asked", () => {
        expect(kinds("ops")).toEqual(["ServiceAccount", "Deployment", "Service", "PodDisruptionBudget", "Ingress"]);
        const deployment = plan.resources.find((r) => r.name === "ops-deployment")!;
        expect((deployment.inputs.spec as any).replicas).toBe(3);
        const ingress = plan.resources.find((r) => r.name === "ops-ingress")!;
        expect((ingress.inputs.metadata as any).annotations).toEqual({ "cert-manager.io/cluster-issuer": "letsencrypt" });
    });

    it("reports the public and in-cluster URLs", () => {
        expect(plan.outputs).toEqual({ url: "https://ops.example.org", clusterUrl: "http://ops.med-agi.svc.cluster.local:8010" });
    });
});
