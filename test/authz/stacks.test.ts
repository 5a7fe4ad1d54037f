/**
 * OPA in the rendered stacks (the real program under the mock runtime): the
 * objects and their sizing per stack, the services' OPA env, and the decision
 * log's route through the rendered Fluent Bit configuration to the SIEM.
 */
import { renderedPlans, type Stack } from "../policies/harness";
import { k8sObject, k8sObjects, ofType } from "../support/harness";

const plans = renderedPlans();

const SIX_SERVICES = ["imaging", "ekg", "eval", "anchor", "modelcards", "ops"];

/** The rendered Fluent Bit configuration of `stack` (its release's `config` values). */
function fluentBitConfig(stack: Stack): Record<string, string> {
    const release = ofType(plans[stack], "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "fluent-bit");
    return (release!.inputs as any).values.config as Record<string, string>;
}

describe.each(["dev", "staging", "prod"] as const)("%s", (stack) => {
    it("deploys Deployment and Service opa in med-agi with the policy and config ConfigMaps", () => {
        const plan = plans[stack];
        const d = k8sObject(plan, "Deployment", "opa");
        expect(d.spec.template.metadata.labels).toMatchObject({ "app.kubernetes.io/name": "opa", "app.kubernetes.io/part-of": "med-agi" });
        expect(k8sObject(plan, "Service", "opa").spec.ports).toEqual([{ name: "http", port: 8181, targetPort: "http", protocol: "TCP" }]);
        expect(Object.keys(k8sObject(plan, "ConfigMap", "opa-policy").data).sort()).toEqual([
            "authz.rego",
            "data.json",
            "system-authz.rego",
            "system-log.rego",
        ]);
        expect(Object.keys(k8sObject(plan, "ConfigMap", "opa-config").data)).toEqual(["config.yaml"]);
        expect(k8sObject(plan, "ServiceMonitor", "opa").spec.endpoints[0]).toMatchObject({ port: "http", path: "/metrics" });
    });

    it("gives every service OPA_URL and OPA_DECISION_PATH", () => {
        for (const name of SIX_SERVICES) {
            const env = k8sObject(plans[stack], "Deployment", name).spec.template.spec.containers[0].env;
            expect(env).toContainEqual({ name: "OPA_URL", value: "http://opa.med-agi.svc:8181" });
            expect(env).toContainEqual({ name: "OPA_DECISION_PATH", value: "medagi/authz/allow" });
        }
    });

    it("ships a grant table whose services are the six and whose roles are known", () => {
        const acl = JSON.parse(k8sObject(plans[stack], "ConfigMap", "opa-policy").data["data.json"]).medagi.acl;
        for (const [role, services] of Object.entries<Record<string, string[]>>(acl.grants)) {
            expect(acl.roles).toContain(role);
            for (const service of Object.keys(services)) expect([...SIX_SERVICES, ...(stack === "dev" ? ["*"] : [])]).toContain(service);
        }
        if (stack !== "dev") expect(JSON.stringify(acl.grants)).not.toContain('"*"');
    });

    it("carries the checksum of the files it mounts on the pod template", () => {
        const annotations = k8sObject(plans[stack], "Deployment", "opa").spec.template.metadata.annotations;
        expect(annotations["checksum/opa"]).toMatch(/^[a-f0-9]{64}$/);
    });
});

describe("sizing per stack", () => {
    const replicas = (stack: Stack) => k8sObject(plans[stack], "Deployment", "opa").spec.replicas;
    const pdbs = (stack: Stack) =>
        k8sObjects(plans[stack], "PodDisruptionBudget").filter((o) => o.metadata.name === "opa" && o.metadata.namespace === "med-agi");

    it("runs 1 OPA without a disruption budget in dev", () => {
        expect(replicas("dev")).toBe(1);
        expect(pdbs("dev")).toEqual([]);
    });

    it("runs 3 OPAs in prod, spread over zones (DoNotSchedule), one evictable at a time", () => {
        expect(replicas("prod")).toBe(3);
        expect(pdbs("prod").map((p) => p.spec)).toEqual([
            {
                maxUnavailable: 1,
                unhealthyPodEvictionPolicy: "AlwaysAllow",
                selector: { matchLabels: { "app.kubernetes.io/name": "opa", "app.kubernetes.io/part-of": "med-agi" } },
            },
        ]);
        const constraints = k8sObject(plans.prod, "Deployment", "opa").spec.template.spec.topologySpreadConstraints;
        expect(constraints[0]).toMatchObject({
            topologyKey: "topology.kubernetes.io/zone",
            whenUnsatisfiable: "DoNotSchedule",
            maxSkew: 1,
        });
    });

    it("runs 2 OPAs with a disruption budget in staging", () => {
        expect(replicas("staging")).toBe(2);
        expect(pdbs("staging")).toHaveLength(1);
    });
});

// ---------------------------------------------------------------------------
// The decision log's route, evaluated on the rendered Fluent Bit configuration.

type Section = { kind: string; entries: Map<string, string> };

/** The sections of a classic-format Fluent Bit config (keys lower-cased: Fluent Bit reads them case-insensitively). */
function sections(text: string): Section[] {
    const out: Section[] = [];
    for (const line of text.split("\n")) {
        const header = /^\[([A-Z]+)\]$/.exec(line.trim());
        if (header) out.push({ kind: header[1]!, entries: new Map() });
        else if (line.trim() !== "" && out.length > 0) {
            const [key, value] = line.trim().split(/\s+(.*)/) as [string, string];
            out.at(-1)!.entries.set(key.toLowerCase(), value);
        }
    }
    return out;
}

/** glob(3) as the tail input applies Path: `*` matches within one path segment. */
function globMatch(pattern: string, file: string): boolean {
    const re = pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, "[^/]*")
        .replace(/\?/g, "[^/]");
    return new RegExp(`^${re}$`).test(file);
}

