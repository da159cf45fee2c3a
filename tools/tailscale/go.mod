module inference-fabric/tools/tailscale

go 1.25

require tailscale.com v1.102.5
