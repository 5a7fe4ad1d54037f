/**
 * Every object of every stack's kubernetes.yaml is valid against the schema
 * of the Kubernetes version the stack targets (staging and prod: their EKS
 * cluster's version; dev, any local cluster: every vendored version) or, for
 * custom resources, against the CRDs that the deployed charts install
 * (Prometheus Operator, CloudNativePG, ECK, External Secrets). Strict: unknown
 * fields fail, as with `kubectl apply` (field validation "Strict").
 *
 * The same rendered objects show that `/metrics` is not public: no Ingress of
 * any stack routes to a port that a ServiceMonitor scrapes, and every
 * ServiceMonitor still reaches a metrics port that the app is told about.
 */
import { INGRESS_CHARTS } from "../../infra/ingress/spec";

import { DATASTORE_CHARTS } from "../../infra/datastores/charts";
import { EXTERNAL_SECRETS_CHART } from "../../infra/identity/external-secrets";
import { CHARTS } from "../../infra/observability/charts";
import { kubernetesYaml } from "../../tools/lib/artifacts";
import type { Plan } from "../../tools/lib/plan";
import { runStack } from "../support/harness";
import { parseManifests } from "../support/manifest-yaml";
import {
    CRD_CHART_RANGE,
    CRD_OPERATOR_RELEASES,
    fixtureSha256,
    KUBERNETES_SCHEMAS,
    type KubernetesMinor,
    ManifestValidator,
    SCHEMA_FILES,
    UNVALIDATED_KINDS,
    type ObjectProblem,
} from "../support/manifest-schema";

type K8sObject = Record<string, any>;

const STACKS = ["dev", "staging", "prod"] as const;
const plans = new Map<string, Plan>();
const objects = new Map<string, K8sObject[]>();
/** The Kubernetes versions each stack is validated against. */
const targeted = new Map<string, KubernetesMinor[]>();
const validators = new Map<KubernetesMinor, ManifestValidator>();
const validatorFor = (version: KubernetesMinor): ManifestValidator => {
    let v = validators.get(version);
    if (v === undefined) validators.set(version, (v = new ManifestValidator(version)));
    return v;
};
/** The validator the strictness cases use: prod's. */
let validator: ManifestValidator;

/**
 * The Kubernetes minor versions a stack targets: the version of its EKS
 * cluster, or, without one (dev: any local cluster), every vendored version.
 */
function targetedVersions(stack: string, plan: Plan): KubernetesMinor[] {
    const clusters = [...new Set(plan.resources.filter((r) => r.type === "aws:eks/cluster:Cluster").map((r) => String(r.inputs.version)))];
    if (clusters.length === 0) return Object.keys(KUBERNETES_SCHEMAS) as KubernetesMinor[];
    for (const version of clusters) {
        if (!(version in KUBERNETES_SCHEMAS)) {
            throw new Error(
                `${stack} targets Kubernetes ${version}, which has no vendored schema: vendor kubernetes-v${version}.0.json (test/fixtures/schemas/SOURCES.md)`,
            );
        }
    }
    return clusters as KubernetesMinor[];
}

beforeAll(async () => {
    // The mock runtime is reset per run, so the three stacks render one after the other in this process.
    for (const stack of STACKS) {
        const plan = await runStack(stack);
        targeted.set(stack, targetedVersions(stack, plan));
        // A syntax error throws here, failing every case.
        plans.set(stack, plan);
        objects.set(stack, parseManifests(kubernetesYaml(plan)));
    }
    validator = validatorFor(targeted.get("prod")![0]!);
});

const first = (stack: string, kind: string): K8sObject => {
    const found = objects.get(stack)!.find((o) => o.kind === kind);
    if (found === undefined) throw new Error(`${stack} renders no ${kind}`);
    return structuredClone(found);
};
const problemsOf = (obj: K8sObject): ObjectProblem[] => validator.validate(obj) ?? [];

const RUNBOOK_SERVICES = ["imaging", "ekg", "eval", "anchor", "modelcards", "ops"];

