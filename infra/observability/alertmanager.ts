/**
 * The Alertmanager configuration as data: a pure builder from the `alerting`
 * config section to the object written as `alertmanager.yaml`.
 *
 * Routing (DESIGN.md severities):
 * - `severity=page`    → PagerDuty (Events v2);
 * - `severity=warning` → the team's receiver (Slack or e-mail); the chart's
 *   own `critical` cluster alerts go there too — only runbook alerts page;
 * - `severity=info`    → nowhere (`null`);
 * - `category=security` → also the SIEM webhook (`continue: true` first).
 * A page inhibits the warning of the same alert on the same service/volume.
 *
 * No credential appears in the file: PagerDuty's routing key, Slack's webhook
 * URL, the SMTP password and the SIEM token are read from files that the
 * chart mounts from the Secret {@link RECEIVER_SECRET.name}
 * (`alertmanager.alertmanagerSpec.secrets`). Only file fields that Debian's
 * Alertmanager 0.25 (what `amtool` tests run) accepts are used: webhook
 * `url_file` is newer, so the SIEM URL (not a secret) is inline and its
 * token goes through `http_config.authorization.credentials_file`.
 */
import { NAMESPACE } from "../runbook";
import type { AlertingConfig } from "./config";

/** Alertmanager mounts `alertmanagerSpec.secrets` here (prometheus-operator convention). */
export const ALERTMANAGER_SECRETS_DIR = "/etc/alertmanager/secrets";

/** The Secret holding receiver credentials, and its keys. */
export const RECEIVER_SECRET = {
    name: "alertmanager-med-agi-receivers",
    keys: {
        pagerdutyRoutingKey: "pagerduty-routing-key",
        slackWebhookUrl: "slack-webhook-url",
        smtpPassword: "smtp-password",
        siemToken: "siem-token",
    },
} as const;

/** The Secret holding `alertmanager.yaml` (the chart's `alertmanagerSpec.configSecret`). */
export const CONFIG_SECRET_NAME = "alertmanager-med-agi";

/** Receiver names, as `amtool config routes test` prints them. */
export const RECEIVERS = {
    pagerduty: "pagerduty",
    team: "team",
    siem: "siem",
    none: "null",
} as const;
export type ReceiverName = (typeof RECEIVERS)[keyof typeof RECEIVERS];

/** Which receiver credentials exist (a receiver without its credential is not configured). */
export interface ReceiverCredentials {
    readonly pagerdutyRoutingKey: boolean;
    readonly slackWebhookUrl: boolean;
    readonly smtpPassword: boolean;
    readonly siemToken: boolean;
}

/** Labels that must also match for a page to silence a warning. */
export const INHIBIT_EQUAL = ["alertname", "namespace", "service", "persistentvolumeclaim"] as const;

type Route = Record<string, unknown>;
type Receiver = { name: string } & Record<string, unknown>;

/** The `alertmanager.yaml` document. */
export interface AlertmanagerConfig {
    readonly global: { readonly resolve_timeout: string };
    readonly route: Route;
    readonly inhibit_rules: readonly Record<string, unknown>[];
    readonly receivers: readonly Receiver[];
}

/** Path of a receiver credential inside the Alertmanager pod. */
export function secretFile(key: keyof typeof RECEIVER_SECRET.keys): string {
    return `${ALERTMANAGER_SECRETS_DIR}/${RECEIVER_SECRET.name}/${RECEIVER_SECRET.keys[key]}`;
}

/** The team receiver for `severity=warning`, or undefined when none can be built. */
export function teamReceiver(alerting: AlertingConfig, creds: ReceiverCredentials): Receiver | undefined {
    const team = alerting.team;
    switch (team.kind) {
        case "slack":
            if (!creds.slackWebhookUrl) return undefined;
            return {
                name: RECEIVERS.team,
                slack_configs: [
                    {
                        api_url_file: secretFile("slackWebhookUrl"),
                        channel: team.channel,
                        send_resolved: true,
                        title: "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} {{ .CommonLabels.service }}",
                        text: "{{ range .Alerts }}{{ .Annotations.description }}\nRunbook: {{ .Annotations.runbook_url }}\n{{ end }}",
                    },
                ],
            };
        case "email":
            return {
                name: RECEIVERS.team,
                email_configs: [
                    {
                        to: team.to,
                        from: team.from,
                        smarthost: team.smarthost,
                        require_tls: team.requireTls,
                        send_resolved: true,
                        ...(team.authUsername !== undefined && creds.smtpPassword
                            ? { auth_username: team.authUsername, auth_password_file: secretFile("smtpPassword") }
                            : {}),
                    },
                ],
            };
        case "none":
            return undefined;
    }
}

