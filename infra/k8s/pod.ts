/**
 * The pod spec the platform's own workloads in the `med-agi` namespace (the
 * HTTP services and OPA) start from. Pure.
 */
import type * as k8s from "@pulumi/kubernetes";

import { restrictedPodSecurityContext } from "./security";

/** How pods spread over failure domains. */
export interface TopologySpreadPolicy {
    readonly zone: "ScheduleAnyway" | "DoNotSchedule";
    readonly node: "ScheduleAnyway" | "DoNotSchedule";
}

/** The built-in spread: prefer spreading over zones and nodes, never block scheduling. */
export const DEFAULT_TOPOLOGY_SPREAD = { zone: "ScheduleAnyway", node: "ScheduleAnyway" } as const satisfies TopologySpreadPolicy;

export interface RestrictedPodArgs {
    readonly serviceAccountName: string;
    /** The workload's selector labels: the topology spread counts the pods they match. */
    readonly selector: Record<string, string>;
    readonly imagePullSecrets: readonly string[];
    readonly topologySpread: TopologySpreadPolicy;
}

/**
 * The pod spec fields every platform workload shares: its own service account
 * with no token mounted, no service links, the restricted security context,
 * the pull secrets (only when there are any) and a spread over zones and
 * nodes. Callers add their containers and volumes. Pure.
 */
export function restrictedPodSpecBase(args: RestrictedPodArgs): Omit<k8s.types.input.core.v1.PodSpec, "containers"> {
    const spread = (
        topologyKey: string,
        whenUnsatisfiable: TopologySpreadPolicy["zone"],
    ): k8s.types.input.core.v1.TopologySpreadConstraint => ({
        maxSkew: 1,
        topologyKey,
        whenUnsatisfiable,
        labelSelector: { matchLabels: args.selector },
    });
    return {
        serviceAccountName: args.serviceAccountName,
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: restrictedPodSecurityContext(),
        ...(args.imagePullSecrets.length > 0 ? { imagePullSecrets: args.imagePullSecrets.map((name) => ({ name })) } : {}),
        topologySpreadConstraints: [
            spread("topology.kubernetes.io/zone", args.topologySpread.zone),
            spread("kubernetes.io/hostname", args.topologySpread.node),
        ],
    };
}
