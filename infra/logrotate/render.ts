/**
 * logrotate configuration rendered from runbook.ts LOG_ROTATION — the
 * runbook's `/etc/logrotate.d/med-agi` — in two variants:
 *
 * - `host`: for hosts running the Docker Compose deployment; the runbook's
 *   directives verbatim, with a postrotate that works (see below).
 * - `kubernetes`: for /var/log/med-agi on cluster nodes, run by the DaemonSet.
 *   A pod cannot signal the writers, so `copytruncate` replaces `create` + the
 *   USR1 postrotate; `missingok` because a node may hold no med-agi logs.
 *   Same schedule and retention.
 *
 * The runbook's `docker kill -s USR1 med-agi-*` does not work as written:
 * docker does not glob container names, and the shell would glob `med-agi-*`
 * against files in logrotate's working directory. The rendered equivalent
 * signals every running container whose name starts with `med-agi-`.
 */
import { LOG_ROTATION } from "../runbook";

export type LogrotateVariant = "host" | "kubernetes";

export interface LogrotateRenderOptions {
    /** Glob of the files to rotate. @default LOG_ROTATION.path ("/var/log/med-agi/*.log") */
    readonly path?: string;
    /** Owner and group of the re-created log (host variant). @default LOG_ROTATION.create owner/group ("medagi") */
    readonly createOwner?: { readonly owner: string; readonly group: string };
}

/** The postrotate command that does what `docker kill -s USR1 med-agi-*` means. */
export function postrotateCommand(): string {
    return (
        `docker ps -q --filter name=^${LOG_ROTATION.containerNamePrefix} ` + `| xargs -r docker kill -s ${LOG_ROTATION.postrotateSignal}`
    );
}

/** The config text of `variant`. */
export function logrotateConfig(variant: LogrotateVariant, options: LogrotateRenderOptions = {}): string {
    const path = options.path ?? LOG_ROTATION.path;
    if (!path.startsWith("/") || /\s/.test(path)) {
        throw new Error(`logrotateConfig: path ${JSON.stringify(path)} must be absolute and contain no whitespace`);
    }
    if (!Number.isInteger(LOG_ROTATION.rotate) || LOG_ROTATION.rotate < 1) {
        throw new Error(`logrotateConfig: LOG_ROTATION.rotate ${LOG_ROTATION.rotate} must be a positive integer`);
    }
    const owner = options.createOwner ?? { owner: LOG_ROTATION.create.owner, group: LOG_ROTATION.create.group };
    const header =
        variant === "host"
            ? [
                  "# /etc/logrotate.d/med-agi — hosts running the Docker Compose deployment.",
                  '# Rendered from infra/runbook.ts LOG_ROTATION (runbook "Log Rotation"); do not edit by hand.',
                  "# postrotate: the runbook's `docker kill -s USR1 med-agi-*`, made to work (docker does not glob names).",
              ]
            : [
                  "# med-agi-k8s — /var/log/med-agi on Kubernetes nodes, run by the med-agi-logrotate DaemonSet.",
                  '# Rendered from infra/runbook.ts LOG_ROTATION (runbook "Log Rotation"); do not edit by hand.',
                  "# copytruncate replaces create + the USR1 postrotate: a pod cannot signal the log writers.",
              ];
    const body: string[] = [LOG_ROTATION.frequency, `rotate ${LOG_ROTATION.rotate}`];
    if (LOG_ROTATION.compress) body.push("compress");
    if (LOG_ROTATION.delaycompress) body.push("delaycompress");
    if (LOG_ROTATION.notifempty) body.push("notifempty");
    if (variant === "host") {
        body.push(`create ${LOG_ROTATION.create.mode} ${owner.owner} ${owner.group}`);
        if (LOG_ROTATION.sharedscripts) body.push("sharedscripts");
        body.push("postrotate", `    ${postrotateCommand()}`, "endscript");
    } else {
        body.push("missingok", "copytruncate");
    }
    return [...header, `${path} {`, ...body.map((line) => `    ${line}`), "}", ""].join("\n");
}
