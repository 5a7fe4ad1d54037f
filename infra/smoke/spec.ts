/**
 * Post-deploy smoke checks: the runbook's health loop ("Health Check
 * Endpoints": every service's `/health`, and Triton's health through imaging's
 * `/v1/triton/health`) as data, and the Job that runs them in the cluster.
 * Pure builders; `npm run smoke` runs the same checks from an operator's
 * machine.
 */
import type * as k8s from "@pulumi/kubernetes";

import { selectorLabels } from "../k8s/labels";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../k8s/security";
import { ephemeralStorage, withEphemeralStorage } from "../k8s/storage";
import { HTTP_PATHS, SERVICE_NAMES, SERVICES, type ServiceName } from "../runbook";

/** The smoke Job's ServiceAccount (one per workload; it never calls the Kubernetes API). */
/** The Job's name, its pods' `app.kubernetes.io/name` and its ServiceAccount. */
export const SMOKE_NAME = "post-deploy-smoke";
export const SMOKE_SERVICE_ACCOUNT = SMOKE_NAME;

export interface SmokeCheck {
    /** What is checked, e.g. `imaging /health`. */
    readonly name: string;
    readonly service: ServiceName;
    readonly port: number;
    readonly path: string;
}

/** Every service's /health, then Triton's health as imaging reports it. */
export function smokeChecks(): SmokeCheck[] {
    return [
        ...SERVICE_NAMES.map((s) => ({ name: `${s} ${HTTP_PATHS.health}`, service: s, port: SERVICES[s].port, path: HTTP_PATHS.health })),
        {
            name: `triton via imaging ${HTTP_PATHS.tritonHealth}`,
            service: "imaging",
            port: SERVICES.imaging.port,
            path: HTTP_PATHS.tritonHealth,
        },
    ];
}

/** The in-cluster URL of a check: `http://<service>.<namespace>.svc:<port><path>`. */
export function clusterUrl(check: SmokeCheck, namespace: string): string {
    return `http://${check.service}.${namespace}.svc:${check.port}${check.path}`;
}

/** Default tries per check and seconds between them: a rollout may still be settling. */
export const SMOKE_DEFAULTS = { attempts: 30, intervalSeconds: 10, timeoutSeconds: 5 } as const;

/** The Job's requests and limits; capacity validation reads the same (infra/aws/workloads.ts). */
export const SMOKE_RESOURCES = { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "32Mi" } } as const;

/**
 * The Job's script: each check is tried until it answers 2xx (BusyBox wget
 * fails on any other status), up to `attempts` times; every check's result is
 * printed, and the Job fails if any stayed down.
 */
export function smokeScript(
    urls: readonly { name: string; url: string }[],
    opts: { readonly attempts: number; readonly intervalSeconds: number; readonly timeoutSeconds: number } = SMOKE_DEFAULTS,
): string {
    const lines = [
        "#!/bin/sh",
        "# Post-deploy smoke test: the runbook's health loop. Fails if any check stays down.",
        "set -u",
        "failed=0",
        "check() {",
        "  name=$1; url=$2; n=0",
        `  while [ "$n" -lt ${opts.attempts} ]; do`,
        `    if wget -q -T ${opts.timeoutSeconds} -O /dev/null "$url"; then echo "ok   $name ($url)"; return 0; fi`,
        `    n=$((n + 1)); sleep ${opts.intervalSeconds}`,
        "  done",
        '  echo "DOWN $name ($url)"; failed=1',
        "}",
        ...urls.map((u) => `check '${u.name}' '${u.url}'`),
        'if [ "$failed" -ne 0 ]; then echo "smoke: FAILED"; exit 1; fi',
        'echo "smoke: all checks passed"',
    ];
    return `${lines.join("\n")}\n`;
}

export interface SmokeJobArgs {
    readonly namespace: string;
    readonly image: string;
    readonly release: string;
}

/** The Job `pulumi up` waits on (the provider awaits a Job's completion and fails the update if it fails). */
export function smokeJob(args: SmokeJobArgs): k8s.types.input.batch.v1.Job {
    const urls = smokeChecks().map((c) => ({ name: c.name, url: clusterUrl(c, args.namespace) }));
    const labels = { ...selectorLabels(SMOKE_NAME), "app.kubernetes.io/instance": SMOKE_NAME, "app.kubernetes.io/version": args.release };
    return {
        metadata: { name: SMOKE_NAME, namespace: args.namespace, labels },
        spec: {
            backoffLimit: 0,
            // No ttlSecondsAfterFinished: the Job must stay, or the next `pulumi up` would find it gone and re-create it.
            template: {
                metadata: { labels },
                spec: {
                    restartPolicy: "Never",
                    // Its own identity (no API access: the token is not mounted), never the namespace's `default`.
                    serviceAccountName: SMOKE_SERVICE_ACCOUNT,
                    automountServiceAccountToken: false,
                    securityContext: restrictedPodSecurityContext(),
                    containers: [
                        {
                            name: "smoke",
                            image: args.image,
                            command: ["sh", "-c", smokeScript(urls)],
                            env: [{ name: "RELEASE", value: args.release }],
                            securityContext: restrictedContainerSecurityContext(),
                            // Node disk: it writes no file, only its logs.
                            resources: withEphemeralStorage(
                                { requests: { ...SMOKE_RESOURCES.requests }, limits: { ...SMOKE_RESOURCES.limits } },
                                ephemeralStorage("8Mi"),
                            ),
                        },
                    ],
                },
            },
        },
    };
}
