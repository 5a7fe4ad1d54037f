/**
 * Stack configuration of the observability component: three sections that
 * `infra/config.ts` composes under the top-level keys `monitoring`, `alerting`
 * and `siem` (`med-agi:monitoring: {...}` in `Pulumi.<stack>.yaml`).
 *
 * Every object is `.strict()` (a misspelt key is an error, not a silent
 * default). Fields whose right value depends on the environment (retention,
 * storage, replicas, SIEM output) are optional in the schema and resolved by
 * {@link resolveObservabilitySettings} from {@link ENVIRONMENT_DEFAULTS}; all
 * other fields carry their default in the schema. Credentials are NOT here:
 * they are the top-level secret keys of {@link OBSERVABILITY_SECRET_KEYS}.
 */
import { z } from "zod";

import type { Environment } from "../environment";
import { hostName, httpsUrl, k8sName } from "../formats";
import { CHARTS } from "./charts";

export type { Environment };

// ---------------------------------------------------------------------------
// Value formats

/** A Prometheus duration such as `30s`, `5m`, `1h30m`, `15d`. */
export const promDuration = z.string().regex(/^([0-9]+(ms|s|m|h|d|w|y))+$/, 'a Prometheus duration such as "30s", "5m", "12h" or "15d"');

const storageQuantity = z.string().regex(/^[1-9][0-9]*(Mi|Gi|Ti)$/, 'a storage size in binary units such as "50Gi"');

const chartVersion = z.string().regex(/^[0-9]+\.[0-9]+\.[0-9]+$/, 'an exact chart version such as "81.4.3" (ranges are not reproducible)');

const email = z.email({ error: "an e-mail address" });

// ---------------------------------------------------------------------------
// monitoring

/** `med-agi:monitoring` — the kube-prometheus-stack release. */
export const monitoringSchema = z
    .object({
        /** Namespace of Prometheus, Alertmanager and Grafana (and of the Alertmanager config Secret). */
        namespace: k8sName.default("monitoring"),
        /** kube-prometheus-stack chart version; default {@link CHARTS.kubePrometheusStack}.version. */
        chartVersion: chartVersion.default(CHARTS.kubePrometheusStack.version),
        prometheus: z
            .object({
                /** TSDB retention. Default per environment (dev 2d, staging 15d, prod 30d). */
                retention: promDuration.optional(),
                /** PersistentVolumeClaim size; when unset per environment (dev: none, emptyDir). */
                storageSize: storageQuantity.optional(),
                /** StorageClass of the PVC; unset = the cluster default (gp3 on EKS, local-path on kind/k3d). */
                storageClass: k8sName.optional(),
                /** Prometheus replicas. Default per environment (prod 2). */
                replicas: z.number().int().min(1).max(5).optional(),
            })
            .strict()
            .default({}),
        alertmanager: z
            .object({
                /** PVC size for silences and notification log; when unset per environment. */
                storageSize: storageQuantity.optional(),
                storageClass: k8sName.optional(),
                /** Alertmanager replicas (gossip cluster). Default per environment (prod 2). */
                replicas: z.number().int().min(1).max(5).optional(),
            })
            .strict()
            .default({}),
        grafana: z
            .object({
                /** Deploy Grafana with the dashboard sidecar. */
                enabled: z.boolean().default(true),
            })
            .strict()
            .default({ enabled: true }),
    })
    .strict();
export type MonitoringConfig = z.infer<typeof monitoringSchema>;

// ---------------------------------------------------------------------------
// alerting

