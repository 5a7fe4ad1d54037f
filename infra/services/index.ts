/**
 * One Med-AGI HTTP service (imaging, ekg, eval, anchor, modelcards, ops):
 * ServiceAccount, Deployment, Service, HPA, PodDisruptionBudget (replicas > 1),
 * ServiceMonitor and Ingress — names exactly as the runbook's commands use them.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as appsv1 from "@pulumi/kubernetes/apps/v1";
import * as autoscalingv2 from "@pulumi/kubernetes/autoscaling/v2";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as networkingv1 from "@pulumi/kubernetes/networking/v1";
import * as policyv1 from "@pulumi/kubernetes/policy/v1";
import * as pulumi from "@pulumi/pulumi";

import type { ServiceSettings } from "./config";
import { standardLabels } from "../k8s/labels";
import { DEFAULT_TOPOLOGY_SPREAD } from "../k8s/pod";
import { serviceMonitorResource } from "../k8s/servicemonitor";
import {
    deploymentSpec,
    hpaSpec,
    ingressAnnotations,
    ingressSpec,
    needsDisruptionBudget,
    pdbSpec,
    serviceMonitorSpec,
    serviceSpec,
    type MountedFile,
    type ServiceIdentity,
    type TopologySpreadPolicy,
} from "./spec";

export * from "./config";
export * from "./spec";

/** Where and how a service is exposed outside the cluster. */
export interface ServiceIngressArgs {
    /** IngressClass that serves it (`nginx`, `traefik`, `alb`, …). */
    readonly className: string;
    /** Public host name, e.g. `imaging.med-agi.example.org`. */
    readonly host: string;
    /** cert-manager ClusterIssuer for the TLS certificate. @default none: the `<service>-tls` Secret is provided out of band */
    readonly clusterIssuer?: string;
    /** Extra Ingress annotations (HTTPS redirect, HSTS, …). @default {} */
    readonly annotations?: Readonly<Record<string, string>>;
    /**
     * Browser-facing paths served through a second Ingress `<name>-docs` with
     * their own extra annotations (the OIDC auth proxy's), on the same host.
     * @default none: every path goes through the main Ingress
     */
    readonly docs?: { readonly paths: readonly string[]; readonly annotations: Readonly<Record<string, string>> };
}

export interface MedAgiServiceArgs {
    /** Name and port, fixed by the runbook. */
    readonly service: ServiceIdentity;
    /** Namespace to deploy into (`med-agi`). */
    readonly namespace: pulumi.Input<string>;
    /** Full image reference, `<registry>/med-agi/<service>:<tag>`. */
    readonly image: string;
    /** Merged settings for this service. */
    readonly settings: ServiceSettings;
    /** @default "IfNotPresent" */
    readonly imagePullPolicy?: "IfNotPresent" | "Always";
    /** Names of docker-registry Secrets in the namespace. @default [] */
    readonly imagePullSecrets?: readonly string[];
    /** @default zone and node both "ScheduleAnyway" */
    readonly topologySpread?: TopologySpreadPolicy;
    /** Extra environment variables (e.g. dependency endpoints, Secret references). @default [] */
    readonly env?: readonly k8s.types.input.core.v1.EnvVar[];
    /** Secrets whose every key becomes an environment variable (`envFrom`), e.g. the service's own `postgres-<service>`. @default [] */
    readonly envFromSecrets?: readonly pulumi.Input<string>[];
    /** Single files mounted read-only from a Secret or ConfigMap key, e.g. the database CA. @default [] */
    readonly files?: readonly MountedFile[];
    /** Expose through an Ingress. @default no Ingress */
    readonly ingress?: ServiceIngressArgs;
    /**
     * Create a ServiceMonitor (needs the Prometheus Operator CRDs). Resources
     * in `dependsOn` (e.g. the monitoring stack that installs the CRDs) are
     * created first. @default { enabled: true }
     */
    readonly serviceMonitor?: { readonly enabled: boolean; readonly dependsOn?: pulumi.Input<pulumi.Resource>[] };
}

