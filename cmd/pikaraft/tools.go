//go:build tools

// This file pins dependencies that later packages use, so that `go mod tidy`
// keeps them while the code that imports them is being written.
package main

import (
	_ "github.com/anishathalye/porcupine"
	_ "github.com/hashicorp/memberlist"
	_ "github.com/hashicorp/raft"
	_ "github.com/hashicorp/raft-boltdb/v2"
	_ "github.com/redis/go-redis/v9"
	_ "github.com/tidwall/redcon"
)
