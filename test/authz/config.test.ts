/**
 * `med-agi:authz`: the grant table (the OPA data document) and OPA's sizing,
 * validated with the rest of the stack config before anything is created.
 */
import { ACTIONS, DEFAULT_GRANTS, ROLES, dataDocument, wildcardGrants, type Grants } from "../../infra/authz";
import { parseValues, PROD_ROUTING, PROD_SECRETS, rejectionProblems } from "../support/config-fixtures";

const SIX_SERVICES = ["imaging", "ekg", "eval", "anchor", "modelcards", "ops"];

const PROD = {
    environment: "prod",
    serviceDefaults: { replicas: 2 },
    ...PROD_ROUTING,
    cloud: { accountId: "123456789012", region: "eu-west-1", cluster: { adminRoleArns: ["arn:aws:iam::123456789012:role/deployer"] } },
};
const prod = (authz?: unknown) => parseValues({ ...PROD, ...(authz === undefined ? {} : { authz }) }, "prod", PROD_SECRETS);
const prodProblems = (authz: unknown) => rejectionProblems({ ...PROD, authz }, "prod", PROD_SECRETS);

/** Every (role, service, action) the table grants by name. */
function namedGrants(grants: Grants): string[] {
    return Object.entries(grants).flatMap(([role, services]) =>
        Object.entries(services ?? {}).flatMap(([service, actions]) => (actions ?? []).map((a) => `${role} ${service} ${a}`)),
    );
}

describe("the grant table (OPA's data document)", () => {
    it("knows exactly the six runbook services, five roles and five actions", () => {
        const acl = dataDocument(DEFAULT_GRANTS.prod).medagi.acl;
        expect(acl.services).toEqual(SIX_SERVICES);
        expect(acl.roles).toEqual(["clinician", "ml-engineer", "auditor", "operator", "platform-admin"]);
        expect(acl.actions).toEqual(["read", "write", "infer", "evaluate", "admin"]);
    });

    it.each(["dev", "staging", "prod"] as const)(
        "%s: every default grant names a known role, one of the six services (or * in dev) and a known action",
        (env) => {
            const grants = DEFAULT_GRANTS[env];
            for (const [role, services] of Object.entries(grants)) {
                expect(ROLES).toContain(role);
                for (const [service, actions] of Object.entries(services ?? {})) {
                    expect([...SIX_SERVICES, ...(env === "dev" ? ["*"] : [])]).toContain(service);
                    for (const action of actions ?? []) expect([...ACTIONS, ...(env === "dev" ? ["*"] : [])]).toContain(action);
                }
            }
        },
    );

    it("prod and staging have no wildcard grant; dev's platform-admin has one", () => {
        expect(wildcardGrants(prod().authz.grants)).toEqual([]);
        expect(
            wildcardGrants(
                parseValues({ environment: "staging", ...PROD_ROUTING, cloud: PROD.cloud }, "staging", PROD_SECRETS).authz.grants,
            ),
        ).toEqual([]);
        expect(wildcardGrants(parseValues({}).authz.grants)).toEqual([
            { path: "authz.grants.platform-admin.*", value: ["*"] },
            { path: "authz.grants.platform-admin.*.0", value: "*" },
        ]);
    });

    it("grants least privilege by default: clinicians read and infer on imaging and EKG only, and nobody but the operator administers ops", () => {
        const grants = prod().authz.grants;
        expect(namedGrants(grants).filter((g) => g.startsWith("clinician "))).toEqual([
            "clinician imaging read",
            "clinician imaging infer",
            "clinician ekg read",
            "clinician ekg infer",
            "clinician modelcards read",
        ]);
        expect(namedGrants(grants).filter((g) => g.endsWith(" admin"))).toEqual(["operator ops admin"]);
        expect(
            namedGrants(grants)
                .filter((g) => g.startsWith("auditor "))
                .every((g) => g.endsWith(" read")),
        ).toBe(true);
    });

    it("takes a configured table whole, in place of the default", () => {
        const config = prod({ grants: { clinician: { imaging: ["read"] } } });
        expect(config.authz.grants).toEqual({ clinician: { imaging: ["read"] } });
        expect(dataDocument(config.authz.grants).medagi.acl.grants).toEqual({ clinician: { imaging: ["read"] } });
    });

    it("allows wildcards outside prod", () => {
        expect(parseValues({ authz: { grants: { "platform-admin": { "*": ["*"] } } } }).authz.grants).toEqual({
            "platform-admin": { "*": ["*"] },
        });
    });
});

