import {
    alertingSchema,
    checkObservabilityConfig,
    monitoringSchema,
    parseObservabilityConfig,
    refineObservability,
    requiredSecretKeys,
    resolveObservabilitySettings,
    siemSchema,
} from "../../infra/observability";

const slackTeam = { team: { kind: "slack", channel: "#med-agi-alerts" } };

describe("observability config defaults", () => {
    it("parses empty sections to secure defaults", () => {
        const cfg = parseObservabilityConfig("dev", {});
        expect(cfg.monitoring.namespace).toBe("monitoring");
        expect(cfg.monitoring.chartVersion).toBe("81.4.3");
        expect(cfg.monitoring.grafana.enabled).toBe(true);
        expect(cfg.alerting.team).toEqual({ kind: "none" });
        expect(cfg.alerting.repeatInterval).toEqual({ page: "1h", warning: "12h" });
        expect(cfg.siem.tls).toBe(true);
        expect(cfg.siem.tlsVerify).toBe(true);
        expect(cfg.siem.chartVersion).toBe("0.47.0");
    });

    it("gives dev small ephemeral storage and stdout SIEM output", () => {
        const s = resolveObservabilitySettings(parseObservabilityConfig("dev", {}));
        expect(s.monitoring.prometheus.retention).toBe("2d");
        expect(s.monitoring.prometheus.storageSize).toBeUndefined();
        expect(s.siem.output).toBe("stdout");
    });

    it("gives prod persistent storage, 30 days of retention and two replicas", () => {
        const s = resolveObservabilitySettings(
            parseObservabilityConfig("prod", { alerting: slackTeam, siem: { host: "siem.example.org" } }),
        );
        expect(s.monitoring.prometheus).toEqual({ retention: "30d", storageSize: "100Gi", storageClass: undefined, replicas: 2 });
        expect(s.monitoring.alertmanager.replicas).toBe(2);
        expect(s.siem.output).toBe("http");
    });

    it("lets a stack override the environment defaults", () => {
        const s = resolveObservabilitySettings(
            parseObservabilityConfig("staging", {
                monitoring: { prometheus: { retention: "7d", storageSize: "20Gi", storageClass: "gp3" } },
                siem: { output: "stdout" },
            }),
        );
        expect(s.monitoring.prometheus.retention).toBe("7d");
        expect(s.monitoring.prometheus.storageSize).toBe("20Gi");
        expect(s.monitoring.prometheus.storageClass).toBe("gp3");
        expect(s.monitoring.alertmanager.storageSize).toBe("2Gi");
        expect(s.siem.output).toBe("stdout");
    });
});

