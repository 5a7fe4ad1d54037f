/**
 * The backups step of the platform: the PostgreSQL and model backup jobs, with
 * the backup role for the dump, the restore role for the drill and verify-full
 * against the server's CA.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

import * as random from "@pulumi/random";

import type { CloudOutputs } from "../aws";
import type { PlatformConfig, SecretInputs } from "../config";
import { ROLE_NAMES, roleSecretName, type DataStores } from "../datastores";
import { backupsArgsFor, type BackupSigningKeys } from "./from-config";
import { Backups } from "./index";

/** The backup jobs when backups are enabled, else undefined. */
export function declareBackups(
    config: PlatformConfig,
    secrets: SecretInputs,
    dataStores: DataStores,
    cloud: CloudOutputs | undefined,
    opts: { provider: k8s.Provider; dependsOn: pulumi.Resource[] },
): Backups | undefined {
    const args = dataStoreBackupArgs(config, dataStores, backupSigningKeys(config, secrets), cloud);
    return args === undefined ? undefined : new Backups("backups", args, opts);
}

/** The backup jobs' args: the backup role for the dump, the restore role for the drill, verify-full against the server's CA. */
function dataStoreBackupArgs(
    config: PlatformConfig,
    stores: DataStores,
    signing: BackupSigningKeys,
    cloud: CloudOutputs | undefined,
): ReturnType<typeof backupsArgsFor> {
    const c = stores.postgres.connection;
    const objectStorage =
        stores.objectStore === undefined
            ? config.objectStorage
            : {
                  ...config.objectStorage,
                  endpointUrl: stores.objectStore.endpointUrl,
                  credentialsSecret: stores.objectStore.credentialsSecret,
              };
    const args =
        cloud === undefined
            ? backupsArgsFor(
                  { ...config, database: { ...config.database, host: c.host as string, port: c.port as number }, objectStorage },
                  signing,
              )
            : backupsArgsFor(config, signing, cloud);
    if (args === undefined) return undefined;
    return {
        ...args,
        postgres: {
            ...args.postgres,
            user: ROLE_NAMES.backup,
            passwordSecret: { name: roleSecretName(ROLE_NAMES.backup), key: "password" },
            drill: { user: ROLE_NAMES.restore, passwordSecret: { name: roleSecretName(ROLE_NAMES.restore), key: "password" } },
            ca: c.ca,
        },
        config: { ...config.backups, postgresSslMode: config.backups.postgresSslMode ?? "verify-full" },
    };
}

/**
 * The backup manifest signing keys. staging and prod must set `backupSigningKey`
 * (config validation refuses them without it); dev generates one when none is
 * set, kept in the stack's encrypted state, so the embedded default needs no setup.
 */
function backupSigningKeys(config: PlatformConfig, secrets: SecretInputs): BackupSigningKeys {
    const key =
        secrets.backupSigningKey ??
        (config.environment === "dev" && config.backups.enabled
            ? new random.RandomPassword("backup-signing-key", { length: 64, special: false }).result
            : undefined);
    return {
        ...(key === undefined ? {} : { backupSigningKey: key }),
        ...(secrets.backupSigningKeyPrevious === undefined ? {} : { backupSigningKeyPrevious: secrets.backupSigningKeyPrevious }),
    };
}
