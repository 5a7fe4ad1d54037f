/**
 * Observability: Prometheus, Alertmanager and Grafana (kube-prometheus-stack),
 * the runbook's alert rules, alert routing, the key-metrics dashboard and SIEM
 * log shipping (Fluent Bit).
 *
 * Usage (from `infra/program.ts`):
 *
 * ```ts
 * const observability = new Observability("observability", {
 *     // Resolved once, here at the edge: per-environment defaults applied.
 *     settings: resolveObservabilitySettings(config),
 *     services: SERVICE_NAMES.map((n) => SERVICES[n]),
 *     secrets, // the credentials that are set, as Pulumi secrets
 * }, { provider, dependsOn: [namespace] });
 * ```
 *
 * What it registers (children named `${name}-<role>`):
 * - Namespaces `monitoring` and (unless `siem.output` is `off`) `logging`,
 *   both Pod Security `privileged` (node-exporter and Fluent Bit read the host);
 * - Secret `alertmanager-med-agi-receivers` (receiver credentials, as files)
 *   and Secret `alertmanager-med-agi` (`alertmanager.yaml`, no credential
 *   inside) in `monitoring`, plus its readable copy, ConfigMap
 *   `alertmanager-med-agi-config` (annotated `render.med-agi.io/dir: "."`:
 *   the SDK marks all Secret data secret, so the render masks the Secret);
 * - the kube-prometheus-stack `helm.v3.Release` in `monitoring`;
 * - PrometheusRules `med-agi-key-metrics`, `med-agi-maintenance`,
 *   `med-agi-security` in `med-agi`;
 * - ConfigMap `med-agi-dashboards` (label `grafana_dashboard: "1"`) in `med-agi`;
 * - the fluent-bit `helm.v3.Release` in `logging` (and its token Secret).
 *
 * Namespaces the program's own objects live in: `med-agi` for what belongs to
 * the application (rules, dashboard); `monitoring` for what Alertmanager must
 * read from its own namespace (config and receiver Secrets).
 */
import * as apiextensions from "@pulumi/kubernetes/apiextensions";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import { Release as HelmRelease } from "@pulumi/kubernetes/helm/v3/release";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";

import { RENDER_DIR_ANNOTATION } from "../k8s/annotations";
import { podSecurityLabels } from "../k8s/security";
import { DATA_STORE_NAMES, NAMESPACE } from "../runbook";
import { CONFIG_SECRET_NAME, RECEIVER_SECRET, alertmanagerConfig, type AlertmanagerConfig, type ReceiverCredentials } from "./alertmanager";
import { CHARTS } from "./charts";
import type { ObservabilitySecretKey, ObservabilitySettings } from "./config";
import { DASHBOARD_LABEL, DASHBOARD_UID, dashboard } from "./dashboard";
import { FLUENT_BIT_TOKEN_SECRET, fluentBitValues, type DecisionLogSource } from "./fluentbit";
import { RULE_GROUP_NAMES, ruleGroups, type DataStoreHealthTargets, type RuleGroup } from "./rules";
import { GRAFANA_ADMIN_SECRET, kubePrometheusStackValues } from "./values";

export * from "./alertmanager";
export * from "./charts";
export * from "./config";
export * from "./dashboard";
export * from "./fluentbit";
export * from "./rules";
export * from "./runbook-links";
export * from "./values";

export { RENDER_DIR_ANNOTATION };

/** The key Alertmanager's config Secret must use (prometheus-operator), also the render's file name. */
export const ALERTMANAGER_CONFIG_KEY = "alertmanager.yaml";

/** ConfigMap with a readable copy of the Alertmanager configuration (rendered as `alertmanager.yaml`). */
export const CONFIG_VIEW_CONFIGMAP_NAME = "alertmanager-med-agi-config";

/** Secret with Grafana's OIDC client secret (same name as infra/identity's GRAFANA_OIDC_SECRET, which imports nothing from here). */
export const GRAFANA_OIDC_SECRET_NAME = "grafana-oidc";