describe("kubernetes.yaml against the schemas of the Kubernetes version each stack targets and of the CRDs it deploys", () => {
    it("validates staging and prod against the version their EKS cluster runs, and dev against every vendored version", () => {
        expect(Object.fromEntries(targeted)).toEqual({ dev: ["1.33", "1.35"], staging: ["1.35"], prod: ["1.35"] });
    });

    it.each(STACKS)("%s: every object is valid", (stack) => {
        const docs = objects.get(stack)!;
        for (const version of targeted.get(stack)!) {
            const v = validatorFor(version);
            const invalid = docs
                .map((o) => ({
                    object: `Kubernetes ${version}: ${o.kind} ${o.metadata?.namespace ?? ""}/${o.metadata?.name}`,
                    problems: v.validate(o),
                }))
                .filter((r) => r.problems === undefined || r.problems.length > 0);
            expect(invalid).toEqual([]);
            // Every object was checked against a schema (no kind is on the unvalidated list today).
            expect(docs.every((o) => v.has(o.apiVersion, o.kind))).toBe(true);
        }
        expect(docs.length).toBeGreaterThanOrEqual(40);
    });

    it("judges a field by the targeted version: a pod-spec field new in Kubernetes 1.35 fails against 1.33 and passes against 1.35", () => {
        const d = first("prod", "Deployment");
        d.spec.template.spec.hostnameOverride = "imaging-0";
        expect(validatorFor("1.33").validate(d)).toContainEqual({
            path: "/spec/template/spec",
            message: 'must NOT have additional properties "hostnameOverride"',
        });
        expect(validatorFor("1.35").validate(d)).toEqual([]);
    });

    it("refuses a stack whose cluster runs a version with no vendored schema, naming what to vendor", () => {
        const plan = structuredClone(plans.get("prod")!);
        const cluster = plan.resources.find((r) => r.type === "aws:eks/cluster:Cluster")!;
        cluster.inputs.version = "1.36";
        expect(() => targetedVersions("prod", plan)).toThrow(
            "prod targets Kubernetes 1.36, which has no vendored schema: vendor kubernetes-v1.36.0.json (test/fixtures/schemas/SOURCES.md)",
        );
    });

    it.each(STACKS)(
        "%s: the validated objects include Secrets, Deployments, Services, Ingresses, both Prometheus Operator kinds and Elasticsearch",
        (stack) => {
            const kinds = new Set(objects.get(stack)!.map((o) => o.kind));
            for (const kind of ["Secret", "Deployment", "Service", "Ingress", "PrometheusRule", "ServiceMonitor", "Elasticsearch"]) {
                expect(kinds).toContain(kind);
            }
        },
    );

    it("dev's in-cluster PostgreSQL is a CloudNativePG Cluster, validated like the rest", () => {
        expect(
            objects
                .get("dev")!
                .filter((o) => o.kind === "Cluster")
                .map((o) => o.apiVersion),
        ).toEqual(["postgresql.cnpg.io/v1"]);
    });

    it("lists no kind as unvalidated", () => {
        expect(UNVALIDATED_KINDS).toEqual({});
    });
});

