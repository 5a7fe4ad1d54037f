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
        expect(pod.containers[0].envFrom).toEqual([{ secretRef: { name: `postgres-${name}` } }]);
    }
}
