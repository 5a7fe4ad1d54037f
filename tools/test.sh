#!/usr/bin/env bash
# The project's one test command (`npm test`): makes sure the real tools the
# tests drive are present (Debian packages, installed when missing and we are
# root; the Go tools, built at their pinned versions into a cache when
# missing, tools/go-tools.sh), then runs jest. Extra arguments go to jest (`npm test -- test/config`).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 15) ? 0 : 1)'; then
  echo "test: Node.js $(node --version) is too old: this project needs ≥ 22.15 (package.json engines; see README.md \"Prerequisites\")" >&2
  exit 1
fi

# tool on PATH -> Debian package that provides it
declare -A NEED=(
  [promtool]=prometheus
  [amtool]=prometheus-alertmanager
  [logrotate]=logrotate
  [aws]=awscli
  [pg_ctlcluster]=postgresql
  [busybox]=busybox
  [curl]=curl
  [openssl]=openssl
  [etcd]=etcd-server
)
missing=()
for tool in "${!NEED[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${NEED[$tool]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test: installing Debian packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "test: missing Debian packages: ${missing[*]} (install them, or run as root)" >&2
    exit 1
  fi
fi
# OPA, Regal and the manifest linters: built from source at the versions pinned
# in tools/go/<tool>/ when not cached yet; their bin directories go first on PATH.
# shellcheck source=tools/go-tools.sh
. tools/go-tools.sh
exec npx jest "$@"
