#!/usr/bin/env bash
# Builds llama-swap from its Go module (`go install github.com/mostlygeek/llama-swap@<pin>`) and
# caches it in $FABRIC_CACHE/images/llama-swap/<pin>/; prints the binary's path. The conformance
# tier (test/conformance/llama-swap.test.ts) runs it with the rendered config.
#
# The pin is LLAMA_SWAP_MODULE_VERSION in tools/images/versions.env. When the Go module proxy
# refuses the module, the exact error is kept in $FABRIC_CACHE/images/llama-swap/<pin>.unavailable
# and the script exits 1 without asking the proxy again for that pin (a registry's "no" is final;
# --retry asks anyway). FABRIC_LLAMA_SWAP_BIN names a llama-swap binary to use instead (e.g. the
# official release on a user's machine).
#
# Usage: scripts/build-llama-swap.sh [--path] [--retry]
#   --path: only print the path (or the recorded refusal), never build.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../tools/images/versions.env
source "$ROOT/tools/images/versions.env"
FABRIC_CACHE="${FABRIC_CACHE:-$HOME/.cache/inference-fabric}"
IMG="$FABRIC_CACHE/images"
only_path=0 retry=0
for a in "$@"; do
  case "$a" in
    --path) only_path=1 ;;
    --retry) retry=1 ;;
    *) echo "build-llama-swap: unknown argument '$a'" >&2; exit 2 ;;
  esac
done

log() { printf '[build-llama-swap %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [ -n "${FABRIC_LLAMA_SWAP_BIN:-}" ]; then
  [ -x "$FABRIC_LLAMA_SWAP_BIN" ] || { log "FABRIC_LLAMA_SWAP_BIN=$FABRIC_LLAMA_SWAP_BIN is not an executable"; exit 1; }
  echo "$FABRIC_LLAMA_SWAP_BIN"; exit 0
fi

module=github.com/mostlygeek/llama-swap
out="$IMG/llama-swap/$LLAMA_SWAP_MODULE_VERSION"
refused="$IMG/llama-swap/$LLAMA_SWAP_MODULE_VERSION.unavailable"
if [ -x "$out/llama-swap" ]; then echo "$out/llama-swap"; exit 0; fi
if [ -f "$refused" ] && { [ "$only_path" = 1 ] || [ "$retry" = 0 ]; }; then
  log "llama-swap $LLAMA_SWAP_RELEASE is not available here: $(cat "$refused")"
  exit 1
fi
if [ "$only_path" = 1 ]; then log "llama-swap is not built ($out); run scripts/build-llama-swap.sh"; exit 1; fi

command -v go >/dev/null 2>&1 || { log "Go is not installed (Go >= 1.26 builds $module)"; exit 1; }
mkdir -p "$IMG/llama-swap" "$IMG/logs"
exec 8>"$IMG/llama-swap/.lock"
flock 8
t=$(date +%s)
log "go install $module@$LLAMA_SWAP_MODULE_VERSION ($LLAMA_SWAP_RELEASE; log: $IMG/logs/llama-swap.go.log)"
mkdir -p "$out.tmp"
if GOBIN="$out.tmp" GOTOOLCHAIN=local GOFLAGS=-buildvcs=false CGO_ENABLED=0 nice -n 10 \
    go install -trimpath -ldflags "-s -w -X main.version=${LLAMA_SWAP_RELEASE#v}" "$module@$LLAMA_SWAP_MODULE_VERSION" \
    > "$IMG/logs/llama-swap.go.log" 2>&1; then
  rm -rf "$out" && mv "$out.tmp" "$out" && rm -f "$refused"
  log "built llama-swap $LLAMA_SWAP_RELEASE in $(( $(date +%s) - t ))s: $out/llama-swap"
  echo "$out/llama-swap"
  exit 0
fi
rm -rf "$out.tmp"
tail -n 5 "$IMG/logs/llama-swap.go.log" >&2
if grep -q -E '(403|404|410) (Forbidden|Not Found|Gone)' "$IMG/logs/llama-swap.go.log"; then
  # The registry said no (not a time-out): remember it.
  grep -m1 -A1 -E '(403|404|410) (Forbidden|Not Found|Gone)' "$IMG/logs/llama-swap.go.log" |
    sed -E 's/^go: //; s/^[[:space:]]+//' | paste -sd ' ' > "$refused"
  log "the Go module proxy refuses $module@$LLAMA_SWAP_MODULE_VERSION; recorded in $refused"
fi
exit 1
