#!/usr/bin/env bash
# Builds the real Kubernetes parts of the cluster tier (test/cluster) from the Go module proxy into
# $FABRIC_CACHE/bin, once, one build at a time (nice): etcd 3.6.17, kube-apiserver,
# kube-controller-manager and kube-scheduler 1.36.3, KWOK 0.8.0 and its Stage files, and the
# Pulumi Kubernetes provider 4.34.2 (installed into the Pulumi plugin cache with
# `pulumi plugin install … --file`). Prints each step and how long it took.
#
#   scripts/setup-cluster.sh                           build what is missing or not the pinned version
#   FABRIC_CLUSTER_REBUILD=1 scripts/setup-cluster.sh  force rebuilds
#
# A binary is reused when it IS the pinned build: its --version names the pinned version (the
# provider: its Go build info names the pinned provider module and this Go, and its stamp the
# provider version). Wrapper modules: tools/etcd, tools/kubernetes, tools/kwok,
# tools/pulumi-resource-kubernetes. Cold on 2 loaded cores with a warm Go module cache: 2152 s
# (apiserver ≈ 7 min, controller-manager +2.5, scheduler +0.2, etcd 1.3, kwok 3.7, provider ≈ 17).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=env.sh
source "$root/scripts/env.sh"
bin="$FABRIC_CACHE/bin"
stages="$FABRIC_CACHE/kwok/stages"
mkdir -p "$bin" "$stages"

K8S_VERSION=v1.36.3
ETCD_VERSION=3.6.17
KWOK_VERSION=v0.8.0
PROVIDER_VERSION=4.34.2
PROVIDER_MODULE=github.com/pulumi/pulumi-kubernetes/provider/v4
PROVIDER_PSEUDO=v4.0.0-20260115033456-f47bc2d6f199

say() { echo "setup-cluster: $*" >&2; }

# is_pinned NAME EXPECTED: the binary exists and its --version output contains EXPECTED.
is_pinned() {
  [ -z "${FABRIC_CLUSTER_REBUILD:-}" ] && [ -x "$bin/$1" ] && "$bin/$1" --version 2>/dev/null | grep -qF -- "$2"
}

need_go() {
  if ! command -v go >/dev/null 2>&1; then
    say "'go' is needed to build $1 (tools/); the cluster tier will say SKIPPED"
    exit 1
  fi
}

