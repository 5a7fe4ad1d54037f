import { stringify } from "yaml";

import { RECEIVERS, alertingSchema, alertmanagerConfig, secretFile, type ReceiverCredentials } from "../../infra/observability";

const NONE: ReceiverCredentials = { pagerdutyRoutingKey: false, slackWebhookUrl: false, smtpPassword: false, siemToken: false };
const ALL: ReceiverCredentials = { pagerdutyRoutingKey: true, slackWebhookUrl: true, smtpPassword: true, siemToken: true };
const slack = alertingSchema.parse({
    team: { kind: "slack", channel: "#med-agi-alerts" },
    siemWebhookUrl: "https://siem.example.org/alerts",
});

type Route = { receiver: string; matchers?: string[]; continue?: boolean; group_wait?: string; repeat_interval?: string };
const routes = (cfg: ReturnType<typeof alertmanagerConfig>) => (cfg.route as { routes: Route[] }).routes;
const receiver = (cfg: ReturnType<typeof alertmanagerConfig>, name: string) => cfg.receivers.find((r) => r.name === name);

describe("alertmanagerConfig with the default (dev) alerting section and no credentials", () => {
    const cfg = alertmanagerConfig(alertingSchema.parse({}), NONE);

    it("sends everything to null", () => {
        expect(cfg.receivers).toEqual([{ name: RECEIVERS.none }]);
        expect(new Set(routes(cfg).map((r) => r.receiver))).toEqual(new Set([RECEIVERS.none]));
    });

    it("groups by alert, namespace and service with the default intervals", () => {
        expect(cfg.route).toMatchObject({
            group_by: ["alertname", "namespace", "service"],
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: "12h",
        });
    });
});

describe("alertmanagerConfig with Slack, PagerDuty and the SIEM webhook", () => {
    const cfg = alertmanagerConfig(slack, ALL);

    it("pages through PagerDuty Events v2 with the routing key read from a file", () => {
        expect(receiver(cfg, "pagerduty")).toMatchObject({
            pagerduty_configs: [
                { routing_key_file: "/etc/alertmanager/secrets/alertmanager-med-agi-receivers/pagerduty-routing-key", send_resolved: true },
            ],
        });
        expect(routes(cfg).find((r) => r.matchers?.includes('severity="page"'))).toEqual({
            receiver: "pagerduty",
            matchers: ['severity="page"'],
            group_wait: "10s",
            repeat_interval: "1h",
        });
    });

    it("posts warnings to the Slack channel with the webhook URL read from a file", () => {
        expect(receiver(cfg, "team")).toMatchObject({
            slack_configs: [{ api_url_file: secretFile("slackWebhookUrl"), channel: "#med-agi-alerts" }],
        });
    });

    it("copies security alerts to the SIEM first and lets them continue", () => {
        expect(routes(cfg)[0]).toEqual({ receiver: "siem", matchers: ['category="security"'], continue: true });
        expect(receiver(cfg, "siem")).toEqual({
            name: "siem",
            webhook_configs: [
                {
                    url: "https://siem.example.org/alerts",
                    send_resolved: true,
                    http_config: { authorization: { type: "Bearer", credentials_file: secretFile("siemToken") } },
                },
            ],
        });
    });

    it("lets a page inhibit the warning of the same alert and service", () => {
        expect(cfg.inhibit_rules).toEqual([
            {
                source_matchers: ['severity="page"'],
                target_matchers: ['severity="warning"'],
                equal: ["alertname", "namespace", "service", "persistentvolumeclaim"],
            },
        ]);
    });

    it("contains no credential, only paths to credential files", () => {
        const text = stringify(cfg);
        expect(text).not.toMatch(/routing_key:|api_url:|auth_password:|credentials:/);
        expect(text).toContain("routing_key_file:");
    });
});

describe("alertmanagerConfig with custom settings", () => {
    it("uses the configured grouping and repeat intervals", () => {
        const cfg = alertmanagerConfig(
            alertingSchema.parse({
                groupBy: ["alertname"],
                groupWait: "1m",
                repeatInterval: { page: "30m", warning: "24h" },
                team: { kind: "slack", channel: "#x" },
            }),
            ALL,
        );
        expect(cfg.route).toMatchObject({ group_by: ["alertname"], group_wait: "1m", repeat_interval: "24h" });
        expect(routes(cfg).find((r) => r.receiver === "pagerduty")?.repeat_interval).toBe("30m");
    });

    it("sends e-mail with STARTTLS required and the SMTP password from a file", () => {
        const cfg = alertmanagerConfig(
            alertingSchema.parse({
                team: {
                    kind: "email",
                    to: "oncall@example.org",
                    from: "am@example.org",
                    smarthost: "smtp.example.org:587",
                    authUsername: "am",
                },
            }),
            ALL,
        );
        expect(receiver(cfg, "team")).toEqual({
            name: "team",
            email_configs: [
                {
                    to: "oncall@example.org",
                    from: "am@example.org",
                    smarthost: "smtp.example.org:587",
                    require_tls: true,
                    send_resolved: true,
                    auth_username: "am",
                    auth_password_file: secretFile("smtpPassword"),
                },
            ],
        });
    });

    it("leaves out a Slack receiver whose webhook URL is not configured", () => {
        const cfg = alertmanagerConfig(alertingSchema.parse({ team: { kind: "slack", channel: "#x" } }), NONE);
        expect(receiver(cfg, "team")).toBeUndefined();
        expect(routes(cfg).every((r) => r.receiver === "null")).toBe(true);
    });

    it("sends pages to the team when there is no PagerDuty key", () => {
        const cfg = alertmanagerConfig(alertingSchema.parse({ team: { kind: "slack", channel: "#x" } }), {
            ...ALL,
            pagerdutyRoutingKey: false,
        });
        expect(receiver(cfg, "pagerduty")).toBeUndefined();
        expect(routes(cfg).find((r) => r.matchers?.includes('severity="page"'))?.receiver).toBe("team");
    });
});
