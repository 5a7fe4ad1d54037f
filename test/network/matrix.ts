/**
 * The matrix tests, run by each stack's test file on that stack's render
 * (one stack per jest file: the mock runtime is process-global).
 */
import type { Plan } from "../../tools/lib/plan";
import { k8sObject, ofType, runStack } from "../support/harness";
import { address, pod, type Address, type Endpoint } from "../support/network-policy";
import {
    METRICS,
    OUTSIDE,
    opensAllEgress,
    PEERS,
    platformPods,
    SERVICE_PORTS,
    SERVICES,
    stackNetwork,
    type StackNetwork,
} from "./matrix-assertions";

/** The DaemonSet of infra/logrotate. */
const NODE_LOG_ROTATION = "med-agi-logrotate";

/** What differs per stack, as literals. */
export interface MatrixFacts {
    readonly stack: "dev" | "staging" | "prod";
    /** dev: the CloudNativePG pods; cloud: an address in the VPC (RDS). */
    readonly database: { readonly kind: "in-cluster" } | { readonly kind: "external"; readonly address: string; readonly outside: string };
    /** dev: the SeaweedFS filer on its S3 port; cloud: an S3 address, the STS endpoint's address and a VPC address that is not STS, on 443. */
    readonly objectStore:
        | { readonly kind: "in-cluster"; readonly port: number }
        | { readonly kind: "aws"; readonly s3: string; readonly sts: string; readonly notSts: string };
    /** An address the API server answers at, and its port. */
    readonly apiServer: { readonly ip: string; readonly port: number };
    readonly pacs?: { readonly ip: string; readonly outsideIp: string; readonly port: number; readonly env: Record<string, string> };
    readonly siem?: { readonly ip: string; readonly port: number };
    /** An address of the OIDC issuer (inside network.oidcIssuerCidrs), when the stack sets oidc. */
    readonly oidc?: { readonly ip: string };
    readonly tritonGpu: boolean;
    /** Namespaces under default-deny ingress and egress. */
    readonly isolatedNamespaces: readonly string[];
}

