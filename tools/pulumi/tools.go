//go:build tools

// Package tools pins the upstream main package built by scripts/setup-pulumi.sh:
//
//	go build -o $FABRIC_CACHE/bin/pulumi github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
