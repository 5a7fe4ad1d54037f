# shellcheck shell=bash
# lib.sh — shared helpers for the med-agi backup scripts (sourced, not run).
#
# Runs under bash ≥ 4.2: the postgres image (Debian, bash 5), the amazon/aws-cli
# image (Amazon Linux 2, bash 4.2) and registry.k8s.io/kubectl (debian-base).
# Only bash builtins and coreutils are used here: no awk, jq or python.
#
# Manifest format (tab-separated, one record per line, written last):
#   format    med-agi-backup/1
#   kind      postgres | config
#   run       <YYYYMMDDTHHMMSSZ>   (UTC; the S3 prefix of this run)
#   created   <ISO-8601 UTC>
#   file      <name> <sha256> <bytes>
#   table     <schema.table> <rows>          (postgres only)
# A run is complete exactly when <kind>/<run>/manifest exists in the bucket.

MANIFEST_FORMAT="med-agi-backup/1"

log() { printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${SCRIPT_NAME:-backup}" "$*" >&2; }
die() {
    log "FAILED: $*"
    exit 1
}

# require_env VAR... — every named variable must be set and non-empty.
require_env() {
    local missing=() v
    for v in "$@"; do
        [ -n "${!v:-}" ] || missing+=("$v")
    done
    [ ${#missing[@]} -eq 0 ] || die "required environment variable(s) not set: ${missing[*]}"
}

# require_cmd CMD... — every named command must be on PATH.
require_cmd() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || die "required command not found on PATH: $c"
    done
}

# The UTC date of a run id (20240115T020000Z -> 20240115), the runbook's `date +%Y%m%d`.
run_date() { printf '%s' "${1%%T*}"; }

# Starts a run that produces files: sets RUN_ID (YYYYMMDDTHHMMSSZ, UTC) and
# DATE (YYYYMMDD), and empties the output directory $1.
# shellcheck disable=SC2034 # RUN_ID and DATE are read by the calling script
start_run() {
    RUN_ID=$(date -u +%Y%m%dT%H%M%SZ)
    DATE=$(run_date "$RUN_ID")
    rm -rf "$1"
    mkdir -p "$1" || die "cannot create $1"
}

sha256_of() {
    local out
    out=$(sha256sum -- "$1") || die "sha256sum failed for $1"
    printf '%s' "${out%% *}"
}
size_of() { stat -c %s -- "$1" || die "stat failed for $1"; }

# manifest_field FILE KEY — the value of the first "KEY<TAB>value" record.
manifest_field() {
    local key val rest
    while IFS=$'\t' read -r key val rest; do
        if [ "$key" = "$2" ]; then
            printf '%s' "$val"
            return 0
        fi
    done <"$1"
    return 1
}

# verify_manifest_files DIR — every "file" record of DIR/manifest exists in DIR
# with the recorded size and SHA-256. Fails loudly naming the first mismatch.
verify_manifest_files() {
    local dir=$1 key name sum bytes actual_sum actual_bytes n=0
    [ -f "$dir/manifest" ] || die "no manifest in $dir"
    [ "$(manifest_field "$dir/manifest" format || true)" = "$MANIFEST_FORMAT" ] ||
        die "$dir/manifest is not a $MANIFEST_FORMAT manifest"
    while IFS=$'\t' read -r key name sum bytes; do
        [ "$key" = "file" ] || continue
        n=$((n + 1))
        [ -f "$dir/$name" ] || die "file $name listed in the manifest is missing"
        actual_bytes=$(size_of "$dir/$name")
        [ "$actual_bytes" = "$bytes" ] ||
            die "size mismatch for $name: manifest says $bytes bytes, found $actual_bytes (truncated or replaced?)"
        actual_sum=$(sha256_of "$dir/$name")
        [ "$actual_sum" = "$sum" ] ||
            die "SHA-256 mismatch for $name: manifest says $sum, found $actual_sum (corrupted?)"
    done <"$dir/manifest"
    [ "$n" -gt 0 ] || die "$dir/manifest lists no files"
    log "checksums OK for $n file(s) in $dir"
}

# --- S3 ----------------------------------------------------------------------

# s3_setup — configure the aws CLI from the environment:
#   S3_ENDPOINT_URL  optional; an S3-compatible endpoint (MinIO in dev). Path-style
#                    addressing is used with it, as MinIO and other stand-ins expect.
#   AWS_REGION / AWS_DEFAULT_REGION  optional; default us-east-1.
# Credentials come from the usual AWS variables (a Kubernetes Secret) or IRSA.
s3_setup() {
    require_cmd aws
    export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-${AWS_REGION:-us-east-1}}"
    export AWS_PAGER=""
    AWS_ARGS=()
    if [ -n "${S3_ENDPOINT_URL:-}" ]; then
        AWS_ARGS+=(--endpoint-url "$S3_ENDPOINT_URL")
        local cfg="${TMPDIR:-/tmp}/med-agi-aws-config.$$"
        printf '[default]\ns3 =\n    addressing_style = path\n' >"$cfg"
        export AWS_CONFIG_FILE="$cfg"
        # aws CLI v2 ≥ 2.23 sends CRC checksums by default, which older
        # S3-compatible stores reject; only send what the API requires there.
        export AWS_REQUEST_CHECKSUM_CALCULATION=when_required AWS_RESPONSE_CHECKSUM_VALIDATION=when_required
    fi
}

# awss3 ARGS... — `aws s3 ARGS` against the configured endpoint.
awss3() { aws s3 "$@" ${AWS_ARGS[@]+"${AWS_ARGS[@]}"}; }
awss3api() { aws s3api "$@" ${AWS_ARGS[@]+"${AWS_ARGS[@]}"}; }

# require_bucket NAME — fail clearly when the bucket is missing or unreadable.
require_bucket() {
    awss3api head-bucket --bucket "$1" >/dev/null 2>&1 ||
        die "bucket s3://$1 does not exist or is not accessible with these credentials"
}

# complete_runs BUCKET KIND — run ids under s3://BUCKET/KIND/ that have a
# manifest (complete), oldest first, one a line.
complete_runs() {
    local listing line key
    listing=$(awss3 ls "s3://$1/$2/" --recursive) || die "cannot list s3://$1/$2/"
    while IFS= read -r line; do
        key=${line##* }
        case "$key" in
            "$2"/*/manifest)
                key=${key#"$2"/}
                printf '%s\n' "${key%/manifest}"
                ;;
        esac
    done <<<"$listing" | sort
}

# --- PostgreSQL ----------------------------------------------------------------

# Row counts of every table (ordinary and partitioned) outside the system
# schemas, "schema.table<TAB>rows", sorted. One statement, so it runs inside
# whatever snapshot the session is in.
ROW_COUNT_SQL="SELECT format('%I.%I', n.nspname, c.relname),
       (xpath('/row/n/text()',
              query_to_xml(format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text::bigint
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\\_toast%'
   AND n.nspname NOT LIKE 'pg\\_temp\\_%'
 ORDER BY 1;"

# psql_q DB SQL — run SQL on DB, unaligned tuples only, stop on the first error.
psql_q() {
    psql -X -w -q -A -t -F $'\t' -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}

# check_connection DB — fail clearly (without echoing the password) when the
# server cannot be reached or refuses the credentials.
check_connection() {
    local err
    if ! err=$(psql_q "$1" "SELECT 1" 2>&1 >/dev/null); then
        die "cannot connect to PostgreSQL database \"$1\" at ${PGHOST:-local socket}:${PGPORT:-5432} as user \"${PGUSER:-?}\": $err"
    fi
}

# compare_row_counts MANIFEST DB — the tables of DB and their row counts equal the
# manifest's "table" records exactly (no table missing, none extra).
compare_row_counts() {
    local manifest=$1 db=$2 expected actual key name rows
    expected=$(
        while IFS=$'\t' read -r key name rows; do
            [ "$key" = "table" ] && printf '%s\t%s\n' "$name" "$rows"
        done <"$manifest" | LC_ALL=C sort
    )
    actual=$(psql_q "$db" "$ROW_COUNT_SQL" | LC_ALL=C sort) || die "counting rows in database \"$db\" failed"
    if [ "$expected" != "$actual" ]; then
        log "row counts differ (manifest vs. database \"$db\"):"
        diff <(printf '%s\n' "$expected") <(printf '%s\n' "$actual") >&2 || true
        die "row counts in \"$db\" do not match the manifest"
    fi
    local n=0
    [ -z "$expected" ] || n=$(printf '%s\n' "$expected" | wc -l)
    log "row counts match the manifest for $n table(s) in \"$db\""
}

# db_exists DB — true when a database named DB exists (checked via MAINT_DB).
db_exists() {
    local out
    out=$(psql_q "${MAINT_DB:-postgres}" "SELECT 1 FROM pg_database WHERE datname = '${1//\'/\'\'}'") ||
        die "cannot query pg_database via maintenance database \"${MAINT_DB:-postgres}\""
    [ "$out" = "1" ]
}

# Double-quoted SQL identifier.
sql_ident() { printf '"%s"' "${1//\"/\"\"}"; }
