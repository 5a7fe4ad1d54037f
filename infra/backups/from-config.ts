/**
 * The backup jobs' arguments from the stack config, and the backup rules
 * config validation checks before anything is registered. Pure.
 */
import type * as pulumi from "@pulumi/pulumi";

import type { DatabaseConfig, ObjectStorageConfig } from "../datastores/config";
import type { Environment } from "../environment";
import { NAMESPACE } from "../runbook";
import type { ConfigProblem } from "../validation";
import { validateBackupsArgs, type BackupsArgs } from "./args";
import { BACKUP_SECRET_KEYS, SIGNING_KEY_PATTERN, SIGNING_KEY_RULE, type BackupSecretKey, type BackupsConfig } from "./config";

/** The keys of the stack config the backup jobs read. */
export interface BackupsConfigSource {
    readonly environment: Environment;
    readonly release: string;
    readonly database: DatabaseConfig;
    readonly objectStorage: ObjectStorageConfig;
    readonly backups: BackupsConfig;
}

/** What the backup jobs take from the cloud layer in staging/prod (a subset of the CloudLayer's outputs). */
export interface BackupCloudFacts {
    readonly region: string;
    readonly buckets: { readonly models: pulumi.Input<string>; readonly backups: pulumi.Input<string> };
    readonly database: { readonly host: pulumi.Input<string>; readonly port: pulumi.Input<number> };
    readonly roles: Readonly<Record<"postgresBackup" | "modelBackup" | "configBackup" | "backupRestore", pulumi.Input<string>>>;
}

/** The manifest signing keys as the program reads them (Pulumi secrets). */
export interface BackupSigningKeys {
    readonly backupSigningKey?: pulumi.Input<string>;
    readonly backupSigningKeyPrevious?: pulumi.Input<string>;
}

/**
 * The backup jobs' arguments for this config, or undefined when no backup jobs
 * are deployed (backups disabled, or no database yet — dev before the data
 * store layer). In staging/prod the database, buckets and roles come from the
 * cloud layer (`cloud`). `secrets` carries the manifest signing keys;
 * `parseConfig` (infra/config.ts) has already refused a config that deploys backups without one.
 */
export function backupsArgsFor(config: BackupsConfigSource, secrets: BackupSigningKeys, cloud?: BackupCloudFacts): BackupsArgs | undefined {
    const { database, objectStorage: s3 } = config;
    if (!config.backups.enabled || (cloud === undefined && database.host === undefined)) return undefined;
    if (secrets.backupSigningKey === undefined) {
        throw new Error(
            "backupsArgsFor: backupSigningKey is required when backup jobs are deployed (pulumi config set --secret med-agi:backupSigningKey)",
        );
    }
    const signing = {
        signingKey: secrets.backupSigningKey,
        ...(secrets.backupSigningKeyPrevious === undefined ? {} : { previousSigningKey: secrets.backupSigningKeyPrevious }),
    };
    if (cloud !== undefined) {
        return {
            environment: config.environment,
            namespace: NAMESPACE,
            postgres: { host: cloud.database.host, port: cloud.database.port, passwordSecret: database.passwordSecret },
            s3: {
                backupBucket: cloud.buckets.backups,
                modelBucket: cloud.buckets.models,
                region: cloud.region,
                roleArn: cloud.roles.postgresBackup,
                modelRoleArn: cloud.roles.modelBackup,
                configRoleArn: cloud.roles.configBackup,
                restoreRoleArn: cloud.roles.backupRestore,
                // Object Lock and the lifecycle rule hold the 30 days; the writer roles cannot delete.
                retention: "bucket",
            },
            ...signing,
            config: config.backups,
            version: config.release,
        };
    }
    if (database.host === undefined) return undefined;
    return {
        environment: config.environment,
        namespace: NAMESPACE,
        postgres: { host: database.host, port: database.port, passwordSecret: database.passwordSecret },
        s3: {
            backupBucket: s3.backupBucket,
            modelBucket: s3.modelBucket,
            region: s3.region,
            ...(s3.endpointUrl === undefined ? {} : { endpointUrl: s3.endpointUrl }),
            ...(s3.roleArn === undefined ? {} : { roleArn: s3.roleArn }),
            ...(s3.credentialsSecret === undefined ? {} : { credentialsSecret: { name: s3.credentialsSecret } }),
        },
        signingKey: secrets.backupSigningKey,
        ...(secrets.backupSigningKeyPrevious === undefined ? {} : { previousSigningKey: secrets.backupSigningKeyPrevious }),
        config: config.backups,
        version: config.release,
    };
}

