/** Log rotation: the runbook's logrotate config for Compose hosts and a node DaemonSet for Kubernetes. */
export { LogRotation, logrotateConfigData } from "./component";
export type { LogRotationArgs } from "./component";
export { logrotateConfig, postrotateCommand } from "./render";
export type { LogrotateRenderOptions, LogrotateVariant } from "./render";
export { logrotateDaemonSetSpec, rotatorCommand, ROTATOR_PATHS } from "./daemonset";
export type { LogrotateDaemonSetOptions } from "./daemonset";
export { logrotateSchema } from "./config";
export type { LogrotateConfig } from "./config";
export * from "./defaults";
