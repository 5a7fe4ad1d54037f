/**
 * What config-backup may read: the kinds behind `kubectl get all` plus the
 * namespaced configuration `all` leaves out — and never Secrets. One table
 * feeds both the Role's rules and the script's resource list.
 */
import type * as k8s from "@pulumi/kubernetes";

/** `kubectl get all` expands to these (kubectl's "all" category). */
export const ALL_CATEGORY: Readonly<Record<string, readonly string[]>> = {
    "": ["pods", "services", "replicationcontrollers"],
    apps: ["daemonsets", "deployments", "replicasets", "statefulsets"],
    autoscaling: ["horizontalpodautoscalers"],
    batch: ["cronjobs", "jobs"],
};

/** Namespaced configuration exported besides `all` (Secrets deliberately absent). */
export const CONFIG_EXPORT: Readonly<Record<string, readonly string[]>> = {
    "": ["configmaps", "serviceaccounts", "persistentvolumeclaims", "resourcequotas", "limitranges"],
    "rbac.authorization.k8s.io": ["roles", "rolebindings"],
    "networking.k8s.io": ["ingresses", "networkpolicies"],
    policy: ["poddisruptionbudgets"],
};

/** `kubectl get` resource list for the export (`resource.group`, fully qualified so no CRD shadows it). */
export function configExportResources(): string[] {
    return Object.entries(CONFIG_EXPORT).flatMap(([group, resources]) => resources.map((r) => (group === "" ? r : `${r}.${group}`)));
}

/** Role rules: get/list on exactly the exported kinds. */
export function configReaderRules(): k8s.types.input.rbac.v1.PolicyRule[] {
    const groups = new Map<string, Set<string>>();
    for (const table of [ALL_CATEGORY, CONFIG_EXPORT]) {
        for (const [group, resources] of Object.entries(table)) {
            const set = groups.get(group) ?? new Set<string>();
            resources.forEach((r) => set.add(r));
            groups.set(group, set);
        }
    }
    return [...groups.entries()].map(([group, resources]) => ({
        apiGroups: [group],
        resources: [...resources].sort(),
        verbs: ["get", "list"],
    }));
}
