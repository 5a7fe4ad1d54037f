/**
 * The five CronJobs as pure data: which steps, images, scripts and
 * environment each one runs. The component only turns these into resources.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { BACKUP, NAMESPACE, POSTGRES } from "../runbook";
import type { BackupsArgs } from "./args";
import type { BackupsConfig } from "./config";
import { cronJobSpec, type ScriptStep } from "./cronjob";
import {
    CRONJOB_NAMES,
    DRILL_DB_PREFIX,
    JOB_SCHEDULES,
    JOB_TIMINGS,
    RETENTION_DAYS,
    SCRIPTS_CONFIGMAP_NAME,
    SERVICE_ACCOUNT_NAMES,
    SIGNING_SECRET,
    type BackupJob,
} from "./defaults";
import { configExportResources } from "./rbac";

type EnvVar = k8s.types.input.core.v1.EnvVar;

/** Where the PostgreSQL server's CA is mounted when `postgres.ca` is set. */
export const POSTGRES_CA_DIR = "/etc/med-agi/postgres-ca";

/** libpq environment: host, port, database, user, and the password from its Secret. */
export function postgresEnv(
    args: BackupsArgs,
    sslMode: string,
    as?: { user: string; passwordSecret: { name: pulumi.Input<string>; key: string } },
): EnvVar[] {
    const pg = as === undefined ? args.postgres : { ...args.postgres, ...as };
    return [
        { name: "PGHOST", value: pg.host },
        { name: "PGPORT", value: pulumiString(pg.port ?? 5432) },
        { name: "PGDATABASE", value: pg.database ?? POSTGRES.database },
        { name: "LIVE_DATABASE", value: pg.database ?? POSTGRES.database },
        { name: "PGUSER", value: pg.user ?? POSTGRES.user },
        { name: "PGPASSWORD", valueFrom: { secretKeyRef: { name: pg.passwordSecret.name, key: pg.passwordSecret.key } } },
        { name: "PGSSLMODE", value: sslMode },
        { name: "PGCONNECT_TIMEOUT", value: "10" },
        { name: "PGAPPNAME", value: "med-agi-backup" },
        ...(args.postgres.ca === undefined ? [] : [{ name: "PGSSLROOTCERT", value: `${POSTGRES_CA_DIR}/${args.postgres.ca.key}` }]),
    ];
}

/**
 * The manifest signing key(s) from the Secret med-agi-backup-signing, for every
 * step that signs (upload, model sync) or verifies (fetch, drill, restore).
 * The previous key is optional: absent from the Secret outside a rotation.
 */
export function signingEnv(): EnvVar[] {
    return [
        { name: "BACKUP_SIGNING_KEY", valueFrom: { secretKeyRef: { name: SIGNING_SECRET.name, key: SIGNING_SECRET.key } } },
        {
            name: "BACKUP_SIGNING_KEY_PREVIOUS",
            valueFrom: { secretKeyRef: { name: SIGNING_SECRET.name, key: SIGNING_SECRET.previousKey, optional: true } },
        },
    ];
}

/** The `stringData` of the Secret med-agi-backup-signing: the key, and the previous one during a rotation (both as Pulumi secrets). */
export function signingSecretData(args: Pick<BackupsArgs, "signingKey" | "previousSigningKey">): Record<string, pulumi.Output<string>> {
    return {
        [SIGNING_SECRET.key]: pulumi.secret(args.signingKey),
        ...(args.previousSigningKey === undefined ? {} : { [SIGNING_SECRET.previousKey]: pulumi.secret(args.previousSigningKey) }),
    };
}

/** aws CLI environment: buckets, endpoint, region, upload encryption, and static keys when no IRSA role is used. */
export function s3Env(args: BackupsArgs, config: BackupsConfig): EnvVar[] {
    const s3 = args.s3;
    const env: EnvVar[] = [
        { name: "BACKUP_BUCKET", value: s3.backupBucket },
        { name: "MODELS_BUCKET", value: s3.modelBucket ?? BACKUP.modelBucket },
        { name: "AWS_DEFAULT_REGION", value: s3.region ?? "us-east-1" },
        // Pruning by the jobs only where the bucket does not hold the retention itself.
        ...((s3.retention ?? "jobs") === "jobs" ? [{ name: "RETENTION_DAYS", value: String(RETENTION_DAYS) }] : []),
        { name: "S3_SSE", value: config.serverSideEncryption },
    ];
    if (config.kmsKeyId !== undefined) env.push({ name: "S3_SSE_KMS_KEY_ID", value: config.kmsKeyId });
    if (s3.endpointUrl !== undefined) env.push({ name: "S3_ENDPOINT_URL", value: s3.endpointUrl });
    const creds = s3.credentialsSecret;
    if (creds !== undefined) {
        env.push(
            {
                name: "AWS_ACCESS_KEY_ID",
                valueFrom: { secretKeyRef: { name: creds.name, key: creds.accessKeyIdKey ?? "AWS_ACCESS_KEY_ID" } },
            },
            {
                name: "AWS_SECRET_ACCESS_KEY",
                valueFrom: { secretKeyRef: { name: creds.name, key: creds.secretAccessKeyKey ?? "AWS_SECRET_ACCESS_KEY" } },
            },
        );
    }
    return env;
}

