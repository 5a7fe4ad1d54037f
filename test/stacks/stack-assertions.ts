/** Assertions every stack must satisfy: the runbook's names, ports and probes. */
import { NAMESPACE, SERVICE_NAMES, SERVICES } from "../../infra/runbook";
import type { Plan } from "../../tools/lib/plan";
import { k8sObject } from "../support/harness";

export function expectRunbookServices(plan: Plan, release: string, registry?: string): void {
    const ns = k8sObject(plan, "Namespace", NAMESPACE, null);
    expect(ns.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    for (const name of SERVICE_NAMES) {
        const deployment = k8sObject(plan, "Deployment", name);
        const container = deployment.spec.template.spec.containers[0];
        expect(container.name).toBe(name);
        expect(container.image).toBe(`${registry === undefined ? "" : `${registry}/`}med-agi/${name}:${release}`);
        expect(container.ports[0].containerPort).toBe(SERVICES[name].port);
        expect(container.readinessProbe.httpGet.path).toBe("/health");
        expect(container.livenessProbe.httpGet.path).toBe("/health");
        const service = k8sObject(plan, "Service", name);
        expect(service.spec.ports[0].port).toBe(SERVICES[name].port);
    }
}

/**
 * Each runbook service loads its own database role's Secret and mounts the
 * server CA read-only where that Secret's PGSSLROOTCERT points (verify-full).
 */
export function expectDatabaseCaMounted(plan: Plan, caVolumeSource: Record<string, unknown>): void {
    for (const name of ["imaging", "ekg", "eval", "anchor", "modelcards", "ops"]) {
        const pod = k8sObject(plan, "Deployment", name).spec.template.spec;
        expect(pod.volumes).toContainEqual({ name: "postgres-ca", ...caVolumeSource });
        expect(pod.containers[0].volumeMounts).toContainEqual({
            name: "postgres-ca",
            mountPath: "/etc/med-agi/postgres-ca",
            readOnly: true,
        });
        expect(pod.containers[0].envFrom).toContainEqual({ secretRef: { name: `postgres-${name}` } });
    }
}

/**
 * Each runbook service loads its own database role's Secret and its own
 * Elasticsearch user's Secret (nothing else), and verifies Elasticsearch with
 * ECK's HTTP CA mounted where ELASTICSEARCH_CA_CERT points.
 */
export function expectSearchCredentialsWired(plan: Plan): void {
    for (const name of ["imaging", "ekg", "eval", "anchor", "modelcards", "ops"]) {
        const pod = k8sObject(plan, "Deployment", name).spec.template.spec;
        const container = pod.containers[0];
        expect(container.envFrom).toEqual([{ secretRef: { name: `postgres-${name}` } }, { secretRef: { name: `elasticsearch-${name}` } }]);
        expect(container.env).toContainEqual({ name: "ELASTICSEARCH_URL", value: "https://med-agi-search-es-http.med-agi.svc:9200" });
        expect(container.env).toContainEqual({ name: "ELASTICSEARCH_CA_CERT", value: "/etc/med-agi/elasticsearch-ca/ca.crt" });
        expect(pod.volumes).toContainEqual({
            name: "elasticsearch-ca",
            secret: { secretName: "med-agi-search-es-http-certs-public", items: [{ key: "ca.crt", path: "ca.crt" }] },
        });
        expect(container.volumeMounts).toContainEqual({
            name: "elasticsearch-ca",
            mountPath: "/etc/med-agi/elasticsearch-ca",
            readOnly: true,
        });
        const secret = k8sObject(plan, "Secret", `elasticsearch-${name}`);
        expect(Object.keys(secret.stringData as object).sort()).toEqual(["ELASTICSEARCH_PASSWORD", "ELASTICSEARCH_USERNAME"]);
    }
}
