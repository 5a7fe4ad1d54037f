/**
 * An evaluator of rendered NetworkPolicies with the semantics of
 * networking.k8s.io/v1 (kubernetes.io/docs/concepts/services-networking/network-policies):
 *
 * - a connection passes when the source's egress AND the destination's ingress allow it;
 * - a pod selected by no policy of a direction is open in that direction;
 *   once selected, only the union of the rules of the policies that select it passes;
 * - `policyTypes` defaults to Ingress, plus Egress when the policy has egress rules;
 * - a rule without `from`/`to` matches every peer, without `ports` every port;
 * - a peer is a podSelector (pods of the policy's namespace), a namespaceSelector
 *   (every pod of the matching namespaces), both (matching pods in matching
 *   namespaces), or an ipBlock (an address in `cidr` and in no `except`);
 * - a port matches on protocol (default TCP) and number, a range up to `endPort`,
 *   or a name resolved on the destination pod's container ports.
 *
 * ipBlocks match endpoints given by address (outside the cluster); whether they
 * also match pod IPs is implementation-defined, and the platform never relies on it.
 * Traffic from the node (kubelet probes) and host-network pods are out of scope.
 * No npm package evaluates NetworkPolicies (searched: none found), hence this one.
 */
import { cidrContains } from "../../infra/network/cidr";

type Labels = Readonly<Record<string, string>>;
export type Protocol = "TCP" | "UDP" | "SCTP";

export interface LabelSelector {
    readonly matchLabels?: Labels;
    readonly matchExpressions?: readonly {
        key: string;
        operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
        values?: readonly string[];
    }[];
}

export interface PolicyPeer {
    readonly podSelector?: LabelSelector;
    readonly namespaceSelector?: LabelSelector;
    readonly ipBlock?: { readonly cidr: string; readonly except?: readonly string[] };
}

export interface PolicyPort {
    readonly protocol?: Protocol;
    readonly port?: number | string;
    readonly endPort?: number;
}

/** A NetworkPolicy as rendered (`metadata` and `spec` of the object). */
export interface NetworkPolicyObject {
    readonly metadata: { readonly name: string; readonly namespace: string };
    readonly spec: {
        readonly podSelector: LabelSelector;
        readonly policyTypes?: readonly ("Ingress" | "Egress")[];
        readonly ingress?: readonly { readonly from?: readonly PolicyPeer[]; readonly ports?: readonly PolicyPort[] }[];
        readonly egress?: readonly { readonly to?: readonly PolicyPeer[]; readonly ports?: readonly PolicyPort[] }[];
    };
}

/** A pod: where it runs, its labels, and its named container ports. */
export interface Pod {
    readonly kind: "pod";
    readonly namespace: string;
    readonly labels: Labels;
    readonly namedPorts?: readonly { readonly name: string; readonly port: number; readonly protocol?: Protocol }[];
}

/** An address outside the cluster (a database, S3, the PACS, the API server). */
export interface Address {
    readonly kind: "ip";
    readonly ip: string;
}

export type Endpoint = Pod | Address;

export const pod = (namespace: string, labels: Labels, namedPorts?: Pod["namedPorts"]): Pod => ({
    kind: "pod",
    namespace,
    labels,
    ...(namedPorts === undefined ? {} : { namedPorts }),
});
export const address = (ip: string): Address => ({ kind: "ip", ip });

/** Whether `selector` matches `labels` (an empty selector matches everything). */
export function selectorMatches(selector: LabelSelector, labels: Labels): boolean {
    for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
    for (const e of selector.matchExpressions ?? []) {
        const has = Object.prototype.hasOwnProperty.call(labels, e.key);
        const value = labels[e.key];
        switch (e.operator) {
            case "In":
                if (!has || !(e.values ?? []).includes(value as string)) return false;
                break;
            case "NotIn":
                if (has && (e.values ?? []).includes(value as string)) return false;
                break;
            case "Exists":
                if (!has) return false;
                break;
            case "DoesNotExist":
                if (has) return false;
                break;
            default:
                throw new Error(`unknown selector operator ${String((e as { operator: unknown }).operator)}`);
        }
    }
    return true;
}

function policyTypes(p: NetworkPolicyObject): readonly ("Ingress" | "Egress")[] {
    if (p.spec.policyTypes !== undefined && p.spec.policyTypes.length > 0) return p.spec.policyTypes;
    return (p.spec.egress ?? []).length > 0 ? ["Ingress", "Egress"] : ["Ingress"];
}

