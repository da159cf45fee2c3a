#!/usr/bin/env bash
# Sets up the conformance tier (idempotent; cached in $FABRIC_CACHE/conformance):
#   vllm/, sglang/  venvs with the pinned engine wheel (--no-deps) and only what its argument parser
#                   imports (test/conformance/requirements-*.txt, --no-deps). torch/triton/torchvision
#                   are NOT installed: test/conformance/torch-stub stands in for their names. The
#                   wheels' compiled CUDA kernels (*.so under the engine package) are deleted: the
#                   parsers never load them.
#   bin/ollama-conformance  tools/ollama-conformance built against github.com/ollama/ollama v0.32.15.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
dir="$FABRIC_CACHE/conformance"
mkdir -p "$dir/bin"
PYTHON="${PYTHON:-python3}"

step() { # name, command...
  local name=$1 start=$SECONDS; shift
  "$@"
  echo "setup-conformance: $name $((SECONDS - start)) s" >&2
}

engine_venv() { # engine, version, requirements file
  local venv="$dir/$1" stamp="$dir/$1/.fabric-$2-$(sha256sum "$3" | cut -c1-12)"
  [ -e "$stamp" ] && return 0
  if grep -n '@ file://' "$3" >&2; then
    echo "setup-conformance: $3 pins a local file (a pip freeze artefact); the engine itself is installed as $1==$2: drop that line" >&2
    return 1
  fi
  rm -rf "$venv"
  "$PYTHON" -m venv "$venv"
  nice -n 10 "$venv/bin/pip" install -q --disable-pip-version-check --no-deps "$1==$2"
  nice -n 10 "$venv/bin/pip" install -q --disable-pip-version-check --no-deps -r "$3"
  find "$venv/lib" -path "*/site-packages/$1/*" -name '*.so' -delete
  touch "$stamp"
}

ollama_tool() {
  local bin="$dir/bin/ollama-conformance" stamp="$dir/bin/.ollama-$(cat tools/ollama-conformance/go.mod tools/ollama-conformance/go.sum tools/ollama-conformance/main.go | sha256sum | cut -c1-12)"
  [ -e "$stamp" ] && [ -x "$bin" ] && return 0
  (cd tools/ollama-conformance && nice -n 10 go build -o "$bin" .)
  touch "$stamp"
}

step "vllm 0.26.0 venv" engine_venv vllm 0.26.0 test/conformance/requirements-vllm.txt
step "sglang 0.5.18 venv" engine_venv sglang 0.5.18 test/conformance/requirements-sglang.txt
step "ollama v0.32.15 checker" ollama_tool
echo "setup-conformance: $(du -sh "$dir" | cut -f1) in $dir" >&2
