#!/usr/bin/env bash
# Installs what the project needs, idempotently, with caches outside the repo:
# Node >= 22 (scripts/env.sh), npm dependencies, and promtool (Debian's prometheus package).
# Source it (`source scripts/setup.sh`) to keep the PATH it sets; running it also works.
set -euo pipefail
FABRIC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$FABRIC_ROOT"
source scripts/env.sh

lock_stamp="node_modules/.fabric-package-lock"
if [ ! -f "$lock_stamp" ] || ! cmp -s package-lock.json "$lock_stamp"; then
  echo "setup: installing npm dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
  cp package-lock.json "$lock_stamp"
fi

policy_stamp="policies/node_modules/.fabric-package-lock"
if [ ! -f "$policy_stamp" ] || ! cmp -s policies/package-lock.json "$policy_stamp"; then
  echo "setup: installing the policy pack's npm dependencies (npm ci --prefix policies)" >&2
  npm ci --prefix policies --no-audit --no-fund --loglevel=error >&2
  cp policies/package-lock.json "$policy_stamp"
fi

if ! command -v promtool >/dev/null 2>&1 || ! command -v shellcheck >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing promtool (Debian package prometheus)" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus shellcheck) >&2
  else
    echo "setup: promtool is missing; install Debian's 'prometheus' package (sudo apt-get install prometheus)" >&2
  fi
fi
cd - >/dev/null