export class MedAgiService extends pulumi.ComponentResource {
    /** Deployment name (= container name), as `kubectl rollout undo deployment/<name>` uses it. */
    public readonly deploymentName: pulumi.Output<string>;
    /** In-cluster URL, `http://<name>.<namespace>.svc.cluster.local:<port>`. */
    public readonly clusterUrl: pulumi.Output<string>;
    /** Public URL when an Ingress is configured. */
    public readonly url: pulumi.Output<string | undefined>;

    constructor(name: string, args: MedAgiServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("med-agi:services:MedAgiService", name, {}, opts);
        const { service, settings } = args;
        const labels = standardLabels(service.name, "api", settings.tag);
        // Every object is named exactly as the service: `deployment/imaging`, `service/imaging`, …
        const meta = { name: service.name, namespace: args.namespace, labels };
        const child = { parent: this };

        const account = new corev1.ServiceAccount(`${name}-serviceaccount`, { metadata: meta, automountServiceAccountToken: false }, child);

        const deployment = new appsv1.Deployment(
            `${name}-deployment`,
            {
                metadata: meta,
                spec: deploymentSpec({
                    service,
                    image: args.image,
                    settings,
                    imagePullPolicy: args.imagePullPolicy ?? "IfNotPresent",
                    imagePullSecrets: args.imagePullSecrets ?? [],
                    topologySpread: args.topologySpread ?? DEFAULT_TOPOLOGY_SPREAD,
                    serviceAccountName: service.name,
                    env: args.env ?? [],
                    envFromSecrets: args.envFromSecrets ?? [],
                    files: args.files ?? [],
                }),
            },
            { ...child, dependsOn: [account] },
        );

        const svc = new corev1.Service(`${name}-service`, { metadata: meta, spec: serviceSpec(service) }, child);

        if (settings.autoscaling.enabled) {
            new autoscalingv2.HorizontalPodAutoscaler(
                `${name}-hpa`,
                { metadata: meta, spec: hpaSpec(service, settings) },
                { ...child, dependsOn: [deployment] },
            );
        }

        if (needsDisruptionBudget(settings)) {
            new policyv1.PodDisruptionBudget(`${name}-pdb`, { metadata: meta, spec: pdbSpec(service) }, child);
        }

        const monitor = args.serviceMonitor ?? { enabled: true };
        if (monitor.enabled) {
            serviceMonitorResource(
                `${name}-servicemonitor`,
                meta,
                pulumi.output(args.namespace).apply((ns) => serviceMonitorSpec(service, ns)),
                { ...child, dependsOn: [svc, ...(monitor.dependsOn ?? [])] },
            );
        }

        let url: pulumi.Output<string | undefined> = pulumi.output(undefined);
        if (args.ingress !== undefined) {
            const ingress = args.ingress;
            new networkingv1.Ingress(
                `${name}-ingress`,
                {
                    metadata: { ...meta, annotations: ingressAnnotations(ingress.clusterIssuer, ingress.annotations ?? {}) },
                    spec: ingressSpec({ service, host: ingress.host, className: ingress.className }),
                },
                { ...child, dependsOn: [svc] },
            );
            if (ingress.docs !== undefined) {
                // nginx merges both Ingresses of the host; the longer, more specific /docs prefixes win.
                new networkingv1.Ingress(
                    `${name}-docs-ingress`,
                    {
                        metadata: {
                            ...meta,
                            name: `${service.name}-docs`,
                            annotations: {
                                ...ingressAnnotations(ingress.clusterIssuer, ingress.annotations ?? {}),
                                ...ingress.docs.annotations,
                            },
                        },
                        spec: ingressSpec({ service, host: ingress.host, className: ingress.className, paths: ingress.docs.paths }),
                    },
                    { ...child, dependsOn: [svc] },
                );
            }
            url = pulumi.output(`https://${ingress.host}`);
        }

        this.deploymentName = deployment.metadata.name;
        this.clusterUrl = pulumi.interpolate`http://${svc.metadata.name}.${svc.metadata.namespace}.svc.cluster.local:${service.port}`;
        this.url = url;
        this.registerOutputs({ deploymentName: this.deploymentName, clusterUrl: this.clusterUrl, url: this.url });
    }
}
