/**
 * The data stores as each stack declares them (the shared renders of dev and
 * prod): least-privilege roles and grants, where PostgreSQL runs, and what is
 * protected in prod. The privileges themselves are proven on a real server in
 * privileges-pg.test.ts, and how Pulumi's own connection verifies the server
 * (which needs prod run with a `caFile`) in ca-bundle.test.ts.
 */
import type { Plan } from "../../tools/lib/plan";
import { ofType, runStack } from "../support/harness";

const SERVICES = ["imaging", "ekg", "eval", "anchor", "modelcards", "ops"];
const plans: Record<"dev" | "prod", Plan> = {} as Record<"dev" | "prod", Plan>;
beforeAll(async () => {
    plans.dev = await runStack("dev");
    plans.prod = await runStack("prod");
});

const inputs = (plan: Plan, type: string) => ofType(plan, type).map((r) => r.inputs as Record<string, any>);
const dataStoreResources = (plan: Plan) => plan.resources.filter((r) => r.urn.includes("::med-agi:datastores:"));

describe.each(["dev", "prod"] as const)("%s: PostgreSQL roles and grants", (stack) => {
    it("gives every service its own login role that is no superuser and cannot create roles or databases", () => {
        const roles = inputs(plans[stack], "postgresql:index/role:Role");
        for (const service of SERVICES) {
            expect(roles.filter((r) => r.name === service)).toEqual([
                expect.objectContaining({ login: true, superuser: false, createRole: false, createDatabase: false, replication: false }),
            ]);
        }
        // No declared role of any kind may be a superuser or create roles.
        expect(roles.length).toBeGreaterThanOrEqual(9);
        for (const r of roles)
            expect({ role: r.name, superuser: r.superuser, createRole: r.createRole }).toEqual({
                role: r.name,
                superuser: false,
                createRole: false,
            });
    });

    it("lets only the service itself create in its schema; the operators' role may only look in", () => {
        const schemaGrants = inputs(plans[stack], "postgresql:index/grant:Grant").filter((g) => g.objectType === "schema");
        for (const service of SERVICES) {
            const onSchema = schemaGrants.filter((g) => g.schema === service);
            expect(onSchema.filter((g) => (g.privileges as string[]).includes("CREATE")).map((g) => g.role)).toEqual([service]);
            expect(onSchema.filter((g) => g.role !== service)).toEqual([
                expect.objectContaining({ role: "medagi_readonly", privileges: ["USAGE"] }),
            ]);
        }
        // PUBLIC keeps nothing on the database or schema public.
        expect(schemaGrants.filter((g) => g.role === "public")).toEqual([expect.objectContaining({ schema: "public", privileges: [] })]);
    });
});

describe("where PostgreSQL runs", () => {
    it("dev: the in-cluster CloudNativePG cluster med-agi-postgres, reached by the provider through a port-forward; no RDS", () => {
        expect(inputs(plans.dev, "kubernetes:postgresql.cnpg.io/v1:Cluster").map((c) => c.metadata.name)).toEqual(["med-agi-postgres"]);
        expect(inputs(plans.dev, "pulumi:providers:postgresql").map((p) => p.host)).toEqual(["localhost"]);
        expect(ofType(plans.dev, "aws:rds/instance:Instance")).toEqual([]);
    });

    it("prod: the cloud layer's RDS instance, as its master user, with the owner role and database medagi declared here", () => {
        expect(ofType(plans.prod, "kubernetes:postgresql.cnpg.io/v1:Cluster")).toEqual([]);
        const rds = inputs(plans.prod, "aws:rds/instance:Instance");
        expect(rds.map((r) => r.username)).toEqual(["postgres"]);
        expect(inputs(plans.prod, "pulumi:providers:postgresql").map((p) => [p.host, p.username])).toEqual([
            ["med-agi-prod.mock-rds.invalid", "postgres"],
        ]);
        expect(inputs(plans.prod, "postgresql:index/database:Database").map((d) => [d.name, d.owner])).toEqual([["medagi", "medagi"]]);
    });
});

describe("protection", () => {
    it("prod protects every role, grant, schema, the database and the Elasticsearch cluster", () => {
        const stateful = dataStoreResources(plans.prod).filter(
            (r) => r.type.startsWith("postgresql:index/") || r.type === "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch",
        );
        expect(stateful.length).toBeGreaterThan(60);
        expect(stateful.filter((r) => !r.protect).map((r) => r.urn)).toEqual([]);
    });

    it("dev protects nothing (a local cluster is disposable)", () => {
        expect(dataStoreResources(plans.dev).filter((r) => r.protect)).toEqual([]);
    });
});

