/** Backups: CronJobs for database, model and config backups, the restore drill and restore template. */
export { Backups, IRSA_ANNOTATION } from "./component";
export { validateBackupsArgs } from "./args";
export type { BackupsArgs, BackupPostgresArgs, BackupS3Args, S3CredentialsSecret, SecretKeyRef } from "./args";
export { BACKUP_SECRET_KEYS, backupsSchema, kmsKeyArn, SIGNING_KEY_PATTERN, SIGNING_KEY_RULE } from "./config";
export type { BackupSecretKey, BackupsConfig } from "./config";
export { cronJobSpec, baseEnv } from "./cronjob";
export type { CronJobSpecOptions, ScriptStep } from "./cronjob";
export * from "./defaults";
export { backupCronJobs, JOB_SERVICE_ACCOUNTS, jobSteps, postgresEnv, s3Env, signingEnv, signingSecretData, defaultSslMode } from "./jobs";
export { configExportResources, configReaderRules, ALL_CATEGORY, CONFIG_EXPORT } from "./rbac";
export { readScripts, SCRIPT_FILES, SCRIPTS_DIR } from "./scripts";
export type { ScriptFile } from "./scripts";
