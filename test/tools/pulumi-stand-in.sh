#!/usr/bin/env bash
# The stand-in `pulumi` of test/tools/rollback.test.ts: records each call's
# arguments and working directory (one JSON line in $STANDIN_LOG) and answers
# like pulumi 3.210 would: `stack history` with $STANDIN_HISTORY's content,
# `stack output` with $STANDIN_OUTPUTS, and a lock error (exit 255) for the
# commands listed in $STANDIN_LOCKED (comma-separated). Bash, not node: a
# rollback calls the CLI up to nine times, and node's start-up (30 ms of CPU
# a call) was most of that test file's cost.

# $1 as a JSON string, in REPLY.
json() {
    local s=$1
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\n'/\\n}
    s=${s//$'\r'/\\r}
    s=${s//$'\t'/\\t}
    REPLY="\"$s\""
}
line='{"args":['
sep=
for arg in "$@"; do
    json "$arg"
    line+="$sep$REPLY"
    sep=,
done
# The physical directory, as node's process.cwd() reports it.
cd -P . || exit 1
json "$PWD"
line+="],\"cwd\":$REPLY}"
printf '%s\n' "$line" >>"$STANDIN_LOG"

if [ "$1" = version ]; then
    printf 'v3.210.0\n'
    exit 0
fi
if [ $# -gt 0 ]; then
    case ",$STANDIN_LOCKED," in
    *",$1,"*)
        # shellcheck disable=SC2016 # the backquotes are the CLI's message, not a command
        printf '%s\n' 'error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.' >&2
        exit 255
        ;;
    esac
fi
if [ "$1" = stack ] && [ "$2" = history ]; then
    cat "$STANDIN_HISTORY"
    exit 0
fi
if [ "$1" = stack ] && [ "$2" = output ]; then
    printf '%s' "${STANDIN_OUTPUTS:-"{}"}"
    exit 0
fi
if [ "$1" = preview ]; then
    printf 'Previewing update (prod):\n ~ kubernetes:apps/v1:Deployment imaging update [diff: ~spec]\nResources:\n    ~ 6 to update\n'
    exit 0
fi
if [ "$1" = up ]; then
    printf 'Updating (prod):\nResources:\n    ~ 6 updated\n'
    exit 0
fi
exit 0
