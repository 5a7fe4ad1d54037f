#!/usr/bin/env bash
# restore-drill.sh — restore-drill, step 2 of 2 (runs in the postgres image):
# the runbook's monthly "Disaster recovery drill". Takes the run s3-fetch.sh put
# in $WORK_DIR/in and proves it restores:
#   0. the manifest's signature verifies (BACKUP_SIGNING_KEY, not in the bucket)
#      and its run id is well-formed and dated in the past — else REFUSED;
#   1. every file matches the manifest's size and SHA-256;
#   2. `pg_restore --list` reads the dump;
#   3. the dump is restored into a scratch database (never the live one);
#   4. every table's row count equals the manifest's, and no table is extra or missing;
#   5. the scratch database is dropped — on success and on failure.
# Exits non-zero, naming what failed, on any mismatch.
#
# Environment: PGHOST PGPORT PGUSER PGPASSWORD (the user needs CREATEDB),
# BACKUP_SIGNING_KEY (BACKUP_SIGNING_KEY_PREVIOUS during a rotation),
# WORK_DIR (default /work), MAINT_DB (default postgres: where CREATE/DROP
# DATABASE run), DRILL_DB_PREFIX (default medagi_drill), LIVE_DATABASE (default medagi).
set -euo pipefail
SCRIPT_NAME=restore-drill
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_env PGHOST PGUSER
require_cmd psql pg_restore sha256sum
WORK_DIR=${WORK_DIR:-/work}
IN="$WORK_DIR/in"
MAINT_DB=${MAINT_DB:-postgres}
LIVE_DATABASE=${LIVE_DATABASE:-medagi}

verify_run_manifest "$IN/manifest" postgres
verify_manifest_files "$IN"
RUN=$(manifest_field "$IN/manifest" run) || die "manifest has no run id"
DUMP=$(manifest_field "$IN/manifest" file) || die "manifest lists no dump"
case "$DUMP" in *.dump) ;; *) die "first file of the manifest is \"$DUMP\", expected the .dump" ;; esac

TOC_FILE="${TMPDIR:-/tmp}/restore-drill.toc.$$"
pg_restore --list "$IN/$DUMP" >"$TOC_FILE" || die "pg_restore --list cannot read $DUMP (corrupted or truncated dump)"
log "pg_restore --list: $(grep -vc '^;' "$TOC_FILE" || true) TOC entries in $DUMP"
rm -f "$TOC_FILE"

SCRATCH="${DRILL_DB_PREFIX:-medagi_drill}_${RUN,,}"
[ "$SCRATCH" != "$LIVE_DATABASE" ] || die "scratch database name equals the live database \"$LIVE_DATABASE\""
check_connection "$MAINT_DB"
db_exists "$SCRATCH" && die "scratch database \"$SCRATCH\" already exists (another drill running, or a leftover): drop it first"

drop_scratch() {
    local rc=$?
    if psql_q "$MAINT_DB" "DROP DATABASE IF EXISTS $(sql_ident "$SCRATCH") WITH (FORCE)" >/dev/null; then
        log "dropped scratch database \"$SCRATCH\""
    else
        log "could not drop scratch database \"$SCRATCH\": drop it by hand"
        rc=1
    fi
    if [ "$rc" -eq 0 ]; then log "DRILL PASSED for run $RUN"; else log "DRILL FAILED for run $RUN"; fi
    exit "$rc"
}
trap drop_scratch EXIT
psql_q "$MAINT_DB" "CREATE DATABASE $(sql_ident "$SCRATCH")" >/dev/null || die "cannot create scratch database \"$SCRATCH\""
log "restoring $DUMP into scratch database \"$SCRATCH\""
pg_restore -w --exit-on-error --single-transaction --no-owner --no-privileges \
    --dbname="$SCRATCH" "$IN/$DUMP" || die "pg_restore of $DUMP into \"$SCRATCH\" failed"
compare_row_counts "$IN/manifest" "$SCRATCH"
