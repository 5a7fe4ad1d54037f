/**
 * The Observability component under Pulumi mocks with the dev stack's
 * defaults: no receivers, no secrets, SIEM to stdout.
 */
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";

import * as obs from "../../infra/observability";
import { SERVICE_NAMES, SERVICES } from "../../infra/runbook";
import { runUnderMocks } from "../../tools/lib/mock-run";
import { SECRET_MASK, type Plan, type PlannedResource } from "../../tools/lib/plan";

/**
 * The Kubernetes SDK marks all of a Secret's data secret, so the plan shows
 * each of its values as "[secret]" (keys kept). Two tests compare the text behind it; for them only, this
 * keeps each Secret's `stringData` as registered, to read back unsecreted.
 */
const secretData = new Map<string, pulumi.Input<Record<string, string>> | undefined>();
const keepSecretData: pulumi.ResourceTransformation = (args) => {
    if (args.type === "kubernetes:core/v1:Secret") secretData.set(args.name, args.props.stringData);
    return undefined;
};
const unsecretData = (name: string) => pulumi.unsecret(pulumi.output(secretData.get(name)));

let plan: Plan;
beforeAll(async () => {
    plan = await runUnderMocks({ project: "med-agi", stack: "dev", values: {}, secretKeys: [] }, () => {
        const component = new obs.Observability(
            "observability",
            {
                settings: obs.resolveObservabilitySettings(obs.parseObservabilityConfig("dev", {})),
                services: SERVICE_NAMES.map((n) => SERVICES[n]),
            },
            { transformations: [keepSecretData] },
        );
        return {
            monitoringNamespace: component.monitoringNamespace,
            prometheusRuleNames: component.prometheusRuleNames,
            siemOutput: component.siemOutput,
            alertmanagerYaml: component.alertmanagerYaml,
            configSecretData: unsecretData("observability-alertmanager-config"),
            receiverSecretData: unsecretData("observability-alertmanager-receivers"),
        };
    });
});

// Tests read deep into plain inputs.
type Found = PlannedResource & { inputs: any };
const component = (): PlannedResource => plan.resources.find((r) => r.type === "med-agi:observability:Observability")!;
/** Everything the component registered: its children. */
const children = (): Found[] => plan.resources.filter((r) => r !== component());
const ofType = (type: string): Found[] => children().filter((r) => r.type === type);
/** Inputs of the one Kubernetes object of `kind` named `name`. */
const object = (kind: string, name: string): any => {
    const found = children().filter((r) => r.inputs.kind === kind && r.inputs.metadata?.name === name);
    expect(found).toHaveLength(1);
    return found[0]!.inputs;
};

describe("Observability on dev", () => {
    it("names every child after the component and parents it to the component", () => {
        expect(children().length).toBeGreaterThan(0);
        for (const r of children()) {
            expect(r.name.startsWith("observability-")).toBe(true);
            expect(r.parent).toBe(component().urn);
        }
    });

    it("registers the children the design lists", () => {
        expect(
            children()
                .map((r) => r.name)
                .sort(),
        ).toEqual(
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
            const rule = object("PrometheusRule", name);
            expect(rule.apiVersion).toBe("monitoring.coreos.com/v1");
            expect(rule.metadata.namespace).toBe("med-agi");
            expect(rule.spec.groups.map((g: { name: string }) => g.name)).toEqual([name]);
        }
    });

    it("does not ship the SIEM shipping alert when nothing ships to a SIEM", () => {
        const security = object("PrometheusRule", "med-agi-security");
        expect(security.spec.groups[0].rules.map((r: { alert: string }) => r.alert)).toEqual(["MedAgiHighAuthFailureRate"]);
    });

    it("publishes alertmanager.yaml in a ConfigMap the render writes to its root", () => {
        const view = object("ConfigMap", "alertmanager-med-agi-config");
        expect(view.metadata).toMatchObject({ namespace: "monitoring", annotations: { "render.med-agi.io/dir": "." } });
        const config = parse(view.data["alertmanager.yaml"]);
        expect(config.receivers).toEqual([{ name: "null" }]);
    });

    it("gives Alertmanager the same text in the Secret it reads", () => {
        expect(object("Secret", "alertmanager-med-agi").stringData).toEqual({ "alertmanager.yaml": SECRET_MASK });
        const view = object("ConfigMap", "alertmanager-med-agi-config");
        expect((plan.outputs.configSecretData as Record<string, string>)["alertmanager.yaml"]).toBe(view.data["alertmanager.yaml"]);
    });

    it("creates the receiver Secret even without credentials, so Alertmanager can mount it", () => {
        const receivers = object("Secret", "alertmanager-med-agi-receivers");
        expect(receivers.metadata.namespace).toBe("monitoring");
        expect(receivers.stringData).toEqual({});
        // The output must be there (a missing one is a failure, not an empty Secret).
        expect(plan.outputs).toHaveProperty("receiverSecretData");
        expect(plan.outputs.receiverSecretData).toEqual({});
    });

    it("ships the dashboard as a ConfigMap labelled for Grafana's sidecar", () => {
        const cm = object("ConfigMap", "med-agi-dashboards");
        expect(cm.metadata.labels).toEqual({ grafana_dashboard: "1" });
        expect(cm.metadata.annotations).toEqual({ "render.med-agi.io/dir": "dashboards" });
        expect(JSON.parse(cm.data["med-agi-key-metrics.json"]).uid).toBe("med-agi-key-metrics");
    });

    it("runs Fluent Bit printing to stdout, with no token Secret", () => {
        const [fb] = ofType("kubernetes:helm.sh/v3:Release").filter((r) => r.inputs.chart === "fluent-bit");
        expect(fb!.inputs.namespace).toBe("logging");
        expect(fb!.inputs.values.config.outputs).toMatch(/Name\s+stdout/);
        expect(children().filter((r) => r.inputs.kind === "Secret" && r.inputs.metadata?.name === "fluent-bit-siem")).toEqual([]);
    });

    it("labels both host-reading namespaces Pod Security privileged", () => {
        for (const ns of ["monitoring", "logging"]) {
            expect(object("Namespace", ns).metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("privileged");
        }
    });

    it("echoes its outputs", () => {
        expect(plan.outputs.monitoringNamespace).toBe("monitoring");
        expect(plan.outputs.prometheusRuleNames).toEqual(["med-agi-key-metrics", "med-agi-maintenance", "med-agi-security"]);
        expect(plan.outputs.siemOutput).toBe("stdout");
        // Not a secret: the plan shows the text itself.
        expect(plan.outputs.alertmanagerYaml).not.toBe(SECRET_MASK);
        expect(plan.outputs.alertmanagerYaml).toBe(object("ConfigMap", "alertmanager-med-agi-config").data["alertmanager.yaml"]);
    });
});
