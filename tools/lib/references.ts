/**
 * Every object a rendered workload depends on, and whether the same render
 * creates it: what a mocked render cannot see fail, found statically. A
 * reference resolves when the stack declares the object, when
 * an ExternalSecret of the stack produces it, or when an operator the stack
 * deploys creates it from a resource of the stack (the patterns below).
 */
import { isKubernetesObject, type Plan, type PlannedResource } from "./plan";

/** One dependency of a workload on a named object. */
export interface Reference {
    /** Who refers: `Deployment med-agi/imaging`, `Ingress med-agi/imaging`, `Release monitoring/kube-prometheus-stack`. */
    readonly from: string;
    /** What is needed: `ConfigMap`, `Secret`, `ServiceAccount`, `StorageClass`, `IngressClass`, `ClusterIssuer`, `IngressController`. */
    readonly kind: string;
    /** Its namespace (undefined: cluster-scoped). */
    readonly namespace: string | undefined;
    readonly name: string;
    /** Where in the referring object (`volumes[rds-ca]`, `env IMAGING_DB_PASSWORD`, `values.…storageClassName`). */
    readonly via: string;
}

/** An object the render makes available, and what makes it (for the report). */
export interface Provided {
    readonly kind: string;
    readonly namespace: string | undefined;
    readonly name: string;
    readonly by: string;
}

const WORKLOAD_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"]);

// Rendered objects of every kind are walked by field name; their shapes are not typed here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

function podSpecOf(o: Obj): Obj | undefined {
    switch (o.kind) {
        case "Pod":
            return o.spec;
        case "CronJob":
            return o.spec?.jobTemplate?.spec?.template?.spec;
        default:
            return o.spec?.template?.spec;
    }
}

function describe(o: Obj): string {
    const ns = o.metadata?.namespace;
    return `${o.kind} ${ns === undefined ? "" : `${ns}/`}${o.metadata?.name}`;
}

/** The references of one pod spec: ServiceAccount, ConfigMaps and Secrets in volumes, env, envFrom, pull secrets. */
export function podReferences(from: string, namespace: string | undefined, spec: Obj): Reference[] {
    const refs: Reference[] = [];
    const add = (kind: string, name: string | undefined, via: string) => {
        if (name !== undefined) refs.push({ from, kind, namespace, name, via });
    };
    const sa = spec.serviceAccountName ?? spec.serviceAccount;
    if (sa !== undefined && sa !== "default") add("ServiceAccount", sa, "serviceAccountName");
    for (const v of spec.volumes ?? []) {
        if (v.configMap !== undefined && v.configMap.optional !== true) add("ConfigMap", v.configMap.name, `volumes[${v.name}]`);
        if (v.secret !== undefined && v.secret.optional !== true) add("Secret", v.secret.secretName, `volumes[${v.name}]`);
        for (const s of v.projected?.sources ?? []) {
            if (s.configMap !== undefined && s.configMap.optional !== true)
                add("ConfigMap", s.configMap.name, `volumes[${v.name}].projected`);
            if (s.secret !== undefined && s.secret.optional !== true) add("Secret", s.secret.name, `volumes[${v.name}].projected`);
        }
        if (v.persistentVolumeClaim !== undefined) add("PersistentVolumeClaim", v.persistentVolumeClaim.claimName, `volumes[${v.name}]`);
    }
    for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
        for (const e of c.env ?? []) {
            const cm = e.valueFrom?.configMapKeyRef;
            const sec = e.valueFrom?.secretKeyRef;
            if (cm !== undefined && cm.optional !== true) add("ConfigMap", cm.name, `${c.name} env ${e.name}`);
            if (sec !== undefined && sec.optional !== true) add("Secret", sec.name, `${c.name} env ${e.name}`);
        }
        for (const e of c.envFrom ?? []) {
            if (e.configMapRef !== undefined && e.configMapRef.optional !== true)
                add("ConfigMap", e.configMapRef.name, `${c.name} envFrom`);
            if (e.secretRef !== undefined && e.secretRef.optional !== true) add("Secret", e.secretRef.name, `${c.name} envFrom`);
        }
    }
    for (const p of spec.imagePullSecrets ?? []) add("Secret", p.name, "imagePullSecrets");
    return refs;
}

/** StorageClass names anywhere in a chart's values or a custom resource's spec (`storageClass`, `storageClassName`). */
export function storageClassesIn(value: unknown, path = ""): { name: string; via: string }[] {
    if (Array.isArray(value)) return value.flatMap((v, i) => storageClassesIn(v, `${path}[${i}]`));
    if (value === null || typeof value !== "object") return [];
    return Object.entries(value as Obj).flatMap(([k, v]) =>
        (k === "storageClassName" || k === "storageClass") && typeof v === "string" && v !== ""
            ? [{ name: v, via: `${path}.${k}` }]
            : storageClassesIn(v, `${path}.${k}`),
    );
}

