#!/usr/bin/env bash
# pg-restore.sh — restore one verified dump (runs in the postgres image, or on an
# operator's machine via tools/restore.sh). The runbook's
#   pg_restore -U medagi -d medagi backup_20240115.dump
# with guard rails:
#   * the manifest's signature must verify under BACKUP_SIGNING_KEY (a key that
#     is not in the bucket) and its run id must be dated in the past — else REFUSED;
#   * the dump is checked against its manifest (size, SHA-256) and read with
#     `pg_restore --list` before anything is touched;
#   * the live database ($LIVE_DATABASE, default medagi) is NEVER the target
#     unless --overwrite-live (or RESTORE_OVERWRITE_LIVE=true) is given; then it
#     is restored with --clean --if-exists in a single transaction (created
#     first if it no longer exists);
#   * any other target must not exist yet: it is created and restored into;
#   * afterwards every table's row count is compared with the manifest.
#
# Usage: pg-restore.sh --target-db NAME [--dir DIR] [--run RUN] [--overwrite-live]
#   --dir DIR        a fetched run (manifest + dump); default $WORK_DIR/in
#   --target-db      default $RESTORE_TARGET_DB
#   --run RUN        the run that was asked for (YYYYMMDD or YYYYMMDDTHHMMSSZ);
#                    the fetched manifest must match it. default $RESTORE_RUN
# Environment: PGHOST PGPORT PGUSER PGPASSWORD, BACKUP_SIGNING_KEY (and
# BACKUP_SIGNING_KEY_PREVIOUS during a rotation), MAINT_DB (default postgres),
# LIVE_DATABASE (default medagi), RESTORE_TARGET_DB, RESTORE_OVERWRITE_LIVE, RESTORE_RUN.
# Exit codes: 0 restored and verified; 1 failure; 2 refused (usage or live target).
set -euo pipefail
SCRIPT_NAME=pg-restore
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
    sed -n '/^# Usage:/,/^# Exit codes/p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}
DIR="${WORK_DIR:-/work}/in"
TARGET=${RESTORE_TARGET_DB:-}
OVERWRITE_LIVE=${RESTORE_OVERWRITE_LIVE:-false}
WANT_RUN=${RESTORE_RUN:-latest}
while [ $# -gt 0 ]; do
    case "$1" in
        --dir) DIR=${2:?--dir needs a value}; shift 2 ;;
        --target-db) TARGET=${2:?--target-db needs a value}; shift 2 ;;
        --run) WANT_RUN=${2:?--run needs a value}; shift 2 ;;
        --overwrite-live) OVERWRITE_LIVE=true; shift ;;
        -h | --help) usage ;;
        *) log "unknown argument: $1"; usage ;;
    esac
done
LIVE_DATABASE=${LIVE_DATABASE:-medagi}
MAINT_DB=${MAINT_DB:-postgres}
[ -n "$TARGET" ] || { log "no target database: pass --target-db NAME"; usage; }
if [ "$TARGET" = "$LIVE_DATABASE" ] && [ "$OVERWRITE_LIVE" != "true" ]; then
    log "REFUSED: \"$TARGET\" is the live database. Restore into another database to inspect it, or pass --overwrite-live to replace the live data."
    exit 2
fi

require_env PGHOST PGUSER
require_cmd psql pg_restore sha256sum
verify_run_manifest "$DIR/manifest" postgres
verify_manifest_files "$DIR"
RUN=$(manifest_field "$DIR/manifest" run) || die "manifest has no run id"
DUMP=$(manifest_field "$DIR/manifest" file) || die "manifest lists no dump"
case "$WANT_RUN" in
    latest) ;;
    "$RUN" | "$(run_date "$RUN")") ;;
    *) die "the fetched run is $RUN but run \"$WANT_RUN\" was asked for: refusing to restore the wrong backup" ;;
esac
pg_restore --list "$DIR/$DUMP" >/dev/null || die "pg_restore --list cannot read $DUMP (corrupted or truncated dump)"
check_connection "$MAINT_DB"

if [ "$TARGET" = "$LIVE_DATABASE" ]; then
    if db_exists "$TARGET"; then
        log "OVERWRITING the live database \"$TARGET\" with run $RUN ($DUMP), --clean --if-exists, single transaction"
        pg_restore -w --exit-on-error --single-transaction --clean --if-exists \
            --dbname="$TARGET" "$DIR/$DUMP" || die "pg_restore into \"$TARGET\" failed; the transaction was rolled back"
    else
        log "live database \"$TARGET\" does not exist: creating it and restoring run $RUN ($DUMP)"
        psql_q "$MAINT_DB" "CREATE DATABASE $(sql_ident "$TARGET")" >/dev/null || die "cannot create database \"$TARGET\""
        pg_restore -w --exit-on-error --single-transaction \
            --dbname="$TARGET" "$DIR/$DUMP" || die "pg_restore into \"$TARGET\" failed"
    fi
else
    db_exists "$TARGET" && die "target database \"$TARGET\" already exists: choose a new name or drop it first"
    log "restoring run $RUN ($DUMP) into new database \"$TARGET\""
    psql_q "$MAINT_DB" "CREATE DATABASE $(sql_ident "$TARGET")" >/dev/null || die "cannot create database \"$TARGET\""
    pg_restore -w --exit-on-error --single-transaction \
        --dbname="$TARGET" "$DIR/$DUMP" || die "pg_restore into \"$TARGET\" failed"
fi
compare_row_counts "$DIR/manifest" "$TARGET"
log "restored run $RUN into \"$TARGET\" and verified it"
