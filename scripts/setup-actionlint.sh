#!/usr/bin/env bash
# Builds actionlint (the GitHub Actions workflow linter) from the Go module proxy into
# $FABRIC_CACHE/bin/actionlint, once: the binary is reused while its stamp (Go version + the
# wrapper module in tools/actionlint) is unchanged. test/tools/workflows.test.ts runs it on
# .github/workflows/*.yml. Prints what it does and how long the build took.
#
#   scripts/setup-actionlint.sh           build if missing or stale, print the binary's path
#   FABRIC_ACTIONLINT_REBUILD=1 scripts/setup-actionlint.sh    force a rebuild
#
# actionlint runs shellcheck on `run:` scripts when `shellcheck` is on PATH (Debian: apt-get
# install shellcheck); without it, that rule is skipped and the rest still applies.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=env.sh
source "$root/scripts/env.sh"

# The version lives in tools/actionlint/go.mod; it is also stamped into the binary (-version).
module_dir="$root/tools/actionlint"
version="$(sed -n 's/^require github.com\/rhysd\/actionlint \(v[0-9.]*\)$/\1/p' "$module_dir/go.mod")"
if [ -z "$version" ]; then
  echo "setup-actionlint: tools/actionlint/go.mod requires no github.com/rhysd/actionlint version" >&2
  exit 1
fi
bin="$FABRIC_CACHE/bin"
target="$bin/actionlint"
stamp="$bin/.actionlint.stamp"

if ! command -v go >/dev/null 2>&1; then
  if [ -x "$target" ]; then
    echo "setup-actionlint: no 'go' to check $target against tools/actionlint; reusing it" >&2
    echo "$target"
    exit 0
  fi
  echo "setup-actionlint: 'go' (>= $(sed -n 's/^go //p' "$module_dir/go.mod")) is needed to build actionlint $version" >&2
  exit 1
fi

key="$({ go env GOVERSION; echo "$version"; cat "$module_dir/go.mod" "$module_dir/go.sum" "$module_dir/tools.go"; } | sha256sum | cut -d' ' -f1)"
if [ -x "$target" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ] && [ -z "${FABRIC_ACTIONLINT_REBUILD:-}" ]; then
  echo "setup-actionlint: reusing $target ($("$target" -version | head -n1))" >&2
  echo "$target"
  exit 0
fi

mkdir -p "$bin"
start=$(date +%s)
echo "setup-actionlint: building actionlint $version from the Go module proxy into $bin…" >&2
(cd "$module_dir" && CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false -mod=readonly" \
  go build -ldflags "-s -w -X github.com/rhysd/actionlint.version=$version" \
  -o "$target.tmp" github.com/rhysd/actionlint/cmd/actionlint)
mv -f "$target.tmp" "$target"
printf '%s\n' "$key" >"$stamp"
echo "setup-actionlint: built actionlint $version in $(($(date +%s) - start))s ($(du -h "$target" | cut -f1))" >&2
echo "$target"
