/**
 * The pure builder for every backup CronJob: a chain of script steps (init
 * containers, then the last step as the container) sharing a `/work` emptyDir,
 * with Pod Security Admission `restricted` settings that are not optional.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

import { standardLabels } from "../k8s/labels";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../k8s/security";
import { ephemeralStorage, withEphemeralStorage } from "../k8s/storage";
import { BACKUP_RUN_AS, EPHEMERAL_STORAGE_REQUEST, PATHS, TMP_DIR_SIZE_LIMIT, type JobTiming } from "./defaults";
import type { ScriptFile } from "./scripts";

type EnvVar = k8s.types.input.core.v1.EnvVar;
/** Plain requests and limits (quantities), to which the containers' ephemeral storage is added. */
interface ResourceRequirements {
    readonly requests?: Record<string, string>;
    readonly limits?: Record<string, string>;
}

/** One container of a backup pod: an official image running one mounted script with bash. */
export interface ScriptStep {
    /** Container name, e.g. `dump`, `upload`. */
    readonly name: string;
    /** Pinned image reference. */
    readonly image: string;
    /** Script under /scripts. */
    readonly script: ScriptFile;
    /** Extra arguments to the script. @default [] */
    readonly args?: readonly string[];
    /** Environment of this step (plain values or Secret references). */
    readonly env: readonly EnvVar[];
}

export interface CronJobSpecOptions {
    /** CronJob `metadata.name` (explicit: operators run `kubectl create job --from=cronjob/<name>`). */
    readonly name: string;
    readonly namespace: pulumi.Input<string>;
    /** Cron expression, UTC. */
    readonly schedule: string;
    /** Steps in order; all but the last run as init containers, so a failing step stops the chain. */
    readonly steps: readonly ScriptStep[];
    readonly serviceAccountName: pulumi.Input<string>;
    readonly scriptsConfigMapName: pulumi.Input<string>;
    readonly timing: JobTiming;
    readonly resources: ResourceRequirements;
    /** emptyDir size limit of `/work`. */
    readonly workDirSizeLimit: string;
    /** Mount a Kubernetes API token (only config-backup needs one). @default false */
    readonly automountServiceAccountToken?: boolean;
    /** CronJob `suspend`. @default false */
    readonly suspend?: boolean;
    /** Value of `app.kubernetes.io/version` on the objects. @default none */
    readonly version?: string;
    /** A CA (one key of a Secret or ConfigMap) mounted read-only in every step at `mountPath`. @default none */
    readonly caVolume?: { readonly kind: "secret" | "configMap"; readonly name: string; readonly key: string; readonly mountPath: string };
}

/** Environment every step gets: writable HOME/TMPDIR on the /tmp emptyDir, the work dir. */
export function baseEnv(): EnvVar[] {
    return [
        { name: "HOME", value: PATHS.tmp },
        { name: "TMPDIR", value: PATHS.tmp },
        { name: "WORK_DIR", value: PATHS.work },
    ];
}

function container(
    step: ScriptStep,
    resources: ResourceRequirements,
    ca?: CronJobSpecOptions["caVolume"],
): k8s.types.input.core.v1.Container {
    return {
        name: step.name,
        image: step.image,
        imagePullPolicy: "IfNotPresent",
        command: ["bash", `${PATHS.scripts}/${step.script}`, ...(step.args ?? [])],
        env: [...baseEnv(), ...step.env],
        resources,
        securityContext: restrictedContainerSecurityContext(),
        volumeMounts: [
            { name: "scripts", mountPath: PATHS.scripts, readOnly: true },
            { name: "work", mountPath: PATHS.work },
            { name: "tmp", mountPath: PATHS.tmp },
            ...(ca === undefined ? [] : [{ name: "postgres-ca", mountPath: ca.mountPath, readOnly: true }]),
        ],
    };
}

/** The CronJob for `options`: concurrencyPolicy Forbid, deadlines, history limits, restricted pods. */
export function cronJobSpec(options: CronJobSpecOptions): k8s.batch.v1.CronJobArgs {
    if (options.steps.length === 0) {
        throw new Error(`cronJobSpec(${options.name}): at least one step is required`);
    }
    const labels = standardLabels(options.name, "backup", options.version);
    const init = options.steps.slice(0, -1);
    const main = options.steps[options.steps.length - 1];
    const t = options.timing;
    const resources = withEphemeralStorage(
        options.resources,
        ephemeralStorage(EPHEMERAL_STORAGE_REQUEST, [options.workDirSizeLimit, TMP_DIR_SIZE_LIMIT]),
    );
    return {
        metadata: { name: options.name, namespace: options.namespace, labels },
        spec: {
            schedule: options.schedule,
            timeZone: "Etc/UTC",
            concurrencyPolicy: "Forbid",
            suspend: options.suspend ?? false,
            startingDeadlineSeconds: t.startingDeadlineSeconds,
            successfulJobsHistoryLimit: t.successfulJobsHistoryLimit,
            failedJobsHistoryLimit: t.failedJobsHistoryLimit,
            jobTemplate: {
                metadata: { labels },
                spec: {
                    backoffLimit: t.backoffLimit,
                    activeDeadlineSeconds: t.activeDeadlineSeconds,
                    template: {
                        metadata: { labels },
                        spec: {
                            restartPolicy: "Never",
                            serviceAccountName: options.serviceAccountName,
                            automountServiceAccountToken: options.automountServiceAccountToken ?? false,
                            securityContext: restrictedPodSecurityContext(BACKUP_RUN_AS),
                            ...(init.length === 0 ? {} : { initContainers: init.map((s) => container(s, resources, options.caVolume)) }),
                            containers: [container(main, resources, options.caVolume)],
                            volumes: [
                                { name: "scripts", configMap: { name: options.scriptsConfigMapName, defaultMode: 0o555 } },
                                { name: "work", emptyDir: { sizeLimit: options.workDirSizeLimit } },
                                { name: "tmp", emptyDir: { sizeLimit: TMP_DIR_SIZE_LIMIT } },
                                ...(options.caVolume === undefined ? [] : [caVolumeSource(options.caVolume)]),
                            ],
                        },
                    },
                },
            },
        },
    };
}

function caVolumeSource(ca: NonNullable<CronJobSpecOptions["caVolume"]>): k8s.types.input.core.v1.Volume {
    const items = [{ key: ca.key, path: ca.key }];
    return ca.kind === "secret"
        ? { name: "postgres-ca", secret: { secretName: ca.name, items, defaultMode: 0o444 } }
        : { name: "postgres-ca", configMap: { name: ca.name, items, defaultMode: 0o444 } };
}
