/**
 * One holder per secret: per stack, which workloads can
 * read each Secret — volumes, env, envFrom, the Helm releases and custom
 * resources that name it, and ServiceAccounts RBAC lets read Secrets — against
 * a reviewed table. A new reader fails here until it is reviewed and added.
 *
 * Charts' own RBAC is inside their releases, invisible to the render: the
 * values that scope it are checked in stacks.test.ts ("third-party charts").
 */
import type { Plan } from "../../tools/lib/plan";
import { runStack } from "../support/harness";
import { secretReaders } from "./secret-readers";

const STACKS = ["dev", "staging", "prod"] as const;
const plans = {} as Record<(typeof STACKS)[number], Plan>;

beforeAll(async () => {
    for (const stack of STACKS) plans[stack] = await runStack(stack);
}, 120_000);

const ES = "Elasticsearch med-agi/med-agi-search";
const BACKUP_JOBS = [
    "CronJob med-agi/config-backup",
    "CronJob med-agi/model-backup",
    "CronJob med-agi/postgres-backup",
    "CronJob med-agi/postgres-restore",
    "CronJob med-agi/restore-drill",
];

/** Readers every stack shares. The index lifecycle Job's name carries a hash of its script (different in dev). */
function common(lifecycleJob: string): Record<string, string[]> {
    const perService = (prefix: string) =>
        Object.fromEntries(
            ["anchor", "ekg", "eval", "imaging", "modelcards", "ops"].map((s) => [`med-agi/${prefix}-${s}`, [`Deployment med-agi/${s}`]]),
        );
    const searchUsers = Object.fromEntries(
        ["anchor", "ekg", "eval", "imaging", "modelcards", "ops"].map((s) => [`med-agi/elasticsearch-user-medagi-${s}`, [ES]]),
    );
    return {
        ...perService("elasticsearch"),
        ...perService("postgres"),
        ...searchUsers,
        "med-agi/elasticsearch-roles": [ES],
        "med-agi/elasticsearch-user-medagi-lifecycle": [ES, `Job med-agi/${lifecycleJob}`],
        "med-agi/elasticsearch-user-medagi-metrics": [ES, "Release med-agi/elasticsearch-exporter"],
        "med-agi/med-agi-backup-signing": BACKUP_JOBS,
        "med-agi/postgres-medagi-backup": ["CronJob med-agi/postgres-backup", "CronJob med-agi/postgres-restore"],
        "med-agi/postgres-medagi-readonly": [],
        "med-agi/postgres-medagi-restore": ["CronJob med-agi/restore-drill"],
        "monitoring/alertmanager-med-agi": ["Release monitoring/kube-prometheus-stack"],
        "monitoring/alertmanager-med-agi-receivers": ["Release monitoring/kube-prometheus-stack"],
    };
}

/** The AWS stacks: OIDC (oauth2-proxy's and Grafana's own client secrets), the SIEM token. The RDS master secret has no copy in the cluster. */
const cloud: Record<string, string[]> = {
    ...common("search-lifecycle-cd6a22dc6f"),
    "logging/fluent-bit-siem": ["Release logging/fluent-bit"],
    "med-agi/oauth2-proxy": ["Release med-agi/oauth2-proxy"],
    "med-agi/postgres-medagi": [],
    // Triton's restricted-API key: both pools, nothing else.
    "med-agi/triton-admin-key": ["Deployment med-agi/triton", "Deployment med-agi/triton-cpu"],
    "monitoring/grafana-oidc": ["Release monitoring/kube-prometheus-stack"],
};

/** Reviewed: `Secret` → who can read it. */
const REVIEWED: Record<(typeof STACKS)[number], Record<string, string[]>> = {
    dev: {
        ...common("search-lifecycle-f711025d5f"),
        // The in-cluster store's key pair (the cloud uses IRSA instead): the backup jobs, Triton's model pull, the store.
        "med-agi/object-store-credentials": [...BACKUP_JOBS, "Deployment med-agi/triton", "Release med-agi/seaweedfs"],
        "med-agi/postgres-medagi": ["Cluster med-agi/med-agi-postgres"],
        "med-agi/postgres-superuser": ["Cluster med-agi/med-agi-postgres"],
        "med-agi/triton-admin-key": ["Deployment med-agi/triton"],
    },
    staging: cloud,
    prod: cloud,
};

