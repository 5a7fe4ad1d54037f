/**
 * The authorisation model: the roles a caller can hold, the actions a service
 * can be asked for, the grant table that says which role may do what on which
 * service, and the default table per environment.
 *
 * The Rego policy (`policy/authz.rego`) is generic: it reads this table as its
 * data document (`data.medagi.acl`, built by {@link dataDocument}). Changing a
 * grant is a config change (`med-agi:authz.grants`), never a policy change.
 */
import type { Environment } from "../environment";
import { SERVICE_NAMES, type ServiceName } from "../runbook";

/**
 * The roles a verified OIDC token can carry (the identity provider's group or
 * role claim, mapped by the identity layer; docs/identity.md). Only these
 * names may appear in a grant: a typo is a config error, not a silent deny.
 */
export const ROLES = [
    /** Reads imaging and EKG results and asks for inference on them. */
    "clinician",
    /** Runs evaluations and maintains model cards. */
    "ml-engineer",
    /** Reads everything, changes nothing (compliance review). */
    "auditor",
    /** Operates the platform through the ops service. */
    "operator",
    /** Everything everywhere: dev only (prod refuses wildcard grants). */
    "platform-admin",
] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a caller asks a service to do. A service maps each of its endpoints to
 * one of these before it asks OPA (docs/security.md, "Input").
 */
export const ACTIONS = [
    /** Read results, studies, cards, reports. */
    "read",
    /** Create or change a record (a model card, an evaluation set, an anchor). */
    "write",
    /** Run a model on a study or a trace. */
    "infer",
    /** Start an evaluation run. */
    "evaluate",
    /** Administrative endpoints (ops: maintenance, cache flushes, feature flags). */
    "admin",
] as const;
export type Action = (typeof ACTIONS)[number];

/** "Every service" (as a grant key) or "every action" (as an action); refused in prod. */
export const WILDCARD = "*";
export type Wildcard = typeof WILDCARD;

/** Role → service (or `*`) → the actions granted there (or `["*"]`). */
export type Grants = Readonly<Partial<Record<Role, Readonly<Partial<Record<ServiceName | Wildcard, readonly (Action | Wildcard)[]>>>>>>;

/** The grants of staging and prod: least privilege, every service and action named. */
const NAMED_GRANTS = {
    clinician: {
        imaging: ["read", "infer"],
        ekg: ["read", "infer"],
        modelcards: ["read"],
    },
    "ml-engineer": {
        eval: ["read", "write", "evaluate"],
        modelcards: ["read", "write"],
        anchor: ["read", "write"],
        imaging: ["read"],
        ekg: ["read"],
    },
    auditor: {
        imaging: ["read"],
        ekg: ["read"],
        eval: ["read"],
        anchor: ["read"],
        modelcards: ["read"],
        ops: ["read"],
    },
    operator: {
        ops: ["read", "write", "admin"],
        modelcards: ["read"],
    },
} as const satisfies Grants;

/**
 * The default grant table per environment. dev adds `platform-admin` with a
 * wildcard, so a developer can exercise every endpoint; staging and prod
 * name every service and action.
 */
export const DEFAULT_GRANTS: Readonly<Record<Environment, Grants>> = {
    dev: { ...NAMED_GRANTS, "platform-admin": { [WILDCARD]: [WILDCARD] } },
    staging: NAMED_GRANTS,
    prod: NAMED_GRANTS,
};

/** The data document OPA serves the policy with, at `data.medagi.acl`. */
export interface AclDocument {
    readonly medagi: {
        readonly acl: {
            /** The six runbook services: a request for any other service is refused. */
            readonly services: readonly ServiceName[];
            /** The known roles (for the decision log's readers; unknown roles simply grant nothing). */
            readonly roles: readonly Role[];
            /** The known actions: a request for any other action is refused. */
            readonly actions: readonly Action[];
            readonly grants: Grants;
        };
    };
}

/** The data document for a grant table (`data.json` of the policy ConfigMap). Pure. */
export function dataDocument(grants: Grants): AclDocument {
    return { medagi: { acl: { services: [...SERVICE_NAMES], roles: [...ROLES], actions: [...ACTIONS], grants } } };
}

/** The grant keys of a table that use a wildcard, as config paths (`authz.grants.<role>.<service>[.<i>]`). Pure. */
export function wildcardGrants(grants: Grants): { path: string; value: unknown }[] {
    const out: { path: string; value: unknown }[] = [];
    for (const [role, services] of Object.entries(grants)) {
        for (const [service, actions] of Object.entries(services ?? {})) {
            if (service === WILDCARD) out.push({ path: `authz.grants.${role}.${service}`, value: actions });
            (actions ?? []).forEach((action, i) => {
                if (action === WILDCARD) out.push({ path: `authz.grants.${role}.${service}.${i}`, value: action });
            });
        }
    }
    return out;
}
