# Source me: `source scripts/setup-pulumi.sh` (bash). Puts a working `pulumi` on PATH.
#
#  1. If an official `pulumi` CLI is already on PATH (a user's machine), it is used as is.
#  2. Else the binaries pinned in tools/ (see tools/README.md) are reused from
#     $FABRIC_CACHE/bin when their stamp matches, or built from Go modules (the only source this
#     project's machines can reach: no release downloads) into $FABRIC_CACHE/bin.
#  3. $FABRIC_CACHE/bin goes first on PATH; node_modules' dynamic-provider shim
#     (pulumi-resource-pulumi-nodejs) is linked next to `pulumi`; update checks and automatic
#     plugin downloads are turned off so nothing reaches for the network.
#
# Knobs: FABRIC_PULUMI_BUILD=1 builds the pinned toolchain even when another `pulumi` is on PATH.
#        FABRIC_PULUMI_QUIET=1 silences progress lines. GOMODCACHE/GOCACHE are go's defaults.
# Returns non-zero (never exits the sourcing shell) when the toolchain cannot be set up.

_fabric_setup_pulumi() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)" || return 1
  # shellcheck source=env.sh
  source "$root/scripts/env.sh" || return 1
  export PULUMI_SKIP_UPDATE_CHECK=true

  local bin="$FABRIC_CACHE/bin"
  local say=echo
  [ -n "${FABRIC_PULUMI_QUIET:-}" ] && say=:

  local existing
  existing="$(command -v pulumi 2>/dev/null || true)"
  if [ -n "$existing" ] && [ "$existing" != "$bin/pulumi" ] && [ -z "${FABRIC_PULUMI_BUILD:-}" ]; then
    # The official CLI installs the provider plugins it needs itself.
    $say "setup-pulumi: using $existing ($("$existing" version 2>/dev/null || echo 'version unknown'))" >&2
    return 0
  fi

  mkdir -p "$bin" || return 1
  # Our own builds: nothing may be fetched at run time, so a missing plugin fails fast.
  export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true

  # name | version stamped into the binary | wrapper module (tools/<dir>) | main package | -X variable | build tags
  local -a specs=(
    "pulumi|v3.259.0|pulumi|github.com/pulumi/pulumi/pkg/v3/cmd/pulumi|github.com/pulumi/pulumi/sdk/v3/go/common/version.Version|osusergo,grpcnotrace"
    "pulumi-language-nodejs|v3.188.0|pulumi-language-nodejs|github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3|github.com/pulumi/pulumi/sdk/v3/go/common/version.Version|osusergo,grpcnotrace"
  )

  local spec name version dir pkg xvar tags key stamp
  for spec in "${specs[@]}"; do
    IFS='|' read -r name version dir pkg xvar tags <<<"$spec"
    key="$(_fabric_stamp_key "$root/tools/$dir" "$name" "$version" "$pkg" "$xvar" "$tags")" || return 1
    stamp="$bin/.$name.stamp"
    if [ -x "$bin/$name" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ]; then
      continue
    fi
    if [ -x "$bin/$name" ] && ! command -v go >/dev/null 2>&1; then
      echo "setup-pulumi: warning: no 'go' to check $name against tools/$dir; reusing $bin/$name" >&2
      continue
    fi
    _fabric_build_go_binary "$root/tools/$dir" "$bin" "$name" "$version" "$pkg" "$xvar" "$tags" || return 1
    printf '%s\n' "$key" >"$stamp"
  done

  _fabric_build_docker_provider "$root/tools/pulumi-resource-docker" "$bin" 5.2.0 || return 1

  # Dynamic providers run through a shell shim that @pulumi/pulumi ships; the engine looks for
  # bundled plugins on PATH and next to the `pulumi` executable.
  local shim="$root/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
  if [ -x "$shim" ]; then
    ln -sfn "$shim" "$bin/pulumi-resource-pulumi-nodejs"
  else
    echo "setup-pulumi: warning: $shim is missing (run npm ci); dynamic providers will not work" >&2
  fi

  case ":$PATH:" in
    *":$bin:"*) ;;
    *) export PATH="$bin:$PATH" ;;
  esac
  # Provider plugins (pulumi-resource-<name>) placed in $bin are found through PATH as well.
  $say "setup-pulumi: $("$bin/pulumi" version) from $bin" >&2
}

