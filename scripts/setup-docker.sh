#!/usr/bin/env bash
# Ensures a Docker engine answers `docker info`, for the tiers that run containers (test/e2e).
# - An engine already running (Docker Desktop, a systemd docker.service, CI's) is used as is.
# - Otherwise, as root: installs Debian's docker.io when dockerd is missing and starts
#     dockerd --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false
#   in the background, logging to $FABRIC_CACHE/dockerd.log, and waits (bounded) until it answers.
# No bridge network is ever created: containers run with host networking and every service binds
# 127.0.0.1 (DESIGN.md, "Network rule"). Source it or run it; it is idempotent.

fabric_setup_docker() {
  local cache="${FABRIC_CACHE:-$HOME/.cache/inference-fabric}"
  local wait_seconds="${FABRIC_DOCKERD_WAIT:-60}"
  local log="$cache/dockerd.log"
  mkdir -p "$cache"

  if docker info >/dev/null 2>&1; then
    echo "setup-docker: Docker engine is running ($(docker version --format '{{.Server.Version}}' 2>/dev/null))" >&2
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "setup-docker: no Docker engine answers 'docker info' and this user is not root;" \
      "start one (sudo dockerd --bridge=none --iptables=false --ip6tables=false) or add yourself to the docker group" >&2
    return 1
  fi
  if ! command -v dockerd >/dev/null 2>&1 && [ ! -x /usr/sbin/dockerd ]; then
    echo "setup-docker: installing Debian's docker.io" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io) >&2 || {
      echo "setup-docker: apt-get install docker.io failed" >&2
      return 1
    }
  fi
  local dockerd_bin
  dockerd_bin="$(command -v dockerd || echo /usr/sbin/dockerd)"
  if ! command -v docker >/dev/null 2>&1; then
    echo "setup-docker: the docker client is missing (Debian's docker.io ships /usr/bin/docker)" >&2
    return 1
  fi

  if [ -S /var/run/docker.sock ] && pgrep -x dockerd >/dev/null 2>&1; then
    echo "setup-docker: a dockerd is already starting; waiting for it" >&2
  else
    echo "setup-docker: starting dockerd (no bridge, no iptables; log: $log)" >&2
    # setsid: the daemon outlives this shell; its output goes to the log only.
    setsid "$dockerd_bin" --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
      --pidfile=/var/run/docker.pid >>"$log" 2>&1 </dev/null &
  fi

  local waited=0
  until docker info >/dev/null 2>&1; do
    if [ "$waited" -ge "$wait_seconds" ]; then
      echo "setup-docker: dockerd did not answer within ${wait_seconds}s; last lines of $log:" >&2
      tail -n 20 "$log" >&2 || true
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  echo "setup-docker: Docker engine $(docker version --format '{{.Server.Version}}' 2>/dev/null) ready after ${waited}s" >&2
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  fabric_setup_docker
else
  fabric_setup_docker
fi
