//go:build tools

// Package tools pins the upstream main package built by scripts/setup-actionlint.sh:
//
//	go build -o $FABRIC_CACHE/bin/actionlint github.com/rhysd/actionlint/cmd/actionlint
package tools

import _ "github.com/rhysd/actionlint/cmd/actionlint"
