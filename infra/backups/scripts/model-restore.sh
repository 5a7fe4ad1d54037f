#!/usr/bin/env bash
# model-restore.sh — put one model version back into the models bucket from a
# complete model backup (amazon/aws-cli image, or an operator's machine via
# tools/restore.sh models). After it, the runbook's "Model Rollback"
#   aws s3 sync s3://med-agi-models/v1.0.0/ models/ --delete
# works again for that version.
#
# Usage: model-restore.sh --date YYYYMMDD --version VERSION [--overwrite]
#   copies s3://$BACKUP_BUCKET/models/backup-<date>/<version>/ to
#   s3://$MODELS_BUCKET/<version>/ (with --delete). Refuses when that version
#   prefix already holds objects, unless --overwrite. The backup's marker must be
#   signed with BACKUP_SIGNING_KEY (a key that is not in the bucket) and name that
#   date, and the version's objects must be exactly the keys and sizes it lists:
#   anything else is REFUSED, so a model planted in the backups bucket is never
#   restored. Each object is streamed into the models bucket and the SHA-256 of
#   the bytes written is compared with the signed one: an object that differs
#   (replaced in the backups bucket, even with the same size) is deleted from the
#   models bucket again and the restore fails naming it, so Triton never loads it.
# Environment: MODELS_BUCKET, BACKUP_BUCKET, BACKUP_SIGNING_KEY (and
# BACKUP_SIGNING_KEY_PREVIOUS during a rotation), S3_ENDPOINT_URL (optional), AWS credentials.
# Exit codes: 0 restored and verified; 1 failure; 2 refused (usage or existing version).
set -euo pipefail
SCRIPT_NAME=model-restore
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
    sed -n '/^# Usage:/,/^# Exit codes/p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}
DATE="" VERSION="" OVERWRITE=false
while [ $# -gt 0 ]; do
    case "$1" in
        --date) DATE=${2:?--date needs a value}; shift 2 ;;
        --version) VERSION=${2:?--version needs a value}; shift 2 ;;
        --overwrite) OVERWRITE=true; shift ;;
        -h | --help) usage ;;
        *) log "unknown argument: $1"; usage ;;
    esac
done
[[ $DATE =~ ^[0-9]{8}$ ]] || { log "--date must be YYYYMMDD"; usage; }
[[ $VERSION =~ ^[A-Za-z0-9._-]+$ ]] || { log "--version must be a plain prefix such as v1.0.0"; usage; }
require_env MODELS_BUCKET BACKUP_BUCKET
require_signing_key
s3_setup
SRC="s3://$BACKUP_BUCKET/models/backup-$DATE/$VERSION/"
DST="s3://$MODELS_BUCKET/$VERSION/"
MARKER="${TMPDIR:-/tmp}/model-restore.manifest.$$"
trap 'rm -f "$MARKER"' EXIT
awss3 cp --only-show-errors "s3://$BACKUP_BUCKET/models/backup-$DATE.manifest" "$MARKER" >/dev/null 2>&1 ||
    die "no complete model backup for $DATE (s3://$BACKUP_BUCKET/models/backup-$DATE.manifest is missing)"
verify_manifest_signature "$MARKER"
[ "$(manifest_field "$MARKER" kind || true)" = models ] || die "REFUSED: the marker of $DATE is not a models manifest"
[ "$(manifest_field "$MARKER" run || true)" = "$DATE" ] || die "REFUSED: the marker stored as backup-$DATE.manifest names another date"
[[ ! $DATE > $(date -u +%Y%m%d) ]] || die "REFUSED: backup-$DATE is dated in the future"
# The version's objects in the backup: keys relative to backup-<date>/, and sizes.
listing() {
    local raw key size
    raw=$(awss3api list-objects-v2 --bucket "$1" --prefix "$2" --query 'Contents[].[Key,Size]' --output text) ||
        die "cannot list s3://$1/$2"
    while IFS=$'\t' read -r key size; do
        if [ -n "${key:-}" ] && [ "$key" != None ]; then printf '%s\t%s\n' "${key#"$3"}" "$size"; fi
    done <<<"$raw" | LC_ALL=C sort
}
a=$(listing "$BACKUP_BUCKET" "models/backup-$DATE/$VERSION/" "models/backup-$DATE/")
[ -n "$a" ] || die "model backup $DATE has no version \"$VERSION\" ($SRC is empty)"
# The signed key<TAB>size<TAB>sha256 of every object of the version.
signed_full=$(while IFS=$'\t' read -r key k s h; do
    if [ "$key" = object ] && [ "${k#"$VERSION"/}" != "$k" ]; then printf '%s\t%s\t%s\n' "$k" "$s" "${h:-}"; fi
done <"$MARKER" | LC_ALL=C sort)
while IFS=$'\t' read -r k _ h; do
    [[ $h =~ ^[0-9a-f]{64}$ ]] ||
        die "REFUSED: the marker of $DATE carries no SHA-256 for $k (a marker from before content hashes): take a new model backup, or restore it by hand after checking it"
done <<<"$signed_full"
signed=$(while IFS=$'\t' read -r k s _; do printf '%s\t%s\n' "$k" "$s"; done <<<"$signed_full")
if [ "$a" != "$signed" ]; then
    diff <(printf '%s\n' "$signed") <(printf '%s\n' "$a") >&2 || true
    die "REFUSED: the objects under $SRC differ from the signed marker of $DATE (keys or sizes above): not restoring them"
fi
existing=$(listing "$MODELS_BUCKET" "$VERSION/" "")
if [ -n "$existing" ] && [ "$OVERWRITE" != "true" ]; then
    log "REFUSED: $DST already holds objects; pass --overwrite to replace them with the $DATE backup"
    exit 2
fi
log "restoring $SRC to $DST, checking every object's SHA-256 against the signed marker"
bad=()
while IFS=$'\t' read -r k s h; do
    got=$(stream_copy "s3://$BACKUP_BUCKET/models/backup-$DATE/$k" "s3://$MODELS_BUCKET/$k" "$s") ||
        die "copying $k from the $DATE backup to s3://$MODELS_BUCKET/$k failed"
    if [ "$got" != "$h" ]; then
        log "SHA-256 mismatch for $k: the signed marker says $h, the backup held $got (replaced after the backup): deleting s3://$MODELS_BUCKET/$k"
        awss3 rm --only-show-errors "s3://$MODELS_BUCKET/$k" || log "could not delete s3://$MODELS_BUCKET/$k: DELETE IT BY HAND before loading $VERSION"
        bad+=("$k")
    fi
done <<<"$signed_full"
[ ${#bad[@]} -eq 0 ] ||
    die "REFUSED: ${#bad[@]} object(s) of $VERSION in the $DATE backup do not match their signed SHA-256 and were removed from the models bucket again: ${bad[*]}; $DST is incomplete: restore $VERSION from another backup date"
# As `aws s3 sync --delete`: what the version holds beyond the backup goes.
while IFS=$'\t' read -r k _; do
    [ -n "$k" ] || continue
    if ! printf '%s\n' "$a" | cut -f1 | grep -qxF -- "$k"; then
        awss3 rm --only-show-errors "s3://$MODELS_BUCKET/$k" || die "removing s3://$MODELS_BUCKET/$k (not in the $DATE backup) failed"
    fi
done <<<"$existing"
b=$(listing "$MODELS_BUCKET" "$VERSION/" "")
[ "$a" = "$b" ] || die "after the copy, $DST differs from $SRC"
log "model version $VERSION restored from the $DATE backup and verified: $(printf '%s\n' "$b" | wc -l) object(s), every SHA-256 as signed"
