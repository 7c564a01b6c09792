#!/usr/bin/env bash
# Go tools the build and the tests use, built once from the Go module proxy and cached outside the work tree.
#
#   scripts/go-tool.sh path TOOL    print the path of TOOL's binary, building it on a cache miss
#   scripts/go-tool.sh build TOOL...
#
# TOOL is one of: helm, actionlint.
# Environment:
#   KAITO_GO_TOOL_CACHE  binary cache (default ${XDG_CACHE_HOME:-$HOME/.cache}/kaito-constructs/go-tools)
#   GO                   the go command (default: go on PATH, else /usr/local/go/bin/go)
set -euo pipefail

CACHE_ROOT="${KAITO_GO_TOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kaito-constructs/go-tools}"

log() { printf 'go-tool: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# The pinned module of each tool: bump the version here to upgrade.
package_of() {
  case "$1" in
    helm) echo helm.sh/helm/v3/cmd/helm@v3.22.0 ;;
    actionlint) echo github.com/rhysd/actionlint/cmd/actionlint@v1.7.12 ;;
    *) die "unknown tool '$1' (known: helm, actionlint)" ;;
  esac
}

find_go() {
  if [[ -n "${GO:-}" ]]; then
    command -v "$GO" || die "GO=$GO is not an executable"
  elif command -v go >/dev/null 2>&1; then
    command -v go
  elif [[ -x /usr/local/go/bin/go ]]; then
    echo /usr/local/go/bin/go
  else
    die "Go is not installed; install it from https://go.dev/dl or your package manager"
  fi
}

# tool_dir TOOL: the cache directory of TOOL built by this Go for this platform.
tool_dir() {
  local pkg go_bin key
  pkg="$(package_of "$1")"
  go_bin="$(find_go)"
  key="$(printf '%s\n%s\n%s\n' "$pkg" "$(GOTOOLCHAIN=local "$go_bin" env GOVERSION GOOS GOARCH)" "CGO_ENABLED=0 -trimpath -ldflags=-s,-w" |
    sha256sum | cut -c1-16)"
  echo "$CACHE_ROOT/$1-$key"
}

build_one() {
  local tool="$1" dir pkg go_bin tmp started=$SECONDS
  dir="$(tool_dir "$tool")"
  if [[ -x "$dir/$tool" ]]; then return 0; fi
  pkg="$(package_of "$tool")"
  go_bin="$(find_go)"
  mkdir -p "$CACHE_ROOT"
  tmp="$(mktemp -d "$CACHE_ROOT/.build-$tool.XXXXXX")"
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT
  log "building $pkg (cached in $dir)"
  if ! GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$tmp" GOFLAGS=-mod=mod \
    nice -n 10 "$go_bin" install -trimpath -ldflags=-s\ -w "$pkg" >"$tmp.log" 2>&1; then
    tail -n 30 "$tmp.log" >&2
    rm -f "$tmp.log"
    die "go install $pkg failed"
  fi
  rm -f "$tmp.log"
  if ! mv -T "$tmp" "$dir" 2>/dev/null; then
    rm -rf "$tmp" # another build of the same key finished first
  fi
  trap - EXIT
  log "built $tool in $((SECONDS - started))s"
}

case "${1:-}" in
  path)
    [[ $# -eq 2 ]] || die "usage: $0 path TOOL"
    build_one "$2"
    echo "$(tool_dir "$2")/$2"
    ;;
  build)
    shift
    for t in "$@"; do build_one "$t"; done
    ;;
  *)
    echo "usage: $0 path TOOL | build TOOL..." >&2
    exit 2
    ;;
esac
