/**
 * The one place the backup jobs' defaults live (STYLE rule 3). Values the
 * runbook fixes (schedules, retention, names) are read from `../runbook`;
 * everything here is a choice, documented in docs/backups.md.
 */
import { BACKUP, POSTGRES_BACKUP_CRONJOB, SCHEDULES } from "../runbook";

/**
 * Official images, pinned by tag. The postgres image provides bash, pg_dump,
 * pg_dumpall, pg_restore and psql (its major version must match the server's);
 * amazon/aws-cli provides bash and the aws CLI but no PostgreSQL tools;
 * registry.k8s.io/kubectl (debian-base since v1.28) provides bash and kubectl.
 * A job that needs two of them runs its steps as init container + container
 * sharing an emptyDir (`/work`).
 */
export const DEFAULT_BACKUP_IMAGES = {
    postgres: "postgres:15.13-bookworm",
    awsCli: "amazon/aws-cli:2.27.50",
    kubectl: "registry.k8s.io/kubectl:v1.33.3",
} as const;

/** Requests/limits of every backup container (one step runs at a time per pod). */
export const DEFAULT_BACKUP_RESOURCES = {
    requests: { cpu: "100m", memory: "256Mi" },
    limits: { cpu: "1", memory: "1Gi" },
} as const;

/** Size limit of the shared `/work` emptyDir that holds one dump (or one fetched run). */
export const DEFAULT_WORK_DIR_SIZE_LIMIT = "20Gi";

/** Size limit of the `/tmp` emptyDir (HOME, aws CLI config, scratch files). */
export const TMP_DIR_SIZE_LIMIT = "256Mi";

/**
 * Node disk each backup container requests; its limit is `/work`'s and
 * `/tmp`'s size limits plus its logs (infra/k8s/storage.ts).
 */
export const EPHEMERAL_STORAGE_REQUEST = "1Gi";

/**
 * The UID/GID the backup pods run as. Any non-root ID works: the scripts set
 * PGUSER and HOME, so no passwd entry is needed (checked with psql).
 */
export const BACKUP_RUN_AS = { user: 10001, group: 10001 } as const;

/** CronJob object names in the namespace (explicit, as `kubectl create job --from=cronjob/<name>` uses them). */
export const CRONJOB_NAMES = {
    postgresBackup: POSTGRES_BACKUP_CRONJOB,
    modelBackup: "model-backup",
    configBackup: "config-backup",
    restoreDrill: "restore-drill",
    /** Suspended: a template for `tools/restore.sh`, never scheduled. */
    postgresRestore: "postgres-restore",
} as const;
export type BackupJob = keyof typeof CRONJOB_NAMES;

/** Schedules: the runbook's (via runbook.ts SCHEDULES); the restore template borrows the drill's but is suspended. */
export const JOB_SCHEDULES: Readonly<Record<BackupJob, string>> = {
    postgresBackup: SCHEDULES.postgresBackup,
    modelBackup: SCHEDULES.modelBackup,
    configBackup: SCHEDULES.configBackup,
    restoreDrill: SCHEDULES.restoreDrill,
    postgresRestore: SCHEDULES.restoreDrill,
};

/** Deadlines and retries of one CronJob. */
export interface JobTiming {
    /** A run that could not start within this many seconds of its slot is skipped (and the freshness alert fires). */
    readonly startingDeadlineSeconds: number;
    /** The Job is killed after this many seconds. */
    readonly activeDeadlineSeconds: number;
    /** Pod retries before the Job is marked failed. */
    readonly backoffLimit: number;
    readonly successfulJobsHistoryLimit: number;
    readonly failedJobsHistoryLimit: number;
}

const HOUR = 3600;

/**
 * Chosen: a daily job may start up to an hour late; the dump must finish well
 * before the 02:30 model backup would compete for the network; a restore is
 * never retried automatically (an operator looks at a failed restore first).
 */
export const JOB_TIMINGS: Readonly<Record<BackupJob, JobTiming>> = {
    postgresBackup: {
        startingDeadlineSeconds: HOUR,
        activeDeadlineSeconds: 3 * HOUR,
        backoffLimit: 2,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 5,
    },
    modelBackup: {
        startingDeadlineSeconds: HOUR,
        activeDeadlineSeconds: 4 * HOUR,
        backoffLimit: 2,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 5,
    },
    configBackup: {
        startingDeadlineSeconds: HOUR,
        activeDeadlineSeconds: HOUR / 2,
        backoffLimit: 2,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 5,
    },
    restoreDrill: {
        startingDeadlineSeconds: 6 * HOUR,
        activeDeadlineSeconds: 4 * HOUR,
        backoffLimit: 1,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
    },
    postgresRestore: {
        startingDeadlineSeconds: HOUR,
        activeDeadlineSeconds: 6 * HOUR,
        backoffLimit: 0,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
    },
};

/** Hours between two runs of each daily backup (SCHEDULES.postgresBackup and .modelBackup run once a day). */
export const BACKUP_INTERVAL_HOURS = 24;

/**
 * How old the newest complete run may be for a restore or drill of `latest`: twice
 * the backup interval. An older "latest" means newer runs are missing (failing
 * backups, or runs deleted from the bucket) and is refused; a named run is not.
 */
export const DEFAULT_LATEST_MAX_AGE_HOURS = 2 * BACKUP_INTERVAL_HOURS;

/** Days of dated runs kept in the backups bucket (runbook.ts BACKUP.retentionDays). */
export const RETENTION_DAYS = BACKUP.retentionDays;

/** ServiceAccounts (fixed names: an IRSA trust policy names them as `system:serviceaccount:med-agi:<name>`). */
export const SERVICE_ACCOUNT_NAMES = {
    /** postgres-backup: writes S3 `postgres/` only, no Kubernetes API token. */
    backup: "med-agi-backup",
    /**
     * restore-drill and postgres-restore: reads S3 `postgres/` only (its own read-only IRSA role in AWS), no
     * Kubernetes API token. Not the writer's identity: a restore never holds the rights to change what it restores.
     */
    restore: "med-agi-backup-restore",
    /** model-backup: reads the models bucket, writes `models/`; its own IRSA role in AWS. No Kubernetes API token. */
    modelBackup: "med-agi-model-backup",
    /** config-backup: S3 plus read-only access to the namespace's objects (never Secrets). */
    configBackup: "med-agi-config-backup",
} as const;

/**
 * The Secret holding the manifest signing key(s): key `key` (signs and verifies)
 * and, during a rotation, `previous-key` (verifies only).
 */
export const SIGNING_SECRET = { name: "med-agi-backup-signing", key: "key", previousKey: "previous-key" } as const;

/** The ConfigMap holding the scripts, mounted at /scripts in every backup pod. */
export const SCRIPTS_CONFIGMAP_NAME = "med-agi-backup-scripts";

/** Mount points inside the pods. */
export const PATHS = { scripts: "/scripts", work: "/work", tmp: "/tmp" } as const;

/** Name of the scratch databases the drill creates (and always drops): `<prefix>_<run id>`. */
export const DRILL_DB_PREFIX = "medagi_drill";
