/** The log rotation step of the platform: the node DaemonSet when `logrotate.enabled`. */
import type * as k8s from "@pulumi/kubernetes";

import type { PlatformConfig } from "../config";
import { fromRegistry } from "../services";
import { LogRotation } from "./index";

export function declareLogRotation(config: PlatformConfig, registry: string | undefined, provider: k8s.Provider): LogRotation | undefined {
    if (!config.logrotate.enabled) return undefined;
    return new LogRotation(
        "logrotate",
        { config: config.logrotate, image: fromRegistry(registry, config.logrotate.image), version: config.release },
        { provider },
    );
}
