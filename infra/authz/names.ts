/**
 * The names and numbers of OPA that other modules rely on (the services,
 * Fluent Bit, the policy pack): a light module with no dependencies beyond
 * the runbook, so the policy pack can import it cheaply.
 */
import { NAMESPACE } from "../runbook";

/** Deployment, Service, ServiceAccount and container name (the helpers' shared contract). */
export const OPA_NAME = "opa";

/** OPA's HTTP port: decisions, `/health` and `/metrics`. */
export const OPA_PORT = 8181;
/** Name of that port on the container and the Service. */
export const OPA_PORT_NAME = "http";

/** The rule services ask for, as OPA's Data API path under `/v1/data/`. */
export const OPA_DECISION_PATH = "medagi/authz/allow";

/** What every service is told: where OPA is and which decision to ask for. */
export const OPA_CLIENT_ENV = {
    OPA_URL: `http://${OPA_NAME}.${NAMESPACE}.svc:${OPA_PORT}`,
    OPA_DECISION_PATH,
} as const;

/** The ConfigMap with the Rego modules and the data document, mounted at {@link POLICY_DIR}. */
export const POLICY_CONFIGMAP = "opa-policy";
/** The ConfigMap with OPA's own configuration file, mounted at {@link CONFIG_DIR}. */
export const CONFIG_CONFIGMAP = "opa-config";
export const POLICY_DIR = "/policy";
export const CONFIG_DIR = "/config";
export const CONFIG_FILE = "config.yaml";
/** The data document's file name: loaded at the root of `data` (so `data.medagi.acl`). */
export const DATA_FILE = "data.json";

/**
 * prod runs at least one OPA per availability zone (the cloud layer spreads
 * prod over 3): every service asks OPA on every request, so losing a zone
 * must leave OPA serving with room for a rollout.
 */
export const OPA_PROD_MIN_REPLICAS = 3;

/** Where OPA's container logs (its decision log) are on a node, for Fluent Bit (infra/observability). */
export const OPA_LOG_SOURCE = { namespace: NAMESPACE, pod: OPA_NAME, container: OPA_NAME } as const;
