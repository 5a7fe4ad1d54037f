/** The Backups component under Pulumi's mock runtime: what it registers. */
import * as pulumi from "@pulumi/pulumi";

interface Registered {
    type: string;
    name: string;
    inputs: any;
}
const registered: Registered[] = [];

pulumi.runtime.setMocks(
    {
        newResource: (args) => {
            registered.push({ type: args.type, name: args.name, inputs: args.inputs });
            return { id: `${args.name}-id`, state: args.inputs };
        },
        call: (args) => args.inputs,
    },
    "med-agi",
    "dev",
    false,
);

import { Backups } from "../../infra/backups";
import { SCHEDULES } from "../../infra/runbook";

let component: Backups;
beforeAll(async () => {
    component = new Backups("backups", {
        environment: "staging",
        postgres: { host: "rds.example", passwordSecret: { name: "rds-medagi", key: "password" } },
        s3: { backupBucket: "med-agi-staging-backups", roleArn: "arn:aws:iam::123456789012:role/med-agi-backup" },
    });
    // Outputs resolve once their resources are registered.
    await new Promise<void>((resolve) =>
        pulumi.all([component.cronJobNames, component.serviceAccountNames, component.scriptsConfigMapName]).apply(() => resolve()),
    );
});

const ofType = (t: string): Registered[] => registered.filter((r) => r.type === t);

describe("Backups component", () => {
    it("registers as med-agi:backups:Backups with children named after it", () => {
        expect(ofType("med-agi:backups:Backups").map((r) => r.name)).toEqual(["backups"]);
        const children = registered.filter((r) => !r.type.startsWith("med-agi:"));
        for (const c of children) expect(c.name.startsWith("backups-")).toBe(true);
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

    it("annotates both ServiceAccounts for IRSA and binds the read-only Role to config-backup's", () => {
        const sas = ofType("kubernetes:core/v1:ServiceAccount");
        expect(sas.map((s) => s.inputs.metadata.name).sort()).toEqual(["med-agi-backup", "med-agi-config-backup"]);
        for (const s of sas)
            expect(s.inputs.metadata.annotations).toEqual({
                "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/med-agi-backup",
            });
        const binding = ofType("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")[0];
        expect(binding?.inputs.subjects).toEqual([{ kind: "ServiceAccount", name: "med-agi-config-backup", namespace: "med-agi" }]);
        const role = ofType("kubernetes:rbac.authorization.k8s.io/v1:Role")[0];
        expect(role?.inputs.rules.flatMap((r: { resources: string[] }) => r.resources)).not.toContain("secrets");
    });

    it("exposes the CronJob and ServiceAccount names as outputs", async () => {
        const names = await new Promise<Record<string, string>>((resolve) => component.cronJobNames.apply(resolve));
        expect(names.postgresBackup).toBe("postgres-backup");
        const sas = await new Promise<string[]>((resolve) => component.serviceAccountNames.apply(resolve));
        expect(sas).toEqual(["med-agi-backup", "med-agi-config-backup"]);
    });

    it("refuses invalid arguments before registering anything", () => {
        expect(
            () =>
                new Backups("bad", {
                    environment: "prod",
                    postgres: { host: "h", passwordSecret: { name: "s", key: "" } },
                    s3: { backupBucket: "b" },
                }),
        ).toThrow(/neither credentialsSecret nor roleArn[\s\S]*passwordSecret\.key/);
        expect(registered.some((r) => r.name.startsWith("bad-"))).toBe(false);
    });
});
