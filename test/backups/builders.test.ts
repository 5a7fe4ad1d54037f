/** Pure builders of the backup jobs: config schema, CronJob specs, env, RBAC. */
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";

import {
    backupCronJobs,
    backupsSchema,
    configExportResources,
    configReaderRules,
    cronJobSpec,
    JOB_TIMINGS,
    readScripts,
    SCRIPT_FILES,
    SCRIPTS_DIR,
    signingSecretData,
    validateBackupsArgs,
    type BackupsArgs,
} from "../../infra/backups";
import { BACKUP, SCHEDULES } from "../../infra/runbook";

/** Plain JSON view of builder output (no Inputs left in these tests). */

const plain = (x: unknown): any => JSON.parse(JSON.stringify(x));

const devArgs: BackupsArgs = {
    environment: "dev",
    postgres: { host: "postgres.med-agi.svc", passwordSecret: { name: "postgres-credentials", key: "password" } },
    s3: {
        backupBucket: "med-agi-backups",
        endpointUrl: "http://minio.med-agi.svc:9000",
        credentialsSecret: { name: "minio-credentials" },
    },
    signingKey: "dev-signing-key-0123456789abcdef0123456789",
};
const prodArgs: BackupsArgs = {
    environment: "prod",
    postgres: { host: "medagi.abc.eu-west-1.rds.amazonaws.com", port: 5433, passwordSecret: { name: "rds-medagi", key: "pw" } },
    s3: {
        backupBucket: "med-agi-prod-backups",
        modelBucket: "med-agi-prod-models",
        roleArn: "arn:aws:iam::123456789012:role/med-agi-backup",
        region: "eu-west-1",
    },
    signingKey: "prod-signing-key-0123456789abcdef0123456789",
};

describe("backupsSchema", () => {
    it("fills secure defaults from {}", () => {
        const c = backupsSchema.parse({});
        expect(c.enabled).toBe(true);
        expect(c.suspend).toBe(false);
        expect(c.images).toEqual({
            postgres: "postgres:15.13-bookworm",
            awsCli: "amazon/aws-cli:2.27.50",
            kubectl: "registry.k8s.io/kubectl:v1.33.3",
        });
        expect(c.resources.limits).toEqual({ cpu: "1", memory: "1Gi" });
        expect(c.workDirSizeLimit).toBe("20Gi");
        expect(c.postgresSslMode).toBeUndefined();
        expect(c.latestMaxAgeHours).toBe(48);
    });

    it("keeps custom values and defaults the rest", () => {
        const c = backupsSchema.parse({
            images: { postgres: "postgres:16.9-bookworm" },
            workDirSizeLimit: "50Gi",
            postgresSslMode: "verify-full",
            latestMaxAgeHours: 72,
        });
        expect(c.latestMaxAgeHours).toBe(72);
        expect(c.images.postgres).toBe("postgres:16.9-bookworm");
        expect(c.images.awsCli).toBe("amazon/aws-cli:2.27.50");
        expect(c.workDirSizeLimit).toBe("50Gi");
        expect(c.postgresSslMode).toBe("verify-full");
    });

    it("rejects unknown keys, unpinned images and bad quantities, naming each path", () => {
        const r = backupsSchema.safeParse({
            images: { postgres: "postgres:latest", kubectl: "bitnami/kubectl" },
            workDirSizeLimit: "20GB",
            latestMaxAgeHours: 0,
            extra: true,
        });
        expect(r.success).toBe(false);
        const paths = (r.error?.issues ?? []).map((i) => i.path.join("."));
        expect(paths).toEqual(expect.arrayContaining(["images.postgres", "images.kubectl", "workDirSizeLimit", "latestMaxAgeHours", ""]));
    });
});

