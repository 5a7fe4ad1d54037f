/** Defaults of the node log rotator (chosen; see docs/logrotate.md). */

/**
 * No official image ships logrotate, so the project builds one from
 * `infra/logrotate/image/Dockerfile` (Debian bookworm-slim + Debian's
 * logrotate 3.21.0 — the same package the tests run) and pushes it as
 * `<registry>/med-agi/logrotate:3.21.0-bookworm`.
 */
export const DEFAULT_LOGROTATE_IMAGE = "med-agi/logrotate:3.21.0-bookworm";

/** The DaemonSet wakes hourly; `daily` in the config rotates a file at most once a day. */
export const DEFAULT_LOGROTATE_INTERVAL_SECONDS = 3600;

/** Own namespace: hostPath is forbidden under PSA `restricted` (and `baseline`). */
export const DEFAULT_NODE_NAMESPACE = "med-agi-node";

/** ConfigMap / DaemonSet name, and the ConfigMap keys (= the rendered file names under `logrotate/`). */
export const LOGROTATE_NAMES = {
    configMap: "med-agi-logrotate",
    daemonSet: "med-agi-logrotate",
    hostKey: "med-agi",
    kubernetesKey: "med-agi-k8s",
} as const;

/** Where the node keeps logrotate's state (hostPath; survives pod restarts). */
export const STATE_HOST_PATH = "/var/lib/med-agi-logrotate";

export { RENDER_DIR_ANNOTATION } from "../k8s/annotations";

/** Capabilities logrotate keeps as root: read/replace other users' 0640 logs, chown/chmod the archives. */
export const LOGROTATE_CAPABILITIES = ["CHOWN", "DAC_OVERRIDE", "FOWNER"] as const;

/** The rotator's requests and limits on every node; capacity validation reads the same (infra/aws/workloads.ts). */
export const LOGROTATE_RESOURCES = { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "200m", memory: "64Mi" } } as const;
