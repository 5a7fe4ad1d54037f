#!/usr/bin/env bash
# model-backup.sh — model-backup (runs in the amazon/aws-cli image). The runbook's
#   aws s3 sync models/ s3://med-agi-models/backup-$(date +%Y%m%d)/
# done bucket-to-bucket: the models bucket (its versioned layout, e.g. v1.0.0/…)
# is copied into the backups bucket under models/backup-<YYYYMMDD>/ (UTC), so a
# backup does not live in the bucket it protects. Prefixes named backup-* in the
# models bucket (the runbook's in-bucket copies) are not copied again.
#
# Tamper-evidence (a writer of the backups bucket without the signing key must
# not get a model of its choice restored):
#   * the destination prefix must not exist yet: a backup never writes into an
#     existing backup-<date>/ (files planted there beforehand would otherwise be
#     kept by `aws s3 sync`, which skips an object of the same size, and signed);
#   * every object is streamed from the models bucket into the backup and its
#     SHA-256 is taken of exactly the bytes uploaded (no sync, nothing skipped);
#   * every key, size and SHA-256 goes into the marker, which is signed with
#     BACKUP_SIGNING_KEY (an HMAC under a key that is not in the bucket);
#     model-restore.sh checks each restored object against it.
# Then every copied object is read back with head-object (size, and the
# server-side encryption the upload asked for: --sse aws:kms [--sse-kms-key-id]),
# and only then is the marker models/backup-<YYYYMMDD>.manifest written.
# With RETENTION_DAYS set, backups older than that are pruned afterwards and one
# dated after today is flagged and pruned too (dev; in AWS the bucket's
# lifecycle rule and Object Lock hold the retention and this role cannot delete).
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

# A backup never writes into an existing prefix: refuse before copying anything.
taken=$(list_keys "$BACKUP_BUCKET" "$DEST_KEY")
while IFS= read -r key; do
    case "$key" in
        "$DEST_KEY/"* | "$DEST_KEY.manifest")
            die "REFUSED: s3://$BACKUP_BUCKET/$DEST_KEY/ already exists ($key): a backup never writes into an existing prefix (a second run today, or objects planted for this run); nothing was copied. Inspect the prefix; the next day's run writes a new one"
            ;;
    esac
done <<<"$taken"

# key<TAB>size lines of every object under s3://$1/$2, keys relative to $2,
# skipping backup-* prefixes; sorted.
listing_of() {
    local raw key size
    raw=$(awss3api list-objects-v2 --bucket "$1" --prefix "$2" --query 'Contents[].[Key,Size]' --output text) ||
        die "cannot list s3://$1/$2"
    while IFS=$'\t' read -r key size; do
        if [ -z "${key:-}" ] || [ "$key" = None ]; then continue; fi
        key=${key#"$2"}
        case "$key" in backup-*) continue ;; esac
        printf '%s\t%s\n' "$key" "$size"
    done <<<"$raw" | LC_ALL=C sort
}

src=$(listing_of "$MODELS_BUCKET" "")
log "copying $(printf '%s' "$src" | grep -c . || true) object(s) of s3://$MODELS_BUCKET/ to $DEST (server-side encryption: $SSE_MODE)"
HASHES="${TMPDIR:-/tmp}/model-backup.hashes.$$"
: >"$HASHES"
trap 'rm -f "$HASHES"' EXIT
if [ -n "$src" ]; then
    while IFS=$'\t' read -r k s; do
        sum=$(stream_copy "s3://$MODELS_BUCKET/$k" "$DEST$k" "$s" ${SSE_ARGS[@]+"${SSE_ARGS[@]}"}) ||
            die "copying s3://$MODELS_BUCKET/$k to $DEST$k failed"
        printf '%s\t%s\t%s\n' "$k" "$s" "$sum" >>"$HASHES"
    done <<<"$src"
fi
dst=$(listing_of "$BACKUP_BUCKET" "$DEST_KEY/")
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
    while IFS=$'\t' read -r k s h; do printf 'object\t%s\t%s\t%s\n' "$k" "$s" "$h"; done <"$HASHES"
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