/** Every reference a rendered stack's workloads, claims, Ingresses and chart values make. */
export function references(plan: Plan): Reference[] {
    const refs: Reference[] = [];
    for (const r of plan.resources) {
        if (r.type.startsWith("kubernetes:helm.sh/")) {
            const from = `Release ${String(r.inputs.namespace)}/${String(r.inputs.name ?? r.name)}`;
            for (const s of storageClassesIn(r.inputs.values, "values"))
                refs.push({ from, kind: "StorageClass", namespace: undefined, name: s.name, via: s.via });
            continue;
        }
        if (!isKubernetesObject(r)) continue;
        const o = r.inputs as Obj;
        const ns: string | undefined = o.metadata?.namespace;
        const from = describe(o);
        if (WORKLOAD_KINDS.has(o.kind)) {
            const spec = podSpecOf(o);
            if (spec !== undefined) refs.push(...podReferences(from, ns, spec));
        }
        if (o.kind === "PersistentVolumeClaim" && o.spec?.storageClassName !== undefined)
            refs.push({ from, kind: "StorageClass", namespace: undefined, name: o.spec.storageClassName, via: "spec.storageClassName" });
        if (o.kind === "StatefulSet")
            for (const t of o.spec?.volumeClaimTemplates ?? [])
                if (t.spec?.storageClassName !== undefined)
                    refs.push({
                        from,
                        kind: "StorageClass",
                        namespace: undefined,
                        name: t.spec.storageClassName,
                        via: "volumeClaimTemplates",
                    });
        // Operator-managed claims (CloudNativePG's storage, ECK's volumeClaimTemplates).
        if (o.kind === "Cluster" || o.kind === "Elasticsearch")
            for (const s of storageClassesIn(o.spec, "spec"))
                refs.push({ from, kind: "StorageClass", namespace: undefined, name: s.name, via: s.via });
        if (o.kind === "Ingress") {
            if (o.spec?.ingressClassName !== undefined)
                refs.push({
                    from,
                    kind: "IngressClass",
                    namespace: undefined,
                    name: o.spec.ingressClassName,
                    via: "spec.ingressClassName",
                });
            const issuer = o.metadata?.annotations?.["cert-manager.io/cluster-issuer"];
            if (issuer !== undefined)
                refs.push({ from, kind: "ClusterIssuer", namespace: undefined, name: issuer, via: "cert-manager.io/cluster-issuer" });
        }
        if (o.kind === "IngressClass" && o.spec?.controller !== undefined)
            refs.push({ from, kind: "IngressController", namespace: undefined, name: o.spec.controller, via: "spec.controller" });
    }
    return refs;
}

/**
 * Objects operators create from a stack's resources (their documented names):
 * CloudNativePG's `<cluster>-app`, `-ca`, `-server`, `-replication` Secrets
 * (and `-superuser` with `enableSuperuserAccess`), ECK's
 * `<name>-es-elastic-user`, `-es-http-certs-public`, `-es-http-ca-internal`,
 * `-es-http-certs-internal`, and an ExternalSecret's target Secret.
 */
export function operatorProvided(r: PlannedResource): Provided[] {
    if (!isKubernetesObject(r)) return [];
    const o = r.inputs as Obj;
    const ns: string | undefined = o.metadata?.namespace;
    const name: string = o.metadata?.name;
    const secret = (n: string, by: string): Provided => ({ kind: "Secret", namespace: ns, name: n, by });
    if (o.apiVersion?.startsWith("postgresql.cnpg.io/") && o.kind === "Cluster") {
        const by = `CloudNativePG from Cluster ${ns}/${name}`;
        return [
            ...["app", "ca", "server", "replication"].map((s) => secret(`${name}-${s}`, by)),
            ...(o.spec?.enableSuperuserAccess === true ? [secret(`${name}-superuser`, by)] : []),
        ];
    }
    if (o.apiVersion?.startsWith("elasticsearch.k8s.elastic.co/") && o.kind === "Elasticsearch") {
        const by = `ECK from Elasticsearch ${ns}/${name}`;
        return ["es-elastic-user", "es-http-certs-public", "es-http-ca-internal", "es-http-certs-internal"].map((s) =>
            secret(`${name}-${s}`, by),
        );
    }
    if (o.apiVersion?.startsWith("external-secrets.io/") && o.kind === "ExternalSecret")
        return [secret(o.spec?.target?.name ?? name, `ExternalSecret ${ns}/${name}`)];
    return [];
}

/**
 * The IngressClass controller strings a chart release serves, read from its
 * values: Traefik's Kubernetes Ingress provider (`traefik.io/ingress-controller`,
 * on unless turned off) and its Ingress NGINX provider (`controllerClass`,
 * default `k8s.io/ingress-nginx`, when enabled).
 */
export function controllersServed(chart: string, values: Obj | undefined): string[] {
    if (chart !== "traefik") return [];
    const providers = values?.providers ?? {};
    return [
        ...(providers.kubernetesIngress?.enabled === false ? [] : ["traefik.io/ingress-controller"]),
        ...(providers.kubernetesIngressNGINX?.enabled === true
            ? [providers.kubernetesIngressNGINX.controllerClass ?? "k8s.io/ingress-nginx"]
            : []),
    ];
}

/** Everything the render makes available: its objects, what its operators create, the controllers its charts run. */
export function provided(plan: Plan, extra: readonly Provided[] = []): Provided[] {
    const out: Provided[] = [...extra];
    for (const r of plan.resources) {
        if (r.type.startsWith("kubernetes:helm.sh/")) {
            for (const controller of controllersServed(String(r.inputs.chart), r.inputs.values as Obj | undefined))
                out.push({ kind: "IngressController", namespace: undefined, name: controller, by: `Release ${r.name}` });
            continue;
        }
        if (!isKubernetesObject(r)) continue;
        const o = r.inputs as Obj;
        out.push({ kind: o.kind, namespace: o.metadata?.namespace, name: o.metadata?.name, by: "the stack" });
        out.push(...operatorProvided(r));
    }
    return out;
}

/** The references nothing provides, as readable lines. */
export function unresolved(refs: readonly Reference[], have: readonly Provided[]): string[] {
    const key = (kind: string, ns: string | undefined, name: string) => `${kind}|${ns ?? ""}|${name}`;
    const index = new Set(have.map((p) => key(p.kind, p.namespace, p.name)));
    return refs
        .filter((r) => !index.has(key(r.kind, r.namespace, r.name)))
        .map((r) => `${r.from} needs ${r.kind} ${r.namespace === undefined ? "" : `${r.namespace}/`}${r.name} (${r.via})`);
}