/** Fluent Bit's tag `Match`: `*` matches any run of characters, dots included. */
function tagMatch(pattern: string, tag: string): boolean {
    const re = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
    return new RegExp(`^${re}$`).test(tag);
}

/** The tail input's tag for a file: the `*` of `Tag` becomes the path with "/" as "." (leading "/" dropped). */
function tailTag(tagPattern: string, file: string): string {
    return tagPattern.replace("*", file.replace(/^\//, "").replace(/\//g, "."));
}

interface Route {
    readonly tag: string;
    readonly filters: Section[];
    readonly outputs: Section[];
}

/** Every route a container log file takes through the pipeline: one per tail input that reads it. */
function routes(config: Record<string, string>, file: string): Route[] {
    const all = sections([config.inputs, config.filters, config.outputs].join("\n"));
    return all
        .filter((s) => s.kind === "INPUT" && s.entries.get("name") === "tail")
        .filter((i) => globMatch(i.entries.get("path")!, file))
        .filter((i) => !(i.entries.get("exclude_path") ?? "").split(",").some((p) => p.trim() !== "" && globMatch(p.trim(), file)))
        .map((i) => {
            const tag = tailTag(i.entries.get("tag")!, file);
            return {
                tag,
                filters: all.filter((s) => s.kind === "FILTER" && tagMatch(s.entries.get("match")!, tag)),
                outputs: all.filter((s) => s.kind === "OUTPUT" && tagMatch(s.entries.get("match")!, tag)),
            };
        });
}

describe("OPA's decision log reaches the SIEM (rendered prod Fluent Bit config)", () => {
    /** A log file of an OPA pod as the kubelet names it: <pod>_<namespace>_<container>-<container id>.log */
    const OPA_LOG =
        "/var/log/containers/opa-7c9d8f6b5-x2k4q_med-agi_opa-0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0.log";
    const IMAGING_LOG = "/var/log/containers/imaging-5f6d7c8b9-abcde_med-agi_imaging-0123456789abcdef.log";

    it("reads an OPA container log with exactly one input, tagged authz.*", () => {
        const found = routes(fluentBitConfig("prod"), OPA_LOG);
        expect(found.map((r) => r.tag)).toEqual([`authz.${OPA_LOG.slice(1).replace(/\//g, ".")}`]);
    });

    it("enriches it with the pod's Kubernetes metadata: the filter's tag prefix leaves the kubelet's file name", () => {
        const [route] = routes(fluentBitConfig("prod"), OPA_LOG);
        const kube = route!.filters.filter((f) => f.entries.get("name") === "kubernetes");
        expect(kube).toHaveLength(1);
        const prefix = kube[0]!.entries.get("kube_tag_prefix")!;
        expect(route!.tag.startsWith(prefix)).toBe(true);
        expect(route!.tag.slice(prefix.length)).toBe(OPA_LOG.split("/").at(-1));
        // OPA logs JSON lines: merged into the record, so the SIEM can search decision_id, input, result.
        expect(kube[0]!.entries.get("merge_log")).toBe("On");
        expect(kube[0]!.entries.get("k8s-logging.exclude")).toBe("Off");
    });

    it("marks it log_stream authz-decisions and cluster prod", () => {
        const [route] = routes(fluentBitConfig("prod"), OPA_LOG);
        const added = route!.filters.filter((f) => f.entries.get("name") === "modify").map((f) => f.entries.get("add"));
        expect(added).toEqual(["log_stream authz-decisions", "cluster prod"]);
    });

    it("sends it to the SIEM's HTTPS collector, and nowhere else", () => {
        const [route] = routes(fluentBitConfig("prod"), OPA_LOG);
        expect(
            route!.outputs.map((o) => [o.entries.get("name"), o.entries.get("host"), o.entries.get("tls"), o.entries.get("tls.verify")]),
        ).toEqual([["http", "siem-collector.example.org", "On", "On"]]);
    });

    it("leaves other containers' logs on the general input, without the decision marker", () => {
        const found = routes(fluentBitConfig("prod"), IMAGING_LOG);
        expect(found.map((r) => r.tag)).toEqual([`kube.${IMAGING_LOG.slice(1).replace(/\//g, ".")}`]);
        expect(found[0]!.filters.map((f) => f.entries.get("add")).filter(Boolean)).toEqual(["cluster prod"]);
        expect(found[0]!.outputs).toHaveLength(1);
    });

    it("does not take a container named opa in another namespace for the decision log", () => {
        const other = "/var/log/containers/opa-7c9d8f6b5-x2k4q_other_opa-0123.log";
        expect(routes(fluentBitConfig("prod"), other).map((r) => r.tag.split(".")[0])).toEqual(["kube"]);
    });

    it("in dev prints the decision log to stdout with the same marker", () => {
        const [route, ...more] = routes(fluentBitConfig("dev"), OPA_LOG);
        expect(more).toEqual([]);
        expect(route!.outputs.map((o) => o.entries.get("name"))).toEqual(["stdout"]);
        expect(route!.filters.map((f) => f.entries.get("add")).filter(Boolean)).toEqual(["log_stream authz-decisions", "cluster dev"]);
    });
});
