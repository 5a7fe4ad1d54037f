#!/usr/bin/env bash
# model-backup.sh — model-backup (runs in the amazon/aws-cli image). The runbook's
#   aws s3 sync models/ s3://med-agi-models/backup-$(date +%Y%m%d)/
# done bucket-to-bucket: the models bucket (its versioned layout, e.g. v1.0.0/…)
# is synced into the backups bucket under models/backup-<YYYYMMDD>/ (UTC), so a
# backup does not live in the bucket it protects. Prefixes named backup-* in the
# models bucket (the runbook's in-bucket copies) are not copied again.
# Then every source key and size is compared with the copy, every copied object
# is read back with head-object (it must carry the server-side encryption the
# upload asked for: --sse aws:kms [--sse-kms-key-id]), and only then is the
# marker models/backup-<YYYYMMDD>.manifest written, signed with BACKUP_SIGNING_KEY
# (an HMAC under a key that is not in the bucket; model-restore.sh checks it).
# Backups older than $RETENTION_DAYS days are pruned afterwards; one dated after
# today is flagged in the log and pruned too.
#
# Environment: MODELS_BUCKET, BACKUP_BUCKET, BACKUP_SIGNING_KEY, RETENTION_DAYS
# (optional), S3_SSE (aws:kms | none; default aws:kms), S3_SSE_KMS_KEY_ID
# (optional), S3_ENDPOINT_URL (optional), AWS credentials or IRSA.
set -euo pipefail
SCRIPT_NAME=model-backup
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_env MODELS_BUCKET BACKUP_BUCKET
require_signing_key
s3_setup
DATE=$(date -u +%Y%m%d)
DEST_KEY="models/backup-$DATE"
DEST="s3://$BACKUP_BUCKET/$DEST_KEY/"
require_bucket "$MODELS_BUCKET"
require_bucket "$BACKUP_BUCKET"

# key<TAB>size lines of `aws s3 ls --recursive` output, keys relative to $2,
# skipping backup-* prefixes; sorted.
listing_of() {
    local raw size key
    raw=$(awss3 ls "$1" --recursive) || die "cannot list $1"
    while read -r _ _ size key; do
        [ -n "${key:-}" ] || continue
        key=${key#"$2"}
        case "$key" in backup-*) continue ;; esac
        printf '%s\t%s\n' "$key" "$size"
    done <<<"$raw" | LC_ALL=C sort
}

log "syncing s3://$MODELS_BUCKET/ to $DEST (server-side encryption: $SSE_MODE)"
awss3 sync --only-show-errors "s3://$MODELS_BUCKET/" "$DEST" --exclude 'backup-*' ${SSE_ARGS[@]+"${SSE_ARGS[@]}"} ||
    die "aws s3 sync to $DEST failed"
src=$(listing_of "s3://$MODELS_BUCKET/" "")
dst=$(listing_of "$DEST" "$DEST_KEY/")
if [ "$src" != "$dst" ]; then
    diff <(printf '%s\n' "$src") <(printf '%s\n' "$dst") >&2 || true
    die "the copy under $DEST differs from s3://$MODELS_BUCKET/ (keys or sizes above)"
fi
count=0
if [ -n "$src" ]; then
    while IFS=$'\t' read -r k _; do
        got=$(head_object "$BACKUP_BUCKET" "$DEST_KEY/$k") || die "copied object $DEST$k cannot be read back"
        IFS=$'\t' read -r _ _ got_sse got_kms <<<"$got"
        check_sse "copied object $DEST$k" "$got_sse" "$got_kms"
        count=$((count + 1))
    done <<<"$src"
fi
MARKER="${TMPDIR:-/tmp}/model-backup.manifest.$$"
{
    printf 'format\t%s\n' "$MANIFEST_FORMAT"
    printf 'kind\tmodels\n'
    printf 'run\t%s\n' "$DATE"
    printf 'created\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    printf 'source\ts3://%s/\n' "$MODELS_BUCKET"
    printf 'objects\t%s\n' "$count"
    [ -z "$src" ] || printf '%s\n' "$src" | while IFS=$'\t' read -r k s; do printf 'object\t%s\t%s\n' "$k" "$s"; done
} >"$MARKER.partial"
sign_manifest "$MARKER.partial" "$MARKER"
rm -f "$MARKER.partial"
awss3 cp --only-show-errors "$MARKER" "s3://$BACKUP_BUCKET/$DEST_KEY.manifest" ${SSE_ARGS[@]+"${SSE_ARGS[@]}"} ||
    die "writing the completion marker failed"
got=$(head_object "$BACKUP_BUCKET" "$DEST_KEY.manifest") || die "the completion marker cannot be read back"
IFS=$'\t' read -r _ _ got_sse got_kms <<<"$got"
check_sse "marker s3://$BACKUP_BUCKET/$DEST_KEY.manifest" "$got_sse" "$got_kms"
rm -f "$MARKER"
log "model backup complete: $count object(s) in $DEST (signed marker $DEST_KEY.manifest)"

if [ -n "${RETENTION_DAYS:-}" ]; then
    [[ $RETENTION_DAYS =~ ^[1-9][0-9]*$ ]] || die "RETENTION_DAYS must be a positive integer, got \"$RETENTION_DAYS\""
    cutoff=$(date -u -d "$DATE -$RETENTION_DAYS days" +%Y%m%d) || die "date cannot compute the retention cutoff"
    listing=$(awss3 ls "s3://$BACKUP_BUCKET/models/") || die "cannot list s3://$BACKUP_BUCKET/models/"
    prune=()
    declare -A seen=()
    while IFS= read -r line; do
        name=${line##* }
        case "$name" in
            backup-*/) old=${name#backup-} && old=${old%/} ;;
            backup-*.manifest) old=${name#backup-} && old=${old%.manifest} ;;
            *) continue ;;
        esac
        [ -z "${seen[$old]:-}" ] || continue
        seen[$old]=1
        if [[ ! $old =~ ^[0-9]{8}$ ]] || ! date -u -d "$old" +%s >/dev/null 2>&1; then
            log "FLAGGED: models/$name is not a backup-YYYYMMDD name: left for inspection"
        elif [[ $old > $DATE ]]; then
            log "FLAGGED: models/backup-$old is dated after today ($DATE): clock skew or a planted backup: pruning it"
            prune+=("backup-$old")
        elif [[ $old < $cutoff ]]; then
            prune+=("backup-$old")
        fi
    done <<<"$listing"
    prune_prefixes "$BACKUP_BUCKET" models ${prune[@]+"${prune[@]}"} || die "pruning ${prune[*]} failed"
    log "retention: kept model backups from $cutoff on ($RETENTION_DAYS days), pruned ${#prune[@]}${prune[*]:+: ${prune[*]}}"
fi
