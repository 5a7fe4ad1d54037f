/**
 * Pure builders for OPA's Kubernetes objects: the policy and config files,
 * the Deployment, Service, PodDisruptionBudget and ServiceMonitor specs, and
 * the environment every service gets to reach OPA. `index.ts` only
 * instantiates what these return (tests: test/authz/).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

import type * as k8s from "@pulumi/kubernetes";
import { stringify } from "yaml";

import type { Environment } from "../environment";
import { restrictedContainerSecurityContext } from "../k8s/security";
import { restrictedPodSpecBase, type TopologySpreadPolicy } from "../k8s/pod";
import { ephemeralStorage, withEphemeralStorage } from "../k8s/storage";
import { selectorLabels, standardLabels } from "../k8s/labels";
import type { AuthzSettings } from "./config";
import { dataDocument } from "./model";
import {
    CONFIG_CONFIGMAP,
    CONFIG_DIR,
    CONFIG_FILE,
    DATA_FILE,
    OPA_CLIENT_ENV,
    OPA_NAME,
    OPA_PORT,
    OPA_PORT_NAME,
    POLICY_CONFIGMAP,
    POLICY_DIR,
} from "./names";

export * from "./names";

/** Pod annotation whose value changes with any policy, data or config file: a change rolls the pods. */
export const CHECKSUM_ANNOTATION = "checksum/opa";

/** The Rego modules shipped (the `_test.rego` file stays in the repository, for `opa test`). */
export const REGO_FILES = ["authz.rego", "system-authz.rego", "system-log.rego"] as const;

/** Where the Rego sources live in this checkout. */
export const REGO_DIR = path.join(__dirname, "policy");

/** Node disk of the OPA container: it writes no file (policy and config are read-only mounts), only its logs. */
export const OPA_EPHEMERAL_STORAGE = ephemeralStorage("16Mi");

/** Probe timing: OPA loads the policy in well under a second. */
export const OPA_PROBES = {
    readiness: { periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 2, initialDelaySeconds: 2 },
    liveness: { periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2, initialDelaySeconds: 5 },
} as const;

/** Old ReplicaSets kept for `kubectl rollout undo deployment/opa`. */
const REVISION_HISTORY_LIMIT = 10;

/** The files of the policy ConfigMap: the Rego modules and `data.json`. Pure but for reading the .rego files. */
export function policyFiles(settings: Pick<AuthzSettings, "grants">, dir: string = REGO_DIR): Record<string, string> {
    const files: Record<string, string> = {};
    for (const file of REGO_FILES) files[file] = fs.readFileSync(path.join(dir, file), "utf8");
    files[DATA_FILE] = JSON.stringify(dataDocument(settings.grants), null, 2) + "\n";
    return files;
}

/**
 * OPA's configuration file: decision logs to the console (stdout, which Fluent
 * Bit ships to the SIEM), labelled with the environment; masking by the
 * `system.log` policy (OPA's default `mask_decision` path). Pure.
 */
export function opaConfigYaml(environment: Environment): string {
    return stringify({
        labels: { app: "med-agi", environment },
        decision_logs: { console: true, mask_decision: "/system/log/mask" },
    });
}

/** sha256 over every file OPA reads, in a stable order. Pure. */
export function filesChecksum(...sets: Readonly<Record<string, string>>[]): string {
    const hash = createHash("sha256");
    for (const files of sets) {
        for (const name of Object.keys(files).sort()) hash.update(`${name}\0${files[name]}\0`);
    }
    return hash.digest("hex");
}

/** The `opa` command line: server on all interfaces, its own API locked by `system.authz`, no version check. */
export function opaArgs(): string[] {
    return [
        "run",
        "--server",
        `--addr=0.0.0.0:${OPA_PORT}`,
        // No call to GitHub for the newest release (OPA 1.x deprecated --disable-telemetry for this flag).
        "--skip-version-check",
        `--config-file=${CONFIG_DIR}/${CONFIG_FILE}`,
        // Only the requests system-authz.rego allows reach OPA's API (no PUT /v1/policies).
        "--authorization=basic",
        // The ConfigMap volume's `..data` and `..<timestamp>` entries would load every file twice.
        "--ignore=.*",
        POLICY_DIR,
    ];
}

export interface OpaDeploymentArgs {
    readonly settings: AuthzSettings;
    /** sha256 of the policy, data and config files ({@link filesChecksum}). */
    readonly checksum: string;
    readonly imagePullPolicy: "IfNotPresent" | "Always";
    readonly imagePullSecrets: readonly string[];
    /** How strictly pods spread over zones and nodes (the stack's `topologySpread`). */
    readonly topologySpread: TopologySpreadPolicy;
}

