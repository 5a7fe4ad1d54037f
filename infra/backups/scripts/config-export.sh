#!/usr/bin/env bash
# config-export.sh — config-backup, step 1 of 2 (runs in the
# registry.k8s.io/kubectl image, with a read-only ServiceAccount). The runbook's
#   kubectl get all -n med-agi -o yaml > k8s_backup_$(date +%Y%m%d).yaml
# plus the namespaced objects `all` leaves out (ConfigMaps, RBAC, PVCs, …) in
# k8s_config_<date>.yaml. Secrets are never read: the Role does not allow it and
# this script refuses a resource list that names them. Step 2 is s3-publish.sh.
#
# Environment: NAMESPACE (default med-agi), CONFIG_RESOURCES (comma-separated
# resource types, from infra/backups), WORK_DIR (default /work).
set -euo pipefail
SCRIPT_NAME=config-export
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

require_env CONFIG_RESOURCES
require_cmd kubectl sha256sum
NAMESPACE=${NAMESPACE:-med-agi}
WORK_DIR=${WORK_DIR:-/work}
OUT="$WORK_DIR/out"
case ",${CONFIG_RESOURCES,,}," in
    *,secret,* | *,secrets,* | *,secret.* | *,secrets.*) die "CONFIG_RESOURCES names Secrets: secret values are never backed up" ;;
esac
start_run "$OUT"
ALL="k8s_backup_${DATE}.yaml"
CONFIG="k8s_config_${DATE}.yaml"

log "exporting namespace $NAMESPACE (run $RUN_ID)"
kubectl get all -n "$NAMESPACE" -o yaml >"$OUT/$ALL" || die "kubectl get all -n $NAMESPACE failed"
kubectl get "$CONFIG_RESOURCES" -n "$NAMESPACE" -o yaml >"$OUT/$CONFIG" ||
    die "kubectl get $CONFIG_RESOURCES -n $NAMESPACE failed"
if grep -q '^kind: Secret$\|^  kind: Secret$' "$OUT/$ALL" "$OUT/$CONFIG"; then
    die "the export contains a Secret object: refusing to keep it"
fi
{
    printf 'format\t%s\n' "$MANIFEST_FORMAT"
    printf 'kind\tconfig\n'
    printf 'run\t%s\n' "$RUN_ID"
    printf 'created\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    printf 'namespace\t%s\n' "$NAMESPACE"
    for f in "$ALL" "$CONFIG"; do
        sum=$(sha256_of "$OUT/$f")
        printf '%s  %s\n' "$sum" "$f" >"$OUT/$f.sha256"
        printf 'file\t%s\t%s\t%s\n' "$f" "$sum" "$(size_of "$OUT/$f")"
    done
} >"$OUT/manifest.partial"
mv "$OUT/manifest.partial" "$OUT/manifest"
log "export ready: $ALL ($(size_of "$OUT/$ALL") bytes), $CONFIG ($(size_of "$OUT/$CONFIG") bytes)"