const sorted = (table: Record<string, string[]>) =>
    Object.fromEntries(
        Object.entries(table)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, v]) => [k, [...v].sort()]),
    );

describe.each(STACKS)("%s", (stack) => {
    it("every Secret is read only by the reviewed workloads", () => {
        expect(secretReaders(plans[stack])).toEqual(sorted(REVIEWED[stack]));
    });
});

describe.each(["staging", "prod"] as const)("%s: OIDC client secrets", (stack) => {
    it("no service holds one: oauth2-proxy reads its own, Grafana its own", () => {
        const readers = secretReaders(plans[stack]);
        const holders = Object.entries(readers).filter(([, r]) =>
            r.some((x) => /^Deployment med-agi\/(imaging|ekg|eval|anchor|modelcards|ops)$/.test(x)),
        );
        expect(holders.map(([s]) => s).filter((s) => /oidc|oauth2/.test(s))).toEqual([]);
        expect(readers["med-agi/oauth2-proxy"]).toEqual(["Release med-agi/oauth2-proxy"]);
        expect(readers["monitoring/grafana-oidc"]).toEqual(["Release monitoring/kube-prometheus-stack"]);
    });
});

describe("the reader walk", () => {
    const secret = (name: string) => ({
        urn: `s-${name}`,
        type: "kubernetes:core/v1:Secret",
        name,
        parent: null,
        protect: false,
        inputs: { apiVersion: "v1", kind: "Secret", metadata: { name, namespace: "med-agi" } },
    });
    const k8s = (type: string, kind: string, name: string, rest: Record<string, unknown>) => ({
        urn: `${kind}-${name}`,
        type,
        name,
        parent: null,
        protect: false,
        inputs: { apiVersion: "x", kind, metadata: { name, namespace: "med-agi" }, ...rest },
    });
    const pod = (spec: Record<string, unknown>) => ({ spec: { template: { spec } } });
    const plan = (resources: unknown[]) => ({ project: "p", stack: "t", resources, outputs: {} }) as unknown as Plan;

    it("finds env, envFrom, volumes, projected volumes and init containers", () => {
        const p = plan([
            ...["a", "b", "c", "d", "e"].map(secret),
            k8s(
                "kubernetes:apps/v1:Deployment",
                "Deployment",
                "w",
                pod({
                    containers: [
                        {
                            name: "c",
                            env: [{ name: "X", valueFrom: { secretKeyRef: { name: "a", key: "k" } } }],
                            envFrom: [{ secretRef: { name: "b" } }],
                        },
                    ],
                    initContainers: [{ name: "i", envFrom: [{ secretRef: { name: "e" } }] }],
                    volumes: [
                        { name: "v", secret: { secretName: "c" } },
                        { name: "p", projected: { sources: [{ secret: { name: "d" } }] } },
                    ],
                }),
            ),
        ]);
        expect(secretReaders(p)).toEqual({
            "med-agi/a": ["Deployment med-agi/w"],
            "med-agi/b": ["Deployment med-agi/w"],
            "med-agi/c": ["Deployment med-agi/w"],
            "med-agi/d": ["Deployment med-agi/w"],
            "med-agi/e": ["Deployment med-agi/w"],
        });
    });

    it("finds ServiceAccounts whose Role reads Secrets, all or by name, and ignores a Role without read verbs", () => {
        const role = (name: string, rules: unknown[]) => k8s("kubernetes:rbac.authorization.k8s.io/v1:Role", "Role", name, { rules });
        const bind = (name: string, roleName: string, sa: string) =>
            k8s("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "RoleBinding", name, {
                roleRef: { kind: "Role", name: roleName },
                subjects: [{ kind: "ServiceAccount", name: sa, namespace: "med-agi" }],
            });
        const p = plan([
            secret("a"),
            secret("b"),
            role("all", [{ apiGroups: [""], resources: ["secrets"], verbs: ["list"] }]),
            role("one", [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"], resourceNames: ["b"] }]),
            role("write", [{ apiGroups: [""], resources: ["secrets"], verbs: ["create"] }]),
            bind("x", "all", "lister"),
            bind("y", "one", "getter"),
            bind("z", "write", "writer"),
        ]);
        expect(secretReaders(p)).toEqual({
            "med-agi/a": ["ServiceAccount med-agi/lister"],
            "med-agi/b": ["ServiceAccount med-agi/getter", "ServiceAccount med-agi/lister"],
        });
    });
});
