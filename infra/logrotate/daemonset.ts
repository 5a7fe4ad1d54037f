/**
 * The node log rotator as pure data: a DaemonSet that runs logrotate on the
 * Kubernetes-variant config every `intervalSeconds`, on every node, with only
 * the capabilities logrotate needs.
 */
import type * as k8s from "@pulumi/kubernetes";

import { standardLabels, selectorLabels } from "../k8s/labels";
import { ephemeralStorage, withEphemeralStorage } from "../k8s/storage";
import { LOG_ROTATION } from "../runbook";
import { LOGROTATE_CAPABILITIES, LOGROTATE_NAMES, LOGROTATE_RESOURCES, STATE_HOST_PATH } from "./defaults";

export interface LogrotateDaemonSetOptions {
    readonly namespace: string;
    readonly image: string;
    readonly intervalSeconds: number;
    /** Name of the ConfigMap with the `med-agi-k8s` key. */
    readonly configMapName: string;
    /** @default none */
    readonly version?: string;
}

/** Mount points inside the rotator container. */
export const ROTATOR_PATHS = { config: "/etc/med-agi-logrotate", state: "/state" } as const;

/** The loop the container runs: logrotate, then sleep; a failed pass is logged and retried next pass. */
export function rotatorCommand(intervalSeconds: number): string[] {
    if (!Number.isInteger(intervalSeconds) || intervalSeconds < 60) {
        throw new Error(`rotatorCommand: intervalSeconds ${intervalSeconds} must be an integer ≥ 60`);
    }
    const conf = `${ROTATOR_PATHS.config}/${LOGROTATE_NAMES.kubernetesKey}`;
    const state = `${ROTATOR_PATHS.state}/logrotate.status`;
    return [
        "/bin/sh",
        "-c",
        `while :; do /usr/sbin/logrotate -s ${state} ${conf} || echo "logrotate failed (exit $?); retrying in ${intervalSeconds}s" >&2; sleep ${intervalSeconds}; done`,
    ];
}

export function logrotateDaemonSetSpec(options: LogrotateDaemonSetOptions): k8s.apps.v1.DaemonSetArgs {
    const name = LOGROTATE_NAMES.daemonSet;
    const labels = standardLabels(name, "logrotate", options.version);
    return {
        metadata: { name, namespace: options.namespace, labels },
        spec: {
            selector: { matchLabels: selectorLabels(name) },
            updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%" } },
            template: {
                metadata: { labels },
                spec: {
                    // Its own identity (no API access: the token is not mounted), never the namespace's `default`.
                    serviceAccountName: name,
                    automountServiceAccountToken: false,
                    // Every node, GPU nodes included: tolerate all taints.
                    tolerations: [{ operator: "Exists" }],
                    priorityClassName: "system-node-critical",
                    securityContext: { seccompProfile: { type: "RuntimeDefault" } },
                    containers: [
                        {
                            name: "logrotate",
                            image: options.image,
                            imagePullPolicy: "IfNotPresent",
                            command: rotatorCommand(options.intervalSeconds),
                            // Node disk: it rotates files on the host path (not ephemeral storage) and writes only its logs.
                            resources: withEphemeralStorage(
                                { requests: { ...LOGROTATE_RESOURCES.requests }, limits: { ...LOGROTATE_RESOURCES.limits } },
                                ephemeralStorage("8Mi"),
                            ),
                            securityContext: {
                                // Root, to rotate files of any owner; but only these capabilities.
                                runAsUser: 0,
                                runAsNonRoot: false,
                                privileged: false,
                                allowPrivilegeEscalation: false,
                                readOnlyRootFilesystem: true,
                                capabilities: { drop: ["ALL"], add: [...LOGROTATE_CAPABILITIES] },
                                seccompProfile: { type: "RuntimeDefault" },
                            },
                            volumeMounts: [
                                { name: "config", mountPath: ROTATOR_PATHS.config, readOnly: true },
                                { name: "logs", mountPath: LOG_ROTATION.directory },
                                { name: "state", mountPath: ROTATOR_PATHS.state },
                            ],
                        },
                    ],
                    volumes: [
                        {
                            name: "config",
                            configMap: {
                                name: options.configMapName,
                                items: [{ key: LOGROTATE_NAMES.kubernetesKey, path: LOGROTATE_NAMES.kubernetesKey }],
                                defaultMode: 0o444,
                            },
                        },
                        { name: "logs", hostPath: { path: LOG_ROTATION.directory, type: "DirectoryOrCreate" } },
                        { name: "state", hostPath: { path: STATE_HOST_PATH, type: "DirectoryOrCreate" } },
                    ],
                },
            },
        },
    };
}
