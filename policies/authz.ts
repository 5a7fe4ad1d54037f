/**
 * "OPA for authorization" (runbook, Critical Dependencies) as policies: OPA
 * is deployed with its policy, every service is told where it is, and prod
 * keeps it highly available and free of wildcard grants. Defaults come from
 * infra/authz (the contract names) and infra/runbook.
 */
import { WILDCARD } from "../infra/authz/model";
import { DATA_FILE, OPA_CLIENT_ENV, OPA_NAME, OPA_PROD_MIN_REPLICAS, POLICY_CONFIGMAP } from "../infra/authz/names";
import { NAMESPACE, SERVICE_NAMES } from "../infra/runbook";
import {
    containersOf,
    describe,
    disruptionBudgetFor,
    ENVIRONMENT_DEFAULTS,
    ENVIRONMENT_SCHEMA,
    environmentOf,
    K8S,
    keepsNoPod,
    objectsOf,
    podLabelsOf,
    podSpecOf,
    ref,
} from "./matchers";
import { stackPolicy, type MedAgiPolicy, type PolicyResource } from "./policy";

const RATIONALE =
    'runbook "Critical Dependencies": "OPA for authorization"; issue 11 (OPA, highly available in prod, policy shipped as a ConfigMap).';

function find(resources: readonly PolicyResource[], token: string, namespace: string, name: string): PolicyResource | undefined {
    return objectsOf(resources, token).find((r) => ref(r.props).namespace === namespace && ref(r.props).name === name);
}

const opaPolicy = stackPolicy({
    name: "runbook-opa-policy",
    reads: [K8S.deployment, K8S.configMap],
    area: "runbook",
    description: `Deployment ${OPA_NAME} runs in ${NAMESPACE} and mounts ConfigMap ${POLICY_CONFIGMAP}, which holds the Rego policy and ${DATA_FILE}; in prod the grant table has no "${WILDCARD}".`,
    rationale: RATIONALE,
    remediationSteps: `Keep the OpaAuthz component in infra/program.ts (it declares both objects); in prod name every service and action in med-agi:authz.grants (the config check refuses "${WILDCARD}").`,
    enforcementLevel: "mandatory",
    defaults: { ...ENVIRONMENT_DEFAULTS, namespace: NAMESPACE, deployment: OPA_NAME, configMap: POLICY_CONFIGMAP },
    schema: { ...ENVIRONMENT_SCHEMA, namespace: { type: "string" }, deployment: { type: "string" }, configMap: { type: "string" } },
    validate: (args, report, config) => {
        const deployment = find(args.resources, K8S.deployment, config.namespace, config.deployment);
        if (deployment === undefined) {
            report(
                `deployment/${config.deployment} is missing from namespace ${config.namespace}: nothing answers the services' authorisation requests.`,
            );
            return;
        }
        const policy = find(args.resources, K8S.configMap, config.namespace, config.configMap);
        const data: Record<string, unknown> = policy?.props.data ?? {};
        if (policy === undefined || !Object.keys(data).some((k) => k.endsWith(".rego")) || data[DATA_FILE] === undefined) {
            report(
                `ConfigMap ${config.namespace}/${config.configMap} with the Rego policy and ${DATA_FILE} is missing.`,
                policy?.urn ?? deployment.urn,
            );
            return;
        }
        const volumes: Record<string, any>[] = podSpecOf(deployment.props)?.volumes ?? [];
        if (!volumes.some((v) => v.configMap?.name === config.configMap)) {
            report(`${describe(deployment.props)} does not mount ConfigMap ${config.configMap}: it would serve no policy.`, deployment.urn);
        }
        const text = data[DATA_FILE];
        if (environmentOf(deployment.urn, config) === "prod" && typeof text === "string") {
            const grants =
                (JSON.parse(text) as { medagi?: { acl?: { grants?: Record<string, Record<string, string[]>> } } }).medagi?.acl?.grants ??
                {};
            for (const [role, services] of Object.entries(grants)) {
                for (const [service, actions] of Object.entries(services)) {
                    if (service === WILDCARD || actions.includes(WILDCARD)) {
                        report(
                            `${describe(policy.props)} grants role ${role} "${WILDCARD}" (${service}: ${JSON.stringify(actions)}); prod names every service and action.`,
                            policy.urn,
                        );
                    }
                }
            }
        }
    },
});

