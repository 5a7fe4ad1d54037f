/** The smoke step of the platform: `pulumi up` waits for this Job, and fails if any service is down. */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

import type { PlatformConfig } from "../config";
import { NAMESPACE } from "../runbook";
import { fromRegistry } from "../services";
import { PostDeploySmoke, SMOKE_IMAGE } from "./index";

/** Declared after every service and Triton (imaging's /v1/triton/health is one of the checks): pass them as `dependsOn`. */
export function declareSmoke(
    config: PlatformConfig,
    registry: string | undefined,
    opts: { provider: k8s.Provider; dependsOn: pulumi.Resource[] },
): PostDeploySmoke {
    return new PostDeploySmoke(
        "smoke",
        { namespace: NAMESPACE, image: fromRegistry(registry, SMOKE_IMAGE), release: config.release },
        opts,
    );
}
