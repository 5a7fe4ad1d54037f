/**
 * The network matrix of docs/network.md, asserted on a stack's rendered
 * NetworkPolicies with the evaluator (test/support/network-policy.ts): every
 * allowed path exists and nothing broader. Pods of the program's own workloads
 * come from the plan (their template labels); pods the charts and operators
 * run are written here with the labels those projects give them.
 */
import type { Plan } from "../../tools/lib/plan";
import { k8sObjects } from "../support/harness";
import { address, pod, PolicyEvaluator, type Endpoint, type NetworkPolicyObject, type Pod } from "../support/network-policy";

/** The runbook's service ports, as literals. */
export const SERVICE_PORTS = { imaging: 8006, ekg: 8016, eval: 8005, anchor: 8007, modelcards: 8008, ops: 8010 } as const;
export type Service = keyof typeof SERVICE_PORTS;
export const SERVICES = Object.keys(SERVICE_PORTS) as Service[];
export const METRICS = 9464;

export interface StackNetwork {
    readonly policies: NetworkPolicyObject[];
    readonly evaluator: PolicyEvaluator;
    /** The program's own workloads by `metadata.name`. */
    readonly workloads: Readonly<Record<string, Pod>>;
}

/** The policies and pods of a rendered plan. */
export function stackNetwork(plan: Plan): StackNetwork {
    const policies = k8sObjects(plan, "NetworkPolicy") as NetworkPolicyObject[];
    const workloads: Record<string, Pod> = {};
    for (const kind of ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"]) {
        for (const o of k8sObjects(plan, kind)) {
            const template = kind === "CronJob" ? o.spec.jobTemplate.spec.template : o.spec.template;
            const ports = (template.spec.containers as { ports?: { name?: string; containerPort: number }[] }[]).flatMap((c) =>
                (c.ports ?? []).filter((p) => p.name !== undefined).map((p) => ({ name: p.name as string, port: p.containerPort })),
            );
            workloads[o.metadata.name as string] = pod(o.metadata.namespace as string, template.metadata.labels, ports);
        }
    }
    return { policies, evaluator: new PolicyEvaluator(policies), workloads };
}

/** Pods of charts and operators, with the labels their projects set (and the labels our components promise in infra/network/spec.ts). */
export const PEERS = {
    ingressController: pod("traefik", { "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": "traefik-traefik" }),
    prometheus: pod("monitoring", { "app.kubernetes.io/name": "prometheus", prometheus: "kube-prometheus-stack-prometheus" }),
    grafana: pod("monitoring", { "app.kubernetes.io/name": "grafana" }),
    coredns: pod("kube-system", { "k8s-app": "kube-dns" }),
    opa: pod("med-agi", { "app.kubernetes.io/name": "opa", "app.kubernetes.io/part-of": "med-agi" }),
    oauth2Proxy: pod("med-agi", { "app.kubernetes.io/name": "oauth2-proxy", "app.kubernetes.io/instance": "oauth2-proxy" }),
    postgres: pod("med-agi", { "cnpg.io/cluster": "med-agi-postgres", "cnpg.io/podRole": "instance" }),
    elasticsearch: pod("med-agi", {
        "elasticsearch.k8s.elastic.co/cluster-name": "med-agi-search",
        "common.k8s.elastic.co/type": "elasticsearch",
    }),
    seaweedfsFiler: pod("med-agi", { "app.kubernetes.io/name": "seaweedfs", "app.kubernetes.io/component": "filer" }),
    seaweedfsMaster: pod("med-agi", { "app.kubernetes.io/name": "seaweedfs", "app.kubernetes.io/component": "master" }),
    cnpgOperator: pod("cnpg-system", { "app.kubernetes.io/name": "cloudnative-pg" }),
    eckOperator: pod("elastic-system", { "control-plane": "elastic-operator" }),
    fluentBit: pod("logging", { "app.kubernetes.io/name": "fluent-bit" }),
    intruder: pod("default", { app: "intruder" }),
    intruderInPlatform: pod("med-agi", { app: "debug-shell" }),
} as const;

/** Addresses outside the cluster. */
export const OUTSIDE = {
    internet: address("93.184.216.34"),
    metadata: address("169.254.169.254"),
} as const;

/** Whether a NetworkPolicy egress rule opens every destination (no `to`, or a /0 block without exceptions). */
export function opensAllEgress(rule: { to?: readonly { ipBlock?: { cidr: string; except?: readonly string[] } }[] }): boolean {
    if (rule.to === undefined || rule.to.length === 0) return true;
    return rule.to.some((p) => p.ipBlock !== undefined && p.ipBlock.cidr.endsWith("/0") && (p.ipBlock.except ?? []).length === 0);
}

/** The pods of the platform's namespaces that the matrix covers. */
export function platformPods(net: StackNetwork, inCluster: { postgres: boolean; seaweedfs: boolean }): [string, Endpoint & Pod][] {
    return [
        ...Object.entries(net.workloads),
        ["opa", PEERS.opa],
        ["oauth2-proxy", PEERS.oauth2Proxy],
        ["elasticsearch", PEERS.elasticsearch],
        ["eck-operator", PEERS.eckOperator],
        ["fluent-bit", PEERS.fluentBit],
        ...(inCluster.postgres
            ? ([
                  ["postgres", PEERS.postgres],
                  ["cnpg-operator", PEERS.cnpgOperator],
              ] as [string, Pod][])
            : []),
        ...(inCluster.seaweedfs ? ([["seaweedfs-filer", PEERS.seaweedfsFiler]] as [string, Pod][]) : []),
    ];
}
