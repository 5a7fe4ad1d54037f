/**
 * The post-deploy smoke test as part of the deployment: a Job that `pulumi up`
 * waits on, created after every service, re-created on every change of
 * release (its pod template is immutable, so the provider replaces it).
 */
import * as batchv1 from "@pulumi/kubernetes/batch/v1";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";

import { SMOKE_SERVICE_ACCOUNT, smokeJob, type SmokeJobArgs } from "./spec";

export * from "./spec";

/** BusyBox (`sh`, `wget`): the image the smoke Job runs; the same pin as the Triton failover gate. */
export const SMOKE_IMAGE = "docker.io/library/busybox:1.37.0";

export class PostDeploySmoke extends pulumi.ComponentResource {
    public readonly jobName: pulumi.Output<string>;

    constructor(name: string, args: SmokeJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("med-agi:smoke:PostDeploySmoke", name, {}, opts);
        const account = new corev1.ServiceAccount(
            `${name}-serviceaccount`,
            {
                metadata: { name: SMOKE_SERVICE_ACCOUNT, namespace: args.namespace, labels: { "app.kubernetes.io/part-of": "med-agi" } },
                automountServiceAccountToken: false,
            },
            { parent: this },
        );
        const job = new batchv1.Job(`${name}-job`, smokeJob(args), {
            parent: this,
            dependsOn: [account],
            // A finished Job cannot run again: every change is a fresh Job, deleted first (it has a fixed name).
            replaceOnChanges: ["*"],
            deleteBeforeReplace: true,
        });
        this.jobName = job.metadata.name;
        this.registerOutputs({ jobName: this.jobName });
    }
}
