/**
 * Authorisation: OPA serving the generic Rego policy with the stack's grant
 * table. ServiceAccount, the policy and config ConfigMaps, Deployment and
 * Service `opa` in `med-agi`, a PodDisruptionBudget (replicas > 1) and a
 * ServiceMonitor. The services reach it through {@link opaClientEnv}.
 */
import * as appsv1 from "@pulumi/kubernetes/apps/v1";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as policyv1 from "@pulumi/kubernetes/policy/v1";
import * as pulumi from "@pulumi/pulumi";

import { standardLabels } from "../k8s/labels";
import { DEFAULT_TOPOLOGY_SPREAD } from "../k8s/pod";
import { serviceMonitorResource } from "../k8s/servicemonitor";
import { NAMESPACE } from "../runbook";
import type { AuthzSettings } from "./config";
import {
    CONFIG_CONFIGMAP,
    CONFIG_FILE,
    filesChecksum,
    OPA_CLIENT_ENV,
    OPA_NAME,
    OPA_PORT,
    opaConfigYaml,
    opaDeploymentSpec,
    opaPdbSpec,
    opaServiceMonitorSpec,
    opaServiceSpec,
    POLICY_CONFIGMAP,
    policyFiles,
    type OpaDeploymentArgs,
} from "./spec";

export * from "./config";
export * from "./model";
export * from "./spec";

export interface OpaAuthzArgs {
    /** `med-agi:authz` resolved for the environment (`resolveAuthz`, called once by the caller). */
    readonly settings: AuthzSettings;
    /** Namespace of OPA and the services. @default NAMESPACE ("med-agi") */
    readonly namespace?: string;
    /** @default "IfNotPresent" */
    readonly imagePullPolicy?: "IfNotPresent" | "Always";
    /** docker-registry Secrets in the namespace. @default [] */
    readonly imagePullSecrets?: readonly string[];
    /** @default zone and node both "ScheduleAnyway" */
    readonly topologySpread?: OpaDeploymentArgs["topologySpread"];
    /**
     * The ServiceMonitor needs the Prometheus Operator CRDs: resources in
     * `dependsOn` (the monitoring release) are created first. @default { enabled: true }
     */
    readonly serviceMonitor?: { readonly enabled: boolean; readonly dependsOn?: pulumi.Input<pulumi.Resource>[] };
}

export class OpaAuthz extends pulumi.ComponentResource {
    /** `http://opa.<namespace>.svc:8181`: in `med-agi`, the OPA_URL every service gets. */
    public readonly url: pulumi.Output<string>;
    /** The Data API path of the decision (`medagi/authz/allow`). */
    public readonly decisionPath: pulumi.Output<string>;
    /** sha256 of the files OPA reads; the pod template carries it, so a change rolls the pods. */
    public readonly checksum: pulumi.Output<string>;

    constructor(name: string, args: OpaAuthzArgs, opts?: pulumi.ComponentResourceOptions) {
        super("med-agi:authz:OpaAuthz", name, {}, opts);
        const { settings } = args;
        const namespace = args.namespace ?? NAMESPACE;
        const labels = standardLabels(OPA_NAME, "authorization");
        const child = { parent: this };
        const meta = (objectName: string) => ({ name: objectName, namespace, labels });

        const policy = policyFiles(settings);
        const config = { [CONFIG_FILE]: opaConfigYaml(settings.environment) };
        const checksum = filesChecksum(policy, config);

        const account = new corev1.ServiceAccount(
            `${name}-serviceaccount`,
            { metadata: meta(OPA_NAME), automountServiceAccountToken: false },
            child,
        );
        const policyMap = new corev1.ConfigMap(`${name}-policy`, { metadata: meta(POLICY_CONFIGMAP), data: policy }, child);
        const configMap = new corev1.ConfigMap(`${name}-config`, { metadata: meta(CONFIG_CONFIGMAP), data: config }, child);

        new appsv1.Deployment(
            `${name}-deployment`,
            {
                metadata: meta(OPA_NAME),
                spec: opaDeploymentSpec({
                    settings,
                    checksum,
                    imagePullPolicy: args.imagePullPolicy ?? "IfNotPresent",
                    imagePullSecrets: args.imagePullSecrets ?? [],
                    topologySpread: args.topologySpread ?? DEFAULT_TOPOLOGY_SPREAD,
                }),
            },
            { ...child, dependsOn: [account, policyMap, configMap] },
        );
        const service = new corev1.Service(`${name}-service`, { metadata: meta(OPA_NAME), spec: opaServiceSpec() }, child);

        const pdb = opaPdbSpec(settings);
        if (pdb !== undefined) new policyv1.PodDisruptionBudget(`${name}-pdb`, { metadata: meta(OPA_NAME), spec: pdb }, child);

        const monitor = args.serviceMonitor ?? { enabled: true };
        if (monitor.enabled) {
            serviceMonitorResource(`${name}-servicemonitor`, meta(OPA_NAME), opaServiceMonitorSpec(namespace), {
                ...child,
                dependsOn: [service, ...(monitor.dependsOn ?? [])],
            });
        }

        this.url = pulumi.output(`http://${OPA_NAME}.${namespace}.svc:${OPA_PORT}`);
        this.decisionPath = pulumi.output(OPA_CLIENT_ENV.OPA_DECISION_PATH);
        this.checksum = pulumi.output(checksum);
        this.registerOutputs({ url: this.url, decisionPath: this.decisionPath, checksum: this.checksum });
    }
}
