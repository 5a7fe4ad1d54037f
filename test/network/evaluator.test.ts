/** The NetworkPolicy evaluator itself, on hand-written policies whose outcome Kubernetes' documentation states. */
import { address, pod, PolicyEvaluator, selectorMatches, type NetworkPolicyObject } from "../support/network-policy";

const np = (namespace: string, name: string, spec: NetworkPolicyObject["spec"]): NetworkPolicyObject => ({
    metadata: { name, namespace },
    spec,
});
const web = pod("app", { role: "web" }, [{ name: "http", port: 8080 }]);
const db = pod("app", { role: "db" });
const other = pod("other", { role: "web" });
const monitoring = pod("monitoring", { app: "prometheus" });

describe("the NetworkPolicy evaluator", () => {
    it("lets everything through when no policy selects either pod", () => {
        const e = new PolicyEvaluator([]);
        expect(e.allows(web, db, 5432)).toBe(true);
        expect(e.allows(web, address("203.0.113.9"), 443)).toBe(true);
    });

    it("denies all ingress and egress of a namespace under a default-deny, and leaves other namespaces open", () => {
        const e = new PolicyEvaluator([np("app", "deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] })]);
        expect(e.allows(web, db, 5432)).toBe(false);
        expect(e.egressAllows(web, address("203.0.113.9"), 443)).toBe(false);
        expect(e.ingressAllows(other, web, 8080)).toBe(false);
        expect(e.allows(other, monitoring, 9090)).toBe(true);
    });

    it("needs both the source's egress and the destination's ingress", () => {
        const deny = np("app", "deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        const webOut = np("app", "web-out", {
            podSelector: { matchLabels: { role: "web" } },
            policyTypes: ["Egress"],
            egress: [{ to: [{ podSelector: { matchLabels: { role: "db" } } }], ports: [{ port: 5432 }] }],
        });
        const dbIn = np("app", "db-in", {
            podSelector: { matchLabels: { role: "db" } },
            policyTypes: ["Ingress"],
            ingress: [{ from: [{ podSelector: { matchLabels: { role: "web" } } }], ports: [{ protocol: "TCP", port: 5432 }] }],
        });
        expect(new PolicyEvaluator([deny, webOut]).allows(web, db, 5432)).toBe(false);
        expect(new PolicyEvaluator([deny, dbIn]).allows(web, db, 5432)).toBe(false);
        const both = new PolicyEvaluator([deny, webOut, dbIn]);
        expect(both.allows(web, db, 5432)).toBe(true);
        expect(both.allows(web, db, 5433)).toBe(false);
        expect(both.allows(web, db, 5432, "UDP")).toBe(false);
        expect(both.allows(db, web, 8080)).toBe(false);
    });

    it("adds policies up: an allow in one policy is not taken away by another", () => {
        const a = np("app", "a", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ ports: [{ port: 80 }] }] });
        const b = np("app", "b", { podSelector: {}, policyTypes: ["Ingress"], ingress: [] });
        const e = new PolicyEvaluator([a, b]);
        expect(e.ingressAllows(other, web, 80)).toBe(true);
        expect(e.ingressAllows(other, web, 81)).toBe(false);
    });

    it("reads a podSelector alone as the policy's own namespace, and a namespaceSelector alone as every pod there", () => {
        const onlyPods = np("app", "p", {
            podSelector: { matchLabels: { role: "db" } },
            ingress: [{ from: [{ podSelector: { matchLabels: { role: "web" } } }] }],
        });
        expect(new PolicyEvaluator([onlyPods]).ingressAllows(web, db, 5432)).toBe(true);
        expect(new PolicyEvaluator([onlyPods]).ingressAllows(other, db, 5432)).toBe(false);

        const fromMonitoring = np("app", "n", {
            podSelector: {},
            ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }] }],
        });
        const e = new PolicyEvaluator([fromMonitoring]);
        expect(e.ingressAllows(monitoring, web, 9464)).toBe(true);
        expect(e.ingressAllows(pod("monitoring", { app: "grafana" }), web, 9464)).toBe(true);
        expect(e.ingressAllows(other, web, 9464)).toBe(false);
    });

    it("ANDs namespaceSelector and podSelector in one peer, and ORs separate peers", () => {
        const and = np("app", "and", {
            podSelector: {},
            ingress: [
                {
                    from: [
                        {
                            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
                            podSelector: { matchLabels: { app: "prometheus" } },
                        },
                    ],
                },
            ],
        });
        const e = new PolicyEvaluator([and]);
        expect(e.ingressAllows(monitoring, web, 1)).toBe(true);
        expect(e.ingressAllows(pod("monitoring", { app: "grafana" }), web, 1)).toBe(false);
        expect(e.ingressAllows(pod("app", { app: "prometheus" }), web, 1)).toBe(false);

        const or = np("app", "or", {
            podSelector: {},
            ingress: [
                {
                    from: [
                        { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } },
                        { podSelector: { matchLabels: { app: "prometheus" } } },
                    ],
                },
            ],
        });
        expect(new PolicyEvaluator([or]).ingressAllows(pod("app", { app: "prometheus" }), web, 1)).toBe(true);
        expect(new PolicyEvaluator([or]).ingressAllows(pod("monitoring", { app: "grafana" }), web, 1)).toBe(true);
    });

    it("uses extra namespace labels when a namespaceSelector asks for them", () => {
        const p = np("app", "team", {
            podSelector: {},
            ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "ops" } } }] }],
        });
        expect(new PolicyEvaluator([p], { other: { team: "ops" } }).ingressAllows(other, web, 1)).toBe(true);
        expect(new PolicyEvaluator([p]).ingressAllows(other, web, 1)).toBe(false);
    });

    it("matches ipBlocks on addresses, honouring except, and never on pods", () => {
        const p = np("app", "out", {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] } }], ports: [{ port: 443 }] }],
        });
        const e = new PolicyEvaluator([p]);
        expect(e.egressAllows(web, address("10.2.3.4"), 443)).toBe(true);
        expect(e.egressAllows(web, address("10.1.3.4"), 443)).toBe(false);
        expect(e.egressAllows(web, address("11.0.0.1"), 443)).toBe(false);
        expect(e.egressAllows(web, db, 443)).toBe(false);
    });

    it("matches port ranges with endPort, inclusive at both ends", () => {
        const p = np("app", "range", {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [{ ports: [{ protocol: "TCP", port: 32000, endPort: 32768 }] }],
        });
        const e = new PolicyEvaluator([p]);
        expect(e.egressAllows(web, address("192.0.2.1"), 31999)).toBe(false);
        expect(e.egressAllows(web, address("192.0.2.1"), 32000)).toBe(true);
        expect(e.egressAllows(web, address("192.0.2.1"), 32768)).toBe(true);
        expect(e.egressAllows(web, address("192.0.2.1"), 32769)).toBe(false);
    });

    it("resolves a named port on the destination pod's container ports", () => {
        const p = np("app", "named", { podSelector: { matchLabels: { role: "web" } }, ingress: [{ ports: [{ port: "http" }] }] });
        const e = new PolicyEvaluator([p]);
        expect(e.ingressAllows(db, web, 8080)).toBe(true);
        expect(e.ingressAllows(db, web, 8081)).toBe(false);
    });

    it("defaults policyTypes to Ingress, plus Egress only when egress rules exist", () => {
        const ingressOnly = np("app", "i", { podSelector: {}, ingress: [] });
        expect(new PolicyEvaluator([ingressOnly]).egressAllows(web, db, 1)).toBe(true);
        expect(new PolicyEvaluator([ingressOnly]).ingressAllows(db, web, 1)).toBe(false);
        const withEgress = np("app", "e", { podSelector: {}, egress: [{ ports: [{ port: 53, protocol: "UDP" }] }] });
        expect(new PolicyEvaluator([withEgress]).egressAllows(web, db, 53, "UDP")).toBe(true);
        expect(new PolicyEvaluator([withEgress]).egressAllows(web, db, 53, "TCP")).toBe(false);
    });

    it("evaluates matchExpressions operators", () => {
        const labels = { tier: "api", env: "prod" };
        expect(selectorMatches({ matchExpressions: [{ key: "tier", operator: "In", values: ["api", "web"] }] }, labels)).toBe(true);
        expect(selectorMatches({ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["api"] }] }, labels)).toBe(false);
        expect(selectorMatches({ matchExpressions: [{ key: "zone", operator: "NotIn", values: ["a"] }] }, labels)).toBe(true);
        expect(selectorMatches({ matchExpressions: [{ key: "env", operator: "Exists" }] }, labels)).toBe(true);
        expect(selectorMatches({ matchExpressions: [{ key: "env", operator: "DoesNotExist" }] }, labels)).toBe(false);
        expect(selectorMatches({}, labels)).toBe(true);
    });
});
