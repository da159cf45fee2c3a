//go:build tools

// Package tools pins the control plane of the cluster tier, built by scripts/setup-cluster.sh from
// k8s.io/kubernetes. Its go.mod replaces every staging module with ./staging, so it cannot be
// `go install`ed; this wrapper requires it and replaces each staging module with the published one
// at the same version (k8s.io/sample-cli-plugin is left out: the proxy refuses its .info and
// nothing here needs it).
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
