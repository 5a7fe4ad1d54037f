/**
 * Stack configuration of the backup jobs, composed by `infra/config.ts` under
 * the key `backups` (`med-agi:backups: {...}` in `Pulumi.<stack>.yaml`).
 * Every field has a secure default, so `{}` (or no key at all) is a complete
 * configuration. Log rotation's section lives in `infra/logrotate/config.ts`.
 */
import { z } from "zod";

import { cpuQuantity, memoryQuantity, pinnedImage } from "../formats";
import { DEFAULT_BACKUP_IMAGES, DEFAULT_BACKUP_RESOURCES, DEFAULT_WORK_DIR_SIZE_LIMIT } from "./defaults";

const amounts = z.object({ cpu: cpuQuantity, memory: memoryQuantity }).strict();

/** `med-agi:backups` */
export const backupsSchema = z
    .object({
        /** Deploy the backup CronJobs at all. */
        enabled: z.boolean().default(true),
        /** Pause every schedule (CronJob `suspend`), e.g. during a migration. Runs already started finish. */
        suspend: z.boolean().default(false),
        images: z
            .object({
                postgres: pinnedImage.default(DEFAULT_BACKUP_IMAGES.postgres),
                awsCli: pinnedImage.default(DEFAULT_BACKUP_IMAGES.awsCli),
                kubectl: pinnedImage.default(DEFAULT_BACKUP_IMAGES.kubectl),
            })
            .strict()
            .prefault({}),
        resources: z
            .object({
                requests: amounts.default({ ...DEFAULT_BACKUP_RESOURCES.requests }),
                limits: amounts.default({ ...DEFAULT_BACKUP_RESOURCES.limits }),
            })
            .strict()
            .prefault({}),
        /** Size limit of the emptyDir that holds one dump while it is uploaded or restored. */
        workDirSizeLimit: memoryQuantity.default(DEFAULT_WORK_DIR_SIZE_LIMIT),
        /** libpq `sslmode` for the backup connections; unset: `prefer` in dev, `require` in staging/prod. */
        postgresSslMode: z.enum(["disable", "prefer", "require", "verify-ca", "verify-full"]).optional(),
    })
    .strict();
export type BackupsConfig = z.output<typeof backupsSchema>;
