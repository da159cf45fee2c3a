// Command pulumi-resource-docker: a Pulumi resource plugin bridging the Terraform docker provider
// (github.com/kreuzwerker/terraform-provider-docker) with pulumi-terraform-bridge, using the
// resource tokens and property names of the @pulumi/docker npm SDK (5.x). It is our own small
// build, NOT the upstream pulumi-docker plugin: the docker-build `Image` resource is absent and no
// Pulumi schema is embedded (GetSchema returns an empty schema; the bridge then skips its
// schema-based input type check). See tools/README.md, "pulumi-resource-docker".
package main

import (
	"unicode"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"

	// Exists only in the build copy of the upstream module made by build.sh (_shim/shim.go).
	"github.com/terraform-providers/terraform-provider-docker/pulumishim"
)

// version is stamped with -ldflags "-X main.version=…"; it must equal pulumi.version in
// node_modules/@pulumi/docker/package.json, which the engine asks for.
var version = "5.2.0"

// res makes "docker:index/<lowerCamel>:<Name>", the token scheme of @pulumi/docker.
func res(name string) tokens.Type {
	return tokens.Type("docker:index/" + string(unicode.ToLower(rune(name[0]))) + name[1:] + ":" + name)
}

func data(name string) tokens.ModuleMember { return tokens.ModuleMember(res(name)) }

func providerInfo() tfbridge.ProviderInfo {
	prov := tfbridge.ProviderInfo{
		P:       shimv2.NewProvider(pulumishim.NewProvider(version)),
		Name:    "docker",
		Version: version,
		Config: map[string]*tfbridge.SchemaInfo{
			"host": {Default: &tfbridge.DefaultInfo{
				Value: "unix:///var/run/docker.sock", EnvVars: []string{"DOCKER_HOST"},
			}},
			"registry_auth": {Name: "registryAuth", MaxItemsOne: tfbridge.False()},
		},
		Resources: map[string]*tfbridge.ResourceInfo{
			"docker_container": {
				Tok:                 res("Container"),
				DeleteBeforeReplace: true,
				Fields: map[string]*tfbridge.SchemaInfo{
					"command":           {Name: "command"},
					"networks_advanced": {Name: "networksAdvanced"},
				},
			},
			"docker_image": {
				Tok:    res("RemoteImage"),
				Fields: map[string]*tfbridge.SchemaInfo{"name": {Name: "name"}},
			},
			"docker_volume":         {Tok: res("Volume")},
			"docker_network":        {Tok: res("Network")},
			"docker_config":         {Tok: res("ServiceConfig")},
			"docker_secret":         {Tok: res("Secret")},
			"docker_service":        {Tok: res("Service")},
			"docker_registry_image": {Tok: res("RegistryImage")},
			"docker_plugin":         {Tok: res("Plugin")},
			"docker_tag":            {Tok: res("Tag")},
			"docker_buildx_builder": {Tok: res("BuildxBuilder")},
		},
		DataSources: map[string]*tfbridge.DataSourceInfo{
			"docker_network":                  {Tok: data("getNetwork")},
			"docker_registry_image":           {Tok: data("getRegistryImage")},
			"docker_registry_image_manifests": {Tok: data("getRegistryImageManifests")},
			"docker_plugin":                   {Tok: data("getPlugin")},
			"docker_image":                    {Tok: data("getRemoteImage")},
			"docker_logs":                     {Tok: data("getLogs")},
		},
	}
	prov.SetAutonaming(255, "-")
	return prov
}

func main() {
	tfbridge.Main("docker", version, providerInfo(), nil)
}
