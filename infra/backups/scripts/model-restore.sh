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
#   anything else is REFUSED, so a model planted in the backups bucket is never restored.
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
    while read -r _ _ s k; do
        if [ -n "${k:-}" ]; then printf '%s\t%s\n' "${k#"$2"}" "$s"; fi
    done <<<"$1" | LC_ALL=C sort
}
raw=$(awss3 ls "$SRC" --recursive) || die "cannot list $SRC"
[ -n "$raw" ] || die "model backup $DATE has no version \"$VERSION\" ($SRC is empty)"
a=$(listing "$raw" "models/backup-$DATE/")
signed=$(while IFS=$'\t' read -r key k s; do
    if [ "$key" = object ] && [ "${k#"$VERSION"/}" != "$k" ]; then printf '%s\t%s\n' "$k" "$s"; fi
done <"$MARKER" | LC_ALL=C sort)
if [ "$a" != "$signed" ]; then
    diff <(printf '%s\n' "$signed") <(printf '%s\n' "$a") >&2 || true
    die "REFUSED: the objects under $SRC differ from the signed marker of $DATE (keys or sizes above): not restoring them"
fi
existing=$(awss3 ls "$DST" --recursive 2>/dev/null || true)
if [ -n "$existing" ] && [ "$OVERWRITE" != "true" ]; then
    log "REFUSED: $DST already holds objects; pass --overwrite to replace them with the $DATE backup"
    exit 2
fi
log "restoring $SRC to $DST"
awss3 sync --only-show-errors "$SRC" "$DST" --delete || die "aws s3 sync $SRC $DST failed"
b=$(listing "$(awss3 ls "$DST" --recursive)" "")
[ "$a" = "$b" ] || die "after the sync, $DST differs from $SRC"
log "model version $VERSION restored from the $DATE backup and verified ($(printf '%s\n' "$b" | wc -l) object(s))"
