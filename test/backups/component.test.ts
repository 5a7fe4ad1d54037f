/** The Backups component under Pulumi's mock runtime: what it registers. */
import { Backups } from "../../infra/backups";
import { SCHEDULES } from "../../infra/runbook";
import { runUnderMocks } from "../../tools/lib/mock-run";
import type { Plan, PlannedResource } from "../../tools/lib/plan";

let plan: Plan;
let refusal: unknown;
beforeAll(async () => {
    plan = await runUnderMocks({ project: "med-agi", stack: "dev", values: {}, secretKeys: [] }, () => {
        const component = new Backups("backups", {
            environment: "staging",
            postgres: { host: "rds.example", passwordSecret: { name: "rds-medagi", key: "password" } },
            s3: { backupBucket: "med-agi-staging-backups", roleArn: "arn:aws:iam::123456789012:role/med-agi-backup" },
            signingKey: "staging-signing-key-0123456789abcdef012345",
            previousSigningKey: "staging-old-signing-key-0123456789abcdef01",
        });
        // The error path runs in the same stack, so the plan shows what it registered.
        try {
            new Backups("bad", {
                environment: "prod",
                postgres: { host: "h", passwordSecret: { name: "s", key: "" } },
                s3: { backupBucket: "b" },
                signingKey: "short",
            });
        } catch (err) {
            refusal = err;
        }
        return { cronJobNames: component.cronJobNames, serviceAccountNames: component.serviceAccountNames };
    });
});

// Tests read deep into plain inputs.
const ofType = (type: string): (PlannedResource & { inputs: any })[] => plan.resources.filter((r) => r.type === type);

describe("Backups component", () => {
    it("registers as med-agi:backups:Backups with children named after it", () => {
        const component = plan.resources.find((r) => r.name === "backups");
        expect(component?.type).toBe("med-agi:backups:Backups");
        const children = plan.resources.filter((r) => !r.type.startsWith("med-agi:"));
        expect(children.length).toBeGreaterThan(0);
        for (const c of children) {
            expect(c.name.startsWith("backups-")).toBe(true);
            expect(c.parent).toBe(component?.urn);
        }
    });

    it("registers the five CronJobs with the runbook's schedules and concurrencyPolicy Forbid", () => {
        const jobs = ofType("kubernetes:batch/v1:CronJob");
        expect(Object.fromEntries(jobs.map((j) => [j.inputs.metadata.name, j.inputs.spec.schedule]))).toEqual({
            "postgres-backup": SCHEDULES.postgresBackup,
            "model-backup": SCHEDULES.modelBackup,
            "config-backup": SCHEDULES.configBackup,
            "restore-drill": SCHEDULES.restoreDrill,
            "postgres-restore": SCHEDULES.restoreDrill,
        });
        for (const j of jobs) {
            expect(j.inputs.metadata.namespace).toBe("med-agi");
            expect(j.inputs.spec.concurrencyPolicy).toBe("Forbid");
            const pod = j.inputs.spec.jobTemplate.spec.template.spec;
            expect(pod.securityContext.runAsNonRoot).toBe(true);
            expect(pod.securityContext.seccompProfile).toEqual({ type: "RuntimeDefault" });
            for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
                expect(c.securityContext.capabilities).toEqual({ drop: ["ALL"] });
                expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
                expect(c.volumeMounts).toContainEqual({ name: "scripts", mountPath: "/scripts", readOnly: true });
            }
            expect(pod.volumes[0]).toEqual({ name: "scripts", configMap: { name: "med-agi-backup-scripts", defaultMode: 0o555 } });
        }
    });

    it("ships the scripts the CronJobs run in the med-agi-backup-scripts ConfigMap", () => {
        const cm = ofType("kubernetes:core/v1:ConfigMap");
        expect(cm).toHaveLength(1);
        expect(cm[0]?.inputs.metadata.name).toBe("med-agi-backup-scripts");
        const scripts = ofType("kubernetes:batch/v1:CronJob").flatMap((j) => {
            const pod = j.inputs.spec.jobTemplate.spec.template.spec;
            return [...(pod.initContainers ?? []), ...pod.containers].map((c: { command: string[] }) =>
                (c.command[1] as string).replace("/scripts/", ""),
            );
        });
        for (const s of scripts) expect(Object.keys(cm[0]?.inputs.data)).toContain(s);
    });

    it("annotates the four ServiceAccounts for IRSA (the shared roleArn when no per-job role is given) and binds the read-only Role to config-backup's", () => {
        const sas = ofType("kubernetes:core/v1:ServiceAccount");
        expect(sas.map((s) => s.inputs.metadata.name).sort()).toEqual([
            "med-agi-backup",
            "med-agi-backup-restore",
            "med-agi-config-backup",
            "med-agi-model-backup",
        ]);
        for (const s of sas)
            expect(s.inputs.metadata.annotations).toEqual({
                "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/med-agi-backup",
            });
        const binding = ofType("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")[0];
        expect(binding?.inputs.subjects).toEqual([{ kind: "ServiceAccount", name: "med-agi-config-backup", namespace: "med-agi" }]);
        const role = ofType("kubernetes:rbac.authorization.k8s.io/v1:Role")[0];
        expect(role?.inputs.rules.flatMap((r: { resources: string[] }) => r.resources)).not.toContain("secrets");
    });

    it("keeps the manifest signing keys in the Secret med-agi-backup-signing, as Pulumi secrets", () => {
        const secrets = ofType("kubernetes:core/v1:Secret");
        expect(secrets.map((s) => s.inputs.metadata.name)).toEqual(["med-agi-backup-signing"]);
        const data = secrets[0]?.inputs.stringData;
        // Masked as a secret (whole, or per key), never the value.
        expect(data === "[secret]" || (data.key === "[secret]" && data["previous-key"] === "[secret]")).toBe(true);
        expect(JSON.stringify(plan)).not.toContain("signing-key-0123456789");
    });

    it("exposes the CronJob and ServiceAccount names as outputs", () => {
        expect((plan.outputs.cronJobNames as Record<string, string>).postgresBackup).toBe("postgres-backup");
        expect(plan.outputs.serviceAccountNames).toEqual([
            "med-agi-backup",
            "med-agi-model-backup",
            "med-agi-config-backup",
            "med-agi-backup-restore",
        ]);
    });

    it("refuses invalid arguments before registering anything", () => {
        expect((refusal as Error | undefined)?.message).toMatch(
            /neither credentialsSecret nor roleArn[\s\S]*passwordSecret\.key[\s\S]*backups\.signingKey: must be 32 to 64 characters/,
        );
        expect((refusal as Error | undefined)?.message).not.toContain("short");
        expect(plan.resources.some((r) => r.name.startsWith("bad-"))).toBe(false);
    });
});
