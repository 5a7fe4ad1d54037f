/**
 * The ingress path of staging and prod: Traefik (its NGINX provider serves
 * the stack's class-`nginx` Ingresses and their ingress-nginx annotations),
 * the IngressClass, cert-manager and the ClusterIssuer the Ingresses name.
 * dev relies on the controller its local cluster brings
 * (infra/k8s/local-cluster.ts).
 *
 *     new IngressPath("ingress", { className: "nginx", replicas: 2, clusterIssuer: { name, email } }, { provider });
 */
import * as apiextensions from "@pulumi/kubernetes/apiextensions";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import { Release as HelmRelease } from "@pulumi/kubernetes/helm/v3/release";
import * as networkingv1 from "@pulumi/kubernetes/networking/v1";
import * as pulumi from "@pulumi/pulumi";

import { podSecurityLabels } from "../k8s/security";
import { certManagerValues, clusterIssuerSpec, INGRESS_CHARTS, INGRESS_NAMESPACES, ingressClassSpec, traefikValues } from "./spec";

export * from "./spec";
export * from "./config";

export interface IngressPathArgs {
    /** The IngressClass the stack's Ingresses name (`ingress.className`). */
    readonly className: string;
    /** Controller replicas. */
    readonly replicas: number;
    /** The ClusterIssuer the Ingresses name, and its ACME account address; unset: no cert-manager. @default none */
    readonly clusterIssuer?: { readonly name: string; readonly email: string };
    /** Keep the releases on `pulumi destroy` of a protected stack. @default false */
    readonly protect?: boolean;
}

export class IngressPath extends pulumi.ComponentResource {
    /** What Ingresses wait on: the controller and the ClusterIssuer. */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: IngressPathArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("med-agi:ingress:IngressPath", name, {}, opts);
        const child = { parent: this };
        const labels = { "app.kubernetes.io/part-of": "med-agi" };

        // Traefik binds unprivileged ports as a non-root user: the restricted Pod Security level holds.
        const controllerNs = new corev1.Namespace(
            `${name}-controller-namespace`,
            { metadata: { name: INGRESS_NAMESPACES.controller, labels: { ...labels, ...podSecurityLabels("restricted") } } },
            child,
        );
        const controller = new HelmRelease(
            `${name}-traefik`,
            {
                name: INGRESS_CHARTS.traefik.chart,
                namespace: INGRESS_NAMESPACES.controller,
                chart: INGRESS_CHARTS.traefik.chart,
                version: INGRESS_CHARTS.traefik.version,
                repositoryOpts: { repo: INGRESS_CHARTS.traefik.repo },
                values: traefikValues({ className: args.className, replicas: args.replicas }),
            },
            { ...child, dependsOn: [controllerNs], protect: args.protect ?? false },
        );
        const ingressClass = new networkingv1.IngressClass(
            `${name}-class`,
            { metadata: { name: args.className, labels }, spec: ingressClassSpec() },
            { ...child, dependsOn: [controller] },
        );
        this.ready = [controller, ingressClass];

        if (args.clusterIssuer !== undefined) {
            const certNs = new corev1.Namespace(
                `${name}-cert-manager-namespace`,
                { metadata: { name: INGRESS_NAMESPACES.certManager, labels: { ...labels, ...podSecurityLabels("restricted") } } },
                child,
            );
            const certManager = new HelmRelease(
                `${name}-cert-manager`,
                {
                    name: INGRESS_CHARTS.certManager.chart,
                    namespace: INGRESS_NAMESPACES.certManager,
                    chart: INGRESS_CHARTS.certManager.chart,
                    version: INGRESS_CHARTS.certManager.version,
                    repositoryOpts: { repo: INGRESS_CHARTS.certManager.repo },
                    values: certManagerValues(),
                },
                { ...child, dependsOn: [certNs], protect: args.protect ?? false },
            );
            const issuer = new apiextensions.CustomResource(
                `${name}-cluster-issuer`,
                {
                    apiVersion: "cert-manager.io/v1",
                    kind: "ClusterIssuer",
                    metadata: { name: args.clusterIssuer.name, labels },
                    spec: clusterIssuerSpec({ ...args.clusterIssuer, className: args.className }),
                },
                { ...child, dependsOn: [certManager, ingressClass] },
            );
            this.ready.push(certManager, issuer);
        }
        this.registerOutputs({});
    }
}
