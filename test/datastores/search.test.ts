/**
 * Elasticsearch: the index lifecycle documents, the users and roles, and the
 * retention config (both sides of each rule). Pure builders and config
 * parsing; the stacks' wiring is checked in search-stacks.test.ts.
 */
import { parse } from "yaml";

import {
    dataStoreProblems,
    dataStoresSchema,
    ELASTICSEARCH_DEFAULT_RESOURCES,
    resolveSearchRetention,
    retentionToDays,
    SEARCH_RETENTION_DEFAULTS,
    SEARCH_RETENTION_MINIMUM,
} from "../../infra/datastores/config";
import {
    ilmPolicy,
    indexTemplate,
    lifecycleConfigData,
    lifecycleName,
    lifecycleRequests,
    lifecycleScript,
} from "../../infra/datastores/elasticsearch/lifecycle";
import {
    EXPORTER_SEARCH_USER,
    LIFECYCLE_SEARCH_USER,
    rolesYaml,
    searchAuthSpec,
    searchRoleProblems,
    searchUsers,
    serviceSearchRole,
} from "../../infra/datastores/elasticsearch/users";
import { elasticsearchSpec } from "../../infra/datastores/elasticsearch/spec";
import { configProblems, PROD_ROUTING, PROD_SECRETS } from "../support/config-fixtures";

const SERVICES = ["imaging", "ekg", "eval", "anchor", "modelcards", "ops"] as const;

describe("ILM policy", () => {
    it("rolls the write index over daily in the hot phase and deletes 30 days after rollover", () => {
        const p = ilmPolicy("logs", "30d").policy;
        expect(p.phases.hot).toEqual({
            min_age: "0ms",
            actions: { rollover: { max_age: "1d", max_primary_shard_size: "50gb" }, set_priority: { priority: 50 } },
        });
        expect(p.phases.delete).toEqual({ min_age: "30d", actions: { delete: { delete_searchable_snapshot: true } } });
        expect(Object.keys(p.phases)).toEqual(["hot", "delete"]);
    });

    it("keeps audit for its own retention, at a higher recovery priority", () => {
        const p = ilmPolicy("audit", "365d").policy;
        expect(p.phases.delete.min_age).toBe("365d");
        expect(p.phases.hot.actions).toMatchObject({ set_priority: { priority: 100 } });
    });

    it("refuses a retention that is not whole days", () => {
        expect(() => ilmPolicy("logs", "720h")).toThrow('not a whole-day retention: "720h"');
    });
});

describe("index templates", () => {
    it("make med-agi-logs-* data streams under the med-agi-logs policy, above the built-in templates", () => {
        expect(indexTemplate("logs", 1)).toEqual({
            index_patterns: ["med-agi-logs-*"],
            data_stream: {},
            priority: 500,
            template: {
                settings: { "index.lifecycle.name": "med-agi-logs", "index.number_of_replicas": 1 },
                mappings: { properties: { "@timestamp": { type: "date" } } },
            },
            _meta: { managed_by: "pulumi (med-agi infra/datastores)" },
        });
        expect(indexTemplate("audit", 0)).toMatchObject({
            index_patterns: ["med-agi-audit-*"],
            template: { settings: { "index.lifecycle.name": "med-agi-audit", "index.number_of_replicas": 0 } },
        });
    });

    it("are applied after the policies they name", () => {
        expect(lifecycleRequests({ logs: "30d", audit: "365d" }, 1).map((r) => r.path)).toEqual([
            "_ilm/policy/med-agi-logs",
            "_ilm/policy/med-agi-audit",
            "_index_template/med-agi-logs",
            "_index_template/med-agi-audit",
        ]);
    });
});

