//go:build tools

// Package tools pins KWOK, which plays the kubelets of fake GPU nodes in the cluster tier:
//
//	go build -o $FABRIC_CACHE/bin/kwok sigs.k8s.io/kwok/cmd/kwok
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