/** Name of the ConfigMap with the Grafana dashboards. */
export const DASHBOARD_CONFIGMAP_NAME = "med-agi-dashboards";

/** A service to alert and chart on (as `infra/runbook.ts` SERVICES describes it). */
export interface ObservedService {
    /** Deployment/Service name; the `service` label of its metrics. */
    readonly name: string;
    /** HTTP port (documentation only: scraping is the services' ServiceMonitors' job). */
    readonly port: number;
}

/** Credentials, each a Pulumi secret from top-level stack config (`pulumi config set --secret`). */
export interface ObservabilitySecrets {
    /** PagerDuty Events v2 routing key (`med-agi:pagerdutyRoutingKey`). Required in prod. @default undefined (pages go to the team receiver) */
    readonly pagerdutyRoutingKey?: pulumi.Input<string>;
    /** Slack incoming-webhook URL (`med-agi:slackWebhookUrl`). Required when `alerting.team.kind` is `slack`. @default undefined */
    readonly slackWebhookUrl?: pulumi.Input<string>;
    /** SMTP password (`med-agi:smtpPassword`). Required when `alerting.team.authUsername` is set. @default undefined */
    readonly smtpPassword?: pulumi.Input<string>;
    /** SIEM bearer token (`med-agi:siemToken`), for Fluent Bit and the security-alert webhook. @default undefined */
    readonly siemToken?: pulumi.Input<string>;
    /** Grafana admin password (`med-agi:grafanaAdminPassword`). @default undefined (the Grafana chart generates a random one) */
    readonly grafanaAdminPassword?: pulumi.Input<string>;
}

/** What the identity layer gives Grafana (infra/identity: `grafanaIdentityValues`). */
export interface GrafanaIdentity {
    /** Grafana subchart values merged over the component's own. */
    readonly values: Readonly<Record<string, unknown>>;
    /** The OIDC client secret, stored as Secret `grafana-oidc` (env `GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET`). @default none */
    readonly oidcClientSecret?: pulumi.Input<string>;
    /** ConfigMaps created in the monitoring namespace before the release (the HSTS header of Grafana's Ingress). @default [] */
    readonly configMaps?: readonly { readonly name: string; readonly data: Readonly<Record<string, string>> }[];
    /** Resources the release waits for (Grafana's ClusterRole). @default [] */
    readonly dependsOn?: readonly pulumi.Resource[];
}

/** Arguments of {@link Observability}. */
export interface ObservabilityArgs {
    /**
     * The `monitoring`, `alerting` and `siem` config sections with the
     * environment's defaults applied: `resolveObservabilitySettings(config)`,
     * called once by the caller. Nothing in the component resolves them again.
     */
    readonly settings: ObservabilitySettings;
    /** Services whose request metrics are alerted on and charted. */
    readonly services: readonly ObservedService[];
    /** Receiver, SIEM and Grafana credentials. @default {} */
    readonly secrets?: ObservabilitySecrets;
    /** Namespace of the application (services, Triton, data stores, backups). @default NAMESPACE ("med-agi") */
    readonly namespace?: string;
    /** Whether the backups component's `postgres-backup` CronJob exists (MedAgiBackupMissing watches it). @default true */
    readonly backups?: boolean;
    /** Whether the stack deploys the GPU Triton; see RuleBuilderArgs.tritonGpu. @default true */
    readonly tritonGpu?: boolean;
    /** In-cluster data store StatefulSets watched by MedAgiDataStoreDown. @default DATA_STORE_NAMES (postgres, elasticsearch, minio) */
    readonly dataStores?: readonly string[];
    /** What the data-store health alerts and dashboard panels watch (PostgreSQL, Elasticsearch, volumes). @default {} (none) */
    readonly dataStoreHealth?: DataStoreHealthTargets;
    /** Grafana's OIDC login and RBAC from the identity layer. @default none */
    readonly grafanaIdentity?: GrafanaIdentity;
    /** A workload whose container log is the authorisation decision log (OPA), shipped as `authz.*`. @default none */
    readonly decisionLogs?: DecisionLogSource;
}

