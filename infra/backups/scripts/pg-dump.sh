#!/usr/bin/env bash
# pg-dump.sh — postgres-backup, step 1 of 2 (runs in the postgres image).
#
# The runbook's "Database backup" (`pg_dump -U medagi -d medagi > backup_$(date +%Y%m%d).sql`)
# in custom format, plus roles/globals, into $WORK_DIR/out:
#   backup_<date>.dump (+ .sha256)   pg_dump -Fc of $PGDATABASE
#   globals_<date>.sql (+ .sha256)   pg_dumpall --globals-only --no-role-passwords
#   manifest                         checksums, sizes and per-table row counts
# The dump and the row counts are taken in ONE snapshot (pg_export_snapshot), so
# the counts describe exactly the rows in the dump. Step 2 (s3-publish.sh, aws
# image) uploads; the run is complete only when the manifest is uploaded last.
#
# Environment: PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD (libpq; the password
# comes from a Secret and is never printed), WORK_DIR (default /work),
# DUMP_GLOBALS (default true).
set -euo pipefail
SCRIPT_NAME=pg-dump
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_env PGHOST PGUSER PGDATABASE
require_cmd psql pg_dump pg_dumpall sha256sum
WORK_DIR=${WORK_DIR:-/work}
OUT="$WORK_DIR/out"
start_run "$OUT"
DUMP="backup_${DATE}.dump"
GLOBALS="globals_${DATE}.sql"

check_connection "$PGDATABASE"
log "dumping database \"$PGDATABASE\" from $PGHOST:${PGPORT:-5432} as \"$PGUSER\" (run $RUN_ID)"

# A psql session that holds a REPEATABLE READ transaction open and exports its
# snapshot; pg_dump --snapshot dumps exactly what this session sees.
trap '' PIPE # a dead session must fail a write, not kill the script silently
coproc PSQL { exec psql -X -w -q -A -t -F $'\t' -v ON_ERROR_STOP=1 -d "$PGDATABASE" 2>&1; }
# Our own copies of the pipe ends: bash closes the coproc's when it exits.
exec {SESSION_OUT}<&"${PSQL[0]}" {SESSION_IN}>&"${PSQL[1]}"
END_MARK="__med_agi_end_${RUN_ID}__"
# session SQL OUTFILE — run SQL in the held session, results to OUTFILE.
session() {
    printf '%s\n\\echo %s\n' "$1" "$END_MARK" >&"$SESSION_IN" || die "snapshot session closed unexpectedly"
    : >"$2"
    local line
    while IFS= read -r line <&"$SESSION_OUT"; do
        [ "$line" = "$END_MARK" ] && return 0
        printf '%s\n' "$line" >>"$2"
    done
    die "snapshot session failed: $(cat "$2")"
}
SNAP_FILE="$OUT/.snapshot"
COUNTS_FILE="$OUT/.counts"
session "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SELECT pg_export_snapshot();" "$SNAP_FILE"
SNAPSHOT=$(<"$SNAP_FILE")
[[ $SNAPSHOT =~ ^[0-9A-F-]+$ ]] || die "pg_export_snapshot returned an unexpected value: $SNAPSHOT"
session "$ROW_COUNT_SQL" "$COUNTS_FILE"
SERVER_VERSION_FILE="$OUT/.version"
session "SHOW server_version;" "$SERVER_VERSION_FILE"

pg_dump -w --format=custom --snapshot="$SNAPSHOT" --file="$OUT/$DUMP" --dbname="$PGDATABASE" ||
    die "pg_dump of \"$PGDATABASE\" failed"
session "COMMIT;" "$SNAP_FILE"
printf '\\q\n' >&"$SESSION_IN" || true
exec {SESSION_IN}>&- {SESSION_OUT}<&-

FILES=("$DUMP")
if [ "${DUMP_GLOBALS:-true}" = "true" ]; then
    # Roles, memberships and tablespaces; never password hashes (RDS forbids
    # reading them, and the passwords live in Secrets, not in backups).
    pg_dumpall -w --globals-only --no-role-passwords -l "$PGDATABASE" --file="$OUT/$GLOBALS" ||
        die "pg_dumpall --globals-only failed"
    FILES+=("$GLOBALS")
fi

# pg_restore must be able to read the dump back before we call it a backup.
pg_restore --list "$OUT/$DUMP" >/dev/null || die "pg_restore --list cannot read the fresh dump $DUMP"

{
    printf 'format\t%s\n' "$MANIFEST_FORMAT"
    printf 'kind\tpostgres\n'
    printf 'run\t%s\n' "$RUN_ID"
    printf 'created\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    printf 'database\t%s\n' "$PGDATABASE"
    printf 'server_version\t%s\n' "$(<"$SERVER_VERSION_FILE")"
    for f in "${FILES[@]}"; do
        sum=$(sha256_of "$OUT/$f")
        printf '%s  %s\n' "$sum" "$f" >"$OUT/$f.sha256"
        printf 'file\t%s\t%s\t%s\n' "$f" "$sum" "$(size_of "$OUT/$f")"
    done
    while IFS=$'\t' read -r table rows; do
        if [ -n "$table" ]; then printf 'table\t%s\t%s\n' "$table" "$rows"; fi
    done <"$COUNTS_FILE"
} >"$OUT/manifest.partial"
rm -f "$SNAP_FILE" "$COUNTS_FILE" "$SERVER_VERSION_FILE"
mv "$OUT/manifest.partial" "$OUT/manifest"
log "dump ready: $DUMP ($(size_of "$OUT/$DUMP") bytes), $(grep -c '^table' "$OUT/manifest" || true) table(s) counted"
