/**
 * The fixed part of a burst host's boot script: POSIX sh functions that read only the variables
 * the rendered header sets (core/render/burst-boot-script.ts) and the instance environment.
 * Kept as text so `sh -n` and shellcheck check exactly what a host runs.
 */
export const BOOT_SHELL_FUNCTIONS = String.raw`log() { printf '%s %s: %s\n' "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" "$HOST_NAME" "$*"; }

# GET a URL to stdout: curl, else wget, else python3 (engine images carry at least one).
http_get() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsS --max-time 20 "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -T 20 -O - "$1"
  else
    python3 -c 'import sys, urllib.request; sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1], timeout=20).read())' "$1"
  fi
}

# DELETE this instance with the instance-scoped key Vast injects (it can only start, stop or
# destroy this one instance).
delete_instance() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsS --max-time 30 -X DELETE -H "Authorization: Bearer $CONTAINER_API_KEY" "$VAST_API/instances/$CONTAINER_ID/" >/dev/null
  else
    python3 -c 'import os, sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/instances/" + os.environ["CONTAINER_ID"] + "/", method="DELETE", headers={"Authorization": "Bearer " + os.environ["CONTAINER_API_KEY"]}), timeout=30)' "$VAST_API"
  fi
}

stop_engine() {
  [ -n "$ENGINE_PID" ] || return 0
  kill -TERM "$ENGINE_PID" 2>/dev/null
  waited=0
  while kill -0 "$ENGINE_PID" 2>/dev/null && [ "$waited" -lt 30 ]; do
    sleep 1
    waited=$((waited + 1))
  done
  kill -KILL "$ENGINE_PID" 2>/dev/null
  ENGINE_PID=''
}

# An ephemeral node that logs out leaves the tailnet at once instead of lingering offline.
leave_mesh() {
  tailscale --socket="$TS_SOCKET" logout >/dev/null 2>&1
}

# Destroys this instance: no code path leaves a paid host running that nobody uses. Vast answers
# 429 without Retry-After when called too often, so failed calls back off, doubling from 2 s.
# Without the instance key, or after every retry failed, exit: the container stops and the GPU
# is released, and the burst provider removes the stopped instance.
destroy_self() {
  log "destroying this instance: $1"
  stop_engine
  leave_mesh
  if [ -z "$CONTAINER_ID" ] || [ -z "$CONTAINER_API_KEY" ]; then
    log "CONTAINER_ID or CONTAINER_API_KEY is not set, so the instance cannot destroy itself; exiting"
    exit 1
  fi
  delay=2
  attempt=1
  while [ "$attempt" -le 8 ]; do
    if delete_instance; then
      log "destroy accepted (attempt $attempt)"
      sleep 600
    fi
    log "destroy attempt $attempt failed; next in $delay s"
    sleep "$delay"
    delay=$((delay * 2))
    attempt=$((attempt + 1))
  done
  log "could not destroy the instance; exiting"
  exit 1
}

on_signal() {
  log "stop signal: stopping the engine and leaving the mesh"
  stop_engine
  leave_mesh
  exit 0
}

install_tailscale() {
  if command -v tailscaled >/dev/null 2>&1 && command -v tailscale >/dev/null 2>&1; then
    return 0
  fi
  log "installing $TAILSCALE_PACKAGE from pkgs.tailscale.com"
  http_get "https://pkgs.tailscale.com/stable/$TAILSCALE_PACKAGE.tgz" >"$STATE_DIR/tailscale.tgz" || return 1
  if [ -n "$TAILSCALE_SHA256" ]; then
    printf '%s  %s\n' "$TAILSCALE_SHA256" "$STATE_DIR/tailscale.tgz" | sha256sum -c - >/dev/null || return 1
  fi
  tar -xzf "$STATE_DIR/tailscale.tgz" -C "$STATE_DIR" || return 1
  cp "$STATE_DIR/$TAILSCALE_PACKAGE/tailscale" "$STATE_DIR/$TAILSCALE_PACKAGE/tailscaled" /usr/local/bin/
}

# Userspace networking: containers have no /dev/net/tun. Inbound tailnet TCP to this node is
# forwarded to 127.0.0.1:<port>, so the engine listens on loopback only and no public port is open.
join_mesh() {
  mkdir -p "$(dirname "$TS_SOCKET")"
  tailscaled --tun=userspace-networking --state=mem: --socket="$TS_SOCKET" >>"$STATE_DIR/tailscaled.log" 2>&1 &
  TAILSCALED_PID=$!
  attempt=1
  while [ "$attempt" -le 5 ]; do
    # tailscale up does not remember flags between runs: pass every one, every time.
    # The tags come with the auth key (a tagged key tags the node; headscale refuses tags
    # advertised next to a pre-auth key). TS_LOGIN_SERVER is set only when the host joins
    # another control server (e.g. headscale).
    if tailscale --socket="$TS_SOCKET" up ${"$"}{TS_LOGIN_SERVER:+"--login-server=$TS_LOGIN_SERVER"} --auth-key="$TS_AUTHKEY" --hostname="$HOST_NAME" --accept-dns=false --timeout=60s; then
      log "joined the tailnet as $HOST_NAME with its key's tags ($TS_TAGS)"
      return 0
    fi
    kill -0 "$TAILSCALED_PID" 2>/dev/null || return 1
    sleep 5
    attempt=$((attempt + 1))
  done
  return 1
}

# Polls every POLL_SECONDS. Before the engine is healthy only the boot timeout and the budget
# count; after, a poll without a change in the activity fingerprint adds to the idle time.
watch_engine() {
  healthy=0
  idle=0
  last=''
  while :; do
    sleep "$POLL_SECONDS" &
    wait $!
    elapsed=$(($(date +%s) - STARTED_AT))
    if [ "$elapsed" -ge "$MAX_SECONDS" ]; then
      destroy_self "budget guard: up $elapsed s, the limit is $MAX_SECONDS s"
    fi
    if ! kill -0 "$ENGINE_PID" 2>/dev/null; then
      destroy_self "the engine exited"
    fi
    if [ "$healthy" -eq 0 ]; then
      if http_get "$HEALTH_URL" >/dev/null 2>&1; then
        healthy=1
        last=$(activity_fingerprint) || last=''
        log "engine healthy after $elapsed s"
      elif [ "$elapsed" -ge "$BOOT_TIMEOUT_SECONDS" ]; then
        destroy_self "engine not healthy after $elapsed s"
      fi
      continue
    fi
    if current=$(activity_fingerprint) && [ "$current" != "$last" ]; then
      idle=0
      last=$current
    else
      idle=$((idle + POLL_SECONDS))
    fi
    if [ "$idle" -ge "$IDLE_SECONDS" ]; then
      destroy_self "idle for $idle s"
    fi
  done
}
`;
