/**
 * The Observability component under Pulumi mocks with a prod configuration:
 * every receiver, SIEM over HTTPS, persistent storage, all credentials.
 */
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";

import { SERVICE_NAMES, SERVICES } from "../../infra/runbook";
import { installMocks, isSecretValue, object, registerAll, unwrapSecret, type Registered } from "./mocks";

installMocks("prod");

// eslint-disable-next-line @typescript-eslint/no-require-imports
const obs = require("../../infra/observability") as typeof import("../../infra/observability");

const CREDENTIALS = {
    pagerdutyRoutingKey: "pd-routing-key-value",
    slackWebhookUrl: "https://hooks.slack.example/T000/B000/XXXX",
    siemToken: "siem-token-value",
    grafanaAdminPassword: "grafana-password-value",
};

const config = obs.parseObservabilityConfig("prod", {
    monitoring: { prometheus: { storageClass: "gp3" } },
    alerting: {
        team: { kind: "slack", channel: "#med-agi-alerts" },
        siemWebhookUrl: "https://siem.example.org/alerts",
        runbookBaseUrl: "https://git.example.org/med-agi/infra/blob/main/",
    },
    siem: { host: "siem.example.org", uri: "/collector" },
});

let resources: Registered[] = [];

beforeAll(async () => {
    resources = await registerAll(
        (opts) =>
            new obs.Observability(
                "observability",
                {
                    environment: "prod",
                    services: SERVICE_NAMES.map((n) => SERVICES[n]),
                    config,
                    secrets: {
                        pagerdutyRoutingKey: pulumi.secret(CREDENTIALS.pagerdutyRoutingKey),
                        slackWebhookUrl: pulumi.secret(CREDENTIALS.slackWebhookUrl),
                        siemToken: pulumi.secret(CREDENTIALS.siemToken),
                        grafanaAdminPassword: pulumi.secret(CREDENTIALS.grafanaAdminPassword),
                    },
                    dataStores: ["elasticsearch"],
                },
                opts,
            ),
    );
});

const release = (chart: string) => resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === chart)!.inputs;

describe("Observability on prod", () => {
    it("keeps every credential a Pulumi secret", () => {
        const receivers = object(resources, "Secret", "alertmanager-med-agi-receivers");
        expect(isSecretValue(receivers.stringData)).toBe(true);
        expect(Object.keys(unwrapSecret(receivers.stringData)).sort()).toEqual([
            "pagerduty-routing-key",
            "siem-token",
            "slack-webhook-url",
        ]);
        expect(isSecretValue(object(resources, "Secret", "fluent-bit-siem").stringData)).toBe(true);
        expect(isSecretValue(object(resources, "Secret", "grafana-admin").stringData)).toBe(true);
    });

    it("puts no credential in any non-Secret object", () => {
        const visible = JSON.stringify(resources.filter((r) => r.inputs.kind !== "Secret").map((r) => r.inputs));
        for (const value of Object.values(CREDENTIALS)) expect(visible).not.toContain(value);
    });

    it("routes pages to PagerDuty, warnings to Slack and security alerts to the SIEM", () => {
        const config = parse(object(resources, "ConfigMap", "alertmanager-med-agi-config").data["alertmanager.yaml"]);
        expect(config.receivers.map((r: { name: string }) => r.name)).toEqual(["null", "pagerduty", "team", "siem"]);
        expect(config.route.routes.map((r: { receiver: string }) => r.receiver)).toEqual(["siem", "pagerduty", "team", "null"]);
    });

    it("keeps 30 days of metrics on gp3 volumes with two replicas each", () => {
        const values = release("kube-prometheus-stack").values;
        expect(values.prometheus.prometheusSpec).toMatchObject({ retention: "30d", replicas: 2 });
        expect(values.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec).toMatchObject({
            storageClassName: "gp3",
            resources: { requests: { storage: "100Gi" } },
        });
        expect(values.alertmanager.alertmanagerSpec.replicas).toBe(2);
        expect(values.grafana.admin.existingSecret).toBe("grafana-admin");
    });

    it("ships logs to the SIEM over verified TLS with the token from its Secret", () => {
        const values = release("fluent-bit").values;
        expect(values.config.outputs).toMatch(/Host\s+siem\.example\.org/);
        expect(values.config.outputs).toMatch(/tls\.verify\s+On/);
        expect(values.env[0].valueFrom.secretKeyRef).toEqual({ name: "fluent-bit-siem", key: "token" });
    });

    it("adds the SIEM shipping alert and watches only the data stores given", () => {
        const security = object(resources, "PrometheusRule", "med-agi-security").spec.groups[0].rules.map(
            (r: { alert: string }) => r.alert,
        );
        expect(security).toEqual(["MedAgiHighAuthFailureRate", "MedAgiSiemShippingFailing"]);
        const down = object(resources, "PrometheusRule", "med-agi-maintenance").spec.groups[0].rules.find(
            (r: { alert: string }) => r.alert === "MedAgiDataStoreDown",
        );
        expect(down.expr).toContain('statefulset=~"elasticsearch"');
    });

    it("points runbook_url at the configured repository", () => {
        const keyMetrics = object(resources, "PrometheusRule", "med-agi-key-metrics").spec.groups[0].rules;
        expect(keyMetrics[0].annotations.runbook_url).toBe(
            "https://git.example.org/med-agi/infra/blob/main/docs/runbook.md#medagihigherrorrate",
        );
    });

    it("refuses HTTP shipping without a SIEM token", () => {
        expect(
            () =>
                new obs.Observability("no-token", {
                    environment: "prod",
                    services: [SERVICES.imaging],
                    config,
                    secrets: { pagerdutyRoutingKey: "x", slackWebhookUrl: "y" },
                }),
        ).toThrow("secrets.siemToken");
    });
});