# build NAME MODULE_DIR PACKAGE LDFLAGS: go build PACKAGE from the wrapper module into $bin/NAME.
build() {
  local name="$1" module_dir="$root/$2" package="$3" ldflags="$4" start
  need_go "$name"
  start=$(date +%s)
  say "building $name from $package (module proxy)…"
  (cd "$module_dir" && CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false -mod=mod" \
    nice -n 10 go build -ldflags "-s -w $ldflags" -o "$bin/.$name.tmp" "$package")
  mv -f "$bin/.$name.tmp" "$bin/$name"
  say "built $name in $(($(date +%s) - start))s ($(du -h "$bin/$name" | cut -f1))"
}

total=$(date +%s)

if is_pinned etcd "etcd Version: $ETCD_VERSION"; then say "reusing $bin/etcd ($ETCD_VERSION)"; else
  build etcd tools/etcd go.etcd.io/etcd/server/v3 ""
fi

k8s_version_flags="-X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=36 -X k8s.io/component-base/version.gitTreeState=clean"
for component in kube-apiserver kube-controller-manager kube-scheduler; do
  if is_pinned "$component" "Kubernetes $K8S_VERSION"; then say "reusing $bin/$component ($K8S_VERSION)"; else
    build "$component" tools/kubernetes "k8s.io/kubernetes/cmd/$component" "$k8s_version_flags"
  fi
done

if is_pinned kwok "kwok version $KWOK_VERSION"; then say "reusing $bin/kwok ($KWOK_VERSION)"; else
  build kwok tools/kwok sigs.k8s.io/kwok/cmd/kwok ""
fi

# KWOK's Stage files (node-initialize, heartbeat-with-lease, pod-ready, pod-complete, pod-delete, …)
# come from its module: kustomize/stage in the module cache.
if [ -z "$(ls -A "$stages" 2>/dev/null)" ] || [ -n "${FABRIC_CLUSTER_REBUILD:-}" ]; then
  need_go "the KWOK stages"
  kwok_dir="$(cd "$root/tools/kwok" && GOFLAGS=-mod=mod go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
  cp -f "$kwok_dir/kustomize/stage/node/fast/node-initialize.yaml" \
    "$kwok_dir/kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" \
    "$kwok_dir"/kustomize/stage/pod/general/pod-*.yaml "$stages/"
  chmod u+w "$stages"/*.yaml
  say "KWOK stages copied into $stages: $(ls "$stages" | tr '\n' ' ')"
else
  say "reusing KWOK stages in $stages"
fi

# The provider: reused when its build info names the pinned module and this Go, and its stamp the version.
provider_stamp="$bin/.pulumi-resource-kubernetes.version"
go_version="$(go env GOVERSION 2>/dev/null || echo none)"
provider_key="$PROVIDER_VERSION $PROVIDER_PSEUDO $go_version"
provider_is_pinned() {
  [ -z "${FABRIC_CLUSTER_REBUILD:-}" ] && [ -x "$bin/pulumi-resource-kubernetes" ] || return 1
  local info
  info="$(go version -m "$bin/pulumi-resource-kubernetes" 2>/dev/null)" || return 1
  grep -qE "^$bin/pulumi-resource-kubernetes: $go_version\$" <<<"$info" && grep -qE "dep\s+$PROVIDER_MODULE\s+$PROVIDER_PSEUDO" <<<"$info" || return 1
  if [ "$(cat "$provider_stamp" 2>/dev/null)" = "$provider_key" ]; then return 0; fi
  # A binary built before the stamp existed: its embedded schema says which version it serves.
  grep -aqF "\"version\":\"$PROVIDER_VERSION\"" "$bin/pulumi-resource-kubernetes" && echo "$provider_key" >"$provider_stamp"
}
if provider_is_pinned; then say "reusing $bin/pulumi-resource-kubernetes ($PROVIDER_VERSION)"; else
  need_go pulumi-resource-kubernetes
  provider_dir="$root/tools/pulumi-resource-kubernetes"
  # `go list -m` names the module's directory only once it is in the module cache: download it first.
  (cd "$provider_dir" && GOFLAGS=-mod=mod go mod download "$PROVIDER_MODULE")
  module_dir="$(cd "$provider_dir" && GOFLAGS=-mod=mod go list -m -f '{{.Dir}}' "$PROVIDER_MODULE")"
  if [ -z "$module_dir" ] || [ ! -f "$module_dir/cmd/pulumi-resource-kubernetes/schema.json" ]; then
    echo "setup-cluster: the module cache has no $PROVIDER_MODULE with cmd/pulumi-resource-kubernetes/schema.json (dir: '${module_dir}')" >&2
    exit 1
  fi
  # What upstream's generate.go does: the schema with the release version, both files compacted.
  node -e 'const fs=require("fs");const [src,dst,v]=process.argv.slice(1);const s=JSON.parse(fs.readFileSync(src+"/schema.json","utf8"));s.version=v;fs.writeFileSync(dst+"/schema-embed.json",JSON.stringify(s));fs.writeFileSync(dst+"/terraform-mapping-embed.json",JSON.stringify(JSON.parse(fs.readFileSync(src+"/terraform-mapping.json","utf8"))))' \
    "$module_dir/cmd/pulumi-resource-kubernetes" "$provider_dir" "$PROVIDER_VERSION"
  build pulumi-resource-kubernetes tools/pulumi-resource-kubernetes . "-X $PROVIDER_MODULE/pkg/version.Version=$PROVIDER_VERSION"
  echo "$provider_key" >"$provider_stamp"
fi

# @pulumi/kubernetes asks the engine for this version: put it in the plugin cache the project uses.
pulumi_home="${PULUMI_HOME:-$HOME/.pulumi}"
if command -v pulumi >/dev/null 2>&1 || [ -x "$bin/pulumi" ]; then
  pulumi_cli="$(command -v pulumi || echo "$bin/pulumi")"
  installed="$pulumi_home/plugins/resource-kubernetes-v$PROVIDER_VERSION/pulumi-resource-kubernetes"
  if [ -x "$installed" ] && cmp -s "$installed" "$bin/pulumi-resource-kubernetes"; then
    say "provider $PROVIDER_VERSION already in $pulumi_home/plugins"
  else
    PULUMI_HOME="$pulumi_home" "$pulumi_cli" plugin install resource kubernetes "$PROVIDER_VERSION" --file "$bin/pulumi-resource-kubernetes" >&2
    say "installed provider $PROVIDER_VERSION into $pulumi_home/plugins"
  fi
else
  say "no pulumi CLI yet (scripts/setup-pulumi.sh): the provider stays on PATH in $bin"
fi

say "control plane, KWOK and the Kubernetes provider ready in $(($(date +%s) - total))s"
