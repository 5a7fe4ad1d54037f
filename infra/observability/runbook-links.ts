/**
 * `runbook_url` of every alert: a section of this repository's
 * `docs/runbook.md`. Each alert has a heading named exactly after it, so the
 * anchor is the alert name in lower case (GitHub's heading slug) and stays
 * stable when the prose around it changes. A test checks every anchor exists.
 */
import { RUNBOOK_DOC_PATH } from "../runbook";

/** GitHub's heading slug: lower case, punctuation dropped, spaces to `-`. */
export function headingSlug(heading: string): string {
    return heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-");
}

/** `runbook_url` for `alertname`, absolute when `baseUrl` is set (it must end with `/`). */
export function runbookUrl(alertname: string, baseUrl: string | undefined): string {
    const base = baseUrl === undefined ? "" : baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`;
    return `${base}${RUNBOOK_DOC_PATH}#${headingSlug(alertname)}`;
}