function probe(query: string, timing: (typeof OPA_PROBES)[keyof typeof OPA_PROBES]): k8s.types.input.core.v1.Probe {
    return { httpGet: { path: `/health${query}`, port: OPA_PORT_NAME }, ...timing };
}

/**
 * The Deployment spec: restricted security, read-only root filesystem, the
 * policy and config mounted read-only, spread over zones and nodes, and a
 * checksum annotation so a changed grant rolls the pods (OPA reads the files
 * at start). Pure.
 */
export function opaDeploymentSpec(args: OpaDeploymentArgs): k8s.types.input.apps.v1.DeploymentSpec {
    const { settings } = args;
    const selector = selectorLabels(OPA_NAME);
    return {
        replicas: settings.replicas,
        revisionHistoryLimit: REVISION_HISTORY_LIMIT,
        minReadySeconds: 5,
        selector: { matchLabels: selector },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
            metadata: {
                labels: standardLabels(OPA_NAME, "authorization", imageVersion(settings.image)),
                annotations: { [CHECKSUM_ANNOTATION]: args.checksum },
            },
            spec: {
                ...restrictedPodSpecBase({
                    serviceAccountName: OPA_NAME,
                    selector,
                    imagePullSecrets: args.imagePullSecrets,
                    topologySpread: args.topologySpread,
                }),
                containers: [
                    {
                        name: OPA_NAME,
                        image: settings.image,
                        imagePullPolicy: args.imagePullPolicy,
                        args: opaArgs(),
                        ports: [{ name: OPA_PORT_NAME, containerPort: OPA_PORT, protocol: "TCP" }],
                        resources: withEphemeralStorage(
                            { requests: { ...settings.resources.requests }, limits: { ...settings.resources.limits } },
                            OPA_EPHEMERAL_STORAGE,
                        ),
                        // Ready once every plugin (the decision logger) is up; alive while the server answers.
                        readinessProbe: probe("?plugins", OPA_PROBES.readiness),
                        livenessProbe: probe("", OPA_PROBES.liveness),
                        securityContext: restrictedContainerSecurityContext(),
                        volumeMounts: [
                            { name: "policy", mountPath: POLICY_DIR, readOnly: true },
                            { name: "config", mountPath: CONFIG_DIR, readOnly: true },
                        ],
                    },
                ],
                volumes: [
                    { name: "policy", configMap: { name: POLICY_CONFIGMAP } },
                    { name: "config", configMap: { name: CONFIG_CONFIGMAP } },
                ],
            },
        },
    };
}

/** The OPA version of an image reference (`…:1.21.1-static@sha256:…` → `1.21.1-static`), for the version label. */
export function imageVersion(image: string): string | undefined {
    const m = /:([A-Za-z0-9_][A-Za-z0-9_.-]{0,62})(@sha256:[a-f0-9]{64})?$/.exec(image);
    return m?.[1];
}

/** ClusterIP Service `opa` on port 8181 named `http`. Pure. */
export function opaServiceSpec(): k8s.types.input.core.v1.ServiceSpec {
    return {
        type: "ClusterIP",
        selector: selectorLabels(OPA_NAME),
        ports: [{ name: OPA_PORT_NAME, port: OPA_PORT, targetPort: OPA_PORT_NAME, protocol: "TCP" }],
    };
}

/** With more than one replica, a node drain takes at most one OPA at a time. Pure. */
export function opaPdbSpec(settings: Pick<AuthzSettings, "replicas">): k8s.types.input.policy.v1.PodDisruptionBudgetSpec | undefined {
    return settings.replicas > 1
        ? { maxUnavailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow", selector: { matchLabels: selectorLabels(OPA_NAME) } }
        : undefined;
}

/** ServiceMonitor spec: OPA's `/metrics` on the `http` port every 30 s. Pure. */
export function opaServiceMonitorSpec(namespace: string): Record<string, unknown> {
    return {
        selector: { matchLabels: selectorLabels(OPA_NAME) },
        namespaceSelector: { matchNames: [namespace] },
        endpoints: [{ port: OPA_PORT_NAME, path: "/metrics", interval: "30s", scrapeTimeout: "10s" }],
    };
}

/** The environment variables every service gets ({@link OPA_CLIENT_ENV}). Pure. */
export function opaClientEnv(): k8s.types.input.core.v1.EnvVar[] {
    return Object.entries(OPA_CLIENT_ENV).map(([name, value]) => ({ name, value }));
}
