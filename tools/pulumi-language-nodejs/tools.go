//go:build tools

// Package tools pins the upstream main package built by scripts/setup-pulumi.sh.
package tools

import _ "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3"
