/**
 * `DataStoreMonitoring`: the PodMonitor of the CloudNativePG instances (dev)
 * and the Elasticsearch exporter. Declared after the monitoring stack, whose
 * release installs the PodMonitor/ServiceMonitor CRDs (`dependsOn`).
 */
import * as apiextensions from "@pulumi/kubernetes/apiextensions";
import { Release as HelmRelease } from "@pulumi/kubernetes/helm/v3/release";
import { Provider as KubernetesProvider } from "@pulumi/kubernetes/provider";
import * as pulumi from "@pulumi/pulumi";

import { NAMESPACE } from "../../runbook";
import { DATASTORE_CHARTS } from "../charts";
import { ELASTICSEARCH_EXPORTER_RELEASE, elasticsearchExporterValues, POSTGRES_POD_MONITOR, postgresPodMonitorSpec } from "./spec";

export * from "./spec";

export interface DataStoreMonitoringArgs {
    /** Whether the CloudNativePG cluster runs in this stack (dev). */
    readonly inClusterPostgres: boolean;
    /** The exporter user's file-realm Secret (`username`, `password`). */
    readonly elasticsearchCredentialsSecret: string;
    readonly k8sProvider: KubernetesProvider;
    /** The monitoring stack (CRDs) and the data stores. @default [] */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export class DataStoreMonitoring extends pulumi.ComponentResource {
    constructor(name: string, args: DataStoreMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("med-agi:datastores:DataStoreMonitoring", name, {}, opts);
        const base = { parent: this, provider: args.k8sProvider, dependsOn: args.dependsOn ?? [] };
        const labels = { "app.kubernetes.io/part-of": "med-agi" };
        if (args.inClusterPostgres) {
            new apiextensions.CustomResource(
                `${name}-postgres-podmonitor`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "PodMonitor",
                    metadata: { name: POSTGRES_POD_MONITOR, namespace: NAMESPACE, labels },
                    spec: postgresPodMonitorSpec(),
                },
                base,
            );
        }
        const chart = DATASTORE_CHARTS.elasticsearchExporter;
        new HelmRelease(
            `${name}-elasticsearch-exporter`,
            {
                name: ELASTICSEARCH_EXPORTER_RELEASE,
                chart: chart.chart,
                version: chart.version,
                repositoryOpts: { repo: chart.repo },
                namespace: NAMESPACE,
                atomic: true,
                values: elasticsearchExporterValues(args.elasticsearchCredentialsSecret),
            },
            base,
        );
        this.registerOutputs({});
    }
}
