//go:build tools

// Package tools pins the upstream main package built by scripts/setup-mesh.sh:
//
//	go build -mod=mod -o $FABRIC_CACHE/bin/headscale github.com/juanfont/headscale/cmd/headscale
//
// The Go proxy refuses headscale's version list, so `go install …@latest` fails; a wrapper module
// that requires the exact version resolves it.
package tools

import _ "github.com/juanfont/headscale/cmd/headscale"