/** Which secrets were given (a receiver without its credential is left out of the config). */
export function credentialsPresent(secrets: ObservabilitySecrets): ReceiverCredentials & Record<ObservabilitySecretKey, boolean> {
    return {
        pagerdutyRoutingKey: secrets.pagerdutyRoutingKey !== undefined,
        slackWebhookUrl: secrets.slackWebhookUrl !== undefined,
        smtpPassword: secrets.smtpPassword !== undefined,
        siemToken: secrets.siemToken !== undefined,
        grafanaAdminPassword: secrets.grafanaAdminPassword !== undefined,
    };
}

/** Receiver Secret `stringData`: one file per credential given, each kept secret. */
export function receiverSecretData(secrets: ObservabilitySecrets): Record<string, pulumi.Output<string>> {
    const data: Record<string, pulumi.Output<string>> = {};
    for (const key of Object.keys(RECEIVER_SECRET.keys) as (keyof typeof RECEIVER_SECRET.keys)[]) {
        const value = secrets[key];
        if (value !== undefined) data[RECEIVER_SECRET.keys[key]] = pulumi.secret(value);
    }
    return data;
}

/** The rule groups the component ships for these args. Pure. */
export function observabilityRuleGroups(args: ObservabilityArgs): ReturnType<typeof ruleGroups> {
    const { settings } = args;
    return ruleGroups({
        namespace: args.namespace ?? NAMESPACE,
        services: args.services.map((s) => s.name),
        dataStores: args.dataStores ?? DATA_STORE_NAMES,
        backups: args.backups ?? true,
        tritonGpu: args.tritonGpu ?? true,
        extraVolumeNamespaces: [settings.monitoring.namespace],
        ...(settings.siem.output === "http" ? { siemShippingNamespace: settings.siem.namespace } : {}),
        ...(settings.alerting.runbookBaseUrl === undefined ? {} : { runbookBaseUrl: settings.alerting.runbookBaseUrl }),
        ...(args.dataStoreHealth === undefined ? {} : { dataStoreHealth: args.dataStoreHealth }),
    });
}

/** The `alertmanager.yaml` object the component ships for these args. Pure. */
export function observabilityAlertmanagerConfig(args: ObservabilityArgs): AlertmanagerConfig {
    return alertmanagerConfig(args.settings.alerting, credentialsPresent(args.secrets ?? {}));
}

export class Observability extends pulumi.ComponentResource {
    /** Namespace of Prometheus, Alertmanager and Grafana. */
    public readonly monitoringNamespace: pulumi.Output<string>;
    /** Namespace of Fluent Bit, or undefined when SIEM shipping is off. */
    public readonly loggingNamespace: pulumi.Output<string> | undefined;
    /** The kube-prometheus-stack release. */
    public readonly stack: HelmRelease;
    /** The fluent-bit release, or undefined when SIEM shipping is off. */
    public readonly fluentBit: HelmRelease | undefined;
    /** Names of the PrometheusRule objects (in the application namespace). */
    public readonly prometheusRuleNames: pulumi.Output<string[]>;
    /** The generated `alertmanager.yaml` (no credentials inside). */
    public readonly alertmanagerYaml: pulumi.Output<string>;
    /** Where security-relevant logs go: `http` (SIEM), `stdout` or `off`. */
    public readonly siemOutput: pulumi.Output<string>;

    constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("med-agi:observability:Observability", name, {}, opts);
        const appNs = args.namespace ?? NAMESPACE;
        const secrets = args.secrets ?? {};
        const { settings } = args;
        const creds = credentialsPresent(secrets);
        const monNs = settings.monitoring.namespace;
        const serviceNames = args.services.map((s) => s.name);

        const monitoringNamespace = new corev1.Namespace(
            `${name}-monitoring-namespace`,
            { metadata: { name: monNs, labels: podSecurityLabels("privileged") } },
            { parent: this },
        );

