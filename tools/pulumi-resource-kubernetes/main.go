// The Pulumi Kubernetes provider, built by scripts/setup-cluster.sh from the provider module on the
// Go module proxy. Upstream's own main package embeds two files its module does not carry
// (schema-embed.json and terraform-mapping-embed.json, made by `go generate`); the set-up script
// writes them next to this file from the module's schema.json (with the release version) and
// terraform-mapping.json, and stamps the version with -ldflags -X …/pkg/version.Version.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var schema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, schema, terraformMapping)
}
