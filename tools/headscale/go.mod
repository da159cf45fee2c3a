module inference-fabric/tools/headscale

go 1.26.5

require github.com/juanfont/headscale v0.29.3
