/**
 * Stack configuration of the node log rotator, composed by `infra/config.ts`
 * under the key `logrotate` (`med-agi:logrotate: {...}` in
 * `Pulumi.<stack>.yaml`). Every field has a default, so `{}` is complete.
 */
import { z } from "zod";

import { pinnedImage } from "../formats";
import { DEFAULT_LOGROTATE_IMAGE, DEFAULT_LOGROTATE_INTERVAL_SECONDS, DEFAULT_NODE_NAMESPACE } from "./defaults";

/** `med-agi:logrotate` */
export const logrotateSchema = z
    .object({
        /** Deploy the node log rotator (DaemonSet) and the rendered configs. */
        enabled: z.boolean().default(true),
        /** Image with /usr/sbin/logrotate (built from infra/logrotate/image/Dockerfile). */
        image: pinnedImage.default(DEFAULT_LOGROTATE_IMAGE),
        /** How often the DaemonSet runs logrotate; `daily` in the config decides when a file actually rotates. */
        intervalSeconds: z.number().int().min(60).max(86400).default(DEFAULT_LOGROTATE_INTERVAL_SECONDS),
        /** Namespace of the DaemonSet (PSA `privileged`, because of its hostPath). */
        namespace: z
            .string()
            .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "a namespace name")
            .refine((ns) => ns !== "med-agi", 'not "med-agi": that namespace enforces PSA restricted, which forbids hostPath')
            .default(DEFAULT_NODE_NAMESPACE),
    })
    .strict();
export type LogrotateConfig = z.output<typeof logrotateSchema>;
