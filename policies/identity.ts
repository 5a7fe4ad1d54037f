/**
 * Identity and access (docs/identity.md): RBAC least privilege, one
 * ServiceAccount per workload with its token unmounted, HTTPS redirect and
 * HSTS on every Ingress, and no credential as a literal env value.
 */
import { CREDENTIAL_ENV_NAME } from "../infra/identity/config";
import { NGINX } from "../infra/identity/spec";
import { NAMESPACE } from "../infra/runbook";
import { containersOf, describe, podSpecOf, ref, WORKLOAD_TYPES } from "./matchers";
import { resourcePolicy, type MedAgiPolicy } from "./policy";

/** The RBAC and Ingress types these policies read (not in matchers' K8S: only this module uses them). */
export const IDENTITY_TYPES = {
    clusterRoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
    roleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
} as const;

/**
 * Workloads that talk to the Kubernetes API and so mount their token, each
 * with a namespaced Role: the config backup reads the namespace's objects.
 */
export const API_CLIENTS = [`CronJob ${NAMESPACE}/config-backup`] as const;

const noClusterAdmin = resourcePolicy({
    name: "k8s-no-cluster-admin-binding",
    area: "kubernetes",
    description: "No RoleBinding or ClusterRoleBinding grants the cluster-admin ClusterRole.",
    rationale:
        "CIS Kubernetes Benchmark 5.1.1 (cluster-admin only where required); operators' admin access is the break-glass EKS access entry, which is audited, not a binding.",
    remediationSteps:
        "Bind a namespaced Role with only the verbs and resources the subject needs; operators get access through cloud.cluster.onCallRoleArns / breakGlassRoleArns.",
    enforcementLevel: "mandatory",
    defaults: {},
    schema: {},
    types: [IDENTITY_TYPES.clusterRoleBinding, IDENTITY_TYPES.roleBinding],
    validate: (props, _args, report) => {
        if (props.roleRef?.kind === "ClusterRole" && props.roleRef?.name === "cluster-admin") {
            report(`${describe(props)} binds cluster-admin.`);
        }
    },
});

const namespacedWorkloadRbac = resourcePolicy({
    name: "k8s-workload-namespaced-rbac",
    area: "kubernetes",
    description: `No ClusterRoleBinding has a ServiceAccount of ${NAMESPACE} as a subject: the platform's workloads get namespaced Roles only.`,
    rationale: "CIS Kubernetes Benchmark 5.1.3 (minimise wildcard and cluster-wide access); a compromised pod reaches only its namespace.",
    remediationSteps: "Replace the ClusterRoleBinding with a RoleBinding in the workload's namespace (see infra/backups/rbac.ts).",
    enforcementLevel: "mandatory",
    defaults: { namespaces: [NAMESPACE] as string[] },
    schema: { namespaces: { type: "array", items: { type: "string" } } },
    types: [IDENTITY_TYPES.clusterRoleBinding],
    validate: (props, _args, report, config) => {
        for (const s of (props.subjects ?? []) as Record<string, any>[]) {
            if (s.kind === "ServiceAccount" && config.namespaces.includes(s.namespace)) {
                report(`${describe(props)} binds the ServiceAccount ${s.namespace}/${s.name} cluster-wide.`);
            }
        }
    },
});

