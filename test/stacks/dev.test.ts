import type { Plan } from "../../tools/lib/plan";
import { k8sObject, k8sObjects, runStack } from "../support/harness";
import { expectRunbookServices, expectDatabaseCaMounted, expectSearchCredentialsWired } from "./stack-assertions";

let plan: Plan;
beforeAll(async () => {
    plan = await runStack("dev");
});

describe("dev stack", () => {
    it("deploys the six runbook services with their names, ports, images and /health probes", () => {
        expectRunbookServices(plan, "v1.0.0");
    });

    it("runs one replica each and therefore no disruption budgets", () => {
        expect(k8sObjects(plan, "HorizontalPodAutoscaler").map((h) => h.spec.minReplicas)).toEqual([1, 1, 1, 1, 1, 1]);
        expect(k8sObjects(plan, "PodDisruptionBudget")).toEqual([]);
    });

    it("protects nothing, so a laptop cluster can be torn down", () => {
        expect(plan.resources.filter((r) => r.protect)).toEqual([]);
    });

    it("registers no AWS resource, no AWS provider and no cloud layer", () => {
        expect(
            plan.resources.filter((r) => r.type.startsWith("aws:") || r.type.includes(":aws:") || r.type === "pulumi:providers:aws"),
        ).toEqual([]);
        expect(plan.outputs.cloud).toBeUndefined();
    });

    it("uses the ambient kubeconfig context unless one is configured", () => {
        const provider = plan.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
        expect(provider.inputs.context).toBeUndefined();
    });

    it("serves each service at <service>.med-agi.localhost", () => {
        expect(k8sObject(plan, "Ingress", "imaging").spec.rules[0].host).toBe("imaging.med-agi.localhost");
    });

    it("exports the service endpoints as stack outputs", () => {
        const services = plan.outputs.services as Record<string, { port: number; clusterUrl: string; url: string }>;
        expect(services.imaging).toEqual({
            port: 8006,
            image: "med-agi/imaging:v1.0.0",
            clusterUrl: "http://imaging.med-agi.svc.cluster.local:8006",
            url: "https://imaging.med-agi.localhost",
        });
    });

    it("declares the five runbook alerts as PrometheusRules in med-agi", () => {
        const alerts = k8sObjects(plan, "PrometheusRule").flatMap((r) =>
            r.spec.groups.flatMap((g: any) => g.rules.map((x: any) => x.alert)),
        );
        for (const name of [
            "MedAgiHighErrorRate",
            "MedAgiHighLatencyP95",
            "MedAgiGpuUtilizationHigh",
            "MedAgiMemoryHigh",
            "MedAgiTritonUnhealthy",
        ]) {
            expect(alerts).toContain(name);
        }
    });

    it("installs the monitoring stack (and with it the Prometheus Operator CRDs) from its chart", () => {
        const releases = plan.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").map((r) => r.inputs.chart);
        expect(releases).toEqual(expect.arrayContaining(["kube-prometheus-stack"]));
        expect(plan.outputs.monitoring).toEqual({ namespace: "monitoring", alertRules: expect.any(Array) });
    });

    it("rotates node logs from a DaemonSet outside the restricted namespace", () => {
        expect(k8sObject(plan, "DaemonSet", "med-agi-logrotate", "med-agi-node").kind).toBe("DaemonSet");
    });

    it("backs up its in-cluster database daily and drills the restore monthly, and watches the backup", () => {
        expect(k8sObjects(plan, "CronJob").map((c) => [c.metadata.name, c.spec.schedule, c.spec.suspend ?? false])).toEqual([
            ["postgres-backup", "0 2 * * *", false],
            ["model-backup", "30 2 * * *", false],
            ["config-backup", "0 3 * * *", false],
            ["restore-drill", "0 4 1 * *", false],
            ["postgres-restore", "0 4 1 * *", true],
        ]);
        const alerts = k8sObjects(plan, "PrometheusRule").flatMap((r) =>
            r.spec.groups.flatMap((g: any) => g.rules.map((x: any) => x.alert)),
        );
        expect(alerts).toContain("MedAgiBackupMissing");
    });

    it("mounts the database server's CA read-only where each service's PGSSLROOTCERT points (verify-full)", () => {
        expectDatabaseCaMounted(plan, { secret: { secretName: "med-agi-postgres-ca", items: [{ key: "ca.crt", path: "ca.crt" }] } });
    });

    it("gives each service its own Elasticsearch user's Secret and the CA that verifies the server", () => {
        expectSearchCredentialsWired(plan);
    });
});
