/**
 * The Backups component: the scripts ConfigMap, the manifest signing-key Secret,
 * four ServiceAccounts (IRSA-ready, one role each in AWS: three writers and the
 * restore drill's and restore's read-only one),
 * the read-only Role for config-backup, and the CronJobs postgres-backup,
 * model-backup, config-backup, restore-drill and the suspended postgres-restore
 * template. Backup freshness is alerted on by the observability rules
 * (kube_cronjob_status_last_successful_time of postgres-backup).
 */
import * as batchv1 from "@pulumi/kubernetes/batch/v1";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as rbacv1 from "@pulumi/kubernetes/rbac/v1";
import * as pulumi from "@pulumi/pulumi";

import { standardLabels } from "../k8s/labels";
import { NAMESPACE } from "../runbook";
import { validateBackupsArgs, type BackupsArgs } from "./args";
import { backupsSchema } from "./config";
import { CRONJOB_NAMES, SCRIPTS_CONFIGMAP_NAME, SERVICE_ACCOUNT_NAMES, SIGNING_SECRET, type BackupJob } from "./defaults";
import { backupCronJobs, signingSecretData } from "./jobs";
import { configReaderRules } from "./rbac";
import { readScripts } from "./scripts";

/** IRSA annotation on a ServiceAccount. */
export const IRSA_ANNOTATION = "eks.amazonaws.com/role-arn";

export class Backups extends pulumi.ComponentResource {
    /** CronJob names by job (`postgres-backup`, …); empty when `config.enabled` is false. */
    public readonly cronJobNames: pulumi.Output<Partial<Record<BackupJob, string>>>;
    /** ServiceAccount names an IRSA trust policy must allow. */
    public readonly serviceAccountNames: pulumi.Output<string[]>;
    /** Name of the scripts ConfigMap. */
    public readonly scriptsConfigMapName: pulumi.Output<string>;

    constructor(name: string, args: BackupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("med-agi:backups:Backups", name, {}, opts);
        const problems = validateBackupsArgs(args);
        if (problems.length > 0) {
            throw new Error(`Backups "${name}": invalid arguments:\n  - ${problems.join("\n  - ")}`);
        }
        const config = args.config ?? backupsSchema.parse({});
        const namespace = args.namespace ?? NAMESPACE;
        const labels = standardLabels("backups", "backup", args.version);

        const scripts = new corev1.ConfigMap(
            `${name}-scripts`,
            { metadata: { name: SCRIPTS_CONFIGMAP_NAME, namespace, labels }, data: readScripts() },
            { parent: this },
        );

        // The manifest signing key(s): only here and in Pulumi's encrypted config, never in a bucket.
        const signing = new corev1.Secret(
            `${name}-signing`,
            {
                metadata: { name: SIGNING_SECRET.name, namespace, labels },
                type: "Opaque",
                stringData: signingSecretData(args),
            },
            { parent: this },
        );

        // One IRSA role per ServiceAccount when given (AWS: least privilege per job), else the shared roleArn.
        const irsa = (role: pulumi.Input<string> | undefined) => (role === undefined ? {} : { annotations: { [IRSA_ANNOTATION]: role } });
        const backupSa = new corev1.ServiceAccount(
            `${name}-sa`,
            {
                metadata: { name: SERVICE_ACCOUNT_NAMES.backup, namespace, labels, ...irsa(args.s3.roleArn) },
                automountServiceAccountToken: false,
            },
            { parent: this },
        );
        const modelSa = new corev1.ServiceAccount(
            `${name}-model-sa`,
            {
                metadata: { name: SERVICE_ACCOUNT_NAMES.modelBackup, namespace, labels, ...irsa(args.s3.modelRoleArn ?? args.s3.roleArn) },
                automountServiceAccountToken: false,
            },
            { parent: this },
        );
        // The restore drill and the restore read backups with an identity of their own that cannot change them.
        const restoreSa = new corev1.ServiceAccount(
            `${name}-restore-sa`,
            {
                metadata: { name: SERVICE_ACCOUNT_NAMES.restore, namespace, labels, ...irsa(args.s3.restoreRoleArn ?? args.s3.roleArn) },
                automountServiceAccountToken: false,
            },
            { parent: this },
        );
        const configSa = new corev1.ServiceAccount(
            `${name}-config-sa`,
            {
                metadata: {
                    name: SERVICE_ACCOUNT_NAMES.configBackup,
                    namespace,
                    labels,
                    ...irsa(args.s3.configRoleArn ?? args.s3.roleArn),
                },
            },
            { parent: this },
        );
        const role = new rbacv1.Role(
            `${name}-config-reader`,
            { metadata: { name: "med-agi-config-reader", namespace, labels }, rules: configReaderRules() },
            { parent: this },
        );
        const binding = new rbacv1.RoleBinding(
            `${name}-config-reader`,
            {
                metadata: { name: "med-agi-config-reader", namespace, labels },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "med-agi-config-reader" },
                subjects: [{ kind: "ServiceAccount", name: SERVICE_ACCOUNT_NAMES.configBackup, namespace }],
            },
            { parent: this },
        );

        const cronJobs: Partial<Record<BackupJob, pulumi.Output<string>>> = {};
        if (config.enabled) {
            const specs = backupCronJobs(args, config);
            for (const job of Object.keys(specs) as BackupJob[]) {
                const cronJob = new batchv1.CronJob(`${name}-${CRONJOB_NAMES[job]}`, specs[job], {
                    parent: this,
                    dependsOn:
                        job === "configBackup"
                            ? [scripts, signing, configSa, binding, role]
                            : job === "modelBackup"
                              ? [scripts, signing, modelSa]
                              : job === "restoreDrill" || job === "postgresRestore"
                                ? [scripts, signing, restoreSa]
                                : [scripts, signing, backupSa],
                });
                cronJobs[job] = cronJob.metadata.name;
            }
        }

        this.cronJobNames = pulumi.output(cronJobs) as pulumi.Output<Partial<Record<BackupJob, string>>>;
        this.serviceAccountNames = pulumi.all([
            backupSa.metadata.name,
            modelSa.metadata.name,
            configSa.metadata.name,
            restoreSa.metadata.name,
        ]);
        this.scriptsConfigMapName = scripts.metadata.name;
        this.registerOutputs({
            cronJobNames: this.cronJobNames,
            serviceAccountNames: this.serviceAccountNames,
            scriptsConfigMapName: this.scriptsConfigMapName,
        });
    }
}
