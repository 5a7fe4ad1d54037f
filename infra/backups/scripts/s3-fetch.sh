#!/usr/bin/env bash
# s3-fetch.sh — step 1 of restore-drill and postgres-restore (runs in the
# amazon/aws-cli image): downloads one COMPLETE postgres run into $WORK_DIR/in and
# verifies it: the manifest's signature (HMAC under BACKUP_SIGNING_KEY, a key that
# is not in the bucket), that it names the run it was stored under, and every
# file against the manifest's size and SHA-256.
#
# Which run: RESTORE_RUN unset or "latest" → the newest complete run;
# RESTORE_RUN=YYYYMMDD → the newest complete run of that UTC day;
# RESTORE_RUN=YYYYMMDDTHHMMSSZ → exactly that run (must be complete).
# Only prefixes that are run ids dated in the past are candidates: anything else
# (a planted "zz-evil/", a run dated in the future) is named in the log and
# ignored. Incomplete runs (no manifest) are never chosen. A chosen run whose
# signature does not verify is REFUSED (no fallback to an older one).
#
# Environment: BACKUP_BUCKET, BACKUP_SIGNING_KEY (BACKUP_SIGNING_KEY_PREVIOUS
# during a rotation), WORK_DIR (default /work), RESTORE_RUN, CLOCK_SKEW_SECONDS
# (default 300), S3_ENDPOINT_URL (optional), AWS credentials or IRSA.
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
verify_run_manifest "$IN/manifest" "$KIND" "$chosen"
verify_manifest_files "$IN"
log "run $chosen fetched and verified into $IN"
