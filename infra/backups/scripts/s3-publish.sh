#!/usr/bin/env bash
# s3-publish.sh — step 2 of postgres-backup and config-backup (runs in the
# amazon/aws-cli image): uploads the run that step 1 left in $WORK_DIR/out to
#   s3://$BACKUP_BUCKET/<kind>/<run>/
# and marks it complete. Order, so that nothing is ever marked complete early:
#   1. every file's size and SHA-256 match the local manifest;
#   2. every file (and its .sha256) is uploaded, carrying its SHA-256 as metadata;
#   3. every uploaded object's size and sha256 metadata are read back and compared;
#   4. the manifest is uploaded LAST — its presence is what "complete" means;
#   5. runs older than $RETENTION_DAYS days are pruned (never the one just written).
# Any failure exits non-zero before step 4, leaving the run incomplete.
#
# Environment: BACKUP_BUCKET, WORK_DIR (default /work), RETENTION_DAYS (optional),
# S3_ENDPOINT_URL (optional), AWS credentials or IRSA.
set -euo pipefail
SCRIPT_NAME=s3-publish
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_env BACKUP_BUCKET
require_cmd sha256sum
s3_setup
WORK_DIR=${WORK_DIR:-/work}
OUT="$WORK_DIR/out"
MANIFEST="$OUT/manifest"

[ -f "$MANIFEST" ] || die "no manifest in $OUT: step 1 did not finish, refusing to upload"
verify_manifest_files "$OUT"
KIND=$(manifest_field "$MANIFEST" kind) || die "manifest has no kind"
RUN=$(manifest_field "$MANIFEST" run) || die "manifest has no run id"
[[ $KIND =~ ^[a-z]+$ ]] || die "manifest kind \"$KIND\" is not a plain word"
[[ $RUN =~ ^[0-9]{8}T[0-9]{6}Z$ ]] || die "manifest run id \"$RUN\" is not YYYYMMDDTHHMMSSZ"
PREFIX="s3://$BACKUP_BUCKET/$KIND/$RUN"

require_bucket "$BACKUP_BUCKET"
if awss3api head-object --bucket "$BACKUP_BUCKET" --key "$KIND/$RUN/manifest" >/dev/null 2>&1; then
    die "$PREFIX/manifest already exists: refusing to overwrite a completed run"
fi

# 2. upload everything but the manifest.
uploaded=()
while IFS=$'\t' read -r key name _ _; do
    [ "$key" = "file" ] || continue
    for f in "$name" "$name.sha256"; do
        [ -f "$OUT/$f" ] || continue
        fsum=$(sha256_of "$OUT/$f")
        awss3 cp --only-show-errors "$OUT/$f" "$PREFIX/$f" --metadata "sha256=$fsum" ||
            die "upload of $f to $PREFIX/ failed"
        uploaded+=("$f")
    done
done <"$MANIFEST"

# 3. read back what S3 stored.
for f in "${uploaded[@]}"; do
    want_bytes=$(size_of "$OUT/$f")
    want_sum=$(sha256_of "$OUT/$f")
    got=$(awss3api head-object --bucket "$BACKUP_BUCKET" --key "$KIND/$RUN/$f" \
        --query '[ContentLength, Metadata.sha256]' --output text) ||
        die "uploaded object $PREFIX/$f cannot be read back"
    got_bytes=${got%%[[:space:]]*}
    got_sum=${got##*[[:space:]]}
    [ "$got_bytes" = "$want_bytes" ] || die "uploaded $PREFIX/$f has $got_bytes bytes, expected $want_bytes"
    [ "$got_sum" = "$want_sum" ] || die "uploaded $PREFIX/$f carries sha256 $got_sum, expected $want_sum"
done
log "uploaded and verified ${#uploaded[@]} object(s) under $PREFIX/"

# 4. the completion marker, last.
awss3 cp --only-show-errors "$MANIFEST" "$PREFIX/manifest" || die "upload of the manifest to $PREFIX/ failed: run left incomplete"
log "run $KIND/$RUN is complete: $PREFIX/manifest"

# 5. retention.
if [ -n "${RETENTION_DAYS:-}" ]; then
    [[ $RETENTION_DAYS =~ ^[1-9][0-9]*$ ]] || die "RETENTION_DAYS must be a positive integer, got \"$RETENTION_DAYS\""
    cutoff=$(date -u -d "-$RETENTION_DAYS days" +%Y%m%dT%H%M%SZ) || die "date cannot compute the retention cutoff"
    listing=$(awss3 ls "s3://$BACKUP_BUCKET/$KIND/") || die "cannot list s3://$BACKUP_BUCKET/$KIND/ for retention"
    pruned=0
    while IFS= read -r line; do
        old=${line##* }
        old=${old%/}
        [[ $old =~ ^[0-9]{8}T[0-9]{6}Z$ ]] || continue
        [ "$old" != "$RUN" ] || continue
        if [[ $old < $cutoff ]]; then
            awss3 rm --only-show-errors "s3://$BACKUP_BUCKET/$KIND/$old/" --recursive || die "pruning $KIND/$old failed"
            pruned=$((pruned + 1))
        fi
    done <<<"$listing"
    log "retention: kept runs newer than $cutoff ($RETENTION_DAYS days), pruned $pruned"
fi