/** Where `severity=warning` goes: the team's Slack channel, an e-mail list, or nowhere (dev only). */
export const teamReceiverSchema = z.discriminatedUnion("kind", [
    z
        .object({
            kind: z.literal("slack"),
            /** Channel the incoming webhook posts to, e.g. `#med-agi-alerts`; the webhook URL is the secret `slackWebhookUrl`. */
            channel: z.string().regex(/^[#@][a-z0-9._-]{1,80}$/, 'a Slack channel such as "#med-agi-alerts"'),
        })
        .strict(),
    z
        .object({
            kind: z.literal("email"),
            to: email,
            from: email,
            /** SMTP relay `host:port`, e.g. `email-smtp.eu-west-1.amazonaws.com:587`. */
            smarthost: z.string().regex(/^[A-Za-z0-9.-]+:[0-9]{1,5}$/, 'an SMTP "host:port"'),
            /** SMTP user; the password is the secret `smtpPassword`. Unset: no SMTP AUTH. */
            authUsername: z.string().min(1).optional(),
            /** Refuse to send without STARTTLS. */
            requireTls: z.boolean().default(true),
        })
        .strict(),
    z.object({ kind: z.literal("none") }).strict(),
]);
export type TeamReceiverConfig = z.infer<typeof teamReceiverSchema>;

/** `med-agi:alerting` — Alertmanager routing. */
export const alertingSchema = z
    .object({
        /** Receiver for `severity=warning`. Default `none`; staging and prod require slack or email. */
        team: teamReceiverSchema.default({ kind: "none" }),
        /**
         * SIEM webhook that also receives every `category=security` alert
         * (bearer token: the secret `siemToken`). Unset: security alerts go only
         * where their severity routes them.
         */
        siemWebhookUrl: httpsUrl.optional(),
        /** Labels that put alerts into one notification. */
        groupBy: z
            .array(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "a Prometheus label name"))
            .min(1)
            .default(["alertname", "namespace", "service"]),
        /** Wait before the first notification of a new group (pages use `pageGroupWait`). */
        groupWait: promDuration.default("30s"),
        /** Wait before the first page: short, the runbook's P1 asks for acknowledgement within 5 minutes. */
        pageGroupWait: promDuration.default("10s"),
        /** Wait before notifying about alerts added to a group already notified. */
        groupInterval: promDuration.default("5m"),
        /** Re-notification interval while an alert keeps firing, per severity. */
        repeatInterval: z
            .object({
                page: promDuration.default("1h"),
                warning: promDuration.default("12h"),
            })
            .strict()
            .default({ page: "1h", warning: "12h" }),
        /**
         * Prefix that makes `runbook_url` absolute, e.g.
         * `https://git.example.org/med-agi/infra/blob/main/`. Unset: the
         * repository-relative `docs/runbook.md#<section>`.
         */
        runbookBaseUrl: httpsUrl.optional(),
    })
    .strict();
export type AlertingConfig = z.infer<typeof alertingSchema>;

// ---------------------------------------------------------------------------
// siem

/** `med-agi:siem` — Fluent Bit shipping container and audit logs to the SIEM. */
export const siemSchema = z
    .object({
        /**
         * `http`: ship to the SIEM over HTTPS; `stdout`: print records (dev,
         * to see what would be shipped); `off`: no Fluent Bit. Default per
         * environment (dev stdout, staging/prod http); prod must be `http`.
         */
        output: z.enum(["http", "stdout", "off"]).optional(),
        /** SIEM HTTP collector host (required when output is `http`). */
        host: hostName.optional(),
        port: z.number().int().min(1).max(65535).default(443),
        /**
         * What the collector speaks, for the EKS audit path (a Firehose delivery
         * stream, staging/prod): `splunk-hec`, a Splunk HTTP Event Collector
         * (Firehose's `splunk` destination, raw endpoint); `firehose-http`, a
         * receiver of the Firehose HTTP endpoint delivery protocol (Firehose's
         * `http_endpoint` destination, posting to `uri`). @default "splunk-hec"
         */
        receiver: z.enum(["splunk-hec", "firehose-http"]).default("splunk-hec"),
        /**
         * Where the alarm on failed audit delivery is sent (an SNS e-mail
         * subscription; the recipient confirms it once). Required in
         * staging/prod while `output` is `http`.
         */
        deliveryAlarmEmail: email.optional(),
        /** Request path of the collector, e.g. `/services/collector/raw`. */
        uri: z
            .string()
            .regex(/^\/[A-Za-z0-9._~/%-]*$/, "an absolute URI path")
            .default("/"),
        /** TLS to the collector; prod refuses `false`. */
        tls: z.boolean().default(true),
        /** Verify the collector's certificate; prod refuses `false`. */
        tlsVerify: z.boolean().default(true),
        /**
         * Kubernetes API audit log on the nodes that run the API server
         * (kind/k3d/kubeadm control planes with an audit policy). On EKS the
         * audit log is in CloudWatch Logs, not on any node: see docs/observability.md.
         */
        auditLogPath: z
            .string()
            .regex(/^\/[^\s]*$/, "an absolute path")
            .default("/var/log/kubernetes/audit/audit.log"),
        /** Namespace of the Fluent Bit DaemonSet (host-path access: not `med-agi`, which is `restricted`). */
        namespace: k8sName.default("logging"),
        /** fluent-bit chart version; default {@link CHARTS.fluentBit}.version. */
        chartVersion: chartVersion.default(CHARTS.fluentBit.version),
    })
    .strict();
export type SiemConfig = z.infer<typeof siemSchema>;

// ---------------------------------------------------------------------------
// Secrets

/**
 * Top-level secret config keys (`pulumi config set --secret med-agi:<key>`).
 * Requiredness: see {@link requiredSecretKeys}.
 */
export const OBSERVABILITY_SECRET_KEYS = [
    "pagerdutyRoutingKey",
    "slackWebhookUrl",
    "smtpPassword",
    "siemToken",
    "grafanaAdminPassword",
] as const;
export type ObservabilitySecretKey = (typeof OBSERVABILITY_SECRET_KEYS)[number];

/** The three sections as parsed, plus the environment. */
export interface ObservabilityConfigInput {
    readonly environment: Environment;
    readonly monitoring: MonitoringConfig;
    readonly alerting: AlertingConfig;
    readonly siem: SiemConfig;
}

/** The secret keys this configuration needs; each missing one is a config error. */
export function requiredSecretKeys(cfg: ObservabilityConfigInput): ObservabilitySecretKey[] {
    const keys: ObservabilitySecretKey[] = [];
    if (cfg.environment === "prod") keys.push("pagerdutyRoutingKey");
    if (cfg.alerting.team.kind === "slack") keys.push("slackWebhookUrl");
    if (cfg.alerting.team.kind === "email" && cfg.alerting.team.authUsername !== undefined) keys.push("smtpPassword");
    if (resolveSiemOutput(cfg) === "http" || cfg.alerting.siemWebhookUrl !== undefined) keys.push("siemToken");
    return keys;
}

// ---------------------------------------------------------------------------
// Per-environment defaults

/** What each environment gets when a field is unset. Secure and sized for its purpose. */
export const ENVIRONMENT_DEFAULTS = {
    dev: {
        prometheus: { retention: "2d", storageSize: undefined, replicas: 1 },
        alertmanager: { storageSize: undefined, replicas: 1 },
        siemOutput: "stdout",
    },
    staging: {
        prometheus: { retention: "15d", storageSize: "50Gi", replicas: 1 },
        alertmanager: { storageSize: "2Gi", replicas: 1 },
        siemOutput: "http",
    },
    prod: {
        // 30 days: the runbook keeps 30 days of logs ("rotate 30"); metrics match.
        prometheus: { retention: "30d", storageSize: "100Gi", replicas: 2 },
        alertmanager: { storageSize: "2Gi", replicas: 2 },
        siemOutput: "http",
    },
} as const satisfies Record<
    Environment,
    {
        prometheus: { retention: string; storageSize: string | undefined; replicas: number };
        alertmanager: { storageSize: string | undefined; replicas: number };
        siemOutput: "http" | "stdout" | "off";
    }
>;

/** The SIEM output after applying the environment default. */
export function resolveSiemOutput(cfg: Pick<ObservabilityConfigInput, "environment" | "siem">): "http" | "stdout" | "off" {
    return cfg.siem.output ?? ENVIRONMENT_DEFAULTS[cfg.environment].siemOutput;
}

/** Fully resolved settings the builders read: no optional that has a default left. */
export interface ObservabilitySettings {
    readonly environment: Environment;
    readonly monitoring: {
        readonly namespace: string;
        readonly chartVersion: string;
        readonly prometheus: {
            readonly retention: string;
            readonly storageSize: string | undefined;
            readonly storageClass: string | undefined;
            readonly replicas: number;
        };
        readonly alertmanager: {
            readonly storageSize: string | undefined;
            readonly storageClass: string | undefined;
            readonly replicas: number;
        };
        readonly grafana: { readonly enabled: boolean };
    };
    readonly alerting: AlertingConfig;
    readonly siem: SiemConfig & { readonly output: "http" | "stdout" | "off" };
}

/** Prometheus and Alertmanager replicas, configured or the environment's default. The chart values and capacity validation read this. */
export function monitoringReplicas(
    environment: Environment,
    monitoring: {
        readonly prometheus: { readonly replicas?: number | undefined };
        readonly alertmanager: { readonly replicas?: number | undefined };
    },
): { readonly prometheus: number; readonly alertmanager: number } {
    const env = ENVIRONMENT_DEFAULTS[environment];
    return {
        prometheus: monitoring.prometheus.replicas ?? env.prometheus.replicas,
        alertmanager: monitoring.alertmanager.replicas ?? env.alertmanager.replicas,
    };
}

/** Applies {@link ENVIRONMENT_DEFAULTS} to the parsed sections. Pure. */
export function resolveObservabilitySettings(cfg: ObservabilityConfigInput): ObservabilitySettings {
    const env = ENVIRONMENT_DEFAULTS[cfg.environment];
    const m = cfg.monitoring;
    const replicas = monitoringReplicas(cfg.environment, m);
    return {
        environment: cfg.environment,
        monitoring: {
            namespace: m.namespace,
            chartVersion: m.chartVersion,
            prometheus: {
                retention: m.prometheus.retention ?? env.prometheus.retention,
                storageSize: m.prometheus.storageSize ?? env.prometheus.storageSize,
                storageClass: m.prometheus.storageClass,
                replicas: replicas.prometheus,
            },
            alertmanager: {
                storageSize: m.alertmanager.storageSize ?? env.alertmanager.storageSize,
                storageClass: m.alertmanager.storageClass,
                replicas: replicas.alertmanager,
            },
            grafana: { enabled: m.grafana.enabled },
        },
        alerting: cfg.alerting,
        siem: { ...cfg.siem, output: resolveSiemOutput(cfg) },
    };
}

/** Parses the three sections with their defaults (a convenience for tests and tools). */
export function parseObservabilityConfig(
    environment: Environment,
    raw: { monitoring?: unknown; alerting?: unknown; siem?: unknown },
): ObservabilityConfigInput {
    return {
        environment,
        monitoring: monitoringSchema.parse(raw.monitoring ?? {}),
        alerting: alertingSchema.parse(raw.alerting ?? {}),
        siem: siemSchema.parse(raw.siem ?? {}),
    };
}

// ---------------------------------------------------------------------------
// Cross-field rules

/** One cross-field problem: a path under `med-agi:` and what is allowed. */
export interface ObservabilityIssue {
    readonly path: readonly (string | number)[];
    readonly message: string;
}

/**
 * Rules that span fields, sections, the environment and which secret keys
 * are set. Returns every problem at once. `secretsSet` names the secret keys
 * present in the stack configuration.
 */
export function checkObservabilityConfig(cfg: ObservabilityConfigInput, secretsSet: ReadonlySet<string>): ObservabilityIssue[] {
    const issues: ObservabilityIssue[] = [];
    const output = resolveSiemOutput(cfg);
    const durable = cfg.environment !== "dev";

    if (durable && cfg.alerting.team.kind === "none") {
        issues.push({
            path: ["alerting", "team", "kind"],
            message: `"none" is not allowed in ${cfg.environment} (warnings must reach the team: "slack" or "email")`,
        });
    }
    if (output === "http" && cfg.siem.host === undefined) {
        issues.push({ path: ["siem", "host"], message: 'is required when siem.output is "http" (the SIEM collector host name)' });
    }
    if (durable && output === "http") {
        // The EKS audit log reaches the SIEM through Firehose (infra/aws/audit.ts), which posts to port 443 only.
        if (cfg.siem.port !== 443) {
            issues.push({
                path: ["siem", "port"],
                message: `${cfg.siem.port} is not allowed in ${cfg.environment} (the EKS audit path is a Firehose delivery stream, which delivers to HTTPS port 443 only: serve the collector on 443)`,
            });
        }
        if (cfg.siem.deliveryAlarmEmail === undefined) {
            issues.push({
                path: ["siem", "deliveryAlarmEmail"],
                message: `is required in ${cfg.environment} (who is told when audit events stop reaching the SIEM): pulumi config set --path med-agi:siem.deliveryAlarmEmail <address>`,
            });
        }
    }
    if (cfg.environment === "prod") {
        if (output !== "http") {
            issues.push({
                path: ["siem", "output"],
                message: `"${output}" is not allowed in prod (container and audit logs must reach the SIEM: "http")`,
            });
        }
        if (!cfg.siem.tls)
            issues.push({ path: ["siem", "tls"], message: "false is not allowed in prod (logs carry PHI-adjacent data: TLS is required)" });
        if (!cfg.siem.tlsVerify)
            issues.push({ path: ["siem", "tlsVerify"], message: "false is not allowed in prod (an unverified certificate defeats TLS)" });
    }
    for (const key of requiredSecretKeys(cfg)) {
        if (!secretsSet.has(key)) {
            issues.push({
                path: [key],
                message: `is required (${secretReason(key, cfg)}); set it with: pulumi config set --secret med-agi:${key} <value>`,
            });
        }
    }
    return issues;
}

function secretReason(key: ObservabilitySecretKey, cfg: ObservabilityConfigInput): string {
    switch (key) {
        case "pagerdutyRoutingKey":
            return `PagerDuty Events v2 routing key: pages are mandatory in ${cfg.environment}`;
        case "slackWebhookUrl":
            return 'Slack incoming-webhook URL for alerting.team.kind "slack"';
        case "smtpPassword":
            return "SMTP password for alerting.team.authUsername";
        case "siemToken":
            return "bearer token of the SIEM collector (siem.output http or alerting.siemWebhookUrl)";
        case "grafanaAdminPassword":
            return "Grafana admin password";
    }
}

/** Minimal shape of zod's refinement context, so the lead's schema can call this from `superRefine`. */
export interface RefinementContextLike {
    addIssue(issue: { code: "custom"; path: (string | number)[]; message: string }): void;
}

/**
 * `superRefine`-style adapter: reports {@link checkObservabilityConfig}'s
 * issues on `ctx`. `value.secretsSet` lists the secret keys present.
 */
export function refineObservability(
    value: ObservabilityConfigInput & { readonly secretsSet: ReadonlySet<string> },
    ctx: RefinementContextLike,
): void {
    for (const issue of checkObservabilityConfig(value, value.secretsSet)) {
        ctx.addIssue({ code: "custom", path: [...issue.path], message: issue.message });
    }
}
