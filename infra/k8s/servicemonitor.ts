/** The Prometheus Operator ServiceMonitor custom resource, as the services, OPA and Triton create it. */
import type * as k8s from "@pulumi/kubernetes";
import * as apiextensions from "@pulumi/kubernetes/apiextensions";
import type * as pulumi from "@pulumi/pulumi";

/** A Prometheus Operator ServiceMonitor (needs its CRDs: put the stack that installs them in `opts.dependsOn`). */
export function serviceMonitorResource(
    name: string,
    metadata: pulumi.Input<k8s.types.input.meta.v1.ObjectMeta>,
    spec: pulumi.Input<Record<string, unknown>>,
    opts: pulumi.CustomResourceOptions,
): apiextensions.CustomResource {
    return new apiextensions.CustomResource(name, { apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata, spec }, opts);
}
