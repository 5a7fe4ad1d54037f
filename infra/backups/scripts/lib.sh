# shellcheck shell=bash
# lib.sh — shared helpers for the med-agi backup scripts (sourced, not run).
#
# Runs under bash ≥ 4.2: the postgres image (Debian, bash 5), the amazon/aws-cli
# image (Amazon Linux 2, bash 4.2) and registry.k8s.io/kubectl (debian-base).
# Only bash builtins and coreutils are used here: no awk, jq or python.
#
# Manifest format (tab-separated, one record per line, written last):
#   format    med-agi-backup/1
#   kind      postgres | config | models
#   run       <YYYYMMDDTHHMMSSZ>   (UTC; the S3 prefix of this run; YYYYMMDD for models)
#   created   <ISO-8601 UTC>
#   file      <name> <sha256> <bytes>
#   table     <schema.table> <rows>          (postgres only)
#   object    <key> <bytes> <sha256>         (models only: one per copied object)
#   hmac-sha256 <64 hex>                     (added by the upload step; always the last line)
# A run is complete exactly when <kind>/<run>/manifest exists in the bucket.
#
# Trust: the bucket is not trusted. A manifest is accepted only when its last
# line is an HMAC-SHA256 (RFC 2104) of every byte before it, under the signing
# key BACKUP_SIGNING_KEY (a Kubernetes Secret, never in the bucket; during a key
# rotation BACKUP_SIGNING_KEY_PREVIOUS is accepted too). Only prefixes that are
# run ids dated in the past (CLOCK_SKEW_SECONDS of skew allowed) are candidates.

MANIFEST_FORMAT="med-agi-backup/1"
SIGNATURE_RECORD="hmac-sha256"
RUN_ID_RE='^[0-9]{8}T[0-9]{6}Z$'

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

# run_epoch RUN — seconds since the epoch of run id RUN; fails unless RUN is a
# YYYYMMDDTHHMMSSZ id naming a real UTC time (20241345T… is refused).
run_epoch() {
    local r=$1 epoch
    [[ $r =~ $RUN_ID_RE ]] || return 1
    epoch=$(date -u -d "${r:0:4}-${r:4:2}-${r:6:2} ${r:9:2}:${r:11:2}:${r:13:2} UTC" +%s 2>/dev/null) || return 1
    [ "$(date -u -d "@$epoch" +%Y%m%dT%H%M%SZ)" = "$r" ] || return 1
    printf '%s' "$epoch"
}

# run_status RUN — "ok" for a run id dated no later than now + CLOCK_SKEW_SECONDS
# (default 300), "future" for one dated later, "malformed" for anything else.
run_status() {
    local epoch skew=${CLOCK_SKEW_SECONDS:-300}
    [[ $skew =~ ^[0-9]+$ ]] || die "CLOCK_SKEW_SECONDS must be a whole number of seconds, got \"$skew\""
    if ! epoch=$(run_epoch "$1"); then
        printf 'malformed'
    elif [ "$epoch" -gt $(($(date -u +%s) + skew)) ]; then
        printf 'future'
    else
        printf 'ok'
    fi
}

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

# --- Manifest signatures ---------------------------------------------------------

# check_signing_key VAR — VAR holds 32 to 64 characters of [A-Za-z0-9+/=_-]
# (`openssl rand -hex 32` makes one). The value is never printed.
check_signing_key() {
    [[ ${!1:-} =~ ^[A-Za-z0-9+/=_-]{32,64}$ ]] ||
        die "$1 must be 32 to 64 characters of A-Z a-z 0-9 + / = _ - (e.g. the output of: openssl rand -hex 32); the value is not shown"
}