/** Env values are strings: a plain number converts now, an Output when it resolves. */
function pulumiString(value: pulumi.Input<number>): pulumi.Input<string> {
    return typeof value === "number" ? String(value) : pulumi.output(value).apply(String);
}

/** The sslmode used when config does not set one: TLS required outside dev. */
export function defaultSslMode(environment: BackupsArgs["environment"]): string {
    return environment === "dev" ? "prefer" : "require";
}

/** The steps of each job. */
export function jobSteps(args: BackupsArgs, config: BackupsConfig): Record<BackupJob, ScriptStep[]> {
    const img = config.images;
    const sslMode = config.postgresSslMode ?? defaultSslMode(args.environment);
    const pg = postgresEnv(args, sslMode);
    const drillPg = args.postgres.drill === undefined ? pg : postgresEnv(args, sslMode, args.postgres.drill);
    const signing = signingEnv();
    const s3 = [...s3Env(args, config), ...signing];
    const namespace = args.namespace ?? NAMESPACE;
    const fetchLatest: EnvVar[] = [
        { name: "RESTORE_RUN", value: "latest" },
        { name: "LATEST_MAX_AGE_HOURS", value: String(config.latestMaxAgeHours) },
    ];
    return {
        postgresBackup: [
            { name: "dump", image: img.postgres, script: "pg-dump.sh", env: [...pg, { name: "DUMP_GLOBALS", value: "true" }] },
            { name: "upload", image: img.awsCli, script: "s3-publish.sh", env: s3 },
        ],
        modelBackup: [{ name: "sync", image: img.awsCli, script: "model-backup.sh", env: s3 }],
        configBackup: [
            {
                name: "export",
                image: img.kubectl,
                script: "config-export.sh",
                env: [
                    { name: "NAMESPACE", value: namespace },
                    { name: "CONFIG_RESOURCES", value: configExportResources().join(",") },
                ],
            },
            { name: "upload", image: img.awsCli, script: "s3-publish.sh", env: s3 },
        ],
        restoreDrill: [
            { name: "fetch", image: img.awsCli, script: "s3-fetch.sh", env: [...s3, ...fetchLatest] },
            {
                name: "drill",
                image: img.postgres,
                script: "restore-drill.sh",
                env: [...drillPg, ...signing, { name: "DRILL_DB_PREFIX", value: DRILL_DB_PREFIX }],
            },
        ],
        postgresRestore: [
            { name: "fetch", image: img.awsCli, script: "s3-fetch.sh", env: [...s3, ...fetchLatest] },
            {
                name: "restore",
                image: img.postgres,
                script: "pg-restore.sh",
                // Empty on purpose: tools/restore.sh sets them per run; without them the script refuses.
                env: [...pg, ...signing, { name: "RESTORE_TARGET_DB", value: "" }, { name: "RESTORE_OVERWRITE_LIVE", value: "false" }],
            },
        ],
    };
}

/** The ServiceAccount each job runs as: the writers one each, the restore drill and the restore the read-only one. */
export const JOB_SERVICE_ACCOUNTS: Readonly<Record<BackupJob, string>> = {
    postgresBackup: SERVICE_ACCOUNT_NAMES.backup,
    modelBackup: SERVICE_ACCOUNT_NAMES.modelBackup,
    configBackup: SERVICE_ACCOUNT_NAMES.configBackup,
    restoreDrill: SERVICE_ACCOUNT_NAMES.restore,
    postgresRestore: SERVICE_ACCOUNT_NAMES.restore,
};

/** The CronJob args of every job, keyed by job. */
export function backupCronJobs(args: BackupsArgs, config: BackupsConfig): Record<BackupJob, k8s.batch.v1.CronJobArgs> {
    const steps = jobSteps(args, config);
    const namespace = args.namespace ?? NAMESPACE;
    const resources = { requests: { ...config.resources.requests }, limits: { ...config.resources.limits } };
    const build = (job: BackupJob): k8s.batch.v1.CronJobArgs =>
        cronJobSpec({
            name: CRONJOB_NAMES[job],
            namespace,
            schedule: JOB_SCHEDULES[job],
            steps: steps[job],
            serviceAccountName: JOB_SERVICE_ACCOUNTS[job],
            automountServiceAccountToken: job === "configBackup",
            scriptsConfigMapName: SCRIPTS_CONFIGMAP_NAME,
            timing: JOB_TIMINGS[job],
            resources,
            workDirSizeLimit: config.workDirSizeLimit,
            ...(args.postgres.ca === undefined ? {} : { caVolume: { ...args.postgres.ca, mountPath: POSTGRES_CA_DIR } }),
            // The restore template never runs on a schedule.
            suspend: job === "postgresRestore" ? true : config.suspend,
            ...(args.version === undefined ? {} : { version: args.version }),
        });
    return {
        postgresBackup: build("postgresBackup"),
        modelBackup: build("modelBackup"),
        configBackup: build("configBackup"),
        restoreDrill: build("restoreDrill"),
        postgresRestore: build("postgresRestore"),
    };
}