# Our bridged docker provider (tools/README.md): the upstream pulumi-docker modules are not on the
# Go module proxy, so tools/pulumi-resource-docker/build.sh bridges the Terraform provider itself.
_fabric_build_docker_provider() {
  local dir="$1" bin="$2" version="$3" key stamp t0
  key="$(cd "$dir" && cat go.mod go.sum main.go build.sh _shim/shim.go | sha256sum | cut -c1-16) $version $(go version 2>/dev/null)" || return 1
  stamp="$bin/.pulumi-resource-docker.stamp"
  if [ -x "$bin/pulumi-resource-docker" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ]; then
    return 0
  fi
  if ! command -v go >/dev/null 2>&1; then
    echo "setup-pulumi: 'go' is not installed; it is needed to build pulumi-resource-docker (tools/README.md)" >&2
    return 1
  fi
  echo "setup-pulumi: building pulumi-resource-docker $version (bridged; cold: about 8 minutes)…" >&2
  t0=$(date +%s)
  if ! (cd "$dir" && GOFLAGS=-mod=readonly go mod download && CGO_ENABLED=0 nice -n 10 ./build.sh "$bin/.pulumi-resource-docker.tmp" "$version") >&2; then
    echo "setup-pulumi: building pulumi-resource-docker failed" >&2
    return 1
  fi
  mv "$bin/.pulumi-resource-docker.tmp" "$bin/pulumi-resource-docker"
  printf '%s\n' "$key" >"$stamp"
  echo "setup-pulumi: pulumi-resource-docker $version built in $(( $(date +%s) - t0 ))s" >&2
}

# The stamp changes whenever what the binary is built from changes: wrapper files, version,
# flags, or the Go toolchain.
_fabric_stamp_key() {
  local dir="$1"; shift
  local files
  files="$(cd "$dir" && ls go.mod go.sum *.go 2>/dev/null | sort)" || return 1
  {
    printf '%s\n' "$@" "$(go env GOVERSION 2>/dev/null)"
    (cd "$dir" && cat $files)
  } | sha256sum | cut -d' ' -f1
}

_fabric_build_go_binary() {
  local dir="$1" bin="$2" name="$3" version="$4" pkg="$5" xvar="$6" tags="$7"
  if ! command -v go >/dev/null 2>&1; then
    echo "setup-pulumi: 'go' is not installed; it is needed to build $name (tools/README.md)" >&2
    return 1
  fi
  local want have
  want="$(sed -n 's/^go \([0-9.]*\).*/\1/p' "$dir/go.mod")"
  have="$(go env GOVERSION | sed 's/^go//')"
  if [ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | head -n1)" != "$want" ]; then
    echo "setup-pulumi: $name needs Go >= $want, found $have" >&2
    return 1
  fi

  local t0 t1 t2
  t0=$(date +%s)
  echo "setup-pulumi: downloading Go modules for $name ${version#v}…" >&2
  if ! (cd "$dir" && GOFLAGS=-mod=readonly go mod download); then
    echo "setup-pulumi: module download for $name failed" >&2
    return 1
  fi
  t1=$(date +%s)
  echo "setup-pulumi: building $name ${version#v} (cold: several minutes)…" >&2
  if ! (cd "$dir" && CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false -mod=readonly" \
        nice -n 10 go build -tags "$tags" \
        -ldflags "-s -w -X $xvar=$version" -o "$bin/.$name.tmp" "$pkg"); then
    rm -f "$bin/.$name.tmp"
    echo "setup-pulumi: building $name failed" >&2
    return 1
  fi
  mv -f "$bin/.$name.tmp" "$bin/$name"
  t2=$(date +%s)
  echo "setup-pulumi: $name ${version#v}: modules $((t1 - t0))s, build $((t2 - t1))s, $(du -h "$bin/$name" | cut -f1)" >&2
}

_fabric_setup_pulumi
_fabric_setup_pulumi_rc=$?
unset -f _fabric_setup_pulumi _fabric_stamp_key _fabric_build_go_binary
if [ "$_fabric_setup_pulumi_rc" -ne 0 ]; then
  unset _fabric_setup_pulumi_rc
  return 1 2>/dev/null || exit 1
fi
unset _fabric_setup_pulumi_rc