# require_signing_key — BACKUP_SIGNING_KEY is set and well-formed (and
# BACKUP_SIGNING_KEY_PREVIOUS, when set). Without it nothing is signed or trusted.
require_signing_key() {
    [ -n "${BACKUP_SIGNING_KEY:-}" ] ||
        die "BACKUP_SIGNING_KEY is not set: manifests can be neither signed nor verified (in the cluster it comes from the Secret med-agi-backup-signing, set with: pulumi config set --secret med-agi:backupSigningKey)"
    check_signing_key BACKUP_SIGNING_KEY
    [ -z "${BACKUP_SIGNING_KEY_PREVIOUS:-}" ] || check_signing_key BACKUP_SIGNING_KEY_PREVIOUS
}

# hmac_sha256_hex KEY — HMAC-SHA256 (RFC 2104) of stdin under the bytes of KEY
# (at most 64, one SHA-256 block), as lower-case hex. Built on sha256sum so it
# runs in all three images; the tests check it against RFC 4231 and openssl.
hmac_sha256_hex() {
    local LC_ALL=C key=$1 i c ipad="" opad="" inner outer inner_bytes=""
    [ "${#key}" -le 64 ] || return 1
    for ((i = 0; i < 64; i++)); do
        c=0
        if [ "$i" -lt "${#key}" ]; then printf -v c '%d' "'${key:i:1}"; fi
        printf -v ipad '%s\\x%02x' "$ipad" $((c ^ 0x36))
        printf -v opad '%s\\x%02x' "$opad" $((c ^ 0x5c))
    done
    # shellcheck disable=SC2059 # the formats are \xHH escapes built above
    inner=$({ printf "$ipad" && cat; } | sha256sum) || return 1
    inner=${inner%% *}
    for ((i = 0; i < 64; i += 2)); do inner_bytes+="\\x${inner:i:2}"; done
    # shellcheck disable=SC2059
    outer=$({ printf "$opad" && printf "$inner_bytes"; } | sha256sum) || return 1
    printf '%s' "${outer%% *}"
}

# sign_manifest IN OUT — OUT is IN plus its signature record as the last line.
sign_manifest() {
    local key rest mac
    require_signing_key
    while IFS=$'\t' read -r key rest; do
        [ "$key" != "$SIGNATURE_RECORD" ] || die "$1 already carries a signature: refusing to sign it again"
    done <"$1"
    mac=$(hmac_sha256_hex "$BACKUP_SIGNING_KEY" <"$1") || die "cannot compute the signature of $1"
    { cat -- "$1" && printf '%s\t%s\n' "$SIGNATURE_RECORD" "$mac"; } >"$2" || die "cannot write $2"
}