describe("observability config validation", () => {
    it("rejects an unknown key (objects are strict)", () => {
        expect(monitoringSchema.safeParse({ retention: "15d" }).success).toBe(false);
        expect(siemSchema.safeParse({ hostname: "x" }).success).toBe(false);
    });

    it("rejects a duration Prometheus cannot parse", () => {
        const r = alertingSchema.safeParse({ groupWait: "30 seconds" });
        expect(r.success).toBe(false);
        expect(r.error?.issues[0]?.path).toEqual(["groupWait"]);
    });

    it("rejects a chart version range", () => {
        expect(monitoringSchema.safeParse({ chartVersion: "^81.0.0" }).success).toBe(false);
    });

    it("rejects a Slack channel without # or @", () => {
        expect(alertingSchema.safeParse({ team: { kind: "slack", channel: "alerts" } }).success).toBe(false);
    });

    it("rejects a plain-http SIEM webhook", () => {
        expect(alertingSchema.safeParse({ siemWebhookUrl: "http://siem.example.org/hook" }).success).toBe(false);
    });

    it("accepts a complete prod configuration with its secrets", () => {
        const cfg = parseObservabilityConfig("prod", {
            alerting: slackTeam,
            siem: { host: "siem.example.org", deliveryAlarmEmail: "oncall@example.org" },
        });
        expect(checkObservabilityConfig(cfg, new Set(["pagerdutyRoutingKey", "slackWebhookUrl", "siemToken"]))).toEqual([]);
    });

    it("reports every prod problem at once, naming the key", () => {
        const cfg = parseObservabilityConfig("prod", { siem: { output: "stdout", tls: false, tlsVerify: false } });
        const paths = checkObservabilityConfig(cfg, new Set()).map((i) => i.path.join("."));
        expect(paths).toEqual(
            expect.arrayContaining(["alerting.team.kind", "siem.output", "siem.tls", "siem.tlsVerify", "pagerdutyRoutingKey"]),
        );
    });

    it("requires a SIEM host when shipping over http", () => {
        const cfg = parseObservabilityConfig("staging", { alerting: slackTeam, siem: { deliveryAlarmEmail: "team@example.org" } });
        const issues = checkObservabilityConfig(cfg, new Set(["slackWebhookUrl", "siemToken"]));
        expect(issues).toEqual([{ path: ["siem", "host"], message: expect.stringContaining('siem.output is "http"') }]);
    });

    it("refuses a SIEM port other than 443 and a missing delivery alarm address where the EKS audit path ships over Firehose", () => {
        const cfg = parseObservabilityConfig("staging", { alerting: slackTeam, siem: { host: "siem.example.org", port: 8088 } });
        expect(checkObservabilityConfig(cfg, new Set(["slackWebhookUrl", "siemToken"]))).toEqual([
            {
                path: ["siem", "port"],
                message:
                    "8088 is not allowed in staging (the EKS audit path is a Firehose delivery stream, which delivers to HTTPS port 443 only: serve the collector on 443)",
            },
            {
                path: ["siem", "deliveryAlarmEmail"],
                message:
                    "is required in staging (who is told when audit events stop reaching the SIEM): pulumi config set --path med-agi:siem.deliveryAlarmEmail <address>",
            },
        ]);
        expect(siemSchema.parse({}).receiver).toBe("splunk-hec");
        expect(() => siemSchema.parse({ receiver: "syslog" })).toThrow();
    });

    it("names the secret key and the command that sets it", () => {
        const cfg = parseObservabilityConfig("dev", { alerting: slackTeam });
        const issues = checkObservabilityConfig(cfg, new Set());
        expect(issues.map((i) => i.path)).toEqual([["slackWebhookUrl"]]);
        expect(issues[0]?.message).toContain("pulumi config set --secret med-agi:slackWebhookUrl");
    });

    it("accepts dev with no receivers and no secrets", () => {
        expect(checkObservabilityConfig(parseObservabilityConfig("dev", {}), new Set())).toEqual([]);
    });
});

describe("requiredSecretKeys", () => {
    it("requires only what the configuration uses", () => {
        expect(requiredSecretKeys(parseObservabilityConfig("dev", {}))).toEqual([]);
        expect(requiredSecretKeys(parseObservabilityConfig("dev", { siem: { output: "http", host: "siem.example.org" } }))).toEqual([
            "siemToken",
        ]);
        expect(
            requiredSecretKeys(
                parseObservabilityConfig("prod", {
                    alerting: {
                        team: {
                            kind: "email",
                            to: "a@example.org",
                            from: "b@example.org",
                            smarthost: "smtp.example.org:587",
                            authUsername: "u",
                        },
                    },
                }),
            ),
        ).toEqual(["pagerdutyRoutingKey", "smtpPassword", "siemToken"]);
    });
});

describe("refineObservability", () => {
    it("reports each issue on the zod refinement context", () => {
        const added: { path: (string | number)[]; message: string }[] = [];
        const cfg = parseObservabilityConfig("prod", {
            alerting: slackTeam,
            siem: { host: "siem.example.org", deliveryAlarmEmail: "oncall@example.org" },
        });
        refineObservability({ ...cfg, secretsSet: new Set(["slackWebhookUrl", "siemToken"]) }, { addIssue: (i) => added.push(i) });
        expect(added).toEqual([{ code: "custom", path: ["pagerdutyRoutingKey"], message: expect.stringContaining("PagerDuty") }]);
    });
});