describe("validateBackupsArgs", () => {
    it("accepts dev with MinIO keys and prod with IRSA", () => {
        expect(validateBackupsArgs(devArgs)).toEqual([]);
        expect(validateBackupsArgs(prodArgs)).toEqual([]);
    });

    it("refuses static keys outside dev, and both or neither credential source", () => {
        const staticProd = { ...prodArgs, s3: { ...prodArgs.s3, roleArn: undefined, credentialsSecret: { name: "keys" } } };
        expect(validateBackupsArgs(staticProd)).toEqual([
            "backups.s3.credentialsSecret: static keys are not allowed in prod (use roleArn / IRSA)",
        ]);
        const both = { ...devArgs, s3: { ...devArgs.s3, roleArn: "arn:aws:iam::1:role/x" } };
        expect(validateBackupsArgs(both)[0]).toContain("both credentialsSecret and roleArn");
        const neither = { ...devArgs, s3: { backupBucket: "b" } };
        expect(validateBackupsArgs(neither)[0]).toContain("neither credentialsSecret nor roleArn");
    });

    it("refuses sslmode disable outside dev", () => {
        const p = validateBackupsArgs({ ...prodArgs, config: backupsSchema.parse({ postgresSslMode: "disable" }) });
        expect(p).toEqual(['backups.postgresSslMode: "disable" is not allowed in prod (use require or verify-full)']);
    });
});

describe("cronJobSpec", () => {
    const base = {
        name: "x",
        namespace: "med-agi",
        schedule: "0 2 * * *",
        serviceAccountName: "sa",
        scriptsConfigMapName: "scripts",
        timing: JOB_TIMINGS.postgresBackup,
        resources: { limits: { memory: "1Gi" } },
        workDirSizeLimit: "5Gi",
    };

    it("chains steps as init containers then the container, each running its mounted script", () => {
        const s = plain(
            cronJobSpec({
                ...base,
                steps: [
                    { name: "a", image: "postgres:15.13-bookworm", script: "pg-dump.sh", env: [] },
                    {
                        name: "b",
                        image: "amazon/aws-cli:2.27.50",
                        script: "s3-publish.sh",
                        args: ["--x"],
                        env: [{ name: "K", value: "v" }],
                    },
                ],
            }),
        );
        const pod = s.spec.jobTemplate.spec.template.spec;
        expect(pod.initContainers.map((c: { name: string }) => c.name)).toEqual(["a"]);
        expect(pod.containers[0].command).toEqual(["bash", "/scripts/s3-publish.sh", "--x"]);
        expect(pod.initContainers[0].command).toEqual(["bash", "/scripts/pg-dump.sh"]);
        expect(pod.containers[0].env).toEqual(
            expect.arrayContaining([
                { name: "K", value: "v" },
                { name: "HOME", value: "/tmp" },
                { name: "WORK_DIR", value: "/work" },
            ]),
        );
        expect(pod.volumes).toEqual([
            { name: "scripts", configMap: { name: "scripts", defaultMode: 0o555 } },
            { name: "work", emptyDir: { sizeLimit: "5Gi" } },
            { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
        ]);
    });

    it("forbids concurrency, sets deadlines and history, and runs pods under PSA restricted", () => {
        const s = plain(cronJobSpec({ ...base, steps: [{ name: "only", image: "i:1", script: "model-backup.sh", env: [] }] }));
        expect(s.spec.concurrencyPolicy).toBe("Forbid");
        expect(s.spec.timeZone).toBe("Etc/UTC");
        expect(s.spec.startingDeadlineSeconds).toBe(3600);
        expect(s.spec.successfulJobsHistoryLimit).toBe(3);
        expect(s.spec.failedJobsHistoryLimit).toBe(5);
        expect(s.spec.jobTemplate.spec.backoffLimit).toBe(2);
        expect(s.spec.jobTemplate.spec.activeDeadlineSeconds).toBe(10800);
        const pod = s.spec.jobTemplate.spec.template.spec;
        expect(pod.initContainers).toBeUndefined();
        expect(pod.restartPolicy).toBe("Never");
        expect(pod.automountServiceAccountToken).toBe(false);
        expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } });
        expect(pod.containers[0].securityContext).toMatchObject({
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ["ALL"] },
        });
    });

    it("gives every step node disk for /work, /tmp and its logs, 1Gi of it requested", () => {
        const s = plain(
            cronJobSpec({
                ...base,
                steps: [
                    { name: "a", image: "i:1", script: "pg-dump.sh", env: [] },
                    { name: "b", image: "i:1", script: "s3-publish.sh", env: [] },
                ],
            }),
        );
        const pod = s.spec.jobTemplate.spec.template.spec;
        for (const c of [...pod.initContainers, ...pod.containers]) {
            // 5Gi work dir + 256Mi tmp + 64Mi of logs
            expect(c.resources).toEqual({
                limits: { memory: "1Gi", "ephemeral-storage": "5440Mi" },
                requests: { "ephemeral-storage": "1Gi" },
            });
        }
        // A work dir smaller than the request: the request is the limit.
        const small = plain(
            cronJobSpec({ ...base, workDirSizeLimit: "512Mi", steps: [{ name: "a", image: "i:1", script: "model-backup.sh", env: [] }] }),
        );
        expect(small.spec.jobTemplate.spec.template.spec.containers[0].resources).toEqual({
            limits: { memory: "1Gi", "ephemeral-storage": "832Mi" },
            requests: { "ephemeral-storage": "832Mi" },
        });
    });

    it("refuses a job without steps", () => {
        expect(() => cronJobSpec({ ...base, steps: [] })).toThrow("cronJobSpec(x): at least one step is required");
    });
});

