/**
 * Pinned third-party Helm charts. Exact versions (never ranges) so a
 * `pulumi up` months from now installs what was reviewed; bump them in a pull
 * request of their own.
 */

/** A Helm chart at an exact version in its repository. */
export interface PinnedChart {
    readonly chart: string;
    readonly version: string;
    readonly repo: string;
}

export const CHARTS = {
    /**
     * prometheus-community/kube-prometheus-stack 81.4.3, tag
     * `kube-prometheus-stack-81.4.3` (operator v0.88.1, Prometheus v3.9.1,
     * Alertmanager v0.30.1, grafana subchart 10.5.15 / Grafana 12.3.1,
     * kube-state-metrics 7.1.0, prometheus-node-exporter 4.51.0). 81.4.5 was
     * never released (the tags go 81.4.3 → 81.5.0). docs/versions.md.
     */
    kubePrometheusStack: {
        chart: "kube-prometheus-stack",
        version: "81.4.3",
        repo: "https://prometheus-community.github.io/helm-charts",
    },
    /** fluent/fluent-bit 0.47.0, tag `fluent-bit-0.47.0` (Fluent Bit 3.1.0). docs/versions.md. */
    fluentBit: {
        chart: "fluent-bit",
        version: "0.47.0",
        repo: "https://fluent.github.io/helm-charts",
    },
} as const satisfies Record<string, PinnedChart>;
