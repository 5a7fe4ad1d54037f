/**
 * Kubernetes recommended labels (`app.kubernetes.io/*`).
 *
 * Selectors use only {@link selectorLabels}: a Deployment's selector is
 * immutable, so it must never include the version.
 */
export const PART_OF = "med-agi";

/** The labels a selector matches on: stable for the life of the workload. */
export function selectorLabels(name: string): Record<string, string> {
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/part-of": PART_OF,
    };
}

/** Full label set for an object of workload `name` at `version`, playing `component`. */
export function standardLabels(name: string, component: string, version?: string): Record<string, string> {
    return {
        ...selectorLabels(name),
        "app.kubernetes.io/instance": name,
        "app.kubernetes.io/component": component,
        ...(version === undefined ? {} : { "app.kubernetes.io/version": version }),
        "app.kubernetes.io/managed-by": "pulumi",
    };
}