describe("backupCronJobs", () => {
    const dev = plain(backupCronJobs(devArgs, backupsSchema.parse({})));
    const prod = plain(backupCronJobs(prodArgs, backupsSchema.parse({})));
    const pod = (j: { spec: { jobTemplate: { spec: { template: { spec: unknown } } } } }): any => j.spec.jobTemplate.spec.template.spec;
    const allEnv = (j: Parameters<typeof pod>[0]): { name: string; value?: string; valueFrom?: unknown }[] =>
        [...(pod(j).initContainers ?? []), ...pod(j).containers].flatMap(
            (c: { env: { name: string; value?: string; valueFrom?: unknown }[] }) => c.env,
        );

    it("names the CronJobs as the runbook's operators use them, on the runbook's schedules", () => {
        expect(Object.values(dev).map((j: any) => [j.metadata.name, j.spec.schedule])).toEqual([
            ["postgres-backup", SCHEDULES.postgresBackup],
            ["model-backup", SCHEDULES.modelBackup],
            ["config-backup", SCHEDULES.configBackup],
            ["restore-drill", SCHEDULES.restoreDrill],
            ["postgres-restore", SCHEDULES.restoreDrill],
        ]);
        for (const j of Object.values(dev) as any[]) expect(j.metadata.namespace).toBe("med-agi");
    });

    it("suspends only the restore template", () => {
        expect(Object.values(dev).map((j: any) => j.spec.suspend)).toEqual([false, false, false, false, true]);
        const paused = plain(backupCronJobs(devArgs, backupsSchema.parse({ suspend: true })));
        expect(Object.values(paused).every((j: any) => j.spec.suspend === true)).toBe(true);
    });

    it("runs pg tools in the postgres image and aws in the aws-cli image, in pod order", () => {
        const steps = (j: any) =>
            [...(pod(j).initContainers ?? []), ...pod(j).containers].map((c: any) => `${c.name}:${c.image}:${c.command[1]}`);
        expect(steps(dev.postgresBackup)).toEqual([
            "dump:postgres:15.13-bookworm:/scripts/pg-dump.sh",
            "upload:amazon/aws-cli:2.27.50:/scripts/s3-publish.sh",
        ]);
        expect(steps(dev.restoreDrill)).toEqual([
            "fetch:amazon/aws-cli:2.27.50:/scripts/s3-fetch.sh",
            "drill:postgres:15.13-bookworm:/scripts/restore-drill.sh",
        ]);
        expect(steps(dev.configBackup)).toEqual([
            "export:registry.k8s.io/kubectl:v1.33.3:/scripts/config-export.sh",
            "upload:amazon/aws-cli:2.27.50:/scripts/s3-publish.sh",
        ]);
        expect(steps(dev.modelBackup)).toEqual(["sync:amazon/aws-cli:2.27.50:/scripts/model-backup.sh"]);
    });

    it("takes the database password and MinIO keys from Secrets, never as values", () => {
        const env = allEnv(dev.postgresBackup);
        expect(env).toContainEqual({ name: "PGPASSWORD", valueFrom: { secretKeyRef: { name: "postgres-credentials", key: "password" } } });
        expect(env).toContainEqual({
            name: "AWS_SECRET_ACCESS_KEY",
            valueFrom: { secretKeyRef: { name: "minio-credentials", key: "AWS_SECRET_ACCESS_KEY" } },
        });
        expect(env).toContainEqual({ name: "S3_ENDPOINT_URL", value: "http://minio.med-agi.svc:9000" });
        expect(env).toContainEqual({ name: "PGDATABASE", value: "medagi" });
        expect(env).toContainEqual({ name: "PGSSLMODE", value: "prefer" });
        expect(env).toContainEqual({ name: "RETENTION_DAYS", value: "30" }); // 30 days of dumps, as the runbook keeps 30 days of logs
        expect(env).toContainEqual({ name: "MODELS_BUCKET", value: BACKUP.modelBucket });
    });

    it("uses IRSA and TLS in prod: no static keys, no endpoint, sslmode require", () => {
        const env = allEnv(prod.postgresBackup);
        expect(env.map((e) => e.name)).not.toContain("AWS_ACCESS_KEY_ID");
        expect(env.map((e) => e.name)).not.toContain("S3_ENDPOINT_URL");
        expect(env).toContainEqual({ name: "PGSSLMODE", value: "require" });
        expect(env).toContainEqual({ name: "PGPORT", value: "5433" });
        expect(env).toContainEqual({ name: "MODELS_BUCKET", value: "med-agi-prod-models" });
    });

    it("gives the signing key, from the Secret med-agi-backup-signing, only to the steps that sign or verify", () => {
        const stepsWithKey = (Object.values(dev) as any[]).flatMap((j) =>
            [...(pod(j).initContainers ?? []), ...pod(j).containers]
                .filter((c: { env: { name: string }[] }) => c.env.some((e) => e.name === "BACKUP_SIGNING_KEY"))
                .map((c: { name: string }) => `${j.metadata.name}/${c.name}`),
        );
        expect(stepsWithKey).toEqual([
            "postgres-backup/upload",
            "model-backup/sync",
            "config-backup/upload",
            "restore-drill/fetch",
            "restore-drill/drill",
            "postgres-restore/fetch",
            "postgres-restore/restore",
        ]);
        const env = allEnv(dev.restoreDrill);
        expect(env).toContainEqual({
            name: "BACKUP_SIGNING_KEY",
            valueFrom: { secretKeyRef: { name: "med-agi-backup-signing", key: "key" } },
        });
        expect(env).toContainEqual({
            name: "BACKUP_SIGNING_KEY_PREVIOUS",
            valueFrom: { secretKeyRef: { name: "med-agi-backup-signing", key: "previous-key", optional: true } },
        });
        // Never as a plain value.
        for (const j of Object.values(prod) as any[]) {
            for (const e of allEnv(j)) if (e.name.startsWith("BACKUP_SIGNING_KEY")) expect(e.value).toBeUndefined();
        }
    });

    it("asks for SSE-KMS on every upload, with the configured key", () => {
        for (const j of [dev.postgresBackup, dev.modelBackup, dev.configBackup]) {
            expect(allEnv(j)).toContainEqual({ name: "S3_SSE", value: "aws:kms" });
            expect(allEnv(j).map((e) => e.name)).not.toContain("S3_SSE_KMS_KEY_ID");
        }
        const key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        const withKey = plain(backupCronJobs(prodArgs, backupsSchema.parse({ kmsKeyId: key })));
        for (const j of [withKey.postgresBackup, withKey.modelBackup, withKey.configBackup]) {
            expect(allEnv(j)).toContainEqual({ name: "S3_SSE", value: "aws:kms" });
            expect(allEnv(j)).toContainEqual({ name: "S3_SSE_KMS_KEY_ID", value: key });
        }
    });

    it("gives only config-backup a Kubernetes API token, via its own ServiceAccount", () => {
        expect(pod(dev.configBackup).serviceAccountName).toBe("med-agi-config-backup");
        expect(pod(dev.configBackup).automountServiceAccountToken).toBe(true);
        expect(pod(dev.postgresBackup).serviceAccountName).toBe("med-agi-backup");
        for (const j of [dev.postgresBackup, dev.restoreDrill, dev.postgresRestore]) {
            expect(pod(j).automountServiceAccountToken).toBe(false);
        }
        expect(pod(dev.modelBackup).serviceAccountName).toBe("med-agi-model-backup");
        expect(pod(dev.modelBackup).automountServiceAccountToken).toBe(false);
    });

    it("runs the restore drill and the restore as their own ServiceAccount, not the writer's", () => {
        for (const j of [dev.restoreDrill, dev.postgresRestore, prod.restoreDrill, prod.postgresRestore]) {
            expect(pod(j).serviceAccountName).toBe("med-agi-backup-restore");
        }
    });

    it("refuses a latest run older than twice the backup interval by default, and the configured age when set", () => {
        for (const j of [dev.restoreDrill, dev.postgresRestore]) {
            expect(pod(j).initContainers[0].env).toContainEqual({ name: "LATEST_MAX_AGE_HOURS", value: "48" });
        }
        const custom = plain(backupCronJobs(devArgs, backupsSchema.parse({ latestMaxAgeHours: 72 })));
        expect(pod(custom.restoreDrill).initContainers[0].env).toContainEqual({ name: "LATEST_MAX_AGE_HOURS", value: "72" });
    });

    it("lets the jobs prune only where the bucket does not hold the retention itself", () => {
        const byBucket = plain(backupCronJobs({ ...prodArgs, s3: { ...prodArgs.s3, retention: "bucket" } }, backupsSchema.parse({})));
        for (const job of ["postgresBackup", "modelBackup", "configBackup"] as const) {
            expect(allEnv(dev[job])).toContainEqual({ name: "RETENTION_DAYS", value: "30" });
            expect(allEnv(byBucket[job]).map((v) => v.name)).not.toContain("RETENTION_DAYS");
        }
    });

    it("leaves the restore template's target empty, so an unconfigured run refuses", () => {
        const env = allEnv(dev.postgresRestore);
        expect(env).toContainEqual({ name: "RESTORE_TARGET_DB", value: "" });
        expect(env).toContainEqual({ name: "RESTORE_OVERWRITE_LIVE", value: "false" });
        expect(dev.postgresRestore.spec.jobTemplate.spec.backoffLimit).toBe(0);
    });
});

