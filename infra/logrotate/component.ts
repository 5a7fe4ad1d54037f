/**
 * The LogRotation component: its own namespace (PSA `privileged`: hostPath is
 * forbidden under `restricted` and `baseline`), a ConfigMap with both rendered
 * configs (annotated for the render tool: `logrotate/med-agi` for Compose
 * hosts, `logrotate/med-agi-k8s` for nodes) and the rotator DaemonSet.
 */
import * as appsv1 from "@pulumi/kubernetes/apps/v1";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";

import { logrotateSchema, type LogrotateConfig } from "./config";
import { standardLabels } from "../k8s/labels";
import { PlatformNamespace } from "../namespace";
import { logrotateDaemonSetSpec } from "./daemonset";
import { LOGROTATE_NAMES, RENDER_DIR_ANNOTATION } from "./defaults";
import { logrotateConfig } from "./render";

export interface LogRotationArgs {
    /** Parsed `med-agi:logrotate` config (`logrotateSchema.parse(...)`). @default logrotateSchema.parse({}) */
    readonly config?: LogrotateConfig;
    /**
     * Full image reference, overriding `config.image` (e.g. with the registry
     * prefix: `<registry>/med-agi/logrotate:3.21.0-bookworm`). @default config.image
     */
    readonly image?: string;
    /** `app.kubernetes.io/version` label value. @default none */
    readonly version?: string;
}

/** The ConfigMap data: file name → config text (what the render writes under `logrotate/`). */
export function logrotateConfigData(): Record<string, string> {
    return {
        [LOGROTATE_NAMES.hostKey]: logrotateConfig("host"),
        [LOGROTATE_NAMES.kubernetesKey]: logrotateConfig("kubernetes"),
    };
}

export class LogRotation extends pulumi.ComponentResource {
    /** Namespace of the rotator. */
    public readonly namespace: pulumi.Output<string>;
    /** Name of the ConfigMap holding both configs. */
    public readonly configMapName: pulumi.Output<string>;

    constructor(name: string, args: LogRotationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("med-agi:logrotate:LogRotation", name, {}, opts);
        const config = args.config ?? logrotateSchema.parse({});
        const labels = standardLabels(LOGROTATE_NAMES.configMap, "logrotate", args.version);

        const ns = new PlatformNamespace(`${name}-namespace`, { name: config.namespace, podSecurity: "privileged" }, { parent: this });
        const configMap = new corev1.ConfigMap(
            `${name}-config`,
            {
                metadata: {
                    name: LOGROTATE_NAMES.configMap,
                    namespace: ns.name,
                    labels,
                    annotations: { [RENDER_DIR_ANNOTATION]: "logrotate" },
                },
                data: logrotateConfigData(),
            },
            { parent: this },
        );
        if (config.enabled) {
            const account = new corev1.ServiceAccount(
                `${name}-serviceaccount`,
                { metadata: { name: LOGROTATE_NAMES.daemonSet, namespace: config.namespace }, automountServiceAccountToken: false },
                { parent: this, dependsOn: [ns] },
            );
            new appsv1.DaemonSet(
                `${name}-daemonset`,
                logrotateDaemonSetSpec({
                    namespace: config.namespace,
                    image: args.image ?? config.image,
                    intervalSeconds: config.intervalSeconds,
                    configMapName: LOGROTATE_NAMES.configMap,
                    ...(args.version === undefined ? {} : { version: args.version }),
                }),
                { parent: this, dependsOn: [configMap, ns, account] },
            );
        }
        this.namespace = ns.name;
        this.configMapName = configMap.metadata.name;
        this.registerOutputs({ namespace: this.namespace, configMapName: this.configMapName });
    }
}
