#!/usr/bin/env bash
# Builds the real tailnet parts of the mesh tier (test/mesh) from the Go module proxy into
# $FABRIC_CACHE/bin, once, one build at a time: headscale (the open-source Tailscale control
# server) and tailscaled + tailscale (the node daemon and its CLI). Each binary is reused while its
# stamp (Go version + the wrapper module in tools/headscale or tools/tailscale + build flags) is
# unchanged. Prints each step and how long it took.
#
#   scripts/setup-mesh.sh                        build what is missing or stale
#   FABRIC_MESH_REBUILD=1 scripts/setup-mesh.sh  force rebuilds
#
# headscale: the Go proxy refuses headscale's version list, so `go install …@latest` fails; the
# wrapper module tools/headscale requires the exact version and `go build -mod=mod` resolves it.
# tailscale: built with -tags ts_omit_captiveportal (the stock build looks up
# controlplane/login.tailscale.com for captive-portal detection).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=env.sh
source "$root/scripts/env.sh"
bin="$FABRIC_CACHE/bin"
mkdir -p "$bin"

if ! command -v go >/dev/null 2>&1; then
  for name in headscale tailscaled tailscale; do
    if [ ! -x "$bin/$name" ]; then
      echo "setup-mesh: 'go' is needed to build $name (tools/headscale, tools/tailscale); the mesh tier will say SKIPPED" >&2
      exit 1
    fi
  done
  echo "setup-mesh: no 'go' to check the cached binaries against tools/; reusing them" >&2
  exit 0
fi

# stamp_key MODULE_DIR WHAT: what a binary depends on — Go version, package and tags, the wrapper module.
stamp_key() {
  { go env GOVERSION; echo "$2"; cat "$1"/go.mod "$1"/*.go; cat "$1"/go.sum 2>/dev/null || true; } | sha256sum | cut -d' ' -f1
}

# build NAME MODULE_DIR PACKAGE TAGS: go build PACKAGE from the wrapper module into $bin/NAME.
build() {
  local name="$1" module_dir="$root/$2" package="$3" tags="$4"
  local target="$bin/$name" stamp="$bin/.$name.stamp" key start
  key="$(stamp_key "$module_dir" "$package $tags")"
  if [ -x "$target" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ] && [ -z "${FABRIC_MESH_REBUILD:-}" ]; then
    echo "setup-mesh: reusing $target" >&2
    return 0
  fi
  start=$(date +%s)
  echo "setup-mesh: building $name from $package (module proxy) into $bin…" >&2
  (cd "$module_dir" && CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false -mod=mod" \
    nice -n 10 go build -tags "$tags" -ldflags "-s -w" -o "$target.tmp" "$package")
  mv -f "$target.tmp" "$target"
  # -mod=mod may have completed go.mod/go.sum: stamp what the binary was built from.
  stamp_key "$module_dir" "$package $tags" >"$stamp"
  echo "setup-mesh: built $name in $(($(date +%s) - start))s ($(du -h "$target" | cut -f1))" >&2
}

total=$(date +%s)
build headscale tools/headscale github.com/juanfont/headscale/cmd/headscale ""
build tailscaled tools/tailscale tailscale.com/cmd/tailscaled ts_omit_captiveportal
build tailscale tools/tailscale tailscale.com/cmd/tailscale ts_omit_captiveportal
echo "setup-mesh: headscale, tailscaled and tailscale ready in $(($(date +%s) - total))s" >&2