describe("signingSecretData", () => {
    it("holds the key, and the previous key only during a rotation, both as Pulumi secrets", async () => {
        const reveal = (o: pulumi.Output<string>): Promise<[string, boolean]> =>
            new Promise((resolve) => pulumi.all([o, pulumi.isSecret(o)]).apply(([v, s]) => resolve([v, s])));
        const one = signingSecretData({ signingKey: "k".repeat(32) });
        expect(Object.keys(one)).toEqual(["key"]);
        expect(await reveal(one.key as pulumi.Output<string>)).toEqual(["k".repeat(32), true]);
        const two = signingSecretData({ signingKey: "k".repeat(32), previousSigningKey: "p".repeat(32) });
        expect(Object.keys(two)).toEqual(["key", "previous-key"]);
        expect(await reveal(two["previous-key"] as pulumi.Output<string>)).toEqual(["p".repeat(32), true]);
    });
});

describe("config-backup RBAC", () => {
    it("reads every kind of `kubectl get all` and the exported config, never Secrets, never writes", () => {
        const rules = plain(configReaderRules()) as { apiGroups: string[]; resources: string[]; verbs: string[] }[];
        const resources = rules.flatMap((r) => r.resources);
        expect(resources).toEqual(
            expect.arrayContaining([
                "pods",
                "services",
                "deployments",
                "statefulsets",
                "cronjobs",
                "jobs",
                "horizontalpodautoscalers",
                "configmaps",
                "roles",
            ]),
        );
        expect(resources).not.toContain("secrets");
        expect(resources).not.toContain("*");
        for (const r of rules) expect(r.verbs).toEqual(["get", "list"]);
        expect(configExportResources().join(",")).not.toMatch(/secret/);
    });
});

describe("readScripts", () => {
    it("ships every script file byte for byte", () => {
        const data = readScripts();
        expect(Object.keys(data)).toEqual([...SCRIPT_FILES]);
        for (const f of SCRIPT_FILES) expect(data[f]).toBe(fs.readFileSync(path.join(SCRIPTS_DIR, f), "utf8"));
        for (const f of SCRIPT_FILES.filter((f) => f !== "lib.sh")) expect(data[f]).toContain("set -euo pipefail");
    });
});