const workloadServiceAccount = resourcePolicy({
    name: "k8s-workload-service-account",
    area: "kubernetes",
    description:
        "Every workload runs as a ServiceAccount of its own (not `default`) with automountServiceAccountToken: false, unless it is a listed API client.",
    rationale:
        "Kubernetes 'Configure Service Accounts' and CIS Kubernetes Benchmark 5.1.5/5.1.6 (default ServiceAccount not used, tokens mounted only where needed).",
    remediationSteps:
        "Create a ServiceAccount for the workload, set spec.template.spec.serviceAccountName to it and automountServiceAccountToken: false; an API client goes into apiClients (`Kind namespace/name`) with a namespaced Role.",
    enforcementLevel: "mandatory",
    defaults: { apiClients: [...API_CLIENTS] as string[] },
    schema: { apiClients: { type: "array", items: { type: "string" } } },
    types: WORKLOAD_TYPES,
    validate: (props, _args, report, config) => {
        const pod = podSpecOf(props);
        if (pod === undefined) return;
        const account = pod.serviceAccountName ?? pod.serviceAccount;
        if (account === undefined || account === "default") report(`${describe(props)} runs as the namespace's default ServiceAccount.`);
        const r = ref(props);
        const client = config.apiClients.includes(`${r.kind} ${r.namespace ?? "default"}/${r.name ?? ""}`);
        if (!client && pod.automountServiceAccountToken !== false) report(`${describe(props)} mounts its ServiceAccount token.`);
    },
});

const ingressHttps = resourcePolicy({
    name: "k8s-ingress-https-hsts",
    area: "kubernetes",
    description:
        "Every nginx Ingress serves TLS, redirects HTTP to HTTPS explicitly (ssl-redirect and force-ssl-redirect) and sends HSTS (custom-headers).",
    rationale:
        "OWASP Transport Layer Security Cheat Sheet (HSTS); HIPAA §164.312(e)(1) transmission security: PHI never crosses plain HTTP, whatever the controller's defaults.",
    remediationSteps:
        "Pass httpsAnnotations(namespace) from infra/identity/spec.ts and a tls section; create the med-agi-security-headers ConfigMap in the Ingress's namespace.",
    enforcementLevel: "mandatory",
    defaults: {},
    schema: {},
    types: [IDENTITY_TYPES.ingress],
    validate: (props, _args, report) => {
        if (props.spec?.ingressClassName !== "nginx") return;
        const a: Record<string, string> = props.metadata?.annotations ?? {};
        if ((props.spec?.tls ?? []).length === 0) report(`${describe(props)} has no tls section.`);
        if (a[NGINX.sslRedirect] !== "true") report(`${describe(props)} does not set ${NGINX.sslRedirect}: "true".`);
        if (a[NGINX.forceSslRedirect] !== "true") report(`${describe(props)} does not set ${NGINX.forceSslRedirect}: "true".`);
        if (a[NGINX.customHeaders] === undefined) report(`${describe(props)} sends no HSTS header (${NGINX.customHeaders}).`);
        else if (a[NGINX.customHeaders].split("/")[0] !== ref(props).namespace) {
            report(`${describe(props)}: ${NGINX.customHeaders} names a ConfigMap of another namespace (nginx refuses it).`);
        }
    },
});

const noPlaintextSecretEnv = resourcePolicy({
    name: "k8s-no-plaintext-secret-env",
    area: "kubernetes",
    description:
        "No container has a credential-named env var (PASSWORD, SECRET, TOKEN, API_KEY, …) with a literal value: it comes from a Secret.",
    rationale:
        "CIS Kubernetes Benchmark 5.4.1 (prefer Secrets as files or references over literal env); a literal value is in the Deployment, readable with get on Deployments.",
    remediationSteps: "Use valueFrom.secretKeyRef (or envFrom a Secret); the value itself goes in with `pulumi config set --secret`.",
    enforcementLevel: "mandatory",
    defaults: {},
    schema: {},
    types: WORKLOAD_TYPES,
    validate: (props, _args, report) => {
        const pod = podSpecOf(props);
        if (pod === undefined) return;
        for (const c of containersOf(pod)) {
            for (const e of (c.container.env ?? []) as Record<string, any>[]) {
                if (CREDENTIAL_ENV_NAME.test(String(e.name)) && e.value !== undefined) {
                    report(`${describe(props)}: container ${c.container.name} sets ${e.name} as a literal value (the value is not shown).`);
                }
            }
        }
    },
});

export const IDENTITY_POLICIES: readonly MedAgiPolicy[] = [
    noClusterAdmin,
    namespacedWorkloadRbac,
    workloadServiceAccount,
    ingressHttps,
    noPlaintextSecretEnv,
];
