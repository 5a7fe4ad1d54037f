/**
 * No first `pulumi up` depends on an object made by hand:
 * every ConfigMap, Secret, ServiceAccount, StorageClass, IngressClass (and
 * its controller) and ClusterIssuer a workload, claim, chart or Ingress of a
 * committed stack refers to is created by the same stack, by one of its
 * ExternalSecrets, or by an operator it deploys (tools/lib/references.ts
 * names the patterns). dev may rely on what its local cluster brings, listed
 * in infra/k8s/local-cluster.ts. Reads the renders of the global setup.
 */
import { LOCAL_CLUSTER_PROVIDES } from "../../infra/k8s/local-cluster";
import type { Plan } from "../../tools/lib/plan";
import {
    controllersServed,
    operatorProvided,
    podReferences,
    provided,
    references,
    storageClassesIn,
    unresolved,
    type Provided,
} from "../../tools/lib/references";
import { runStack } from "../support/harness";

const STACKS = ["dev", "staging", "prod"] as const;
type Stack = (typeof STACKS)[number];

const plans = new Map<Stack, Plan>();
beforeAll(async () => {
    for (const s of STACKS) plans.set(s, await runStack(s));
});

function localCluster(stack: Stack): Provided[] {
    if (stack !== "dev") return [];
    const by = "the local cluster (infra/k8s/local-cluster.ts)";
    return [
        ...LOCAL_CLUSTER_PROVIDES.ingressClasses.map((name) => ({ kind: "IngressClass", namespace: undefined, name, by })),
        ...LOCAL_CLUSTER_PROVIDES.storageClasses.map((name) => ({ kind: "StorageClass", namespace: undefined, name, by })),
    ];
}

function missing(stack: Stack, kinds: readonly string[]): string[] {
    const plan = plans.get(stack)!;
    return unresolved(
        references(plan).filter((r) => kinds.includes(r.kind)),
        provided(plan, localCluster(stack)),
    );
}

describe("the resolver", () => {
    it("finds ConfigMaps and Secrets in volumes, env and envFrom, skipping optional ones, and the ServiceAccount", () => {
        const refs = podReferences("Deployment ns/x", "ns", {
            serviceAccountName: "x",
            volumes: [
                { name: "a", configMap: { name: "cm-a" } },
                { name: "b", configMap: { name: "cm-b", optional: true } },
                { name: "c", secret: { secretName: "sec-c" } },
                { name: "d", projected: { sources: [{ secret: { name: "sec-d" } }] } },
            ],
            containers: [
                {
                    name: "x",
                    env: [
                        { name: "E1", valueFrom: { secretKeyRef: { name: "sec-e", key: "k" } } },
                        { name: "E2", valueFrom: { configMapKeyRef: { name: "cm-e", key: "k", optional: true } } },
                    ],
                    envFrom: [{ secretRef: { name: "sec-f" } }, { configMapRef: { name: "cm-f" } }],
                },
            ],
        });
        expect(refs.map((r) => `${r.kind}/${r.name}`)).toEqual([
            "ServiceAccount/x",
            "ConfigMap/cm-a",
            "Secret/sec-c",
            "Secret/sec-d",
            "Secret/sec-e",
            "Secret/sec-f",
            "ConfigMap/cm-f",
        ]);
    });

    it("finds StorageClasses anywhere in chart values", () => {
        expect(
            storageClassesIn({ a: { storageClassName: "gp3" }, b: [{ persistence: { storageClass: "fast" } }], c: { storageClass: "" } }),
        ).toEqual([
            { name: "gp3", via: ".a.storageClassName" },
            { name: "fast", via: ".b[0].persistence.storageClass" },
        ]);
    });

    it("knows which IngressClass controllers a Traefik release serves from its values", () => {
        expect(controllersServed("traefik", {})).toEqual(["traefik.io/ingress-controller"]);
        expect(
            controllersServed("traefik", {
                providers: { kubernetesIngress: { enabled: false }, kubernetesIngressNGINX: { enabled: true } },
            }),
        ).toEqual(["k8s.io/ingress-nginx"]);
        expect(controllersServed("fluent-bit", {})).toEqual([]);
    });

    it("names what CloudNativePG, ECK and External Secrets create", () => {
        const res = (apiVersion: string, kind: string, spec: object = {}) => ({
            urn: "u",
            type: `kubernetes:${apiVersion}:${kind}`,
            name: "r",
            parent: null,
            protect: false,
            inputs: { apiVersion, kind, metadata: { name: "db", namespace: "ns" }, spec },
        });
        const names = (r: ReturnType<typeof res>) => operatorProvided(r).map((p) => p.name);
        expect(names(res("postgresql.cnpg.io/v1", "Cluster"))).toEqual(["db-app", "db-ca", "db-server", "db-replication"]);
        expect(names(res("elasticsearch.k8s.elastic.co/v1", "Elasticsearch"))).toEqual([
            "db-es-elastic-user",
            "db-es-http-certs-public",
            "db-es-http-ca-internal",
            "db-es-http-certs-internal",
        ]);
        expect(names(res("external-secrets.io/v1", "ExternalSecret", { target: { name: "copy" } }))).toEqual(["copy"]);
    });
});

describe.each(STACKS)("%s: every reference resolves", (stack) => {
    it("finds references to check (the render is read)", () => {
        expect(references(plans.get(stack)!).length).toBeGreaterThan(50);
    });

    it("creates every ServiceAccount its workloads run as", () => {
        expect(missing(stack, ["ServiceAccount"])).toEqual([]);
    });

    it("creates every Secret its workloads mount or read, or has an ExternalSecret or operator make it", () => {
        expect(missing(stack, ["Secret"])).toEqual([]);
    });

    it("creates every StorageClass its claims, custom resources and chart values name", () => {
        expect(missing(stack, ["StorageClass", "PersistentVolumeClaim"])).toEqual([]);
    });

    // staging/prod: rds-ca-bundle, mounted by six Deployments and five CronJobs, is the stack's own.
    it("creates every ConfigMap its workloads mount or read", () => {
        expect(missing(stack, ["ConfigMap"])).toEqual([]);
    });
});

// dev: the local cluster brings the nginx ingress class (infra/k8s/local-cluster.ts), and dev uses no issuer.
describe("dev: ingress", () => {
    it("refers only to the ingress class its local cluster brings, and to no ClusterIssuer", () => {
        expect(missing("dev", ["IngressClass", "IngressController", "ClusterIssuer"])).toEqual([]);
    });
});

// staging/prod: the stack deploys the controller (Traefik's NGINX provider serves class nginx) and cert-manager's ClusterIssuer.
describe.each(["staging", "prod"] as const)("%s: ingress", (stack) => {
    it("creates the IngressClass of its Ingresses and deploys the controller that serves it", () => {
        expect(missing(stack, ["IngressClass", "IngressController"])).toEqual([]);
    });

    it("creates the ClusterIssuer its Ingresses name", () => {
        expect(missing(stack, ["ClusterIssuer"])).toEqual([]);
    });
});
