#!/usr/bin/env bash
# Build pulumi-resource-docker from this wrapper module (see tools/README.md).
#
# Go refuses -overlay files beneath GOMODCACHE, so the upstream Terraform provider module is
# copied (3 MB, from the checksum-verified module cache) into a build directory, our shim file
# (_shim/shim.go) is added as <module>/pulumishim/shim.go, and the build uses a generated
# -modfile whose only difference from go.mod is that the upstream replace points at that copy.
#
# The build directory is ./_build (gitignored, removed afterwards; Go ignores "_" directories), so
# the replace path recorded in the binary's build info is the constant "./_build/upstream" and
# builds are reproducible. Two builds of this wrapper must not run at the same time.
#
# usage: build.sh OUT_BINARY [VERSION]      (VERSION defaults to 5.2.0)
#        build.sh --tidy                     (maintainer: refresh go.mod/go.sum)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"
upstream_old=github.com/terraform-providers/terraform-provider-docker
rel=./_build
build=$here/_build
chmod -R u+w "$build" 2>/dev/null || :
rm -rf "$build"
mkdir -p "$build"
trap 'chmod -R u+w "$build" 2>/dev/null; rm -rf "$build"' EXIT

# Upstream module dir (downloads it if needed and verifies it against go.sum).
src=$(GOFLAGS=-mod=readonly go mod download -json "$upstream_old" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
[ -n "$src" ] && [ -f "$src/go.mod" ] || { echo "upstream module not found: $upstream_old" >&2; exit 1; }
cp -R "$src" "$build/upstream"
chmod -R u+w "$build/upstream"
mkdir -p "$build/upstream/pulumishim"
cp _shim/shim.go "$build/upstream/pulumishim/shim.go"

sed -E "s#^replace $upstream_old => .*#replace $upstream_old => $rel/upstream#" go.mod > "$build/go.mod"
grep -q "=> $rel/upstream" "$build/go.mod" || { echo "replace line for $upstream_old not found in go.mod" >&2; exit 1; }
cp go.sum "$build/go.sum" 2>/dev/null || : > "$build/go.sum"

if [ "${1:-}" = --tidy ]; then
  go mod tidy -modfile="$build/go.mod"
  # Keep go.mod's own replace line; take everything else from the tidied copy.
  sed -E "s#^replace $upstream_old => .*#$(grep "^replace $upstream_old => " go.mod | sed 's/[#&]/\\&/g')#" "$build/go.mod" > go.mod
  cp "$build/go.sum" go.sum
  GOFLAGS=-mod=mod go mod download "$(sed -n "s#^replace $upstream_old => \(.*\) \(v.*\)#\1@\2#p" go.mod)"
  GOFLAGS=-mod=mod go list -m "$upstream_old" >/dev/null   # records the upstream hashes in go.sum
  exit 0
fi

out=${1:?usage: build.sh OUT_BINARY [VERSION]}
version=${2:-5.2.0}
case "$out" in /*) ;; *) out=$PWD/$out ;; esac
CGO_ENABLED=0 nice -n 10 go build -modfile="$build/go.mod" -mod=readonly -trimpath -buildvcs=false \
  -tags osusergo,grpcnotrace,no_compose \
  -ldflags "-s -w -X main.version=$version" -o "$out" .
