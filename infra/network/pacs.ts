/** How imaging reaches the PACS: the environment it reads (DICOM to the PACS). Pure. */
import type { PacsConfig } from "./config";

/** The variables imaging reads; absent when no PACS is configured (imaging then has no DICOM peer and no DICOM egress). */
export const PACS_ENV = {
    host: "PACS_HOST",
    port: "PACS_PORT",
    callingAeTitle: "PACS_CALLING_AE_TITLE",
    calledAeTitle: "PACS_CALLED_AE_TITLE",
} as const;

/** imaging's PACS environment for `pacs` (none when undefined). */
export function pacsClientEnv(pacs: PacsConfig | undefined): { name: string; value: string }[] {
    if (pacs === undefined) return [];
    return [
        { name: PACS_ENV.host, value: pacs.host },
        { name: PACS_ENV.port, value: String(pacs.port) },
        { name: PACS_ENV.callingAeTitle, value: pacs.callingAeTitle },
        { name: PACS_ENV.calledAeTitle, value: pacs.calledAeTitle },
    ];
}
