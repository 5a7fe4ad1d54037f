#!/usr/bin/env bash
# tools/restore.sh — restore a backup with one command (docs/backups.md).
#
#   tools/restore.sh postgres --target-db NAME [--run RUN] [--overwrite-live] [--local]
#       Restore a complete postgres-backup run (RUN: latest | YYYYMMDD |
#       YYYYMMDDTHHMMSSZ; default latest, refused when the newest run is older
#       than LATEST_MAX_AGE_HOURS, default 48: name a run to restore an older
#       one on purpose) into database NAME. NAME must be a new
#       database, or the live one ("medagi") with --overwrite-live — without that
#       flag the live database is never touched.
#       In-cluster (default): creates a Job from the suspended CronJob
#       postgres-restore (kubectl, current context, -n ${NAMESPACE:-med-agi}),
#       waits for it and prints its logs.
#       --local: runs the same scripts here (needs aws, pg_restore, psql and the
#       PG*/BACKUP_BUCKET/AWS_* environment of docs/backups.md, and
#       BACKUP_SIGNING_KEY: an unsigned or wrongly signed backup is refused).
#
#   tools/restore.sh models --date YYYYMMDD --version VERSION [--overwrite]
#       Copy one model version from the model backup of DATE back into the
#       models bucket (aws, MODELS_BUCKET/BACKUP_BUCKET/BACKUP_SIGNING_KEY/AWS_*
#       environment; the backup's signed marker is checked first).
#
# Exit codes: 0 done and verified; 1 failure; 2 refused (usage or live target).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SCRIPTS="$HERE/../infra/backups/scripts"
NAMESPACE=${NAMESPACE:-med-agi}
LIVE_DATABASE=${LIVE_DATABASE:-medagi}

usage() {
    sed -n '2,/^# Exit codes/p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}
say() { printf 'restore: %s\n' "$*" >&2; }

restore_postgres() {
    local target="" run=latest overwrite=false local_mode=false
    while [ $# -gt 0 ]; do
        case "$1" in
            --target-db) target=${2:?--target-db needs a value}; shift 2 ;;
            --run) run=${2:?--run needs a value}; shift 2 ;;
            --overwrite-live) overwrite=true; shift ;;
            --local) local_mode=true; shift ;;
            -h | --help) usage ;;
            *) say "unknown argument: $1"; usage ;;
        esac
    done
    [ -n "$target" ] || { say "--target-db is required"; usage; }
    [[ $run =~ ^(latest|[0-9]{8}|[0-9]{8}T[0-9]{6}Z)$ ]] || { say "--run must be latest, YYYYMMDD or YYYYMMDDTHHMMSSZ"; usage; }
    [[ $target =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || { say "--target-db must be a plain lower-case database name"; usage; }
    if [ "$target" = "$LIVE_DATABASE" ] && [ "$overwrite" != true ]; then
        say "REFUSED: \"$target\" is the live database. Restore into a new database (e.g. --target-db ${LIVE_DATABASE}_restore) or pass --overwrite-live."
        exit 2
    fi

    if [ "$local_mode" = true ]; then
        RESTORE_WORK=$(mktemp -d "${TMPDIR:-/tmp}/med-agi-restore.XXXXXX")
        trap 'rm -rf "$RESTORE_WORK"' EXIT
        WORK_DIR=$RESTORE_WORK RESTORE_RUN=$run bash "$SCRIPTS/s3-fetch.sh"
        local args=(--dir "$RESTORE_WORK/in" --target-db "$target" --run "$run")
        if [ "$overwrite" = true ]; then args+=(--overwrite-live); fi
        WORK_DIR=$RESTORE_WORK bash "$SCRIPTS/pg-restore.sh" "${args[@]}"
        return
    fi

    command -v kubectl >/dev/null || { say "kubectl not found (or use --local)"; exit 1; }
    local job
    job="postgres-restore-$(date -u +%Y%m%d%H%M%S)"
    say "creating Job $job in namespace $NAMESPACE from cronjob/postgres-restore (run $run -> database $target)"
    kubectl -n "$NAMESPACE" create job "$job" --from=cronjob/postgres-restore --dry-run=client -o yaml |
        kubectl set env --local -f - -o yaml -c '*' \
            RESTORE_RUN="$run" RESTORE_TARGET_DB="$target" RESTORE_OVERWRITE_LIVE="$overwrite" |
        kubectl -n "$NAMESPACE" apply -f -
    say "waiting for job/$job (follow with: kubectl -n $NAMESPACE logs -f job/$job --all-containers)"
    local succeeded failed
    while :; do
        succeeded=$(kubectl -n "$NAMESPACE" get job "$job" -o jsonpath='{.status.succeeded}')
        failed=$(kubectl -n "$NAMESPACE" get job "$job" -o jsonpath='{.status.conditions[?(@.type=="Failed")].status}')
        [ "${succeeded:-0}" -ge 1 ] && break
        [ "$failed" = "True" ] && break
        sleep 10
    done
    kubectl -n "$NAMESPACE" logs "job/$job" --all-containers --prefix || true
    if [ "${succeeded:-0}" -ge 1 ]; then
        say "job/$job succeeded: run $run restored into \"$target\" and verified"
    else
        say "job/$job FAILED: see the logs above; the live database is unchanged unless --overwrite-live was given (and then the restore ran in one transaction)"
        exit 1
    fi
}

case "${1:-}" in
    postgres) shift; restore_postgres "$@" ;;
    models) shift; exec bash "$SCRIPTS/model-restore.sh" "$@" ;;
    *) usage ;;
esac