# verify_manifest_signature FILE — FILE ends with exactly one signature line, an
# HMAC of every byte before it under BACKUP_SIGNING_KEY (or _PREVIOUS). Dies,
# refusing the manifest, otherwise: a bucket writer without the key cannot forge it.
verify_manifest_signature() {
    local file=$1 size sig_len=$((${#SIGNATURE_RECORD} + 66)) last want got which
    require_signing_key
    [ -f "$file" ] || die "no manifest at $file"
    size=$(size_of "$file")
    last=$(tail -c "$sig_len" -- "$file") || die "cannot read $file"
    if [ "$size" -le "$sig_len" ] || [[ ! $last =~ ^$SIGNATURE_RECORD$'\t'[0-9a-f]{64}$ ]] ||
        [ "$(tail -c 1 -- "$file" | od -An -c | tr -d ' ')" != '\n' ]; then
        die "REFUSED: $file is not signed (no \"$SIGNATURE_RECORD\" record as its last line): only manifests signed with the backup signing key are trusted"
    fi
    want=${last#*$'\t'}
    for which in BACKUP_SIGNING_KEY BACKUP_SIGNING_KEY_PREVIOUS; do
        [ -n "${!which:-}" ] || continue
        got=$(head -c $((size - sig_len)) -- "$file" | hmac_sha256_hex "${!which}") || die "cannot compute the signature of $file"
        if [ "$got" = "$want" ]; then
            log "manifest signature verified with $which"
            return 0
        fi
    done
    die "REFUSED: the signature of $file does not verify with BACKUP_SIGNING_KEY${BACKUP_SIGNING_KEY_PREVIOUS:+ or BACKUP_SIGNING_KEY_PREVIOUS}: the manifest was altered, forged, or signed with another key; not restoring it"
}

# verify_run_manifest FILE KIND [RUN] — the signature verifies, the manifest is of
# KIND, its run id is well-formed and dated in the past, and (when given) it is RUN,
# the prefix it was fetched from: a signed manifest copied to another prefix is refused.
verify_run_manifest() {
    local file=$1 kind run status
    verify_manifest_signature "$file"
    kind=$(manifest_field "$file" kind || true)
    [ "$kind" = "$2" ] || die "REFUSED: $file is a \"$kind\" manifest, expected \"$2\""
    run=$(manifest_field "$file" run) || die "REFUSED: $file has no run id"
    status=$(run_status "$run")
    [ "$status" = ok ] || die "REFUSED: the run id \"$run\" in $file is $status (expected YYYYMMDDTHHMMSSZ, in the past)"
    if [ -n "${3:-}" ] && [ "$run" != "$3" ]; then
        die "REFUSED: $file names run $run but was stored under $3: a manifest moved to another prefix is not trusted"
    fi
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
    sse_setup
}

# awss3 ARGS... — `aws s3 ARGS` against the configured endpoint.
awss3() { aws s3 "$@" ${AWS_ARGS[@]+"${AWS_ARGS[@]}"}; }
awss3api() { aws s3api "$@" ${AWS_ARGS[@]+"${AWS_ARGS[@]}"}; }

# require_bucket NAME — fail clearly when the bucket is missing or unreadable.
require_bucket() {
    awss3api head-bucket --bucket "$1" >/dev/null 2>&1 ||
        die "bucket s3://$1 does not exist or is not accessible with these credentials"
}

# list_keys BUCKET PREFIX — every key under PREFIX, one a line, in ONE command
# (the CLI follows the pages). A missing or unreadable bucket fails clearly.
list_keys() {
    local out key
    if ! out=$(awss3api list-objects-v2 --bucket "$1" --prefix "$2" --query 'Contents[].[Key]' --output text 2>&1); then
        case "$out" in
            *NoSuchBucket* | *AccessDenied* | *Forbidden*) die "bucket s3://$1 does not exist or is not accessible with these credentials" ;;
            *) die "cannot list s3://$1/$2: $out" ;;
        esac
    fi
    while IFS= read -r key; do
        [ -z "$key" ] || [ "$key" = "None" ] || printf '%s\n' "$key"
    done <<<"$out"
}

# complete_runs BUCKET KIND — run ids under s3://BUCKET/KIND/ that have a
# manifest (complete), oldest first, one a line. Only prefixes that are run ids
# dated in the past are candidates; every other manifest is named in the log and
# ignored (a planted "zz-evil/" or a future-dated run never becomes "latest").
complete_runs() {
    local keys key run
    keys=$(list_keys "$1" "$2/")
    while IFS= read -r key; do
        case "$key" in
            "$2"/*/manifest)
                run=${key#"$2"/}
                run=${run%/manifest}
                case "$(run_status "$run")" in
                    ok) printf '%s\n' "$run" ;;
                    future) log "IGNORED s3://$1/$key: run \"$run\" is dated in the future (clock skew, or a planted run): never restored" ;;
                    *) log "IGNORED s3://$1/$key: \"$run\" is not a run id (YYYYMMDDTHHMMSSZ): never restored" ;;
                esac
                ;;
        esac
    done <<<"$keys" | LC_ALL=C sort
}

# --- Server-side encryption -----------------------------------------------------

# sse_setup — every upload carries S3_SSE (default aws:kms; "none" only where the
# store has no KMS, e.g. a dev MinIO) and S3_SSE_KMS_KEY_ID when set; SSE_ARGS
# holds the aws CLI flags.
sse_setup() {
    SSE_MODE=${S3_SSE:-aws:kms}
    SSE_ARGS=()
    case "$SSE_MODE" in
        aws:kms)
            SSE_ARGS=(--sse aws:kms)
            [ -z "${S3_SSE_KMS_KEY_ID:-}" ] || SSE_ARGS+=(--sse-kms-key-id "$S3_SSE_KMS_KEY_ID")
            ;;
        none)
            [ -z "${S3_SSE_KMS_KEY_ID:-}" ] || die "S3_SSE_KMS_KEY_ID is set but S3_SSE is \"none\": set S3_SSE=aws:kms"
            log "uploads carry no server-side encryption flag (S3_SSE=none): the bucket's default encryption applies"
            ;;
        *) die "S3_SSE must be \"aws:kms\" or \"none\", got \"$SSE_MODE\"" ;;
    esac
}

# head_object BUCKET KEY — "<bytes> <sha256 metadata> <ServerSideEncryption> <SSEKMSKeyId>"
# of a stored object, tab-separated ("None" for an absent field).
head_object() {
    awss3api head-object --bucket "$1" --key "$2" \
        --query '[ContentLength, Metadata.sha256, ServerSideEncryption, SSEKMSKeyId]' --output text </dev/null
}

# check_sse WHAT SSE KMS_KEY_ID — the values head-object returned for WHAT show
# the encryption every upload asked for; dies naming the object otherwise.
check_sse() {
    [ "$SSE_MODE" != none ] || return 0
    [ "$2" = "aws:kms" ] || die "$1 is stored without SSE-KMS (ServerSideEncryption: $2): refusing to call it backed up"
    if [ -n "${S3_SSE_KMS_KEY_ID:-}" ] && [ "$3" != "$S3_SSE_KMS_KEY_ID" ]; then
        die "$1 is encrypted with KMS key $3, expected $S3_SSE_KMS_KEY_ID"
    fi
}

# stream_copy SRC DST BYTES [FLAG...] — copies the object at s3 URL SRC to s3 URL
# DST through this process (aws s3 cp SRC - | aws s3 cp - DST FLAG...) and prints
# the SHA-256 of exactly the bytes that were uploaded. Nothing is skipped or
# compared by size, as `aws s3 sync` would. Fails when either side fails.
stream_copy() {
    local src=$1 dst=$2 bytes=$3 dir hpid rc=0 sum
    shift 3
    dir=$(mktemp -d "${TMPDIR:-/tmp}/stream-copy.XXXXXX") || return 1
    if ! mkfifo "$dir/bytes"; then
        rm -rf "$dir"
        return 1
    fi
    sha256sum <"$dir/bytes" >"$dir/sum" &
    hpid=$!
    awss3 cp --only-show-errors "$src" - </dev/null | tee "$dir/bytes" |
        awss3 cp --only-show-errors - "$dst" --expected-size "$bytes" "$@" || rc=1
    wait "$hpid" || rc=1
    read -r sum _ <"$dir/sum" || rc=1
    rm -rf "$dir"
    [ "$rc" -eq 0 ] && [[ ${sum:-} =~ ^[0-9a-f]{64}$ ]] || return 1
    printf '%s' "$sum"
}

# prune_prefixes BUCKET PARENT NAME... — deletes s3://BUCKET/PARENT/NAME/* and
# s3://BUCKET/PARENT/NAME.manifest for every NAME, in ONE command.
prune_prefixes() {
    local bucket=$1 parent=$2 name filters=()
    shift 2
    [ $# -gt 0 ] || return 0
    for name in "$@"; do filters+=(--include "$name/*" --include "$name.manifest"); done
    awss3 rm --only-show-errors "s3://$bucket/$parent/" --recursive --exclude '*' "${filters[@]}"
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
            if [ "$key" = "table" ]; then printf '%s\t%s\n' "$name" "$rows"; fi
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