/** The evaluator over one cluster's policies and namespace labels. */
export class PolicyEvaluator {
    constructor(
        private readonly policies: readonly NetworkPolicyObject[],
        /** Labels of namespaces beyond `kubernetes.io/metadata.name`, which every namespace has. */
        private readonly namespaceLabels: Readonly<Record<string, Labels>> = {},
    ) {}

    private labelsOfNamespace(name: string): Labels {
        return { ...(this.namespaceLabels[name] ?? {}), "kubernetes.io/metadata.name": name };
    }

    /** The policies that select `p` for `direction`. */
    selecting(p: Pod, direction: "Ingress" | "Egress"): NetworkPolicyObject[] {
        return this.policies.filter(
            (policy) =>
                policy.metadata.namespace === p.namespace &&
                policyTypes(policy).includes(direction) &&
                selectorMatches(policy.spec.podSelector, p.labels),
        );
    }

    private peerMatches(peer: PolicyPeer, policyNamespace: string, other: Endpoint): boolean {
        if (peer.ipBlock !== undefined) {
            if (other.kind !== "ip") return false;
            const { cidr, except = [] } = peer.ipBlock;
            return cidrContains(cidr, other.ip) && !except.some((e) => cidrContains(e, other.ip));
        }
        if (other.kind !== "pod") return false;
        const namespaceOk =
            peer.namespaceSelector === undefined
                ? other.namespace === policyNamespace
                : selectorMatches(peer.namespaceSelector, this.labelsOfNamespace(other.namespace));
        const podOk = peer.podSelector === undefined || selectorMatches(peer.podSelector, other.labels);
        return namespaceOk && podOk;
    }

    private portMatches(rulePorts: readonly PolicyPort[] | undefined, destination: Endpoint, port: number, protocol: Protocol): boolean {
        if (rulePorts === undefined || rulePorts.length === 0) return true;
        return rulePorts.some((rp) => {
            if ((rp.protocol ?? "TCP") !== protocol) return false;
            if (rp.port === undefined) return true;
            if (typeof rp.port === "string") {
                if (destination.kind !== "pod") return false;
                return (destination.namedPorts ?? []).some(
                    (np) => np.name === rp.port && (np.protocol ?? "TCP") === protocol && np.port === port,
                );
            }
            return rp.endPort === undefined ? rp.port === port : port >= rp.port && port <= rp.endPort;
        });
    }

    /**
     * Whether `direction`'s policies pass the connection: those selecting the
     * source for Egress, the destination for Ingress (an address is selected by none).
     */
    private passes(direction: "Ingress" | "Egress", source: Endpoint, destination: Endpoint, port: number, protocol: Protocol): boolean {
        const [pod, peer] = direction === "Egress" ? [source, destination] : [destination, source];
        if (pod.kind !== "pod") return true;
        const selecting = this.selecting(pod, direction);
        if (selecting.length === 0) return true;
        return selecting.some((policy) => {
            const rules =
                direction === "Egress"
                    ? (policy.spec.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports }))
                    : (policy.spec.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports }));
            return rules.some(
                (rule) =>
                    (rule.peers === undefined ||
                        rule.peers.length === 0 ||
                        rule.peers.some((p) => this.peerMatches(p, policy.metadata.namespace, peer))) &&
                    this.portMatches(rule.ports, destination, port, protocol),
            );
        });
    }

    /** Whether `source`'s egress policies let it open `port`/`protocol` to `destination`. */
    egressAllows(source: Endpoint, destination: Endpoint, port: number, protocol: Protocol = "TCP"): boolean {
        return this.passes("Egress", source, destination, port, protocol);
    }

    /** Whether `destination`'s ingress policies admit `source` on `port`/`protocol`. */
    ingressAllows(source: Endpoint, destination: Endpoint, port: number, protocol: Protocol = "TCP"): boolean {
        return this.passes("Ingress", source, destination, port, protocol);
    }

    /** Whether the connection passes: both the source's egress and the destination's ingress. */
    allows(source: Endpoint, destination: Endpoint, port: number, protocol: Protocol = "TCP"): boolean {
        return this.egressAllows(source, destination, port, protocol) && this.ingressAllows(source, destination, port, protocol);
    }
}
