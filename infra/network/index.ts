/**
 * Network isolation: the NetworkPolicies of {@link networkPolicies}
 * as Kubernetes objects. Thin: every rule is built and tested in `spec.ts`.
 *
 * Addresses the cloud layer only knows after `pulumi up` (S3's CIDR blocks)
 * arrive as outputs; the set of policies never depends on them, only the
 * rules inside do.
 */
import * as networkingv1 from "@pulumi/kubernetes/networking/v1";
import { Provider as KubernetesProvider } from "@pulumi/kubernetes/provider";
import * as pulumi from "@pulumi/pulumi";

import { PART_OF } from "../k8s/labels";
import { networkPolicies, type NetworkPlanArgs, type ObjectStorePlacement } from "./spec";

export * from "./cidr";
export * from "./config";
export * from "./pacs";
export * from "./spec";

export interface NetworkIsolationArgs {
    /** The plan's facts, with S3's CIDR blocks (AWS) possibly an output. */
    readonly plan: Omit<NetworkPlanArgs, "objectStore"> & {
        readonly objectStore:
            | Extract<ObjectStorePlacement, { kind: "in-cluster" }>
            | { readonly kind: "aws"; readonly s3Cidrs: pulumi.Input<string[]>; readonly stsCidrs: readonly string[] };
    };
    readonly provider: KubernetesProvider;
    /** Created first: the namespaces the policies live in (and the charts that create operator namespaces). @default [] */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export class NetworkIsolation extends pulumi.ComponentResource {
    /** `<namespace>/<name>` of every NetworkPolicy declared. */
    public readonly policyNames: readonly string[];

    constructor(name: string, args: NetworkIsolationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("med-agi:network:NetworkIsolation", name, {}, opts);
        const { objectStore, ...rest } = args.plan;
        const planFor = (s3Cidrs: readonly string[]): NetworkPlanArgs => ({
            ...rest,
            objectStore: objectStore.kind === "aws" ? { kind: "aws", s3Cidrs, stsCidrs: objectStore.stsCidrs } : objectStore,
        });
        // Which policies exist is decided on plain facts; only their rules wait for the S3 blocks.
        const shape = networkPolicies(planFor([]));
        const resolved = pulumi
            .output(objectStore.kind === "aws" ? objectStore.s3Cidrs : [])
            .apply((cidrs) => networkPolicies(planFor(cidrs)));
        this.policyNames = shape.map((p) => `${p.namespace}/${p.name}`);
        for (const p of shape) {
            const key = `${p.namespace}/${p.name}`;
            new networkingv1.NetworkPolicy(
                `${name}-${p.namespace}-${p.name}`,
                {
                    metadata: {
                        name: p.name,
                        namespace: p.namespace,
                        labels: { "app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/managed-by": "pulumi" },
                    },
                    spec: resolved.apply((all) => {
                        const found = all.find((q) => `${q.namespace}/${q.name}` === key);
                        if (found === undefined) throw new Error(`NetworkIsolation: policy ${key} vanished once S3's CIDRs were known`);
                        return found.spec;
                    }),
                },
                { parent: this, provider: args.provider, dependsOn: args.dependsOn ?? [] },
            );
        }
        this.registerOutputs({ policyNames: this.policyNames });
    }
}
