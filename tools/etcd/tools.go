//go:build tools

// Package tools pins the etcd server built by scripts/setup-cluster.sh:
//
//	go build -o $FABRIC_CACHE/bin/etcd go.etcd.io/etcd/server/v3
//
// etcd's server module root is its main package, so it is built through this wrapper module.
// Debian's etcd 3.4 lacks RequestWatchProgress, which KWOK needs: 3.6 it is.
package tools

import _ "go.etcd.io/etcd/server/v3"
