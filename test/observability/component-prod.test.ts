/**
 * The Observability component under Pulumi mocks with a prod configuration:
 * every receiver, SIEM over HTTPS, persistent storage, all credentials.
 */
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";

import * as obs from "../../infra/observability";
import { SERVICE_NAMES, SERVICES } from "../../infra/runbook";
import { runUnderMocks } from "../../tools/lib/mock-run";
import { SECRET_MASK, type Plan, type PlannedResource } from "../../tools/lib/plan";

const CREDENTIALS = {
    pagerdutyRoutingKey: "pd-routing-key-value",
    slackWebhookUrl: "https://hooks.slack.example/T000/B000/XXXX",
    siemToken: "siem-token-value",
    grafanaAdminPassword: "grafana-password-value",
};

const settings = obs.resolveObservabilitySettings(
    obs.parseObservabilityConfig("prod", {
        monitoring: { prometheus: { storageClass: "gp3" } },
        alerting: {
            team: { kind: "slack", channel: "#med-agi-alerts" },
            siemWebhookUrl: "https://siem.example.org/alerts",
            runbookBaseUrl: "https://git.example.org/med-agi/infra/blob/main/",
        },
        siem: { host: "siem.example.org", uri: "/collector" },
    }),
);

/**
 * The plan shows each Secret value as "[secret]" under its key; the credential
 * test also reads the receiver Secret's keys from `stringData` as registered,
 * so both views must agree.
 */
let receiverData: pulumi.Input<Record<string, string>> | undefined;
const keepReceiverData: pulumi.ResourceTransformation = (args) => {
    if (args.type === "kubernetes:core/v1:Secret" && args.name === "observability-alertmanager-receivers")
        receiverData = args.props.stringData;
    return undefined;
};

let plan: Plan;
let refusal: unknown;
beforeAll(async () => {
    plan = await runUnderMocks({ project: "med-agi", stack: "prod", values: {}, secretKeys: [] }, () => {
        new obs.Observability(
            "observability",
            {
                settings,
                services: SERVICE_NAMES.map((n) => SERVICES[n]),
                secrets: {
                    pagerdutyRoutingKey: pulumi.secret(CREDENTIALS.pagerdutyRoutingKey),
                    slackWebhookUrl: pulumi.secret(CREDENTIALS.slackWebhookUrl),
                    siemToken: pulumi.secret(CREDENTIALS.siemToken),
                    grafanaAdminPassword: pulumi.secret(CREDENTIALS.grafanaAdminPassword),
                },
                dataStores: ["elasticsearch"],
            },
            { transformations: [keepReceiverData] },
        );
        // The error path runs in the same stack; the tests below read only "observability"'s children.
        try {
            new obs.Observability("no-token", {
                settings,
                services: [SERVICES.imaging],
                secrets: { pagerdutyRoutingKey: "x", slackWebhookUrl: "y" },
            });
        } catch (err) {
            refusal = err;
        }
        return { receiverKeys: pulumi.unsecret(pulumi.output(receiverData)).apply((data) => Object.keys(data ?? {}).sort()) };
    });
});

// Tests read deep into plain inputs.
type Found = PlannedResource & { inputs: any };
/** What the "observability" component registered: its children. */
const resources = (): Found[] => {
    const component = plan.resources.find((r) => r.name === "observability")!;
    return plan.resources.filter((r) => r.parent === component.urn);
};
/** Inputs of the one Kubernetes object of `kind` named `name`. */
const object = (kind: string, name: string): any => {
    const found = resources().filter((r) => r.inputs.kind === kind && r.inputs.metadata?.name === name);
    expect(found).toHaveLength(1);
    return found[0]!.inputs;
};
const release = (chart: string) => resources().find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === chart)!.inputs;

describe("Observability on prod", () => {
    it("keeps every credential a Pulumi secret", () => {
        expect(object("Secret", "alertmanager-med-agi-receivers").stringData).toEqual({
            "pagerduty-routing-key": SECRET_MASK,
            "siem-token": SECRET_MASK,
            "slack-webhook-url": SECRET_MASK,
        });
        expect(plan.outputs.receiverKeys).toEqual(["pagerduty-routing-key", "siem-token", "slack-webhook-url"]);
        expect(object("Secret", "fluent-bit-siem").stringData).toEqual({ token: SECRET_MASK });
        // The whole map is a secret (the Kubernetes SDK marks it so): even the plain user name is masked.
        expect(object("Secret", "grafana-admin").stringData).toEqual({ "admin-password": SECRET_MASK, "admin-user": SECRET_MASK });
        const everything = JSON.stringify(plan);
        for (const value of Object.values(CREDENTIALS)) expect(everything).not.toContain(value);
    });

    it("puts no credential in any non-Secret object", () => {
        const visible = JSON.stringify(
            resources()
                .filter((r) => r.inputs.kind !== "Secret")
                .map((r) => r.inputs),
        );
        for (const value of Object.values(CREDENTIALS)) expect(visible).not.toContain(value);
        // The plan masks secrets, so a credential marked secret would hide behind the mask: none may appear either.
        expect(visible).not.toContain(SECRET_MASK);
    });

    it("routes pages to PagerDuty, warnings to Slack and security alerts to the SIEM", () => {
        const config = parse(object("ConfigMap", "alertmanager-med-agi-config").data["alertmanager.yaml"]);
        expect(config.receivers.map((r: { name: string }) => r.name)).toEqual(["null", "pagerduty", "team", "siem"]);
        expect(config.route.routes.map((r: { receiver: string }) => r.receiver)).toEqual([
            "siem",
            "null",
            "null",
            "pagerduty",
            "team",
            "null",
        ]);
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
        const security = object("PrometheusRule", "med-agi-security").spec.groups[0].rules.map((r: { alert: string }) => r.alert);
        expect(security).toEqual(["MedAgiHighAuthFailureRate", "MedAgiSiemShippingFailing"]);
        const down = object("PrometheusRule", "med-agi-maintenance").spec.groups[0].rules.find(
            (r: { alert: string }) => r.alert === "MedAgiDataStoreDown",
        );
        expect(down.expr).toContain('statefulset=~"elasticsearch"');
    });

    it("points runbook_url at the configured repository", () => {
        const keyMetrics = object("PrometheusRule", "med-agi-key-metrics").spec.groups[0].rules;
        expect(keyMetrics[0].annotations.runbook_url).toBe(
            "https://git.example.org/med-agi/infra/blob/main/docs/runbook.md#medagihigherrorrate",
        );
    });

    it("refuses HTTP shipping without a SIEM token", () => {
        expect((refusal as Error | undefined)?.message).toContain("secrets.siemToken");
    });
});