describe("the validator is strict", () => {
    it("accepts the unmodified Deployment, Secret, PrometheusRule and ServiceMonitor it is then shown mutated", () => {
        for (const kind of ["Deployment", "Secret", "PrometheusRule", "ServiceMonitor"])
            expect(problemsOf(first("prod", kind))).toEqual([]);
    });

    it("rejects a misspelt field deep in a pod template", () => {
        const d = first("prod", "Deployment");
        d.spec.template.spec.containers[0].imagePullPolicyy = "Always";
        expect(problemsOf(d)).toContainEqual({
            path: "/spec/template/spec/containers/0",
            message: 'must NOT have additional properties "imagePullPolicyy"',
        });
    });

    it("rejects a string where an integer belongs, and an unknown top-level field", () => {
        const d = first("prod", "Deployment");
        d.spec.revisionHistoryLimit = "10";
        d.spex = {};
        expect(problemsOf(d)).toEqual(
            expect.arrayContaining([
                { path: "/spec/revisionHistoryLimit", message: "must be integer" },
                { path: "/", message: 'must NOT have additional properties "spex"' },
            ]),
        );
    });

    it("rejects a Service port given as a string and a container without its required name", () => {
        const svc = first("prod", "Service");
        svc.spec.ports[0].port = "8006";
        expect(problemsOf(svc)).toContainEqual({ path: "/spec/ports/0/port", message: "must be integer" });
        const d = first("dev", "Deployment");
        delete d.spec.template.spec.containers[0].name;
        expect(problemsOf(d)).toContainEqual({ path: "/spec/template/spec/containers/0", message: "must have required property 'name'" });
    });

    it("rejects a masked value left in a Secret's data, which must be base64", () => {
        const s = first("prod", "Secret");
        s.data = { token: "[secret]" };
        expect(problemsOf(s)).toContainEqual({ path: "/data/token", message: 'must match format "byte"' });
        s.data = { token: "c2VjcmV0" };
        expect(problemsOf(s)).toEqual([]);
    });

    it("rejects a Secret whose stringData is a single masked string instead of a map of keys", () => {
        const s = first("prod", "Secret");
        s.stringData = "[secret]";
        expect(problemsOf(s)).toContainEqual({ path: "/stringData", message: "must be object" });
    });

    it("checks ServiceMonitors against the CRD: a misspelt endpoint field and a bad scheme fail", () => {
        const sm = first("prod", "ServiceMonitor");
        sm.spec.endpoints[0].intervall = "30s";
        sm.spec.endpoints[0].scheme = "gopher";
        const problems = problemsOf(sm);
        expect(problems).toContainEqual({ path: "/spec/endpoints/0", message: 'must NOT have additional properties "intervall"' });
        expect(problems.some((p) => p.path === "/spec/endpoints/0/scheme")).toBe(true);
    });

    it("checks PrometheusRules against the CRD: a misspelt rule field and a list where the groups' name belongs fail", () => {
        const rule = first("prod", "PrometheusRule");
        rule.spec.groups[0].rules[0].alertt = "x";
        rule.spec.groups[0].name = ["a"];
        const problems = problemsOf(rule);
        expect(problems).toContainEqual({ path: "/spec/groups/0/rules/0", message: 'must NOT have additional properties "alertt"' });
        expect(problems).toContainEqual({ path: "/spec/groups/0/name", message: "must be string" });
    });

    it("checks a custom resource's metadata as a Kubernetes ObjectMeta", () => {
        const sm = first("prod", "ServiceMonitor");
        sm.metadata.labelz = { a: "b" };
        sm.metadata.labels = { a: 1 };
        const problems = problemsOf(sm);
        expect(problems).toContainEqual({ path: "/metadata", message: 'must NOT have additional properties "labelz"' });
        expect(problems).toContainEqual({ path: "/metadata/labels/a", message: "must be string" });
    });

    it("checks the CloudNativePG Cluster against its CRD: a misspelt field, a string instance count and a bad quantity fail", () => {
        const cluster = first("dev", "Cluster");
        expect(problemsOf(cluster)).toEqual([]);
        cluster.spec.instancess = 2;
        cluster.spec.instances = "1";
        // storage.size is a plain string in the CRD (the operator parses it); resources are Kubernetes Quantities.
        cluster.spec.resources.limits.memory = "1GB";
        cluster.spec.bootstrap.initdb.ownr = "medagi";
        const problems = problemsOf(cluster);
        expect(problems).toContainEqual({ path: "/spec", message: 'must NOT have additional properties "instancess"' });
        expect(problems).toContainEqual({ path: "/spec/instances", message: "must be integer" });
        expect(problems.some((p) => p.path === "/spec/resources/limits/memory" && p.message.startsWith("must match pattern"))).toBe(true);
        expect(problems).toContainEqual({ path: "/spec/bootstrap/initdb", message: 'must NOT have additional properties "ownr"' });
    });

    it("checks the ECK Elasticsearch against its CRD, down into the nodeSet's pod template", () => {
        const es = first("prod", "Elasticsearch");
        expect(problemsOf(es)).toEqual([]);
        es.spec.nodeSets[0].count = "3";
        es.spec.nodeSets[0].podTemplate.spec.containers[0].resorces = {};
        es.spec.nodeSets[0].volumeClaimTemplates[0].spec.accessModes = "ReadWriteOnce";
        es.spec.versionn = "9.4.3";
        const problems = problemsOf(es);
        expect(problems).toContainEqual({ path: "/spec/nodeSets/0/count", message: "must be integer" });
        expect(problems).toContainEqual({
            path: "/spec/nodeSets/0/podTemplate/spec/containers/0",
            message: 'must NOT have additional properties "resorces"',
        });
        expect(problems).toContainEqual({ path: "/spec/nodeSets/0/volumeClaimTemplates/0/spec/accessModes", message: "must be array" });
        expect(problems).toContainEqual({ path: "/spec", message: 'must NOT have additional properties "versionn"' });
    });

    it("judges each field by its own pattern (a Quantity is not a duration, nor the reverse)", () => {
        // ajv caches patterns by their printed form: a regExp object without its own toString made every pattern the first one compiled.
        const sm = first("prod", "ServiceMonitor");
        sm.spec.endpoints[0].interval = "4Gi";
        expect(problemsOf(sm).map((p) => p.path)).toEqual(["/spec/endpoints/0/interval"]);
        sm.spec.endpoints[0].interval = "1m30s";
        expect(problemsOf(sm)).toEqual([]);
        const es = first("prod", "Elasticsearch");
        const resources = es.spec.nodeSets[0].podTemplate.spec.containers[0].resources;
        resources.limits.memory = "30s";
        expect(problemsOf(es).map((p) => p.path)).toEqual(["/spec/nodeSets/0/podTemplate/spec/containers/0/resources/limits/memory"]);
        resources.limits.memory = "1.5Gi";
        expect(problemsOf(es)).toEqual([]);
    });

    it("refuses a kind it has no schema for, rather than passing it", () => {
        expect(() => validator.validate({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } })).toThrow(
            "no schema for example.com/v1 Widget",
        );
        // A removed API version is no schema either: autoscaling/v2beta2 went in Kubernetes 1.26.
        expect(() => validator.validate({ ...first("prod", "HorizontalPodAutoscaler"), apiVersion: "autoscaling/v2beta2" })).toThrow(
            "no schema for autoscaling/v2beta2 HorizontalPodAutoscaler",
        );
    });
});

