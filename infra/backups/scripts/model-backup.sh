#!/usr/bin/env bash
# model-backup.sh — model-backup (runs in the amazon/aws-cli image). The runbook's
#   aws s3 sync models/ s3://med-agi-models/backup-$(date +%Y%m%d)/
# done bucket-to-bucket: the models bucket (its versioned layout, e.g. v1.0.0/…)
# is synced into the backups bucket under models/backup-<YYYYMMDD>/ (UTC), so a
# backup does not live in the bucket it protects. Prefixes named backup-* in the
# models bucket (the runbook's in-bucket copies) are not copied again.
# Then every source key and size is compared with the copy, and only then is the
# marker models/backup-<YYYYMMDD>.manifest written. Runs older than
# $RETENTION_DAYS days are pruned afterwards.
#
# Environment: MODELS_BUCKET, BACKUP_BUCKET, RETENTION_DAYS (optional),
# S3_ENDPOINT_URL (optional), AWS credentials or IRSA.
set -euo pipefail
SCRIPT_NAME=model-backup
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_env MODELS_BUCKET BACKUP_BUCKET
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

log "syncing s3://$MODELS_BUCKET/ to $DEST"
awss3 sync --only-show-errors "s3://$MODELS_BUCKET/" "$DEST" --exclude 'backup-*' || die "aws s3 sync to $DEST failed"
src=$(listing_of "s3://$MODELS_BUCKET/" "")
dst=$(listing_of "$DEST" "$DEST_KEY/")
if [ "$src" != "$dst" ]; then
    diff <(printf '%s\n' "$src") <(printf '%s\n' "$dst") >&2 || true
    die "the copy under $DEST differs from s3://$MODELS_BUCKET/ (keys or sizes above)"
fi
count=0
[ -z "$src" ] || count=$(printf '%s\n' "$src" | wc -l)
MARKER="${TMPDIR:-/tmp}/model-backup.manifest.$$"
{
    printf 'format\t%s\n' "$MANIFEST_FORMAT"
    printf 'kind\tmodels\n'
    printf 'run\t%s\n' "$DATE"
    printf 'created\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    printf 'source\ts3://%s/\n' "$MODELS_BUCKET"
    printf 'objects\t%s\n' "$count"
    [ -z "$src" ] || printf '%s\n' "$src" | while IFS=$'\t' read -r k s; do printf 'object\t%s\t%s\n' "$k" "$s"; done
} >"$MARKER"
awss3 cp --only-show-errors "$MARKER" "s3://$BACKUP_BUCKET/$DEST_KEY.manifest" || die "writing the completion marker failed"
rm -f "$MARKER"
log "model backup complete: $count object(s) in $DEST"

if [ -n "${RETENTION_DAYS:-}" ]; then
    [[ $RETENTION_DAYS =~ ^[1-9][0-9]*$ ]] || die "RETENTION_DAYS must be a positive integer, got \"$RETENTION_DAYS\""
    cutoff=$(date -u -d "-$RETENTION_DAYS days" +%Y%m%d) || die "date cannot compute the retention cutoff"
    listing=$(awss3 ls "s3://$BACKUP_BUCKET/models/") || die "cannot list s3://$BACKUP_BUCKET/models/"
    pruned=0
    while IFS= read -r line; do
        name=${line##* }
        case "$name" in backup-[0-9]*/) old=${name#backup-} && old=${old%/} ;; *) continue ;; esac
        [[ $old =~ ^[0-9]{8}$ ]] || continue
        if [[ $old < $cutoff ]]; then
            awss3 rm --only-show-errors "s3://$BACKUP_BUCKET/models/backup-$old.manifest" || die "pruning marker of backup-$old failed"
            awss3 rm --only-show-errors "s3://$BACKUP_BUCKET/models/backup-$old/" --recursive || die "pruning models/backup-$old failed"
            pruned=$((pruned + 1))
        fi
    done <<<"$listing"
    log "retention: kept model backups from $cutoff on ($RETENTION_DAYS days), pruned $pruned"
fi