/** PagerDuty Events v2 receiver (routing key from file). */
export function pagerdutyReceiver(): Receiver {
    return {
        name: RECEIVERS.pagerduty,
        pagerduty_configs: [
            {
                routing_key_file: secretFile("pagerdutyRoutingKey"),
                send_resolved: true,
                severity: "critical",
                description: "{{ .CommonLabels.alertname }} {{ .CommonLabels.service }}: {{ .CommonAnnotations.summary }}",
                links: [{ href: "{{ (index .Alerts 0).Annotations.runbook_url }}", text: "Runbook" }],
            },
        ],
    };
}

/** SIEM webhook receiver for security alerts (bearer token from file). */
export function siemReceiver(url: string, creds: ReceiverCredentials): Receiver {
    return {
        name: RECEIVERS.siem,
        webhook_configs: [
            {
                url,
                send_resolved: true,
                ...(creds.siemToken
                    ? { http_config: { authorization: { type: "Bearer", credentials_file: secretFile("siemToken") } } }
                    : {}),
            },
        ],
    };
}

/**
 * The CPU fallback's pods (`triton-cpu`) are unready by design while a GPU
 * Triton serves: their gate container keeps them out of the failover Service
 * (docs/inference.md). The chart's generic workload alerts would stand
 * active forever for them, so they go nowhere; `MedAgiTritonCpuFailoverActive`
 * is the alert that says the fallback is serving.
 */
function gatedFallbackSilences(): Route[] {
    return [
        {
            receiver: RECEIVERS.none,
            matchers: [
                'alertname=~"KubeDeploymentReplicasMismatch|KubeDeploymentRolloutStuck"',
                `namespace="${NAMESPACE}"`,
                'deployment="triton-cpu"',
            ],
        },
        { receiver: RECEIVERS.none, matchers: ['alertname="KubePodNotReady"', `namespace="${NAMESPACE}"`, 'pod=~"triton-cpu-.+"'] },
    ];
}

/** Builds `alertmanager.yaml` from the `alerting` section and the credentials present. Pure. */
export function alertmanagerConfig(alerting: AlertingConfig, creds: ReceiverCredentials): AlertmanagerConfig {
    const team = teamReceiver(alerting, creds);
    const teamName: ReceiverName = team === undefined ? RECEIVERS.none : RECEIVERS.team;
    const pageName: ReceiverName = creds.pagerdutyRoutingKey ? RECEIVERS.pagerduty : teamName;
    const siem = alerting.siemWebhookUrl === undefined ? undefined : siemReceiver(alerting.siemWebhookUrl, creds);

    const routes: Route[] = [];
    if (siem !== undefined) {
        routes.push({ receiver: RECEIVERS.siem, matchers: ['category="security"'], continue: true });
    }
    routes.push(
        ...gatedFallbackSilences(),
        {
            receiver: pageName,
            matchers: ['severity="page"'],
            group_wait: alerting.pageGroupWait,
            repeat_interval: alerting.repeatInterval.page,
        },
        { receiver: teamName, matchers: ['severity=~"warning|critical"'], repeat_interval: alerting.repeatInterval.warning },
        { receiver: RECEIVERS.none, matchers: ['severity="info"'] },
    );

    const receivers: Receiver[] = [{ name: RECEIVERS.none }];
    if (creds.pagerdutyRoutingKey) receivers.push(pagerdutyReceiver());
    if (team !== undefined) receivers.push(team);
    if (siem !== undefined) receivers.push(siem);

    return {
        global: { resolve_timeout: "5m" },
        route: {
            receiver: RECEIVERS.none,
            group_by: [...alerting.groupBy],
            group_wait: alerting.groupWait,
            group_interval: alerting.groupInterval,
            repeat_interval: alerting.repeatInterval.warning,
            routes,
        },
        inhibit_rules: [
            {
                source_matchers: ['severity="page"'],
                target_matchers: ['severity="warning"'],
                equal: [...INHIBIT_EQUAL],
            },
        ],
        receivers,
    };
}
