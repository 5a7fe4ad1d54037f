#!/usr/bin/env bash
# The Go tools the tests drive (OPA, Regal, the manifest linters), each built
# from source at the version pinned in tools/go/<tool>/go.mod (+ go.sum), the
# ordinary `go install` way, into a cache directory keyed by a hash of that
# pin: ${MED_AGI_TOOLS_CACHE:-$HOME/.cache/med-agi/go-tools}/<tool>-<hash>/bin.
# A tool already in the cache is not built again; a changed pin builds anew.
#
# Sourced by tools/test.sh (and .ci/run): it prepends every tool's bin
# directory to PATH. Run directly, it builds what is missing and prints the
# bin directories, one a line. A tool that cannot be built stops the run with
# its name and go's own error: nothing is ever skipped.
#
# Adding a tool: tools/go/<tool>/go.mod with module med-agi-tools/<tool>, a
# `tool <package>` directive per command, the exact version in `require`
# (`replace` where the module proxy serves the code under another path), and
# a complete go.sum (`go mod tidy`). See README.md "Tools the tests drive".

med_agi_go_tools() {
  local root cache_root mod dir tool key target tmp start elapsed built=0 bins=()
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  cache_root="${MED_AGI_TOOLS_CACHE:-$HOME/.cache/med-agi/go-tools}"

  local mods=("$root"/tools/go/*/go.mod)
  if [ ! -e "${mods[0]}" ]; then
    echo "go-tools: no tools/go/*/go.mod under $root" >&2
    return 1
  fi
  if ! command -v go >/dev/null 2>&1; then
    local names=()
    for mod in "${mods[@]}"; do names+=("$(basename "$(dirname "$mod")")"); done
    echo "go-tools: cannot install ${names[*]}: no \`go\` on PATH (Go ≥ 1.24 is needed to build them; https://go.dev/doc/install)" >&2
    return 1
  fi
  # The binary depends on the pin and on the toolchain and platform building it.
  local toolchain
  toolchain="$(go env GOVERSION GOOS GOARCH | tr '\n' ' ')"
  mkdir -p "$cache_root"

  for mod in "${mods[@]}"; do
    dir="$(dirname "$mod")"
    tool="$(basename "$dir")"
    if [ ! -f "$dir/go.sum" ]; then
      echo "go-tools: cannot install $tool: $dir/go.sum is missing (run \`go mod tidy\` in $dir and commit go.sum)" >&2
      return 1
    fi
    key="$({ cat "$dir/go.mod" "$dir/go.sum"; echo "$toolchain"; } | sha256sum | cut -c1-16)"
    target="$cache_root/$tool-$key"
    if [ ! -d "$target/bin" ]; then
      echo "go-tools: building $tool ($(awk '/^tool \($/ { block = 1; next } block && /^\)/ { block = 0 } block { print $1 } /^tool [^(]/ { print $2 }' "$dir/go.mod" | tr '\n' ' ')at the version in tools/go/$tool/go.mod) into $target" >&2
      start=$(date +%s)
      tmp="$(mktemp -d "$cache_root/.building-$tool-XXXXXX")"
      # -mod=readonly: go.sum must already hold every hash (no network lookup
      # of the checksum database, no silent edit of the pin).
      if ! (cd "$dir" && GOBIN="$tmp/bin" GOFLAGS="${GOFLAGS:-} -mod=readonly" go install tool) >&2; then
        rm -rf "$tmp"
        echo "go-tools: cannot install $tool: \`go install tool\` failed in tools/go/$tool (see go's error above)" >&2
        return 1
      fi
      if [ -z "$(ls -A "$tmp/bin" 2>/dev/null)" ]; then
        rm -rf "$tmp"
        echo "go-tools: cannot install $tool: tools/go/$tool/go.mod declares no \`tool\` command" >&2
        return 1
      fi
      # Atomic: a concurrent run either sees no directory or a complete one.
      if ! mv -T "$tmp" "$target" 2>/dev/null; then
        rm -rf "$tmp"
        [ -d "$target/bin" ] || { echo "go-tools: cannot install $tool: could not create $target" >&2; return 1; }
      fi
      elapsed=$(($(date +%s) - start))
      built=$((built + elapsed))
      echo "go-tools: built $tool in ${elapsed} s" >&2
    fi
    bins+=("$target/bin")
  done
  if [ "$built" -gt 0 ]; then
    echo "go-tools: building took ${built} s in all" >&2
  fi

  local joined
  joined="$(IFS=:; echo "${bins[*]}")"
  export PATH="$joined:$PATH"
  MED_AGI_GO_TOOL_BINS="$joined"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  med_agi_go_tools
  tr ':' '\n' <<<"$MED_AGI_GO_TOOL_BINS"
else
  med_agi_go_tools || return 1
fi
