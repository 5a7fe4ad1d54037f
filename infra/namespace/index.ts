/**
 * The `med-agi` namespace, with Pod Security Admission `restricted` enforced:
 * every pod in it must run non-root, without privilege escalation, with all
 * capabilities dropped and a RuntimeDefault seccomp profile.
 */
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";

import { PART_OF } from "../k8s/labels";
import { podSecurityLabels } from "../k8s/security";

export interface PlatformNamespaceArgs {
    /** Namespace name (`med-agi`, as every runbook command uses it). */
    readonly name: string;
    /** Pod Security Admission level. @default "restricted" */
    readonly podSecurity?: "restricted" | "baseline" | "privileged";
}

/** The labels a platform namespace carries. */
export function namespaceLabels(podSecurity: "restricted" | "baseline" | "privileged"): Record<string, string> {
    return {
        ...podSecurityLabels(podSecurity),
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": "pulumi",
    };
}

export class PlatformNamespace extends pulumi.ComponentResource {
    /** The namespace name, known once the namespace exists (use it to order children after it). */
    public readonly name: pulumi.Output<string>;

    constructor(name: string, args: PlatformNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("med-agi:namespace:PlatformNamespace", name, {}, opts);
        const ns = new corev1.Namespace(
            `${name}-namespace`,
            { metadata: { name: args.name, labels: namespaceLabels(args.podSecurity ?? "restricted") } },
            { parent: this },
        );
        this.name = ns.metadata.name;
        this.registerOutputs({ name: this.name });
    }
}
