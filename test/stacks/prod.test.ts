import type { Plan } from "../../tools/lib/plan";
import { k8sObject, k8sObjects, runStack } from "../support/harness";
import { expectRunbookServices, expectDatabaseCaMounted, expectSearchCredentialsWired } from "./stack-assertions";

let plan: Plan;
beforeAll(async () => {
    plan = await runStack("prod");
});

describe("prod stack", () => {
    it("deploys the six runbook services from the ECR registry", () => {
        expectRunbookServices(plan, "v1.0.0", "123456789012.dkr.ecr.eu-west-1.amazonaws.com");
    });

    it("runs at least two replicas of every service, of the GPU Triton and of OPA, each behind a disruption budget", () => {
        const hpas = k8sObjects(plan, "HorizontalPodAutoscaler");
        // One autoscaler per runbook service and the GPU Triton: the loop below must have something to check.
        expect(hpas.map((h) => h.metadata.name).sort()).toEqual(["anchor", "ekg", "eval", "imaging", "modelcards", "ops", "triton"]);
        for (const hpa of hpas) expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
        expect(
            k8sObjects(plan, "PodDisruptionBudget")
                .map((p) => p.metadata.name)
                .sort(),
        ).toEqual(["anchor", "ekg", "eval", "imaging", "modelcards", "opa", "ops", "triton"]);
        expect(k8sObject(plan, "Deployment", "opa").spec.replicas).toBeGreaterThanOrEqual(2);
    });

    it("protects the namespace (deleting it would delete everything in it)", () => {
        const ns = plan.resources.find((r) => r.type === "kubernetes:core/v1:Namespace")!;
        expect(ns.protect).toBe(true);
    });

    it("spreads pods over zones strictly", () => {
        const spread = k8sObject(plan, "Deployment", "ops").spec.template.spec.topologySpreadConstraints;
        expect(spread[0]).toMatchObject({ topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule" });
    });

    it("gives imaging the larger memory of its per-service override", () => {
        const resources = k8sObject(plan, "Deployment", "imaging").spec.template.spec.containers[0].resources;
        expect(resources).toEqual({
            requests: { cpu: "500m", memory: "2Gi", "ephemeral-storage": "64Mi" },
            limits: { cpu: "2", memory: "4Gi", "ephemeral-storage": "320Mi" },
        });
        expect(k8sObject(plan, "Deployment", "ekg").spec.template.spec.containers[0].resources.limits.memory).toBe("2Gi");
    });

    it("schedules the runbook's backups and the monthly restore drill in med-agi, with IRSA credentials", () => {
        const cronJobs = k8sObjects(plan, "CronJob").map((c) => [c.metadata.name, c.spec.schedule, c.spec.concurrencyPolicy]);
        expect(cronJobs).toEqual(
            expect.arrayContaining([
                ["postgres-backup", "0 2 * * *", "Forbid"],
                ["model-backup", "30 2 * * *", "Forbid"],
                ["config-backup", "0 3 * * *", "Forbid"],
                ["restore-drill", "0 4 1 * *", "Forbid"],
            ]),
        );
        // Each backup ServiceAccount assumes its own role of the cloud layer (test/aws/stack-prod.test.ts checks the policies).
        const roleOf = (sa: string) => k8sObject(plan, "ServiceAccount", sa).metadata.annotations["eks.amazonaws.com/role-arn"];
        expect(roleOf("med-agi-backup")).toBe("arn:aws:mock:::med-agi-prod-postgres-backup");
        expect(roleOf("med-agi-model-backup")).toBe("arn:aws:mock:::med-agi-prod-model-backup");
        expect(roleOf("med-agi-config-backup")).toBe("arn:aws:mock:::med-agi-prod-config-backup");
        expect(roleOf("med-agi-backup-restore")).toBe("arn:aws:mock:::med-agi-prod-backup-restore");
    });

    it("watches the backup it deploys: MedAgiBackupMissing is among the rules", () => {
        const alerts = k8sObjects(plan, "PrometheusRule").flatMap((r) =>
            r.spec.groups.flatMap((g: any) => g.rules.map((x: any) => x.alert)),
        );
        expect(alerts).toContain("MedAgiBackupMissing");
    });

    it("mounts the database server's CA read-only where each service's PGSSLROOTCERT points (verify-full)", () => {
        expectDatabaseCaMounted(plan, { configMap: { name: "rds-ca-bundle", items: [{ key: "ca.crt", path: "ca.crt" }] } });
    });

    it("gives each service its own Elasticsearch user's Secret and the CA that verifies the server", () => {
        expectSearchCredentialsWired(plan);
    });
});
