/** The Prometheus Operator ServiceMonitor custom resource, as the services, OPA and Triton create it. */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

/** A Prometheus Operator ServiceMonitor (needs its CRDs: put the stack that installs them in `opts.dependsOn`). */
export function serviceMonitorResource(
    name: string,
    metadata: pulumi.Input<k8s.types.input.meta.v1.ObjectMeta>,
    spec: pulumi.Input<Record<string, unknown>>,
    opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(
        name,
        { apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata, spec },
        opts,
    );
}