/** The matrix tests on the render of `facts.stack`. */
export function matrixTests(facts: MatrixFacts): void {
    let rendered: Plan;
    const plan = () => rendered;
    let net: StackNetwork;
    beforeAll(async () => {
        rendered = await runStack(facts.stack);
        net = stackNetwork(rendered);
    });
    const w = (name: string) => {
        const found = net.workloads[name];
        if (found === undefined) throw new Error(`no workload ${name} in the ${facts.stack} render`);
        return found;
    };
    const inCluster = { postgres: facts.database.kind === "in-cluster", seaweedfs: facts.objectStore.kind === "in-cluster" };
    const objectStore = (): [Endpoint, number] =>
        facts.objectStore.kind === "in-cluster" ? [PEERS.seaweedfsFiler, facts.objectStore.port] : [address(facts.objectStore.s3), 443];
    const database = (): [Endpoint, number] =>
        facts.database.kind === "in-cluster" ? [PEERS.postgres, 5432] : [address(facts.database.address), 5432];
    const api: () => Address = () => address(facts.apiServer.ip);

    describe(`the ${facts.stack} network matrix`, () => {
        it("isolates each platform namespace with a default-deny of both ingress and egress", () => {
            for (const ns of facts.isolatedNamespaces) {
                const deny = net.policies.filter(
                    (p) =>
                        p.metadata.namespace === ns &&
                        Object.keys(p.spec.podSelector.matchLabels ?? {}).length === 0 &&
                        (p.spec.policyTypes ?? []).includes("Ingress") &&
                        (p.spec.policyTypes ?? []).includes("Egress") &&
                        (p.spec.ingress ?? []).length === 0 &&
                        (p.spec.egress ?? []).length === 0,
                );
                expect([ns, deny.length]).toEqual([ns, 1]);
            }
            expect(net.evaluator.allows(PEERS.intruder, PEERS.elasticsearch, 9200)).toBe(false);
            expect(net.evaluator.allows(PEERS.intruder, w("triton"), 8000)).toBe(false);
            expect(net.evaluator.allows(PEERS.intruderInPlatform, PEERS.opa, 8181)).toBe(false);
            expect(net.evaluator.allows(PEERS.intruderInPlatform, OUTSIDE.internet, 443)).toBe(false);
        });

        it("lets every pod resolve names at the cluster DNS on 53 UDP and TCP, and nowhere else on 53", () => {
            for (const [name, p] of platformPods(net, inCluster).filter(([n]) => n !== NODE_LOG_ROTATION)) {
                expect([name, net.evaluator.allows(p, PEERS.coredns, 53, "UDP")]).toEqual([name, true]);
                expect([name, net.evaluator.allows(p, PEERS.coredns, 53, "TCP")]).toEqual([name, true]);
                expect([name, net.evaluator.allows(p, address("8.8.8.8"), 53, "UDP")]).toEqual([name, false]);
            }
        });

        it("leaves the node log rotation without any network: it only rotates files on the node", () => {
            const logrotate = w(NODE_LOG_ROTATION);
            expect(net.evaluator.allows(logrotate, PEERS.coredns, 53, "UDP")).toBe(false);
            expect(net.evaluator.allows(logrotate, api(), facts.apiServer.port)).toBe(false);
            expect(net.evaluator.allows(PEERS.prometheus, logrotate, 9100)).toBe(false);
        });

        it("no policy allows all egress or any /0 block; the IdP is reached on 443 only, by oauth2-proxy and the services", () => {
            for (const p of net.policies) {
                for (const rule of p.spec.egress ?? []) expect([p.metadata.name, opensAllEgress(rule)]).toEqual([p.metadata.name, false]);
            }
            const wide = net.policies.filter((p) =>
                (p.spec.egress ?? []).some((r) => (r.to ?? []).some((peer) => peer.ipBlock?.cidr === "0.0.0.0/0")),
            );
            // Reviewed: receivers have no fixed addresses; the rule excludes the private and link-local ranges.
            expect(wide.map((p) => p.metadata.name)).toEqual(["alertmanager-receivers"]);
            for (const p of wide) {
                for (const rule of p.spec.egress ?? []) {
                    for (const peer of (rule.to ?? []).filter((x) => x.ipBlock?.cidr === "0.0.0.0/0")) {
                        expect(peer.ipBlock?.except).toEqual([
                            "10.0.0.0/8",
                            "172.16.0.0/12",
                            "192.168.0.0/16",
                            "169.254.0.0/16",
                            "100.64.0.0/10",
                        ]);
                        expect((rule.ports ?? []).map((x) => x.port)).toEqual([443]);
                    }
                }
            }
            const IDP = facts.oidc === undefined ? OUTSIDE.internet : address(facts.oidc.ip);
            for (const [name, p] of platformPods(net, inCluster)) {
                expect([name, net.evaluator.allows(p, OUTSIDE.metadata, 80)]).toEqual([name, false]);
                expect([name, net.evaluator.allows(p, OUTSIDE.internet, 443)]).toEqual([name, false]);
                const idp = net.evaluator.allows(p, IDP, 443);
                expect([name, idp]).toEqual([
                    name,
                    facts.oidc !== undefined && (name === "oauth2-proxy" || (SERVICES as readonly string[]).includes(name)),
                ]);
            }
            expect(net.evaluator.allows(PEERS.oauth2Proxy, IDP, 80)).toBe(false);
            expect(net.evaluator.allows(PEERS.oauth2Proxy, address("10.1.2.3"), 443)).toBe(false);
        });

        it("isolates monitoring: Prometheus scrapes and alerts, Alertmanager reaches its receivers, Grafana serves the ingress", () => {
            const alertmanager = pod("monitoring", {
                "app.kubernetes.io/name": "alertmanager",
                alertmanager: "kube-prometheus-stack-alertmanager",
            });
            const ksm = pod("monitoring", { "app.kubernetes.io/name": "kube-state-metrics" });
            const node = address(facts.apiServer.ip);
            expect(net.evaluator.allows(PEERS.prometheus, alertmanager, 9093)).toBe(true);
            expect(net.evaluator.allows(PEERS.prometheus, ksm, 8080)).toBe(true);
            expect(net.evaluator.allows(PEERS.grafana, PEERS.prometheus, 9090)).toBe(true);
            expect(net.evaluator.allows(PEERS.prometheus, node, 10250)).toBe(true);
            expect(net.evaluator.allows(PEERS.prometheus, node, 9100)).toBe(true);
            expect(net.evaluator.allows(PEERS.prometheus, OUTSIDE.internet, 443)).toBe(false);
            expect(net.evaluator.allows(alertmanager, OUTSIDE.internet, 443)).toBe(true);
            expect(net.evaluator.allows(alertmanager, OUTSIDE.internet, 80)).toBe(false);
            // A private address outside the API server's (in dev the API server's CIDRs are all private ranges).
            if (facts.stack !== "dev") expect(net.evaluator.allows(alertmanager, address("10.1.2.3"), 443)).toBe(false);
            expect(net.evaluator.allows(alertmanager, OUTSIDE.metadata, 80)).toBe(false);
            expect(net.evaluator.allows(PEERS.grafana, OUTSIDE.internet, 443)).toBe(false);
            expect(net.evaluator.allows(PEERS.ingressController, PEERS.grafana, 3000)).toBe(true);
            // Grafana's certificate: cert-manager's HTTP-01 solver pod runs beside it, reached through the controller only (staging/prod).
            const solver = pod("monitoring", { "acme.cert-manager.io/http01-solver": "true" });
            expect(net.evaluator.allows(PEERS.ingressController, solver, 8089)).toBe(facts.stack !== "dev");
            expect(net.evaluator.allows(PEERS.intruder, solver, 8089)).toBe(false);
            expect(net.evaluator.allows(PEERS.intruder, PEERS.grafana, 3000)).toBe(false);
            expect(net.evaluator.allows(PEERS.intruder, PEERS.prometheus, 9090)).toBe(false);
            expect(net.evaluator.allows(PEERS.intruderInPlatform, alertmanager, 9093)).toBe(false);
            if (facts.oidc !== undefined) expect(net.evaluator.allows(PEERS.grafana, address(facts.oidc.ip), 443)).toBe(true);
        });

        it("has no External Secrets policies: no stack deploys the operator", () => {
            expect(net.policies.filter((p) => p.metadata.namespace === "external-secrets").map((p) => p.metadata.name)).toEqual([]);
        });

        it("admits the ingress controller to each service's API port only, and to oauth2-proxy on 4180 where it runs", () => {
            for (const s of SERVICES) {
                expect([s, net.evaluator.allows(PEERS.ingressController, w(s), SERVICE_PORTS[s])]).toEqual([s, true]);
                expect([s, net.evaluator.allows(PEERS.ingressController, w(s), METRICS)]).toEqual([s, false]);
                expect([s, net.evaluator.allows(PEERS.intruder, w(s), SERVICE_PORTS[s])]).toEqual([s, false]);
            }
            // oauth2-proxy runs only with OIDC (staging, prod); without it nothing admits traffic to its labels.
            expect(net.evaluator.allows(PEERS.ingressController, PEERS.oauth2Proxy, 4180)).toBe(facts.oidc !== undefined);
            expect(net.evaluator.allows(PEERS.intruder, PEERS.oauth2Proxy, 4180)).toBe(false);
            expect(net.evaluator.allows(PEERS.ingressController, PEERS.elasticsearch, 9200)).toBe(false);
        });

        it("lets no service reach another service, on its API or its metrics port", () => {
            for (const a of SERVICES)
                for (const b of SERVICES) {
                    if (a === b) continue;
                    expect([a, b, net.evaluator.allows(w(a), w(b), SERVICE_PORTS[b])]).toEqual([a, b, false]);
                    expect([a, b, net.evaluator.allows(w(a), w(b), METRICS)]).toEqual([a, b, false]);
                }
        });

        it("lets the post-deploy smoke test reach each service's API port and nothing else", () => {
            const smoke = w("post-deploy-smoke");
            for (const s of SERVICES) {
                expect([s, net.evaluator.allows(smoke, w(s), SERVICE_PORTS[s])]).toEqual([s, true]);
                expect([s, net.evaluator.allows(smoke, w(s), METRICS)]).toEqual([s, false]);
            }
            expect(net.evaluator.allows(smoke, PEERS.elasticsearch, 9200)).toBe(false);
        });

        it("lets the Elasticsearch exporter and the index lifecycle Job reach Elasticsearch on 9200 and nothing else; Prometheus scrapes the exporter", () => {
            const exporter = pod("med-agi", {
                "app.kubernetes.io/name": "prometheus-elasticsearch-exporter",
                "app.kubernetes.io/instance": "elasticsearch-exporter",
            });
            const lifecycleName = Object.keys(net.workloads).find((n) => n.startsWith("search-lifecycle-"));
            expect(lifecycleName).toMatch(/^search-lifecycle-[0-9a-f]{10}$/);
            const lifecycle = w(lifecycleName!);
            for (const [name, client] of [
                ["exporter", exporter],
                ["lifecycle", lifecycle],
            ] as const) {
                expect([name, net.evaluator.allows(client, PEERS.elasticsearch, 9200)]).toEqual([name, true]);
                expect([name, net.evaluator.allows(client, PEERS.elasticsearch, 9300)]).toEqual([name, false]);
                expect([name, net.evaluator.allows(client, PEERS.opa, 8181)]).toEqual([name, false]);
                expect([name, net.evaluator.allows(client, OUTSIDE.internet, 443)]).toEqual([name, false]);
            }
            expect(net.evaluator.allows(PEERS.prometheus, exporter, 9108)).toBe(true);
            expect(net.evaluator.allows(PEERS.intruderInPlatform, exporter, 9108)).toBe(false);
            expect(net.evaluator.allows(PEERS.intruderInPlatform, PEERS.elasticsearch, 9200)).toBe(false);
        });

        it("lets Prometheus scrape the metrics ports, but not the API ports; Grafana scrapes nothing", () => {
            for (const s of SERVICES) {
                expect([s, net.evaluator.allows(PEERS.prometheus, w(s), METRICS)]).toEqual([s, true]);
                expect([s, net.evaluator.allows(PEERS.prometheus, w(s), SERVICE_PORTS[s])]).toEqual([s, false]);
                expect([s, net.evaluator.allows(PEERS.grafana, w(s), METRICS)]).toEqual([s, false]);
            }
            expect(net.evaluator.allows(PEERS.prometheus, w("triton"), 8002)).toBe(true);
            expect(net.evaluator.allows(PEERS.prometheus, w("triton"), 8000)).toBe(false);
            expect(net.evaluator.allows(PEERS.prometheus, PEERS.opa, 8181)).toBe(true);
            expect(net.evaluator.allows(PEERS.prometheus, PEERS.fluentBit, 2020)).toBe(true);
            if (inCluster.postgres) {
                expect(net.evaluator.allows(PEERS.prometheus, PEERS.postgres, 9187)).toBe(true);
                expect(net.evaluator.allows(PEERS.prometheus, PEERS.postgres, 5432)).toBe(false);
            }
        });

        it("lets each service reach Elasticsearch, OPA and the database, and not the object store", () => {
            const [db, dbPort] = database();
            const [store, storePort] = objectStore();
            for (const s of SERVICES) {
                expect([s, net.evaluator.allows(w(s), PEERS.elasticsearch, 9200)]).toEqual([s, true]);
                expect([s, net.evaluator.allows(w(s), PEERS.elasticsearch, 9300)]).toEqual([s, false]);
                expect([s, net.evaluator.allows(w(s), PEERS.opa, 8181)]).toEqual([s, true]);
                expect([s, net.evaluator.allows(w(s), db, dbPort)]).toEqual([s, true]);
                expect([s, net.evaluator.allows(w(s), store, storePort)]).toEqual([s, false]);
            }
            if (facts.database.kind === "external") {
                expect(net.evaluator.allows(w("ekg"), address(facts.database.address), 5433)).toBe(false);
                expect(net.evaluator.allows(w("ekg"), address(facts.database.outside), 5432)).toBe(false);
            }
        });

        it("lets only imaging reach Triton, on HTTP and gRPC", () => {
            const tritons = facts.tritonGpu ? [w("triton"), w("triton-cpu")] : [w("triton")];
            for (const t of tritons) {
                expect(net.evaluator.allows(w("imaging"), t, 8000)).toBe(true);
                expect(net.evaluator.allows(w("imaging"), t, 8001)).toBe(true);
                expect(net.evaluator.allows(w("imaging"), t, 8002)).toBe(false);
                for (const s of SERVICES.filter((x) => x !== "imaging")) {
                    expect([s, net.evaluator.allows(w(s), t, 8000)]).toEqual([s, false]);
                    expect([s, net.evaluator.allows(w(s), t, 8001)]).toEqual([s, false]);
                }
            }
        });

        it("lets Triton read the models from the object store, and reach nothing else", () => {
            const [store, port] = objectStore();
            expect(net.evaluator.allows(w("triton"), store, port)).toBe(true);
            expect(net.evaluator.allows(w("triton"), w("imaging"), SERVICE_PORTS.imaging)).toBe(false);
            expect(net.evaluator.allows(w("triton"), PEERS.elasticsearch, 9200)).toBe(false);
            if (facts.objectStore.kind === "aws") {
                // IRSA's token exchange reaches the STS endpoint's subnets, not the rest of the VPC on 443.
                for (const job of ["triton", "model-backup", "postgres-backup"]) {
                    expect([job, net.evaluator.allows(w(job), address(facts.objectStore.sts), 443)]).toEqual([job, true]);
                    expect([job, net.evaluator.allows(w(job), address(facts.objectStore.notSts), 443)]).toEqual([job, false]);
                }
            }
            if (facts.tritonGpu) {
                // The CPU pods' gate asks the GPU pods' readiness; the GPU pods never call the CPU pods.
                expect(net.evaluator.allows(w("triton-cpu"), w("triton"), 8000)).toBe(true);
                expect(net.evaluator.allows(w("triton"), w("triton-cpu"), 8000)).toBe(false);
            }
        });

        it("lets each backup job reach exactly the stores its script uses", () => {
            const [db, dbPort] = database();
            const [store, storePort] = objectStore();
            const needs: Record<string, [boolean, boolean, boolean]> = {
                "postgres-backup": [true, true, false],
                "model-backup": [false, true, false],
                "config-backup": [false, true, true],
                "restore-drill": [true, true, false],
                "postgres-restore": [true, true, false],
            };
            for (const [job, [toDb, toStore, toApi]] of Object.entries(needs)) {
                expect([job, net.evaluator.allows(w(job), db, dbPort)]).toEqual([job, toDb]);
                expect([job, net.evaluator.allows(w(job), store, storePort)]).toEqual([job, toStore]);
                // STS's interface endpoint has subnets of its own: HTTPS to it no longer reaches the API server.
                expect([job, net.evaluator.allows(w(job), api(), facts.apiServer.port)]).toEqual([job, toApi]);
                expect([job, net.evaluator.allows(w(job), api(), 6443)]).toEqual([job, toApi]);
                expect([job, net.evaluator.allows(w(job), PEERS.elasticsearch, 9200)]).toEqual([job, false]);
            }
        });

        it("lets the operators manage their stores and the API server call their webhooks", () => {
            expect(net.evaluator.allows(PEERS.eckOperator, PEERS.elasticsearch, 9200)).toBe(true);
            expect(net.evaluator.allows(PEERS.eckOperator, api(), facts.apiServer.port)).toBe(true);
            expect(net.evaluator.allows(api(), PEERS.eckOperator, 9443)).toBe(true);
            expect(net.evaluator.allows(OUTSIDE.internet, PEERS.eckOperator, 9443)).toBe(false);
            expect(net.evaluator.allows(PEERS.eckOperator, w("imaging"), SERVICE_PORTS.imaging)).toBe(false);
            expect(net.evaluator.allows(PEERS.elasticsearch, PEERS.elasticsearch, 9300)).toBe(true);
            if (inCluster.postgres) {
                expect(net.evaluator.allows(PEERS.cnpgOperator, PEERS.postgres, 8000)).toBe(true);
                expect(net.evaluator.allows(PEERS.cnpgOperator, PEERS.postgres, 5432)).toBe(false);
                expect(net.evaluator.allows(PEERS.postgres, api(), facts.apiServer.port)).toBe(true);
                expect(net.evaluator.allows(PEERS.postgres, PEERS.postgres, 5432)).toBe(true);
                expect(net.evaluator.allows(api(), PEERS.cnpgOperator, 9443)).toBe(true);
            }
        });

        it("lets Fluent Bit reach the API server and the SIEM collector only", () => {
            expect(net.evaluator.allows(PEERS.fluentBit, api(), facts.apiServer.port)).toBe(true);
            expect(net.evaluator.allows(PEERS.fluentBit, OUTSIDE.internet, 443)).toBe(false);
            expect(net.evaluator.allows(PEERS.fluentBit, PEERS.elasticsearch, 9200)).toBe(false);
            if (facts.siem !== undefined) {
                expect(net.evaluator.allows(PEERS.fluentBit, address(facts.siem.ip), facts.siem.port)).toBe(true);
                expect(net.evaluator.allows(PEERS.fluentBit, address(facts.siem.ip), 80)).toBe(false);
                expect(net.evaluator.allows(w("imaging"), address(facts.siem.ip), facts.siem.port)).toBe(false);
            }
        });

        if (facts.objectStore.kind === "aws") {
            it("enables the VPC CNI's network policy agent, so EKS enforces these policies", () => {
                const addon = ofType(plan(), "aws:eks/addon:Addon").filter((r) => r.inputs.addonName === "vpc-cni");
                expect(addon).toHaveLength(1);
                expect(JSON.parse(String(addon[0]?.inputs.configurationValues))).toEqual({ enableNetworkPolicy: "true" });
            });
        }

        const pacs = facts.pacs;
        if (pacs !== undefined) {
            it("lets imaging, and only imaging, talk DICOM to the PACS block and port", () => {
                expect(net.evaluator.allows(w("imaging"), address(pacs.ip), pacs.port)).toBe(true);
                expect(net.evaluator.allows(w("imaging"), address(pacs.ip), 104)).toBe(false);
                expect(net.evaluator.allows(w("imaging"), address(pacs.outsideIp), pacs.port)).toBe(false);
                for (const s of SERVICES.filter((x) => x !== "imaging"))
                    expect([s, net.evaluator.allows(w(s), address(pacs.ip), pacs.port)]).toEqual([s, false]);
                expect(net.evaluator.allows(w("triton"), address(pacs.ip), pacs.port)).toBe(false);
            });

            it("gives imaging the PACS host, port and AE titles from config", () => {
                const env = (
                    k8sObject(plan(), "Deployment", "imaging").spec.template.spec.containers[0].env as { name: string; value?: string }[]
                )
                    .filter((e) => e.name.startsWith("PACS_"))
                    .map((e) => [e.name, e.value]);
                expect(Object.fromEntries(env)).toEqual(pacs.env);
                const ekgEnv = k8sObject(plan(), "Deployment", "ekg").spec.template.spec.containers[0].env as { name: string }[];
                expect(ekgEnv.filter((e) => e.name.startsWith("PACS_"))).toEqual([]);
            });
        } else {
            it("has no PACS egress and no PACS env when no PACS is configured", () => {
                for (const ip of ["192.0.2.5", "10.0.0.5", "172.18.0.9", "93.184.216.34"])
                    expect([ip, net.evaluator.allows(w("imaging"), address(ip), 11112)]).toEqual([ip, false]);
                const ports = net.policies.flatMap((p) => (p.spec.egress ?? []).flatMap((r) => (r.ports ?? []).map((x) => x.port)));
                expect(ports).not.toContain(11112);
                const env = k8sObject(plan(), "Deployment", "imaging").spec.template.spec.containers[0].env as { name: string }[];
                expect(env.filter((e) => e.name.startsWith("PACS_"))).toEqual([]);
            });
        }
    });
}
