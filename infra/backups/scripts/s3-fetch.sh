#!/usr/bin/env bash
# s3-fetch.sh — step 1 of restore-drill and postgres-restore (runs in the
# amazon/aws-cli image): downloads one COMPLETE postgres run into $WORK_DIR/in and
# verifies it: the manifest's signature (HMAC under BACKUP_SIGNING_KEY, a key that
# is not in the bucket), that it names the run it was stored under, and every
# file against the manifest's size and SHA-256.
#
# Which run: RESTORE_RUN unset or "latest" → the newest complete run, which must
# be at most LATEST_MAX_AGE_HOURS old (default 48: twice the daily backup
# interval) — else REFUSED: newer runs are missing (backups failing, or deleted by
# someone who could write the bucket) and "latest" would silently be old data;
# RESTORE_RUN=YYYYMMDD → the newest complete run of that UTC day;
# RESTORE_RUN=YYYYMMDDTHHMMSSZ → exactly that run (must be complete).
# Only prefixes that are run ids dated in the past are candidates: anything else
# (a planted "zz-evil/", a run dated in the future) is named in the log and
# ignored. Incomplete runs (no manifest) are never chosen. A chosen run whose
# signature does not verify is REFUSED (no fallback to an older one).
#
# Environment: BACKUP_BUCKET, BACKUP_SIGNING_KEY (BACKUP_SIGNING_KEY_PREVIOUS
# during a rotation), WORK_DIR (default /work), RESTORE_RUN, LATEST_MAX_AGE_HOURS
# (default 48), CLOCK_SKEW_SECONDS (default 300), S3_ENDPOINT_URL (optional), AWS credentials or IRSA.
set -euo pipefail
SCRIPT_NAME=s3-fetch
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_env BACKUP_BUCKET
require_cmd sha256sum
require_signing_key
s3_setup
WORK_DIR=${WORK_DIR:-/work}
IN="$WORK_DIR/in"
KIND=postgres
WANT=${RESTORE_RUN:-latest}
MAX_AGE_HOURS=${LATEST_MAX_AGE_HOURS:-48}
[[ $MAX_AGE_HOURS =~ ^[1-9][0-9]{0,5}$ ]] ||
    die "LATEST_MAX_AGE_HOURS must be a whole number of hours from 1 to 999999, got \"$MAX_AGE_HOURS\""

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
if [ "$WANT" = latest ]; then
    age=$(($(date -u +%s) - $(run_epoch "$chosen")))
    if [ "$age" -gt $((MAX_AGE_HOURS * 3600)) ]; then
        die "REFUSED: the newest complete $KIND run is $chosen, $((age / 3600)) h old: older than LATEST_MAX_AGE_HOURS ($MAX_AGE_HOURS h). Newer runs are missing (backups failing, or runs deleted from the bucket), so \"latest\" would silently restore old data. To restore this run on purpose, name it: RESTORE_RUN=$chosen (tools/restore.sh --run $chosen)"
    fi
    log "newest complete run $chosen is $((age / 60)) min old (at most $MAX_AGE_HOURS h allowed for \"latest\")"
fi

rm -rf "$IN"
mkdir -p "$IN" || die "cannot create $IN"
log "fetching s3://$BACKUP_BUCKET/$KIND/$chosen/"
awss3 cp --only-show-errors "s3://$BACKUP_BUCKET/$KIND/$chosen/" "$IN/" --recursive || die "download of $KIND/$chosen failed"
verify_run_manifest "$IN/manifest" "$KIND" "$chosen"
verify_manifest_files "$IN"
log "run $chosen fetched and verified into $IN"