const opaProdHa = stackPolicy({
    name: "runbook-opa-prod-ha",
    reads: [K8S.deployment, K8S.pdb],
    area: "runbook",
    description: `In prod OPA runs at least ${OPA_PROD_MIN_REPLICAS} pods, spread over zones, behind a PodDisruptionBudget that keeps at least one.`,
    rationale: `${RATIONALE} Every request of every service asks OPA: losing it is a complete outage (runbook P1).`,
    remediationSteps: `Set med-agi:authz.replicas ≥ ${OPA_PROD_MIN_REPLICAS} (the default in prod) and keep the PodDisruptionBudget and the zone topology spread infra/authz declares.`,
    enforcementLevel: "mandatory",
    defaults: { ...ENVIRONMENT_DEFAULTS, minReplicas: OPA_PROD_MIN_REPLICAS, namespace: NAMESPACE, deployment: OPA_NAME },
    schema: {
        ...ENVIRONMENT_SCHEMA,
        minReplicas: { type: "integer", minimum: 1 },
        namespace: { type: "string" },
        deployment: { type: "string" },
    },
    validate: (args, report, config) => {
        const deployment = find(args.resources, K8S.deployment, config.namespace, config.deployment);
        if (deployment === undefined || environmentOf(deployment.urn, config) !== "prod")
            return args.notApplicable("no OPA in a prod stack");
        const replicas = deployment.props.spec?.replicas ?? 1;
        if (typeof replicas === "number" && replicas < config.minReplicas) {
            report(`${describe(deployment.props)} runs ${replicas} pod(s); prod needs ≥ ${config.minReplicas}.`, deployment.urn);
        }
        const zoneSpread = (podSpecOf(deployment.props)?.topologySpreadConstraints ?? []).some(
            (c: Record<string, any>) => c.topologyKey === "topology.kubernetes.io/zone",
        );
        if (!zoneSpread) report(`${describe(deployment.props)} has no topology spread over topology.kubernetes.io/zone.`, deployment.urn);
        const pdb = disruptionBudgetFor(args.resources, config.namespace, podLabelsOf(deployment.props));
        if (pdb === undefined) {
            report(`${describe(deployment.props)} has no PodDisruptionBudget selecting its pods.`, deployment.urn);
            return;
        }
        if (keepsNoPod(pdb.props.spec ?? {})) report(`${describe(pdb.props)} allows every OPA pod to be evicted at once.`, pdb.urn);
    },
});

const opaClients = stackPolicy({
    name: "runbook-opa-clients",
    reads: [K8S.deployment],
    area: "runbook",
    description: `Every runbook service's container has ${Object.keys(OPA_CLIENT_ENV).join(" and ")} pointing at OPA.`,
    rationale: `${RATIONALE} A service without them cannot ask for a decision.`,
    remediationSteps: "Keep `...opaClientEnv()` in the services' env in infra/program.ts.",
    enforcementLevel: "mandatory",
    defaults: { namespace: NAMESPACE, services: [...SERVICE_NAMES] as string[], env: { ...OPA_CLIENT_ENV } as Record<string, string> },
    schema: {
        namespace: { type: "string" },
        services: { type: "array", items: { type: "string" } },
        env: { type: "object", additionalProperties: { type: "string" } },
    },
    validate: (args, report, config) => {
        for (const d of objectsOf(args.resources, K8S.deployment)) {
            const { name, namespace } = ref(d.props);
            if (namespace !== config.namespace || !config.services.includes(name ?? "")) continue;
            const main = containersOf(podSpecOf(d.props) ?? {}).find((c) => c.container.name === name);
            const env: Record<string, any>[] = main?.container.env ?? [];
            for (const [key, value] of Object.entries(config.env)) {
                const found = env.find((e) => e.name === key);
                if (found?.value !== value) {
                    report(
                        `${describe(d.props)}: ${key} is ${found === undefined ? "not set" : JSON.stringify(found.value)}; it must be ${JSON.stringify(value)}.`,
                        d.urn,
                    );
                }
            }
        }
    },
});

export const AUTHZ_POLICIES: readonly MedAgiPolicy[] = [opaPolicy, opaProdHa, opaClients];
