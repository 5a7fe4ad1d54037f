/**
 * The Observability component under Pulumi mocks with the dev stack's
 * defaults: no receivers, no secrets, SIEM to stdout.
 */
import { parse } from "yaml";

import { SERVICE_NAMES, SERVICES } from "../../infra/runbook";
import { installMocks, isSecretValue, object, registerAll, unwrapSecret, type Registered } from "./mocks";

installMocks("dev");

// Imported after the mocks are installed, as Pulumi programs are.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const obs = require("../../infra/observability") as typeof import("../../infra/observability");

let resources: Registered[] = [];
let component: InstanceType<typeof obs.Observability>;

beforeAll(async () => {
    resources = await registerAll((opts) => {
        component = new obs.Observability(
            "observability",
            {
                environment: "dev",
                services: SERVICE_NAMES.map((n) => SERVICES[n]),
                config: obs.parseObservabilityConfig("dev", {}),
            },
            opts,
        );
        return component;
    });
});

const ofType = (type: string) => resources.filter((r) => r.type === type);

describe("Observability on dev", () => {
    it("names every child after the component and parents it to the component", () => {
        expect(resources.length).toBeGreaterThan(0);
        for (const r of resources) {
            expect(r.name.startsWith("observability-")).toBe(true);
            expect(r.parent).toBe("<component>");
        }
    });

    it("registers the children the design lists", () => {
        expect(resources.map((r) => r.name).sort()).toEqual(
            [
                "observability-alertmanager-config",
                "observability-alertmanager-config-view",
                "observability-alertmanager-receivers",
                "observability-dashboards",
                "observability-fluent-bit",
                "observability-kube-prometheus-stack",
                "observability-logging-namespace",
                "observability-monitoring-namespace",
                "observability-rules-keyMetrics",
                "observability-rules-maintenance",
                "observability-rules-security",
            ].sort(),
        );
    });

    it("installs kube-prometheus-stack at the pinned version from its repository into monitoring", () => {
        const [kps] = ofType("kubernetes:helm.sh/v3:Release").filter((r) => r.inputs.chart === "kube-prometheus-stack");
        expect(kps!.inputs).toMatchObject({
            name: "kube-prometheus-stack",
            namespace: "monitoring",
            version: obs.CHARTS.kubePrometheusStack.version,
            repositoryOpts: { repo: obs.CHARTS.kubePrometheusStack.repo },
        });
        expect(kps!.inputs.values.prometheus.prometheusSpec.retention).toBe("2d");
    });

    it("ships the three rule groups as PrometheusRules in med-agi", () => {
        for (const name of Object.values(obs.RULE_GROUP_NAMES)) {
            const rule = object(resources, "PrometheusRule", name);
            expect(rule.apiVersion).toBe("monitoring.coreos.com/v1");
            expect(rule.metadata.namespace).toBe("med-agi");
            expect(rule.spec.groups.map((g: { name: string }) => g.name)).toEqual([name]);
        }
    });

    it("does not ship the SIEM shipping alert when nothing ships to a SIEM", () => {
        const security = object(resources, "PrometheusRule", "med-agi-security");
        expect(security.spec.groups[0].rules.map((r: { alert: string }) => r.alert)).toEqual(["MedAgiHighAuthFailureRate"]);
    });

    it("publishes alertmanager.yaml in a ConfigMap the render writes to its root", () => {
        const view = object(resources, "ConfigMap", "alertmanager-med-agi-config");
        expect(view.metadata).toMatchObject({ namespace: "monitoring", annotations: { "render.med-agi.io/dir": "." } });
        const config = parse(view.data["alertmanager.yaml"]);
        expect(config.receivers).toEqual([{ name: "null" }]);
    });

    it("gives Alertmanager the same text in the Secret it reads", () => {
        const secret = object(resources, "Secret", "alertmanager-med-agi");
        const view = object(resources, "ConfigMap", "alertmanager-med-agi-config");
        expect(unwrapSecret(secret.stringData)["alertmanager.yaml"]).toBe(view.data["alertmanager.yaml"]);
    });

    it("creates the receiver Secret even without credentials, so Alertmanager can mount it", () => {
        const receivers = object(resources, "Secret", "alertmanager-med-agi-receivers");
        expect(receivers.metadata.namespace).toBe("monitoring");
        expect(unwrapSecret(receivers.stringData) ?? {}).toEqual({});
    });

    it("ships the dashboard as a ConfigMap labelled for Grafana's sidecar", () => {
        const cm = object(resources, "ConfigMap", "med-agi-dashboards");
        expect(cm.metadata.labels).toEqual({ grafana_dashboard: "1" });
        expect(cm.metadata.annotations).toEqual({ "render.med-agi.io/dir": "dashboards" });
        expect(JSON.parse(cm.data["med-agi-key-metrics.json"]).uid).toBe("med-agi-key-metrics");
    });

    it("runs Fluent Bit printing to stdout, with no token Secret", () => {
        const [fb] = ofType("kubernetes:helm.sh/v3:Release").filter((r) => r.inputs.chart === "fluent-bit");
        expect(fb!.inputs.namespace).toBe("logging");
        expect(fb!.inputs.values.config.outputs).toMatch(/Name\s+stdout/);
        expect(resources.filter((r) => r.inputs.kind === "Secret" && r.inputs.metadata?.name === "fluent-bit-siem")).toEqual([]);
    });

    it("labels both host-reading namespaces Pod Security privileged", () => {
        for (const ns of ["monitoring", "logging"]) {
            expect(object(resources, "Namespace", ns).metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("privileged");
        }
    });

    it("echoes its outputs", async () => {
        const value = <T>(o: { apply: (f: (v: T) => void) => unknown }) => new Promise<T>((resolve) => o.apply(resolve));
        expect(await value<string>(component.monitoringNamespace)).toBe("monitoring");
        expect(await value<string[]>(component.prometheusRuleNames)).toEqual([
            "med-agi-key-metrics",
            "med-agi-maintenance",
            "med-agi-security",
        ]);
        expect(await value<string>(component.siemOutput)).toBe("stdout");
        expect(isSecretValue(await value<string>(component.alertmanagerYaml))).toBe(false);
    });
});
