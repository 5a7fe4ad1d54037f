/**
 * Who can read each Secret of a rendered stack, checked against a reviewed
 * table (one holder per secret). Pure over a plan.
 *
 * A reader is:
 * - a workload (Deployment, StatefulSet, DaemonSet, Job, CronJob) whose pod
 *   mounts the Secret (a `secret` volume or a projected source) or takes it
 *   into a container's env (`secretKeyRef`) or envFrom (`secretRef`), init
 *   containers included;
 * - a Helm release whose values name the Secret under a key that says
 *   secret (`existingSecret`, `envFromSecrets`, `secretName`, …; in the
 *   release's namespace): the chart's pods read it;
 * - another object whose `spec` names it the same way (Ingress TLS, the
 *   Elasticsearch resource's file realm, a CloudNativePG cluster), or an
 *   ExternalSecret's target: the controller that serves that object reads it;
 * - a ServiceAccount that RBAC lets `get`, `list` or `watch` Secrets (a Role
 *   bound by a RoleBinding: that namespace's Secrets, or its resourceNames;
 *   a ClusterRole bound by a ClusterRoleBinding: every Secret).
 */
import { isKubernetesObject, type Plan } from "../../tools/lib/plan";

const WORKLOADS = new Set(["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"]);
const READ_VERBS = ["get", "list", "watch", "*"];

type Obj = Record<string, any>;

function podSpec(w: Obj): Obj | undefined {
    return w.kind === "CronJob" ? w.spec?.jobTemplate?.spec?.template?.spec : w.spec?.template?.spec;
}

/** Secret names a pod spec reads. */
function podSecrets(pod: Obj): Set<string> {
    const out = new Set<string>();
    for (const v of (pod.volumes ?? []) as Obj[]) {
        if (v.secret?.secretName !== undefined) out.add(v.secret.secretName);
        for (const src of (v.projected?.sources ?? []) as Obj[]) if (src.secret?.name !== undefined) out.add(src.secret.name);
    }
    for (const c of [...(pod.containers ?? []), ...(pod.initContainers ?? [])] as Obj[]) {
        for (const e of (c.env ?? []) as Obj[]) if (e.valueFrom?.secretKeyRef?.name !== undefined) out.add(e.valueFrom.secretKeyRef.name);
        for (const e of (c.envFrom ?? []) as Obj[]) if (e.secretRef?.name !== undefined) out.add(e.secretRef.name);
    }
    return out;
}

/** Every string in `value` (deep). */
function strings(value: unknown, out: Set<string> = new Set()): Set<string> {
    if (typeof value === "string") out.add(value);
    else if (Array.isArray(value)) for (const v of value) strings(v, out);
    else if (value !== null && typeof value === "object") for (const v of Object.values(value)) strings(v, out);
    return out;
}

/** The strings under every key of `value` (deep) whose name says secret: the Secret names it references. */
function secretRefs(value: unknown, out: Set<string> = new Set()): Set<string> {
    if (Array.isArray(value)) for (const v of value) secretRefs(v, out);
    else if (value !== null && typeof value === "object") {
        for (const [k, v] of Object.entries(value)) {
            if (/secret/i.test(k)) strings(v, out);
            else secretRefs(v, out);
        }
    }
    return out;
}

/** `namespace/secret` → sorted readers (`Kind namespace/name`). */
export function secretReaders(plan: Plan): Record<string, string[]> {
    const objects = plan.resources.filter(isKubernetesObject).map((r) => r.inputs as Obj);
    const secrets = new Set<string>();
    for (const o of objects) {
        if (o.kind === "Secret") secrets.add(`${o.metadata.namespace}/${o.metadata.name}`);
        if (o.kind === "ExternalSecret") secrets.add(`${o.metadata.namespace}/${o.spec.target?.name ?? o.metadata.name}`);
    }
    const readers: Record<string, Set<string>> = Object.fromEntries([...secrets].map((s) => [s, new Set<string>()]));
    const add = (secret: string, reader: string) => {
        if (secret in readers) readers[secret]!.add(reader);
    };

    for (const o of objects) {
        const ns = o.metadata?.namespace;
        const me = `${o.kind} ${ns ?? ""}/${o.metadata?.name}`;
        if (WORKLOADS.has(o.kind)) {
            const pod = podSpec(o);
            if (pod !== undefined) for (const s of podSecrets(pod)) add(`${ns}/${s}`, me);
        } else if (o.kind === "ExternalSecret") {
            add(`${ns}/${o.spec.target?.name ?? o.metadata.name}`, me);
        } else if (o.spec !== undefined) {
            for (const s of secretRefs(o.spec)) add(`${ns}/${s}`, me);
        }
    }
    for (const r of plan.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release")) {
        const ns = r.inputs.namespace as string;
        for (const s of secretRefs(r.inputs.values)) add(`${ns}/${s}`, `Release ${ns}/${r.inputs.name as string}`);
    }

    // RBAC: which ServiceAccounts may read Secrets.
    const readsSecrets = (rules: Obj[] | undefined): { all: boolean; names: string[] } => {
        const names: string[] = [];
        let all = false;
        for (const rule of rules ?? []) {
            const resources: string[] = rule.resources ?? [];
            const verbs: string[] = rule.verbs ?? [];
            if (!(rule.apiGroups ?? []).some((g: string) => g === "" || g === "*")) continue;
            if (!resources.some((x) => x === "secrets" || x === "*")) continue;
            if (!verbs.some((v) => READ_VERBS.includes(v))) continue;
            if (rule.resourceNames === undefined || rule.resourceNames.length === 0) all = true;
            else names.push(...rule.resourceNames);
        }
        return { all, names };
    };
    const roles = new Map(objects.filter((o) => o.kind === "Role").map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o]));
    const clusterRoles = new Map(objects.filter((o) => o.kind === "ClusterRole").map((o) => [o.metadata.name as string, o]));
    const subjectsOf = (b: Obj) =>
        ((b.subjects ?? []) as Obj[]).filter((s) => s.kind === "ServiceAccount").map((s) => `ServiceAccount ${s.namespace}/${s.name}`);
    for (const b of objects.filter((o) => o.kind === "RoleBinding")) {
        const ns = b.metadata.namespace;
        const role = b.roleRef.kind === "Role" ? roles.get(`${ns}/${b.roleRef.name}`) : clusterRoles.get(b.roleRef.name);
        const grant = readsSecrets(role?.rules);
        for (const secret of Object.keys(readers).filter((s) => s.startsWith(`${ns}/`))) {
            if (grant.all || grant.names.includes(secret.slice(ns.length + 1))) for (const sa of subjectsOf(b)) add(secret, sa);
        }
    }
    for (const b of objects.filter((o) => o.kind === "ClusterRoleBinding")) {
        const grant = readsSecrets(clusterRoles.get(b.roleRef.name)?.rules);
        for (const secret of Object.keys(readers)) {
            const name = secret.slice(secret.indexOf("/") + 1);
            if (grant.all || grant.names.includes(name)) for (const sa of subjectsOf(b)) add(secret, sa);
        }
    }
    return Object.fromEntries(
        Object.entries(readers)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([s, r]) => [s, [...r].sort()]),
    );
}