describe.each(["dev", "prod"] as const)("%s: Elasticsearch users and index lifecycle", (stack) => {
    const es = () => inputs(plans[stack], "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch")[0]!;

    it("creates every file-realm user from its own Secret, with roles from elasticsearch-roles, and no superuser", () => {
        const users = [...SERVICES.map((s) => `medagi-${s}`), "medagi-metrics", "medagi-lifecycle"];
        expect(es().spec.auth).toEqual({
            fileRealm: users.map((u) => ({ secretName: `elasticsearch-user-${u}` })),
            roles: [{ secretName: "elasticsearch-roles" }],
        });
        const realm = inputs(plans[stack], "kubernetes:core/v1:Secret").filter((s) =>
            String(s.metadata.name).startsWith("elasticsearch-user-"),
        );
        expect(realm.map((s) => s.type)).toEqual(users.map(() => "kubernetes.io/basic-auth"));
        expect(
            ofType(plans[stack], "random:index/randomPassword:RandomPassword").filter((r) => r.name.includes("search-password")),
        ).toHaveLength(8);
    });

    it("runs the lifecycle Job against the cluster's HTTPS endpoint as the lifecycle user, after the cluster", () => {
        const jobs = inputs(plans[stack], "kubernetes:batch/v1:Job").filter((j) => String(j.metadata.name).startsWith("search-lifecycle-"));
        expect(jobs).toHaveLength(1);
        const c = jobs[0]!.spec.template.spec.containers[0];
        expect(c.image).toBe("quay.io/curl/curl:8.21.0");
        expect(c.env).toContainEqual({ name: "ELASTICSEARCH_URL", value: "https://med-agi-search-es-http.med-agi.svc:9200" });
        expect(c.env).toContainEqual({
            name: "ELASTICSEARCH_PASSWORD",
            valueFrom: { secretKeyRef: { name: "elasticsearch-user-medagi-lifecycle", key: "password" } },
        });
        const cm = inputs(plans[stack], "kubernetes:core/v1:ConfigMap").find((m) => m.metadata.name === jobs[0]!.metadata.name)!;
        const retention = stack === "prod" ? { logs: "30d", audit: "365d" } : { logs: "7d", audit: "30d" };
        expect(JSON.parse(cm.data["ilm-logs.json"]).policy.phases.delete.min_age).toBe(retention.logs);
        expect(JSON.parse(cm.data["ilm-audit.json"]).policy.phases.delete.min_age).toBe(retention.audit);
        expect(JSON.parse(cm.data["template-logs.json"]).template.settings["index.number_of_replicas"]).toBe(stack === "prod" ? 1 : 0);
    });
});

describe("watching the data stores", () => {
    it("dev: a PodMonitor selects the CloudNativePG instance pods' metrics port (there is no StatefulSet to watch)", () => {
        const pm = inputs(plans.dev, "kubernetes:monitoring.coreos.com/v1:PodMonitor");
        expect(pm).toEqual([
            expect.objectContaining({
                metadata: expect.objectContaining({ name: "med-agi-postgres", namespace: "med-agi" }),
                spec: {
                    selector: { matchLabels: { "cnpg.io/cluster": "med-agi-postgres", "cnpg.io/podRole": "instance" } },
                    podMetricsEndpoints: [{ port: "metrics", interval: "30s" }],
                },
            }),
        ]);
    });

    it("prod: no PodMonitor (RDS), and the Elasticsearch exporter verifies ECK's CA as the metrics user", () => {
        expect(ofType(plans.prod, "kubernetes:monitoring.coreos.com/v1:PodMonitor")).toEqual([]);
        for (const stack of ["dev", "prod"] as const) {
            const exporter = inputs(plans[stack], "kubernetes:helm.sh/v3:Release").find(
                (r) => r.chart === "prometheus-elasticsearch-exporter",
            )!;
            expect(exporter.version).toBe("7.4.0");
            expect(exporter.values.es.uri).toBe("https://med-agi-search-es-http.med-agi.svc:9200");
            expect(exporter.values.es.sslSkipVerify).toBe(false);
            expect(exporter.values.es.ssl).toEqual({
                enabled: true,
                useExistingSecrets: true,
                ca: { path: "/ssl/ca.crt" },
                client: { enabled: false },
            });
            expect(exporter.values.secretMounts).toEqual([
                { name: "elasticsearch-ca", secretName: "med-agi-search-es-http-certs-public", path: "/ssl" },
            ]);
            expect(exporter.values.extraEnvSecrets.ES_PASSWORD).toEqual({ secret: "elasticsearch-user-medagi-metrics", key: "password" });
        }
    });

    it("ships the data-store health alerts each stack needs", () => {
        const alerts = (stack: "dev" | "prod") =>
            inputs(plans[stack], "kubernetes:monitoring.coreos.com/v1:PrometheusRule").flatMap((r) =>
                (r.spec.groups as { rules: { alert: string }[] }[]).flatMap((g) => g.rules.map((x) => x.alert)),
            );
        expect(alerts("dev")).toEqual(
            expect.arrayContaining([
                "MedAgiPostgresDown",
                "MedAgiElasticsearchClusterRed",
                "MedAgiElasticsearchUnreachable",
                "MedAgiDataStoreVolumeFillingUp",
            ]),
        );
        // dev: one PostgreSQL instance and one Elasticsearch node, so no lag or yellow alert.
        expect(alerts("dev")).not.toEqual(expect.arrayContaining(["MedAgiPostgresReplicationLagHigh"]));
        expect(alerts("dev")).not.toContain("MedAgiElasticsearchClusterYellow");
        // prod: RDS (no CloudNativePG alert), three Elasticsearch nodes.
        expect(alerts("prod")).not.toContain("MedAgiPostgresDown");
        expect(alerts("prod")).toEqual(expect.arrayContaining(["MedAgiElasticsearchClusterRed", "MedAgiElasticsearchClusterYellow"]));
    });
});
