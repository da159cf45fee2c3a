//go:build tools

// Package tools pins the upstream main packages built by scripts/setup-mesh.sh (with
// -tags ts_omit_captiveportal: the stock build looks up controlplane/login.tailscale.com to detect
// captive portals, which would leave the test's network namespace):
//
//	go build -mod=mod -tags ts_omit_captiveportal -o $FABRIC_CACHE/bin/tailscaled tailscale.com/cmd/tailscaled
//	go build -mod=mod -tags ts_omit_captiveportal -o $FABRIC_CACHE/bin/tailscale tailscale.com/cmd/tailscale
package tools

import (
	_ "tailscale.com/cmd/tailscale"
	_ "tailscale.com/cmd/tailscaled"
)
