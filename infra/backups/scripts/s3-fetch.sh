#!/usr/bin/env bash
# s3-fetch.sh — step 1 of restore-drill and postgres-restore (runs in the
# amazon/aws-cli image): downloads one COMPLETE postgres run into $WORK_DIR/in and
# verifies every file against its manifest.
#
# Which run: RESTORE_RUN unset or "latest" → the newest complete run;
# RESTORE_RUN=YYYYMMDD → the newest complete run of that UTC day;
# RESTORE_RUN=YYYYMMDDTHHMMSSZ → exactly that run (must be complete).
# Incomplete runs (no manifest) are never chosen.
#
# Environment: BACKUP_BUCKET, WORK_DIR (default /work), RESTORE_RUN,
# S3_ENDPOINT_URL (optional), AWS credentials or IRSA.
set -euo pipefail
SCRIPT_NAME=s3-fetch
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_env BACKUP_BUCKET
require_cmd sha256sum
s3_setup
WORK_DIR=${WORK_DIR:-/work}
IN="$WORK_DIR/in"
KIND=postgres
WANT=${RESTORE_RUN:-latest}

require_bucket "$BACKUP_BUCKET"
runs=$(complete_runs "$BACKUP_BUCKET" "$KIND")
[ -n "$runs" ] || die "no complete $KIND backup in s3://$BACKUP_BUCKET/$KIND/"
chosen=""
while IFS= read -r r; do
    case "$WANT" in
        latest) chosen=$r ;;
        *T*Z) [ "$r" = "$WANT" ] && chosen=$r ;;
        *) [ "$(run_date "$r")" = "$WANT" ] && chosen=$r ;;
    esac
done <<<"$runs"
[ -n "$chosen" ] || die "no complete $KIND backup matches \"$WANT\" in s3://$BACKUP_BUCKET/$KIND/ (complete runs: ${runs//$'\n'/ })"

rm -rf "$IN"
mkdir -p "$IN" || die "cannot create $IN"
log "fetching s3://$BACKUP_BUCKET/$KIND/$chosen/"
awss3 cp --only-show-errors "s3://$BACKUP_BUCKET/$KIND/$chosen/" "$IN/" --recursive || die "download of $KIND/$chosen failed"
verify_manifest_files "$IN"
log "run $chosen fetched and verified into $IN"