describe("the lifecycle Job's documents", () => {
    const data = (logs: string) => lifecycleConfigData(lifecycleRequests({ logs, audit: "365d" }, 1));

    it("ships the script and each request body as JSON", () => {
        const d = data("30d");
        expect(Object.keys(d).sort()).toEqual(["apply.sh", "ilm-audit.json", "ilm-logs.json", "template-audit.json", "template-logs.json"]);
        expect(JSON.parse(d["ilm-logs.json"]!)).toEqual(ilmPolicy("logs", "30d"));
    });

    it("is named after its content: a retention change renames (re-runs) the Job, the same config does not", () => {
        expect(lifecycleName(data("30d"))).toBe(lifecycleName(data("30d")));
        expect(lifecycleName(data("30d"))).not.toBe(lifecycleName(data("31d")));
        expect(lifecycleName(data("30d"))).toMatch(/^search-lifecycle-[0-9a-f]{10}$/);
    });

    it("verifies the server with ECK's CA, keeps the password off curl's command line and stops on the first failed PUT", () => {
        const script = lifecycleScript(lifecycleRequests({ logs: "30d", audit: "365d" }, 1));
        expect(script).toContain("set -eu");
        expect(script).toContain("--cacert /etc/med-agi/elasticsearch-ca/ca.crt");
        expect(script).toContain("--fail-with-body");
        expect(script).not.toMatch(/-u\s+"?\$ELASTICSEARCH_USERNAME/);
        expect(script).not.toContain("--insecure");
        // A command in an && list is exempt from set -e: each PUT stands alone.
        for (const line of script.split("\n").filter((l) => l.includes("-X PUT"))) expect(line).not.toContain("&&");
    });
});

describe("Elasticsearch users", () => {
    const users = searchUsers();

    it("gives each of the six services its own user, plus the exporter and the lifecycle Job", () => {
        expect(users.map((u) => u.username)).toEqual([...SERVICES.map((s) => `medagi-${s}`), "medagi-metrics", "medagi-lifecycle"]);
        expect(new Set(users.map((u) => u.fileRealmSecret)).size).toBe(users.length);
    });

    it("confines a service to its own indices and streams; its audit stream is append-only", () => {
        expect(serviceSearchRole("imaging")).toEqual({
            cluster: [],
            indices: [
                { names: ["med-agi-imaging-*"], privileges: ["read", "write", "create_index", "view_index_metadata"] },
                { names: ["med-agi-logs-imaging"], privileges: ["create_doc", "auto_configure", "read", "view_index_metadata"] },
                { names: ["med-agi-audit-imaging"], privileges: ["create_doc", "auto_configure"] },
            ],
        });
        const names = serviceSearchRole("imaging").indices.flatMap((i) => i.names);
        for (const other of SERVICES.filter((s) => s !== "imaging")) expect(names.join(" ")).not.toContain(other);
    });

    it("holds no user to a superuser-like privilege", () => {
        for (const u of users)
            expect({ user: u.username, problems: searchRoleProblems(u.username, u.role) }).toEqual({ user: u.username, problems: [] });
        expect(EXPORTER_SEARCH_USER.role).toEqual({ cluster: ["monitor"], indices: [{ names: ["*"], privileges: ["monitor"] }] });
        expect(LIFECYCLE_SEARCH_USER.role).toEqual({ cluster: ["manage_ilm", "manage_index_templates", "monitor"], indices: [] });
    });

    it("flags what is not least privilege", () => {
        expect(searchRoleProblems("superuser", { cluster: [], indices: [] })).toEqual(["user superuser is a built-in superuser role"]);
        expect(searchRoleProblems("x", { cluster: ["all"], indices: [] })).toEqual(["cluster privilege all"]);
        expect(searchRoleProblems("x", { cluster: [], indices: [{ names: ["*"], privileges: ["read"] }] })).toEqual([
            "document access to every index (*)",
        ]);
        expect(searchRoleProblems("x", { cluster: [], indices: [{ names: ["a-*"], privileges: ["delete_index"] }] })).toEqual([
            "index privilege delete_index on a-*",
        ]);
    });

    it("writes roles.yml with one role per user, and references every user's Secret in spec.auth", () => {
        const roles = parse(rolesYaml(users)) as Record<string, unknown>;
        expect(Object.keys(roles)).toEqual(users.map((u) => u.username));
        expect(roles["medagi-ekg"]).toEqual(serviceSearchRole("ekg"));
        expect(searchAuthSpec(users)).toEqual({
            fileRealm: users.map((u) => ({ secretName: `elasticsearch-user-${u.username}` })),
            roles: [{ secretName: "elasticsearch-roles" }],
        });
    });
});

describe("dataStores.elasticsearch.retention", () => {
    const PROD = {
        environment: "prod",
        serviceDefaults: { replicas: 2 },
        ...PROD_ROUTING,
        cloud: { accountId: "123456789012", region: "eu-west-1", cluster: { adminRoleArns: ["arn:aws:iam::123456789012:role/deployer"] } },
    };
    const withRetention = (retention: Record<string, unknown>) => ({ dataStores: { elasticsearch: { retention } } });

    it("defaults to 30 days of logs and a year of audit in staging and prod, less in dev", () => {
        expect(SEARCH_RETENTION_DEFAULTS).toEqual({
            dev: { logs: "7d", audit: "30d" },
            staging: { logs: "30d", audit: "365d" },
            prod: { logs: "30d", audit: "365d" },
        });
        expect(resolveSearchRetention("prod", {})).toEqual({ logs: "30d", audit: "365d" });
        expect(resolveSearchRetention("prod", { audit: "2190d" })).toEqual({ logs: "30d", audit: "2190d" });
        expect(configProblems({}, "dev")).toEqual([]);
        expect(configProblems(PROD, "prod", PROD_SECRETS)).toEqual([]);
    });

    it("accepts whole days up to ten years and names key, value and rule otherwise", () => {
        expect(configProblems(withRetention({ logs: "14d", audit: "3650d" }), "dev")).toEqual([]);
        expect(configProblems(withRetention({ logs: "30 days" }), "dev")).toEqual([
            'dataStores.elasticsearch.retention.logs: "30 days" is not allowed (whole days such as "30d")',
        ]);
        expect(configProblems(withRetention({ audit: "3651d" }), "dev")).toEqual([
            'dataStores.elasticsearch.retention.audit: "3651d" is not allowed (at most "3650d")',
        ]);
        expect(configProblems(withRetention({ logs: "0d" }), "dev")).toHaveLength(1);
        expect(configProblems(withRetention({ keep: "30d" }), "dev")).toEqual([
            "dataStores.elasticsearch.retention.keep: unknown key (allowed: logs, audit)",
        ]);
    });

    it("keeps audit at least as long as logs", () => {
        expect(configProblems(withRetention({ logs: "30d", audit: "30d" }), "dev")).toEqual([]);
        expect(configProblems(withRetention({ logs: "30d", audit: "29d" }), "dev")).toEqual([
            'dataStores.elasticsearch.retention.audit: "29d" is not allowed (must be at least dataStores.elasticsearch.retention.logs ("30d"): the audit trail outlives the logs)',
        ]);
    });

    it("refuses less than 30 days of logs or 365 of audit in prod, and accepts exactly those", () => {
        expect(SEARCH_RETENTION_MINIMUM).toEqual({ logs: 30, audit: 365 });
        expect(configProblems({ ...PROD, ...withRetention({ logs: "30d", audit: "365d" }) }, "prod", PROD_SECRETS)).toEqual([]);
        expect(configProblems({ ...PROD, ...withRetention({ logs: "29d", audit: "364d" }) }, "prod", PROD_SECRETS)).toEqual([
            'dataStores.elasticsearch.retention.logs: "29d" is not allowed (prod keeps logs at least "30d" (the runbook\'s 30 daily log rotations); raise it or leave it unset for "30d")',
            'dataStores.elasticsearch.retention.audit: "364d" is not allowed (prod keeps audit at least "365d" (clinical audit trail); raise it or leave it unset for "365d")',
        ]);
    });

    it("lets dev go below the production floor", () => {
        const cfg = dataStoresSchema.parse({ elasticsearch: { retention: { logs: "1d", audit: "1d" } } });
        expect(dataStoreProblems("dev", cfg)).toEqual([]);
        expect(dataStoreProblems("staging", cfg).map((p) => p.path)).toEqual([
            "dataStores.elasticsearch.retention.logs",
            "dataStores.elasticsearch.retention.audit",
        ]);
        expect(retentionToDays("365d")).toBe(365);
    });
});

describe("dataStores.elasticsearch.resources", () => {
    const withResources = (resources: Record<string, unknown>) => ({ dataStores: { elasticsearch: { resources } } });
    const spec = (resources: { requests: { cpu: string; memory: string }; limits: { memory: string } }) =>
        elasticsearchSpec({ nodes: 1, storageSize: "20Gi", storageClass: "sc", zoneAware: false, keepVolumesOnDelete: false, resources });
    const containerResources = (s: Record<string, unknown>) =>
        (s as { nodeSets: { podTemplate: { spec: { containers: { resources: unknown }[] } } }[] }).nodeSets[0]!.podTemplate.spec
            .containers[0]!.resources;

    it("defaults to 500m / 2Gi requested and a 2Gi memory limit, no CPU limit, on each node's container", () => {
        const cfg = dataStoresSchema.parse({});
        expect(cfg.elasticsearch.resources).toEqual({ requests: { cpu: "500m", memory: "2Gi" }, limits: { memory: "2Gi" } });
        expect(cfg.elasticsearch.resources).toEqual(ELASTICSEARCH_DEFAULT_RESOURCES);
        expect(containerResources(spec(cfg.elasticsearch.resources))).toEqual({
            requests: { cpu: "500m", memory: "2Gi" },
            limits: { memory: "2Gi" },
        });
    });

    it("sets the container's requests and limit from config, each amount on its own", () => {
        const cfg = dataStoresSchema.parse({ elasticsearch: { resources: { requests: { memory: "4Gi" }, limits: { memory: "4Gi" } } } });
        expect(containerResources(spec(cfg.elasticsearch.resources))).toEqual({
            requests: { cpu: "500m", memory: "4Gi" },
            limits: { memory: "4Gi" },
        });
    });

    it("refuses a memory request above the limit, and accepts it equal", () => {
        expect(configProblems(withResources({ requests: { memory: "4Gi" }, limits: { memory: "4Gi" } }), "dev")).toEqual([]);
        expect(configProblems(withResources({ requests: { memory: "4Gi" } }), "dev")).toEqual([
            'dataStores.elasticsearch.resources.requests.memory: "4Gi" is not allowed (must be ≤ dataStores.elasticsearch.resources.limits.memory (2Gi): Kubernetes refuses a request above its limit)',
        ]);
    });

    it("refuses a malformed quantity, and a CPU limit (none is set: Kubernetes would throttle the node at it)", () => {
        expect(configProblems(withResources({ requests: { cpu: "half" } }), "dev")).toEqual([
            'dataStores.elasticsearch.resources.requests.cpu: "half" is not allowed (a CPU quantity such as "250m" or "1.5")',
        ]);
        expect(configProblems(withResources({ limits: { cpu: "2" } }), "dev")).toEqual([
            "dataStores.elasticsearch.resources.limits.cpu: unknown key (allowed: memory)",
        ]);
    });
});

describe("dataStores.postgres.manageCaConfigMap", () => {
    it("is on by default and needs no caFile (pulumi up fetches AWS's bundle; caFile is for air-gapped deployers)", () => {
        const cfg = dataStoresSchema.parse({});
        expect(cfg.postgres.manageCaConfigMap).toBe(true);
        expect(dataStoreProblems("prod", cfg)).toEqual([]);
        expect(dataStoreProblems("prod", dataStoresSchema.parse({ postgres: { caFile: "/etc/rds/global-bundle.pem" } }))).toEqual([]);
    });
});
