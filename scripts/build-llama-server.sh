#!/usr/bin/env bash
# Builds llama.cpp's own `llama-server` (CPU) from the llama.cpp sources that a registry package
# carries: the llama-cpp-python sdist on PyPI vendors llama.cpp, tools/server included
# (vendor/llama.cpp). Cached in $FABRIC_CACHE/images/llama-server/<build>-<hash of the inputs>;
# prints the binary's path. Used by scripts/build-test-images.sh (the fabric-test/llamacpp image)
# and by the conformance tier (test/conformance), which runs the binary directly.
#
# Pins: LLAMA_CPP_PYTHON_VERSION, LLAMA_CPP_BUILD, LLAMA_CPP_COMMIT and LLAMA_SERVER_CMAKE_ARGS in
# tools/images/versions.env. Static ggml/llama libraries, static libstdc++ (the binary runs in the
# Debian bookworm test image and on the host), OpenMP from libgomp1. No web UI (its assets would be
# downloaded), no OpenSSL (no hub downloads in tests). Builds only the llama-server target, under
# `nice`, with at most 2 jobs. Needs cmake >= 3.14, gcc/g++ and a pip to fetch the sdist.
#
# Usage: scripts/build-llama-server.sh [--path]
#   prints the cached binary's path, building it first if needed;
#   --path: only prints it, exit 1 (and the command to run) when it is not built yet.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../tools/images/versions.env
source "$ROOT/tools/images/versions.env"
FABRIC_CACHE="${FABRIC_CACHE:-$HOME/.cache/inference-fabric}"
IMG="$FABRIC_CACHE/images"
JOBS="${FABRIC_BUILD_JOBS:-2}"
[ "$JOBS" -le 2 ] 2>/dev/null || JOBS=2

log() { printf '[build-llama-server %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

key=$(printf '%s\n' "$LLAMA_CPP_PYTHON_VERSION" "$LLAMA_CPP_BUILD" "$LLAMA_CPP_COMMIT" "$LLAMA_SERVER_CMAKE_ARGS" "llama-server-v1" | sha256sum | cut -c1-16)
out="$IMG/llama-server/$LLAMA_CPP_BUILD-$key"
if [ -x "$out/llama-server" ] && [ -f "$out/.complete" ]; then echo "$out/llama-server"; exit 0; fi
if [ "${1:-}" = --path ]; then
  echo "llama-server $LLAMA_CPP_BUILD is not built ($out); run scripts/build-llama-server.sh" >&2
  exit 1
fi

mkdir -p "$IMG/llama-server" "$IMG/sdists" "$IMG/logs"
exec 8>"$IMG/llama-server/.lock"
flock 8
if [ -x "$out/llama-server" ] && [ -f "$out/.complete" ]; then echo "$out/llama-server"; exit 0; fi

for tool in cmake g++ gcc; do command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (Debian: apt-get install cmake g++)"; done

sdist="$IMG/sdists/llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION.tar.gz"
if [ ! -s "$sdist" ]; then
  log "downloading the llama-cpp-python $LLAMA_CPP_PYTHON_VERSION sdist from PyPI"
  tmp=$(mktemp -d "$IMG/sdists/dl.XXXXXX")
  python3 -m pip download --quiet --no-deps --no-binary :all: -d "$tmp" "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION" >&2 ||
    { rm -rf "$tmp"; die "pip download llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION failed"; }
  mv "$tmp/llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION.tar.gz" "$sdist" && rm -rf "$tmp"
fi

work=$(mktemp -d "$IMG/llama-server/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
log "unpacking vendor/llama.cpp from $(basename "$sdist")"
tar -xzf "$sdist" -C "$work" "llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION/vendor/llama.cpp"
src="$work/llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION/vendor/llama.cpp"
# The vendored tree has no .git: the build number and commit come from the pin (llama-cpp-python's
# CHANGELOG names the commit), so `llama-server --version` says which llama.cpp this is.
grep -q '"--spec-draft-n-max"' "$src/common/arg.cpp" || die "vendored llama.cpp lacks --spec-draft-n-max: not the pinned build $LLAMA_CPP_BUILD"

t=$(date +%s)
log "cmake: llama.cpp $LLAMA_CPP_BUILD ($LLAMA_CPP_COMMIT), $LLAMA_SERVER_CMAKE_ARGS, -j$JOBS (cold: ~17 min on 2 shared cores; log: $IMG/logs/llama-server.build.log)"
# shellcheck disable=SC2086  # the pinned cmake args are a word list
{
  nice -n 10 cmake -S "$src" -B "$work/build" $LLAMA_SERVER_CMAKE_ARGS \
    -DLLAMA_BUILD_NUMBER="${LLAMA_CPP_BUILD#b}" -DLLAMA_BUILD_COMMIT="$LLAMA_CPP_COMMIT" &&
  nice -n 10 cmake --build "$work/build" --target llama-server -j "$JOBS"
} > "$IMG/logs/llama-server.build.log" 2>&1 ||
  { tail -n 40 "$IMG/logs/llama-server.build.log" >&2; die "building llama-server failed (log: $IMG/logs/llama-server.build.log)"; }
secs=$(( $(date +%s) - t ))

bin="$work/build/bin/llama-server"
[ -x "$bin" ] || die "the build produced no $bin"
version=$("$bin" --version 2>&1 | grep -m1 '^version:' || true)
case "$version" in
  *"(build ${LLAMA_CPP_BUILD#b}, commit $LLAMA_CPP_COMMIT)"*) ;;
  *) die "llama-server --version says '$version', expected (build ${LLAMA_CPP_BUILD#b}, commit $LLAMA_CPP_COMMIT)" ;;
esac
rm -rf "$out" && mkdir -p "$out"
cp "$bin" "$out/llama-server"
strip "$out/llama-server" 2>/dev/null || true
printf '{"build": "%s", "commit": "%s", "from": "llama-cpp-python %s sdist", "seconds": %s}\n' \
  "$LLAMA_CPP_BUILD" "$LLAMA_CPP_COMMIT" "$LLAMA_CPP_PYTHON_VERSION" "$secs" > "$out/build.json"
touch "$out/.complete"
find "$IMG/llama-server" -mindepth 1 -maxdepth 1 -type d -name 'b[0-9]*-*' ! -path "$out" -exec rm -rf {} +  # superseded pins
log "built llama-server $version in ${secs}s: $out/llama-server ($(du -h "$out/llama-server" | cut -f1))"
echo "$out/llama-server"