        // --- Alertmanager: receiver credentials as files, generated config -------------
        const receiverSecret = new corev1.Secret(
            `${name}-alertmanager-receivers`,
            { metadata: { name: RECEIVER_SECRET.name, namespace: monNs }, type: "Opaque", stringData: receiverSecretData(secrets) },
            { parent: this, dependsOn: [monitoringNamespace] },
        );
        const amYaml = stringify(observabilityAlertmanagerConfig(args), { lineWidth: 0 });
        const configSecret = new corev1.Secret(
            `${name}-alertmanager-config`,
            {
                metadata: { name: CONFIG_SECRET_NAME, namespace: monNs },
                type: "Opaque",
                stringData: { [ALERTMANAGER_CONFIG_KEY]: amYaml },
            },
            { parent: this, dependsOn: [monitoringNamespace] },
        );
        // The Kubernetes SDK marks all of a Secret's data secret, so the render (and anyone without
        // Secret read access) cannot see the routing. The same text, which holds no credential, is
        // published in a ConfigMap: `kubectl get cm alertmanager-med-agi-config` and the render's
        // alertmanager.yaml show exactly what Alertmanager runs.
        new corev1.ConfigMap(
            `${name}-alertmanager-config-view`,
            {
                metadata: { name: CONFIG_VIEW_CONFIGMAP_NAME, namespace: monNs, annotations: { [RENDER_DIR_ANNOTATION]: "." } },
                data: { [ALERTMANAGER_CONFIG_KEY]: amYaml },
            },
            { parent: this, dependsOn: [monitoringNamespace] },
        );
        const stackDeps: pulumi.Resource[] = [monitoringNamespace, receiverSecret, configSecret];
        if (secrets.grafanaAdminPassword !== undefined) {
            stackDeps.push(
                new corev1.Secret(
                    `${name}-grafana-admin`,
                    {
                        metadata: { name: GRAFANA_ADMIN_SECRET.name, namespace: monNs },
                        type: "Opaque",
                        stringData: {
                            [GRAFANA_ADMIN_SECRET.userKey]: "admin",
                            [GRAFANA_ADMIN_SECRET.passwordKey]: pulumi.secret(secrets.grafanaAdminPassword),
                        },
                    },
                    { parent: this, dependsOn: [monitoringNamespace] },
                ),
            );
        }

        const grafanaIdentity = args.grafanaIdentity;
        if (grafanaIdentity?.oidcClientSecret !== undefined) {
            stackDeps.push(
                new corev1.Secret(
                    `${name}-grafana-oidc`,
                    {
                        metadata: { name: GRAFANA_OIDC_SECRET_NAME, namespace: monNs },
                        type: "Opaque",
                        stringData: { GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET: pulumi.secret(grafanaIdentity.oidcClientSecret) },
                    },
                    { parent: this, dependsOn: [monitoringNamespace] },
                ),
            );
        }
        for (const cm of grafanaIdentity?.configMaps ?? []) {
            stackDeps.push(
                new corev1.ConfigMap(
                    `${name}-${cm.name}`,
                    { metadata: { name: cm.name, namespace: monNs }, data: { ...cm.data } },
                    { parent: this, dependsOn: [monitoringNamespace] },
                ),
            );
        }
        stackDeps.push(...(grafanaIdentity?.dependsOn ?? []));

        // --- kube-prometheus-stack --------------------------------------------------------
        const kps = CHARTS.kubePrometheusStack;
        this.stack = new HelmRelease(
            `${name}-kube-prometheus-stack`,
            {
                name: kps.chart,
                namespace: monNs,
                chart: kps.chart,
                version: settings.monitoring.chartVersion,
                repositoryOpts: { repo: kps.repo },
                values: kubePrometheusStackValues({
                    settings,
                    grafanaAdminSecret: creds.grafanaAdminPassword,
                    ...(grafanaIdentity === undefined ? {} : { grafanaIdentity: grafanaIdentity.values }),
                }),
                timeout: 900,
            },
            { parent: this, dependsOn: stackDeps },
        );

        // --- Alert rules (need the PrometheusRule CRD from the stack) ---------------------
        const groups = observabilityRuleGroups(args);
        const rules = (Object.keys(groups) as (keyof typeof groups)[]).map((key) =>
            prometheusRule(`${name}-rules-${key}`, RULE_GROUP_NAMES[key], appNs, groups[key], { parent: this, dependsOn: [this.stack] }),
        );