describe("the vendored schemas", () => {
    it("are the CRDs of the operator releases the stacks deploy (cloudnative-pg 0.29.0, ECK 3.5.0, External Secrets 2.9.0, cert-manager v1.21.1)", () => {
        expect(CRD_OPERATOR_RELEASES).toEqual({
            "cloudnative-pg": "0.29.0",
            "eck-operator": "3.5.0",
            "external-secrets": "2.9.0",
            "cert-manager": "v1.21.1",
        });
        expect(EXTERNAL_SECRETS_CHART.version).toBe(CRD_OPERATOR_RELEASES["external-secrets"]);
        expect(INGRESS_CHARTS.certManager.version).toBe(CRD_OPERATOR_RELEASES["cert-manager"]);
        expect(DATASTORE_CHARTS.cloudnativePg.version).toBe(CRD_OPERATOR_RELEASES["cloudnative-pg"]);
        expect(DATASTORE_CHARTS.eckOperator.version).toBe(CRD_OPERATOR_RELEASES["eck-operator"]);
        const deployed = [...plans.values()].flatMap((plan) =>
            plan.resources
                .filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && String(r.inputs.chart) in CRD_OPERATOR_RELEASES)
                .map((r) => ({ chart: String(r.inputs.chart), version: String(r.inputs.version) })),
        );
        // dev deploys both data-store operators; staging and prod ECK (their PostgreSQL is RDS) and cert-manager. No stack
        // deploys External Secrets since its only ExternalSecret (rds-master) went; its CRDs stay
        // vendored for the Identity component's externalSecrets option.
        expect(new Set(deployed.map((d) => d.chart))).toEqual(
            new Set(Object.keys(CRD_OPERATOR_RELEASES).filter((chart) => chart !== "external-secrets")),
        );
        // Another release ships other CRDs: vendor them from it (test/fixtures/schemas/SOURCES.md).
        for (const d of deployed) expect(d).toEqual({ chart: d.chart, version: CRD_OPERATOR_RELEASES[d.chart] });
    });

    it("are the recorded upstream files, unedited", () => {
        for (const { file, sha256 } of Object.values(SCHEMA_FILES)) expect(fixtureSha256(file)).toBe(sha256);
    });

    it("match the Prometheus Operator CRDs of the kube-prometheus-stack release every stack deploys", () => {
        const semver = (v: string) => v.split(".").map(Number) as [number, number, number];
        const cmp = (a: string, b: string) => {
            const [x, y] = [semver(a), semver(b)];
            return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
        };
        const versions: string[] = [CHARTS.kubePrometheusStack.version];
        for (const plan of plans.values()) {
            const release = plan.resources.find(
                (r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === CRD_CHART_RANGE.chart,
            );
            expect(release).toBeDefined();
            versions.push(String(release!.inputs.version));
        }
        for (const version of versions) {
            // Outside this range the chart ships other CRDs: vendor them from that release (test/fixtures/schemas/SOURCES.md).
            expect({ version, inRange: cmp(version, CRD_CHART_RANGE.from) >= 0 && cmp(version, CRD_CHART_RANGE.to) <= 0 }).toEqual({
                version,
                inRange: true,
            });
        }
    });
});

