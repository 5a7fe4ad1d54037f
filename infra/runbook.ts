/**
 * The operations runbook (the user's `runbook.md`; the alert-response part is
 * written out for on-call in `docs/runbook.md`, which alerts link to) as typed data.
 *
 * This is the single source that alert rules, autoscalers, backup jobs,
 * logrotate and the policy pack read. Every value carries a comment naming the
 * runbook section (and the line's wording) it comes from, so a reviewer can
 * check one against the other. Values the runbook leaves open (exact times of
 * day, alert `for:` windows) are chosen here once and marked "chosen".
 */

/** The Kubernetes namespace every runbook command uses (`-n med-agi`). */
export const NAMESPACE = "med-agi";

/** The six HTTP services of "System Overview → Architecture → Microservices". */
export const SERVICE_NAMES = ["imaging", "ekg", "eval", "anchor", "modelcards", "ops"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** What the runbook and DESIGN.md fix about one service. */
export interface ServiceSpec {
    /** Deployment, first container, Service and image name (`deployment/imaging`). */
    readonly name: ServiceName;
    /** Human-readable name as the runbook writes it. */
    readonly displayName: string;
    /** Container and Service port: "Health Check Endpoints" loop `for port in 8006 8016 8005 8007 8008 8010`. */
    readonly port: number;
}

/**
 * Ports in the order of the runbook's health-check loop, which lists the
 * services in the order of "Microservices": Imaging 8006, EKG 8016, Eval 8005,
 * Anchor 8007, ModelCards 8008, Ops 8010 (`kubectl port-forward service/imaging 8006:8006`).
 */
export const SERVICES: Readonly<Record<ServiceName, ServiceSpec>> = {
    imaging: { name: "imaging", displayName: "Imaging", port: 8006 },
    ekg: { name: "ekg", displayName: "EKG", port: 8016 },
    eval: { name: "eval", displayName: "Eval", port: 8005 },
    anchor: { name: "anchor", displayName: "Anchor", port: 8007 },
    modelcards: { name: "modelcards", displayName: "ModelCards", port: 8008 },
    ops: { name: "ops", displayName: "Ops", port: 8010 },
};

/** HTTP paths every service serves ("Health Check Endpoints"; "Appendix → API Documentation"). */
export const HTTP_PATHS = {
    /** `curl -s http://localhost:$port/health` */
    health: "/health",
    /** "Swagger UI available at each service's `/docs` endpoint" */
    docs: "/docs",
    /** Prometheus scrape path (DESIGN.md "Metrics and alerts contract"). */
    metrics: "/metrics",
    /** `curl http://localhost:8006/v1/triton/health` — served by imaging. */
    tritonHealth: "/v1/triton/health",
} as const;

/** Image repository prefix: `docker build -t med-agi/imaging:v1.0.0 services/imaging`. */
export const IMAGE_REPOSITORY_PREFIX = "med-agi";

/** Database identity: `psql -U medagi`, `pg_dump -U medagi -d medagi`. */
export const POSTGRES = { user: "medagi", database: "medagi" } as const;

/** Alert severities (DESIGN.md) and what the runbook's "Action" column asks for each. */
export type Severity = "page" | "warning" | "info";

/** One row of "Monitoring & Alerts → Key Metrics". */
export interface KeyMetric {
    /** Alert name fixed by DESIGN.md. */
    readonly alert: string;
    /** The runbook's "Threshold" column, as a number in the unit of `unit`. */
    readonly threshold: number;
    readonly unit: "ratio" | "seconds" | "percent" | "boolean";
    readonly severity: Severity;
    /** The runbook's "Action" column. */
    readonly action: string;
}

/** "Monitoring & Alerts → Key Metrics". Every comparison is strict (`>`), as the table writes it. */
export const KEY_METRICS = {
    /** "Error Rate | > 1% | Page on-call" — 5xx ratio per service. */
    errorRate: {
        alert: "MedAgiHighErrorRate",
        threshold: 0.01,
        unit: "ratio",
        severity: "page",
        action: "Page on-call",
    },
    /** "P95 Latency | > 2s | Alert team" */
    latencyP95: {
        alert: "MedAgiHighLatencyP95",
        threshold: 2,
        unit: "seconds",
        severity: "warning",
        action: "Alert team",
    },
    /** "GPU Utilization | > 90% | Scale up" — DCGM_FI_DEV_GPU_UTIL is in percent. */
    gpuUtilization: {
        alert: "MedAgiGpuUtilizationHigh",
        threshold: 90,
        unit: "percent",
        severity: "warning",
        action: "Scale up",
    },
    /** "Memory Usage | > 80% | Investigate" — working set over the container's memory limit. */
    memoryUsage: {
        alert: "MedAgiMemoryHigh",
        threshold: 0.8,
        unit: "ratio",
        severity: "warning",
        action: "Investigate",
    },
    /** "Triton Health | Unhealthy | Failover to CPU" — no GPU Triton pod ready. */
    tritonHealth: {
        alert: "MedAgiTritonUnhealthy",
        threshold: 1,
        unit: "boolean",
        severity: "page",
        action: "Failover to CPU",
    },
} as const satisfies Record<string, KeyMetric>;

/**
 * How long a condition must hold before an alert fires (chosen: the runbook
 * gives thresholds, not windows). Short enough to page within the P1
 * "acknowledge within 5 minutes" budget, long enough to ride out one bad scrape.
 */
export const ALERT_FOR = {
    errorRate: "5m",
    latencyP95: "10m",
    gpuUtilization: "15m",
    memoryUsage: "15m",
    tritonHealth: "2m",
} as const;

/** "Incident Response → Severity Levels". */
export const INCIDENT_SEVERITIES = {
    P1: "Complete service outage, data loss risk",
    P2: "Degraded performance, partial outage",
    P3: "Minor issues, no user impact",
    P4: "Cosmetic issues, improvements",
} as const;

/** "P1 Incident → 1. Acknowledge alert within 5 minutes". */
export const P1_ACKNOWLEDGE_WITHIN_MINUTES = 5;

/** "Emergency Contacts → Escalation", in minutes after the page. */
export const ESCALATION_MINUTES = {
    onCallPrimary: 0, // "Immediate"
    onCallSecondary: 15, // "15 min"
    engineeringLead: 30, // "30 min"
    productOwner: 60, // "1 hour"
} as const;

/**
 * "Maintenance Tasks → Backup Procedures" and "Daily / Weekly / Monthly".
 * Cron expressions are in UTC; the times of day are chosen (the runbook says
 * only daily/weekly/monthly) to stay clear of each other.
 */
export const SCHEDULES = {
    /** Daily "Verify backup completion" → `pg_dump -U medagi -d medagi` nightly. */
    postgresBackup: "0 2 * * *",
    /** `aws s3 sync models/ s3://med-agi-models/backup-$(date +%Y%m%d)/` — daily, after the DB dump. */
    modelBackup: "30 2 * * *",
    /** `kubectl get all -n med-agi -o yaml > k8s_backup_$(date +%Y%m%d).yaml` — daily. */
    configBackup: "0 3 * * *",
    /** Monthly "Disaster recovery drill" — first Sunday-ish: the 1st of the month, 04:00. */
    restoreDrill: "0 4 1 * *",
    /** Weekly "Clean up old logs and artifacts" — Sundays 05:00. */
    weeklyCleanup: "0 5 * * 0",
} as const;

/** Backup retention and freshness. */
export const BACKUP = {
    /** Daily "Verify backup completion": alert when the last good backup is older than this. */
    maxAgeHours: 26,
    /** Days of daily dumps kept (chosen: matches the 30 days of log retention). */
    retentionDays: 30,
    /** `backup_$(date +%Y%m%d)` — the dated key format (UTC). */
    dateFormat: "%Y%m%d",
    /** `s3://med-agi-models/...` — the runbook's model bucket name. */
    modelBucket: "med-agi-models",
    /** Model backups go to `backup-<date>/` ("Model backup"). */
    modelBackupPrefix: "backup-",
} as const;

/** "Maintenance Tasks → Log Rotation" (`/etc/logrotate.d/med-agi`). */
export const LOG_ROTATION = {
    path: "/var/log/med-agi/*.log",
    directory: "/var/log/med-agi",
    frequency: "daily",
    rotate: 30,
    compress: true,
    delaycompress: true,
    notifempty: true,
    create: { mode: "0640", owner: "medagi", group: "medagi" },
    sharedscripts: true,
    /** `docker kill -s USR1 med-agi-*` — tells the compose containers to reopen their logs. */
    postrotateSignal: "USR1",
    containerNamePrefix: "med-agi-",
} as const;

/** Where alert annotations point: sections of this repository's `docs/runbook.md`. */
export const RUNBOOK_DOC_PATH = "docs/runbook.md";

// ---------------------------------------------------------------------------
// Observability: the alerts behind the runbook's "Maintenance Tasks"
// checks that an operator otherwise does by hand. The runbook names the checks
// but gives no numbers; every value below is "chosen" and documented in
// docs/observability.md.

/**
 * Daily "Check disk usage": volume fill ratio of a PersistentVolumeClaim.
 * Chosen: warn at the same 80 % the runbook uses for memory ("Memory Usage
 * > 80 % → Investigate"), page at 90 % (a full database volume is a P1
 * "data loss risk").
 */
export const VOLUME_USAGE = {
    warning: 0.8,
    page: 0.9,
} as const;

/**
 * Daily "Review security alerts": share of requests answered 401/403 per
 * service. Chosen: above 10 % for 10 minutes is not normal client behaviour
 * (credential stuffing, a broken OIDC provider or a mis-deployed OPA policy).
 */
export const AUTH_FAILURE_RATIO = 0.1;

/**
 * `for:` windows of the maintenance alerts (chosen, like {@link ALERT_FOR}).
 * `backupAbsent` is the backup freshness budget itself: a CronJob that has
 * never succeeded is as late as one whose last success is older than
 * `BACKUP.maxAgeHours`.
 */
export const MAINTENANCE_ALERT_FOR = {
    backupStale: "10m",
    backupAbsent: `${BACKUP.maxAgeHours}h`,
    volumeUsageWarning: "15m",
    volumeUsagePage: "5m",
    crashLooping: "15m",
    dataStoreDown: "2m",
    cpuFailover: "5m",
    authFailures: "10m",
    siemShipping: "15m",
    postgresDown: "2m",
    postgresReplicationLag: "5m",
    elasticsearchRed: "5m",
    elasticsearchYellow: "30m",
    elasticsearchUnreachable: "10m",
    dataStoreVolumeFillingUp: "1h",
} as const;

/**
 * Health of the data stores, which the alerts and dashboards read: chosen
 * values, documented in docs/observability.md.
 * - `replicationLagSeconds`: a CloudNativePG standby more than 30 s behind its
 *   primary loses up to that much on a failover.
 * - `volumeFill*`: a data-store volume whose free space, extrapolated linearly
 *   over the last 6 h, runs out within 24 h (a working day to act before the
 *   page at {@link VOLUME_USAGE}.page), once it is at least half full.
 */
export const DATA_STORE_HEALTH = {
    replicationLagSeconds: 30,
    volumeFillTrendWindow: "6h",
    volumeFillHorizonHours: 24,
    volumeFillMinUsedRatio: 0.5,
} as const;

/** "System Overview → Data Stores: PostgreSQL, Elasticsearch, MinIO" — the in-cluster StatefulSet names. */
export const DATA_STORE_NAMES = ["postgres", "elasticsearch", "minio"] as const;

/** The CPU fallback of "Triton Failure → 3. Failover to CPU inference (automatic)". */
export const TRITON_DEPLOYMENTS = { gpu: "triton", cpu: "triton-cpu" } as const;

/** The CronJob whose last success proves daily "Verify backup completion" (`pg_dump -U medagi -d medagi`). */
export const POSTGRES_BACKUP_CRONJOB = "postgres-backup";

/**
 * DESIGN.md "prod: sized and protected for production (… ≥2 replicas, PDBs)":
 * the fewest pods of a service in prod, so that a node loss or a rollout
 * keeps it serving (the runbook's "Scale horizontally" assumes more than one).
 */
export const PROD_MIN_REPLICAS = 2;

/**
 * Daily "Verify backup completion" for the managed database: days of
 * automated RDS backups kept (chosen: a week of point-in-time recovery; the
 * 30-day history is the nightly dumps of {@link BACKUP}).
 */
export const RDS_BACKUP_RETENTION_DAYS = 7;
