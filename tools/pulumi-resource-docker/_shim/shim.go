// Package pulumishim is NOT compiled from here: build.sh copies this file to
// <copy of the kreuzwerker module>/pulumishim/shim.go, i.e. inside the upstream Terraform provider
// module, so that it may import that module's internal/provider package (Go's internal rule).
// It only re-exports the SDKv2 provider constructor. (`go build -overlay` cannot do this: Go
// refuses overlay files beneath GOMODCACHE.) See tools/README.md, "pulumi-resource-docker".
package pulumishim

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
	"github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

// NewProvider returns the upstream SDKv2 docker provider (the resources and data sources that
// pulumi-docker bridges; the plugin-framework half of the upstream mux is not used).
func NewProvider(version string) *schema.Provider {
	return provider.New(version)()
}