/** A container port as a Service/Ingress reference reaches it: `namespace/service:servicePort → container port`. */
interface Reached {
    readonly service: string;
    readonly servicePort: number;
    readonly containerPort: number | undefined;
    readonly container: K8sObject | undefined;
}

const matches = (labels: Record<string, string> | undefined, selector: Record<string, string>) =>
    Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/** Follows a Service port (by name or number) to the container port of the Deployments it selects. */
function reach(
    docs: K8sObject[],
    namespace: string,
    serviceName: string,
    port: { name?: string; number?: number } | string | number,
): Reached[] {
    const svc = docs.find((o) => o.kind === "Service" && o.metadata.name === serviceName && o.metadata.namespace === namespace);
    if (svc === undefined) throw new Error(`no Service ${namespace}/${serviceName}`);
    const wanted = typeof port === "object" ? (port.name ?? port.number) : port;
    const sp = (svc.spec.ports as K8sObject[]).find((p) => p.name === wanted || p.port === wanted);
    if (sp === undefined) throw new Error(`Service ${namespace}/${serviceName} has no port ${String(wanted)}`);
    const pods = docs.filter(
        (o) =>
            ["Deployment", "StatefulSet", "DaemonSet"].includes(o.kind) &&
            o.metadata.namespace === namespace &&
            matches(o.spec.template.metadata.labels, svc.spec.selector),
    );
    if (pods.length === 0) throw new Error(`Service ${namespace}/${serviceName} selects no workload`);
    return pods.flatMap((w) =>
        (w.spec.template.spec.containers as K8sObject[]).flatMap((c) => {
            const cp = ((c.ports ?? []) as K8sObject[]).find((p) => p.name === sp.targetPort || p.containerPort === sp.targetPort);
            return cp === undefined
                ? []
                : [
                      {
                          service: `${namespace}/${serviceName}`,
                          servicePort: sp.port as number,
                          containerPort: cp.containerPort as number,
                          container: c,
                      },
                  ];
        }),
    );
}

/** What every ServiceMonitor scrapes: the Service ports and container ports behind its endpoints. */
function scraped(docs: K8sObject[]): (Reached & { path: string; monitor: string })[] {
    return docs
        .filter((o) => o.kind === "ServiceMonitor")
        .flatMap((sm) => {
            const namespaces: string[] = sm.spec.namespaceSelector?.matchNames ?? [sm.metadata.namespace];
            const services = docs.filter(
                (o) =>
                    o.kind === "Service" &&
                    namespaces.includes(o.metadata.namespace) &&
                    matches(o.metadata.labels, sm.spec.selector.matchLabels),
            );
            if (services.length === 0) throw new Error(`ServiceMonitor ${sm.metadata.name} selects no Service`);
            return (sm.spec.endpoints as K8sObject[]).flatMap((ep) =>
                services.flatMap((svc) =>
                    reach(docs, svc.metadata.namespace, svc.metadata.name, ep.port).map((r) => ({
                        ...r,
                        path: ep.path ?? "/metrics",
                        monitor: sm.metadata.name,
                    })),
                ),
            );
        });
}

/**
 * Services made by a Helm release (not in kubernetes.yaml) that our Ingresses
 * route to: oauth2-proxy serves HTTP on 4180 and its metrics on 44180, a port
 * of its own (chart oauth2-proxy 10.7.0 `metrics.port`).
 */
const CHART_SERVICES: Readonly<Record<string, { httpPort: number }>> = { "med-agi/oauth2-proxy": { httpPort: 4180 } };

/** Everything any Ingress routes to. */
function routed(docs: K8sObject[]): (Reached & { host: string; path: string })[] {
    return docs
        .filter((o) => o.kind === "Ingress")
        .flatMap((ing) => {
            const backends: { host: string; path: string; backend: K8sObject }[] = [
                ...(ing.spec.defaultBackend === undefined ? [] : [{ host: "*", path: "/", backend: ing.spec.defaultBackend }]),
                ...((ing.spec.rules ?? []) as K8sObject[]).flatMap((rule) =>
                    ((rule.http?.paths ?? []) as K8sObject[]).map((p) => ({
                        host: rule.host ?? "*",
                        path: p.path ?? "/",
                        backend: p.backend,
                    })),
                ),
            ];
            return backends.flatMap(({ host, path, backend }) => {
                if (backend.service === undefined) throw new Error(`Ingress ${ing.metadata.name}: a non-Service backend; extend this test`);
                const chart = CHART_SERVICES[`${ing.metadata.namespace}/${backend.service.name}`];
                if (chart !== undefined) {
                    // A chart's Service (not rendered): the route must name its HTTP port, never its metrics port.
                    if (backend.service.port.number !== chart.httpPort)
                        throw new Error(`Ingress ${ing.metadata.name}: not the chart's HTTP port`);
                    return [];
                }
                return reach(docs, ing.metadata.namespace, backend.service.name, backend.service.port).map((r) => ({ ...r, host, path }));
            });
        });
}