        // --- Dashboard -------------------------------------------------------------------
        new corev1.ConfigMap(
            `${name}-dashboards`,
            {
                metadata: {
                    name: DASHBOARD_CONFIGMAP_NAME,
                    namespace: appNs,
                    labels: { [DASHBOARD_LABEL.key]: DASHBOARD_LABEL.value },
                    annotations: { [RENDER_DIR_ANNOTATION]: "dashboards" },
                },
                data: {
                    [`${DASHBOARD_UID}.json`]: JSON.stringify(
                        dashboard({
                            services: serviceNames,
                            namespace: appNs,
                            ...(args.dataStoreHealth === undefined ? {} : { dataStoreHealth: args.dataStoreHealth }),
                        }),
                        null,
                        2,
                    ),
                },
            },
            { parent: this },
        );

        // --- SIEM shipping ----------------------------------------------------------------
        const siem = settings.siem;
        if (siem.output === "off") {
            this.fluentBit = undefined;
            this.loggingNamespace = undefined;
        } else {
            const loggingNamespace = new corev1.Namespace(
                `${name}-logging-namespace`,
                { metadata: { name: siem.namespace, labels: podSecurityLabels("privileged") } },
                { parent: this },
            );
            const fbDeps: pulumi.Resource[] = [loggingNamespace, this.stack];
            if (siem.output === "http") {
                if (secrets.siemToken === undefined) throw new Error('secrets.siemToken: is required when siem.output is "http"');
                fbDeps.push(
                    new corev1.Secret(
                        `${name}-fluent-bit-token`,
                        {
                            metadata: { name: FLUENT_BIT_TOKEN_SECRET.name, namespace: siem.namespace },
                            type: "Opaque",
                            stringData: { [FLUENT_BIT_TOKEN_SECRET.key]: pulumi.secret(secrets.siemToken) },
                        },
                        { parent: this, dependsOn: [loggingNamespace] },
                    ),
                );
            }
            const fb = CHARTS.fluentBit;
            this.fluentBit = new HelmRelease(
                `${name}-fluent-bit`,
                {
                    name: fb.chart,
                    namespace: siem.namespace,
                    chart: fb.chart,
                    version: siem.chartVersion,
                    repositoryOpts: { repo: fb.repo },
                    values: fluentBitValues({
                        environment: settings.environment,
                        siem: { ...siem, output: siem.output },
                        ...(args.decisionLogs === undefined ? {} : { decisionLogs: args.decisionLogs }),
                    }),
                },
                { parent: this, dependsOn: fbDeps },
            );
            this.loggingNamespace = loggingNamespace.metadata.name;
        }

        this.monitoringNamespace = monitoringNamespace.metadata.name;
        this.prometheusRuleNames = pulumi.all(rules.map((r) => r.metadata.name));
        this.alertmanagerYaml = pulumi.output(amYaml);
        this.siemOutput = pulumi.output(siem.output);
        this.registerOutputs({
            monitoringNamespace: this.monitoringNamespace,
            loggingNamespace: this.loggingNamespace,
            stack: this.stack,
            fluentBit: this.fluentBit,
            prometheusRuleNames: this.prometheusRuleNames,
            alertmanagerYaml: this.alertmanagerYaml,
            siemOutput: this.siemOutput,
        });
    }
}

/** A PrometheusRule object shipping one rule group. */
function prometheusRule(
    resourceName: string,
    objectName: string,
    namespace: string,
    group: RuleGroup,
    opts: pulumi.CustomResourceOptions,
): apiextensions.CustomResource {
    return new apiextensions.CustomResource(
        resourceName,
        {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PrometheusRule",
            metadata: {
                name: objectName,
                namespace,
                labels: { "app.kubernetes.io/part-of": "med-agi", "app.kubernetes.io/managed-by": "pulumi" },
            },
            spec: { groups: [group] },
        },
        opts,
    );
}
