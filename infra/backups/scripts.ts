/**
 * The shell scripts the CronJobs run, read from `./scripts/` at program time
 * and shipped in one ConfigMap mounted at /scripts. The tests run these very
 * files against a real PostgreSQL and a real S3-compatible server.
 */
import * as fs from "fs";
import * as path from "path";

/** Every file of the scripts ConfigMap (lib.sh is sourced by the others). */
export const SCRIPT_FILES = [
    "lib.sh",
    "pg-dump.sh",
    "s3-publish.sh",
    "s3-fetch.sh",
    "restore-drill.sh",
    "pg-restore.sh",
    "model-backup.sh",
    "model-restore.sh",
    "config-export.sh",
] as const;
export type ScriptFile = (typeof SCRIPT_FILES)[number];

/** Absolute path of the scripts directory in this checkout. */
export const SCRIPTS_DIR = path.join(__dirname, "scripts");

/** The ConfigMap `data`: file name → script text, in a stable order. */
export function readScripts(dir: string = SCRIPTS_DIR): Record<ScriptFile, string> {
    const data = {} as Record<ScriptFile, string>;
    for (const file of SCRIPT_FILES) {
        data[file] = fs.readFileSync(path.join(dir, file), "utf8");
    }
    return data;
}