/** Ingress routes that land on a port some ServiceMonitor scrapes (empty: /metrics is not public). */
function publicMetrics(docs: K8sObject[]): string[] {
    const scrapedPorts = scraped(docs);
    return routed(docs)
        .filter((r) =>
            scrapedPorts.some((s) => s.service === r.service && (s.servicePort === r.servicePort || s.containerPort === r.containerPort)),
        )
        .map(
            (r) =>
                `https://${r.host}${r.path} → ${r.service}:${r.servicePort} (container ${String(r.containerPort)}), which Prometheus scrapes`,
        );
}

describe("/metrics is not public", () => {
    it.each(STACKS)("%s: no Ingress routes to a port that a ServiceMonitor scrapes", (stack) => {
        const docs = objects.get(stack)!;
        expect(publicMetrics(docs)).toEqual([]);
        // Non-vacuous: all six runbook services are routed from outside (dev, staging and prod all configure an Ingress).
        expect(new Set(routed(docs).map((r) => r.service)).size).toBe(6);
    });

    it.each(STACKS)("%s: every ServiceMonitor still scrapes /metrics on the port the app is told to serve it on", (stack) => {
        const docs = objects.get(stack)!;
        const targets = scraped(docs);
        expect(new Set(targets.map((t) => t.monitor))).toEqual(
            new Set(docs.filter((o) => o.kind === "ServiceMonitor").map((o) => o.metadata.name)),
        );
        const isRunbookService = (t: (typeof targets)[number]) => RUNBOOK_SERVICES.includes(t.container!.name);
        // The six services serve metrics where the app is told to; Triton on its own metrics port, 8002; OPA on its API port, 8181.
        expect(
            targets
                .filter(isRunbookService)
                .map((t) => t.container!.name)
                .sort(),
        ).toEqual([...RUNBOOK_SERVICES].sort());
        for (const t of targets) {
            expect(t.path).toBe("/metrics");
            if (isRunbookService(t)) {
                expect(t.containerPort).toBe(9464);
                expect(t.container!.env).toContainEqual({ name: "METRICS_PORT", value: "9464" });
            } else if (t.container!.name === "opa") {
                expect(t.containerPort).toBe(8181);
            } else {
                expect(t.container!.name).toBe("triton");
                expect(t.containerPort).toBe(8002);
            }
        }
    });

    it("would report an Ingress routed to the metrics port, by name or by number", () => {
        const docs = structuredClone(objects.get("prod")!);
        const ingresses = docs.filter((o) => o.kind === "Ingress" && RUNBOOK_SERVICES.includes(o.metadata.name));
        ingresses[0]!.spec.rules[0].http.paths.push({
            path: "/metrics",
            pathType: "Exact",
            backend: { service: { name: ingresses[0]!.metadata.name, port: { name: "metrics" } } },
        });
        ingresses[1]!.spec.rules[0].http.paths[0].backend.service.port = { number: 9464 };
        expect(publicMetrics(docs)).toEqual([
            `https://${ingresses[0]!.spec.rules[0].host}/metrics → med-agi/${ingresses[0]!.metadata.name}:9464 (container 9464), which Prometheus scrapes`,
            `https://${ingresses[1]!.spec.rules[0].host}/ → med-agi/${ingresses[1]!.metadata.name}:9464 (container 9464), which Prometheus scrapes`,
        ]);
    });

    it("would report the old layout, where the Ingress and the ServiceMonitor shared the http port", () => {
        const docs = structuredClone(objects.get("staging")!);
        for (const sm of docs.filter((o) => o.kind === "ServiceMonitor" && RUNBOOK_SERVICES.includes(o.metadata.name))) {
            sm.spec.endpoints[0].port = "http";
        }
        // Each service: its API Ingress (`/`) and its docs Ingress (/docs, /redoc, /openapi.json behind oauth2-proxy).
        expect(publicMetrics(docs)).toHaveLength(6 * 4);
    });
});