describe("grant table validation", () => {
    it("refuses an unknown role, naming it and the known ones", () => {
        const found = rejectionProblems({ authz: { grants: { root: { imaging: ["read"] } } } });
        expect(found).toEqual(["authz.grants.root: unknown key (allowed: clinician, ml-engineer, auditor, operator, platform-admin)"]);
    });

    it("refuses a service that is not one of the six, naming it and the six", () => {
        expect(rejectionProblems({ authz: { grants: { clinician: { billing: ["read"] } } } })).toEqual([
            "authz.grants.clinician.billing: unknown key (allowed: imaging, ekg, eval, anchor, modelcards, ops, *)",
        ]);
    });

    it("refuses an unknown action, naming its position, the value and the allowed actions", () => {
        expect(rejectionProblems({ authz: { grants: { clinician: { imaging: ["read", "delete"] } } } })).toEqual([
            'authz.grants.clinician.imaging.1: "delete" is not allowed (allowed: "read", "write", "infer", "evaluate", "admin", "*")',
        ]);
    });

    it("refuses an empty or repeated action list", () => {
        expect(rejectionProblems({ authz: { grants: { clinician: { imaging: [] } } } })).toEqual([
            "authz.grants.clinician.imaging: [] is not allowed (must have at least 1 items)",
        ]);
        expect(rejectionProblems({ authz: { grants: { clinician: { imaging: ["read", "read"] } } } })).toEqual([
            'authz.grants.clinician.imaging: ["read","read"] is not allowed (each action at most once)',
        ]);
    });

    it("prod refuses a wildcard service and a wildcard action, naming the key and what to write instead", () => {
        expect(prodProblems({ grants: { "platform-admin": { "*": ["read"] }, auditor: { ops: ["*"] } } })).toEqual([
            'authz.grants.platform-admin.*: ["read"] is not allowed (prod refuses wildcard grants: name each of the services: imaging, ekg, eval, anchor, modelcards, ops that the role needs)',
            'authz.grants.auditor.ops.0: "*" is not allowed (prod refuses wildcard grants: name each of the actions: read, write, infer, evaluate, admin that the role needs)',
        ]);
    });

    it("refuses an unknown key under authz", () => {
        expect(rejectionProblems({ authz: { grant: {} } })).toEqual([
            "authz.grant: unknown key (allowed: replicas, resources, image, grants)",
        ]);
    });
});

describe("OPA sizing", () => {
    it("runs 1 replica in dev, 2 in staging and 3 in prod by default", () => {
        expect(parseValues({}).authz.replicas).toBe(1);
        expect(parseValues({ environment: "staging", ...PROD_ROUTING, cloud: PROD.cloud }, "staging", PROD_SECRETS).authz.replicas).toBe(2);
        expect(prod().authz.replicas).toBe(3);
    });

    it("prod accepts 3 replicas and refuses 2", () => {
        expect(prod({ replicas: 3 }).authz.replicas).toBe(3);
        expect(prodProblems({ replicas: 2 })).toEqual([
            "authz.replicas: 2 is not allowed (prod runs ≥ 3 OPA replicas, one per availability zone: every request of every service asks OPA)",
        ]);
    });

    it("dev may run one replica; no environment runs zero", () => {
        expect(parseValues({ authz: { replicas: 1 } }).authz.replicas).toBe(1);
        expect(rejectionProblems({ authz: { replicas: 0 } })).toEqual(["authz.replicas: 0 is not allowed (must be ≥ 1)"]);
    });

    it("pins the OPA 1.21.1 static image by digest unless configured, and refuses latest", () => {
        expect(parseValues({}).authz.image).toBe(
            "openpolicyagent/opa:1.21.1-static@sha256:4675ab04ad1627f74741d2d9c5142698c79e18b7b09f192587d31d6dba20838e",
        );
        expect(rejectionProblems({ authz: { image: "openpolicyagent/opa:latest" } })).toEqual([
            'authz.image: "openpolicyagent/opa:latest" is not allowed ("latest" is mutable: pin a version tag or digest)',
        ]);
    });

    it("requests 100m CPU and 128Mi, limited to 500m and 256Mi, unless configured", () => {
        expect(parseValues({}).authz.resources).toEqual({
            requests: { cpu: "100m", memory: "128Mi" },
            limits: { cpu: "500m", memory: "256Mi" },
        });
        expect(parseValues({ authz: { resources: { limits: { memory: "512Mi" } } } }).authz.resources.limits).toEqual({
            cpu: "500m",
            memory: "512Mi",
        });
    });
});
