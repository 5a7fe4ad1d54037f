#!/usr/bin/env bash
# `npm run test:loaded`: the whole suite (`npm test`, same arguments) while a busy
# loop keeps one core saturated for the duration, as on a shared CI machine. The
# suite must pass like this too: its waits are on events, and the timeouts that
# remain have the margin for it.
set -euo pipefail
cd "$(dirname "$0")/.."
node -e 'for (;;);' &
busy=$!
trap 'kill "$busy" 2>/dev/null || true' EXIT
echo "test:loaded: a busy loop (pid $busy) holds one core until the suite ends" >&2
bash tools/test.sh "$@"
