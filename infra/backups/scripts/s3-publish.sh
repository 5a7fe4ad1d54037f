#!/usr/bin/env bash
# s3-publish.sh — step 2 of postgres-backup and config-backup (runs in the
# amazon/aws-cli image): uploads the run that step 1 left in $WORK_DIR/out to
#   s3://$BACKUP_BUCKET/<kind>/<run>/
# and marks it complete. Order, so that nothing is ever marked complete early:
#   1. every file's size and SHA-256 match the local manifest;
#   2. every file (and its .sha256) is uploaded with the server-side encryption
#      flag (--sse aws:kms [--sse-kms-key-id]) and its SHA-256 as metadata, and
#      read back at once: size, sha256 metadata and ServerSideEncryption must match;
#   3. the manifest is signed (HMAC-SHA256 under BACKUP_SIGNING_KEY, a key that
#      is not in the bucket), uploaded LAST — its presence is what "complete"
#      means — and read back the same way;
#   4. runs older than $RETENTION_DAYS days are pruned (never the one just
#      written), and so are runs dated in the future (flagged in the log: clock
#      skew or a planted run). Other prefixes are named in the log and left alone.
# Any failure exits non-zero before step 3, leaving the run incomplete.
#
# Environment: BACKUP_BUCKET, BACKUP_SIGNING_KEY, WORK_DIR (default /work),
# RETENTION_DAYS (optional), S3_SSE (aws:kms | none; default aws:kms),
# S3_SSE_KMS_KEY_ID (optional), S3_ENDPOINT_URL (optional), AWS credentials or IRSA.
set -euo pipefail
SCRIPT_NAME=s3-publish
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_env BACKUP_BUCKET
require_cmd sha256sum
require_signing_key
s3_setup
WORK_DIR=${WORK_DIR:-/work}
OUT="$WORK_DIR/out"
MANIFEST="$OUT/manifest"

[ -f "$MANIFEST" ] || die "no manifest in $OUT: step 1 did not finish, refusing to upload"
verify_manifest_files "$OUT"
KIND=$(manifest_field "$MANIFEST" kind) || die "manifest has no kind"
RUN=$(manifest_field "$MANIFEST" run) || die "manifest has no run id"
[[ $KIND =~ ^[a-z]+$ ]] || die "manifest kind \"$KIND\" is not a plain word"
[ "$(run_status "$RUN")" = ok ] || die "manifest run id \"$RUN\" is not a YYYYMMDDTHHMMSSZ time in the past"
PREFIX="s3://$BACKUP_BUCKET/$KIND/$RUN"

# One listing of every run of this kind: the bucket exists, the run is new, and
# (after the upload) which runs retention prunes.
EXISTING=$(list_keys "$BACKUP_BUCKET" "$KIND/")
while IFS= read -r key; do
    [ "$key" != "$KIND/$RUN/manifest" ] || die "$PREFIX/manifest already exists: refusing to overwrite a completed run"
done <<<"$EXISTING"

# upload FILE KEY — upload with the encryption flag and sha256 metadata, then read back.
upload() {
    local file=$1 key=$2 sum bytes got got_bytes got_sum got_sse got_kms
    sum=$(sha256_of "$file")
    bytes=$(size_of "$file")
    awss3 cp --only-show-errors "$file" "s3://$BACKUP_BUCKET/$key" --metadata "sha256=$sum" ${SSE_ARGS[@]+"${SSE_ARGS[@]}"} ||
        die "upload of $(basename "$file") to s3://$BACKUP_BUCKET/$key failed"
    got=$(head_object "$BACKUP_BUCKET" "$key") || die "uploaded object s3://$BACKUP_BUCKET/$key cannot be read back"
    IFS=$'\t' read -r got_bytes got_sum got_sse got_kms <<<"$got"
    [ "$got_bytes" = "$bytes" ] || die "uploaded s3://$BACKUP_BUCKET/$key has $got_bytes bytes, expected $bytes"
    [ "$got_sum" = "$sum" ] || die "uploaded s3://$BACKUP_BUCKET/$key carries sha256 $got_sum, expected $sum"
    check_sse "uploaded s3://$BACKUP_BUCKET/$key" "$got_sse" "$got_kms"
}

# 2. upload everything but the manifest.
n=0
while IFS=$'\t' read -r key name _ _; do
    [ "$key" = "file" ] || continue
    for f in "$name" "$name.sha256"; do
        [ -f "$OUT/$f" ] || continue
        upload "$OUT/$f" "$KIND/$RUN/$f"
        n=$((n + 1))
    done
done <"$MANIFEST"
log "uploaded and verified $n object(s) under $PREFIX/ (server-side encryption: $SSE_MODE)"

# 3. the signed completion marker, last.
SIGNED="$OUT/.manifest.signed"
sign_manifest "$MANIFEST" "$SIGNED"
upload "$SIGNED" "$KIND/$RUN/manifest"
rm -f "$SIGNED"
log "run $KIND/$RUN is complete: $PREFIX/manifest (signed)"

# 4. retention, and runs dated in the future.
if [ -n "${RETENTION_DAYS:-}" ]; then
    [[ $RETENTION_DAYS =~ ^[1-9][0-9]*$ ]] || die "RETENTION_DAYS must be a positive integer, got \"$RETENTION_DAYS\""
    cutoff=$(date -u -d "@$(($(run_epoch "$RUN") - RETENTION_DAYS * 86400))" +%Y%m%dT%H%M%SZ) || die "date cannot compute the retention cutoff"
    prune=()
    declare -A seen=()
    while IFS= read -r key; do
        old=${key#"$KIND"/}
        old=${old%%/*}
        if [ -z "$old" ] || [ -n "${seen[$old]:-}" ]; then continue; fi
        seen[$old]=1
        [ "$old" != "$RUN" ] || continue
        case "$(run_status "$old")" in
            ok) if [[ $old < $cutoff ]]; then prune+=("$old"); fi ;;
            future)
                log "FLAGGED: $KIND/$old is dated in the future (clock skew, or a planted run): pruning it"
                prune+=("$old")
                ;;
            *) log "FLAGGED: $KIND/$old/ is not a run id (YYYYMMDDTHHMMSSZ): never restored, left for inspection" ;;
        esac
    done <<<"$EXISTING"
    prune_prefixes "$BACKUP_BUCKET" "$KIND" ${prune[@]+"${prune[@]}"} || die "pruning ${prune[*]} failed"
    log "retention: kept runs from $cutoff on ($RETENTION_DAYS days), pruned ${#prune[@]}${prune[*]:+: ${prune[*]}}"
fi