/** Stand-ins for the cloud layer's outputs, used only to validate the backup settings before anything exists. */
const CLOUD_STAND_INS: BackupCloudFacts = {
    region: "us-east-1",
    buckets: { models: "derived", backups: "derived" },
    database: { host: "derived", port: 5432 },
    roles: { postgresBackup: "derived", modelBackup: "derived", configBackup: "derived", backupRestore: "derived" },
};

/** Where the backup component's argument paths live in stack config. */
const BACKUP_ARG_KEYS: readonly [string, string][] = [
    ["backups.s3", "objectStorage"],
    ["backups.postgres", "database"],
    ["backups.signingKey", "backupSigningKey"],
];

/** The backup jobs' rules, checked with the stack config so a bad value stops the program before anything is registered. */
export function backupProblems(
    parsed: BackupsConfigSource & { readonly [K in BackupSecretKey]?: string | undefined },
    secretsSet: ReadonlySet<string>,
): ConfigProblem[] {
    const out: ConfigProblem[] = [];
    // The values are credentials: their format is reported, never the value.
    for (const key of BACKUP_SECRET_KEYS) {
        const value = parsed[key];
        if (value !== undefined && !SIGNING_KEY_PATTERN.test(value)) {
            out.push({ path: key, message: `${key}: must be ${SIGNING_KEY_RULE}; the value is not shown` });
        }
    }
    if (parsed.backupSigningKeyPrevious !== undefined && parsed.backupSigningKeyPrevious === parsed.backupSigningKey) {
        out.push({
            path: "backupSigningKeyPrevious",
            message:
                "backupSigningKeyPrevious: equals backupSigningKey (after a rotation it holds the old key; unset it once no run signed with the old key is kept)",
        });
    }
    // Every stack has a database now (in-cluster in dev, RDS in the cloud), so backups
    // are deployed whenever enabled. dev generates its key when none is set (the
    // program keeps it in the stack's encrypted state); staging and prod must set one.
    if (parsed.backups.enabled && parsed.environment !== "dev" && !secretsSet.has("backupSigningKey")) {
        out.push({
            path: "backupSigningKey",
            message:
                'backupSigningKey: is required while backup jobs are deployed (the HMAC key that signs every backup manifest, kept out of the bucket so a forged backup is refused); set it with: pulumi config set --secret med-agi:backupSigningKey "$(openssl rand -hex 32)"',
            missingSecret: "backupSigningKey",
        });
    }
    // The component's own rules, against stand-ins for what the cloud layer or the
    // data stores provide; the signing key's presence and format are checked above.
    const standIn = { backupSigningKey: "checked-above-not-a-real-key-0000" };
    const args = backupsArgsFor(
        parsed.environment === "dev" ? withInClusterStores(parsed) : parsed,
        standIn,
        parsed.environment === "dev" ? undefined : CLOUD_STAND_INS,
    );
    if (args === undefined) return out;
    return [
        ...out,
        ...validateBackupsArgs(args).map((message) => {
            const mapped = BACKUP_ARG_KEYS.reduce(
                (m, [from, to]) => (m.startsWith(`${from}.`) || m.startsWith(`${from}:`) ? to + m.slice(from.length) : m),
                message,
            );
            return { path: mapped.slice(0, mapped.indexOf(":")), message: mapped };
        }),
    ];
}

/**
 * dev's backups run against the in-cluster stores (infra/datastores): the
 * CloudNativePG server and the S3-compatible store with its generated key pair,
 * unless the stack points them elsewhere. Stand-ins for validation only.
 */
function withInClusterStores<T extends BackupsConfigSource>(parsed: T): T {
    const s3 = parsed.objectStorage;
    return {
        ...parsed,
        database: { ...parsed.database, host: parsed.database.host ?? "med-agi-postgres" },
        objectStorage:
            s3.credentialsSecret === undefined && s3.roleArn === undefined ? { ...s3, credentialsSecret: "object-store-credentials" } : s3,
    };
}
