package main

import (
	"log/slog"
	"strings"

	"github.com/pikaraft/pikaraft/compat/pikaconf"
)

// effective lists the pika.conf parameters that change what pikaraft does
// (see docs/COMPATIBILITY.md, "What the parameters do today"). Every other
// key a file sets is accepted, shown by CONFIG GET and kept by CONFIG
// REWRITE, and named once at start-up as having no effect.
var effective = map[string]bool{
	"port": true, "databases": true, "db-path": true, "log-path": true,
	"timeout": true, "maxclients": true, "requirepass": true, "userpass": true,
	"userblacklist": true, "proto-max-bulk-len": true,
	"compression": true, "block-cache": true, "write-buffer-size": true, "max-cache-files": true,
	"write-binlog": true, "binlog-file-size": true, "expire-logs-nums": true, "expire-logs-days": true,
	"info-binlog-offset-format": true,
	"node-id":                   true, "raft-path": true, "raft-port": true, "raft-advertise": true, "gossip-port": true,
	"bootstrap-expect": true, "join": true, "peers": true, "cluster-name": true,
	"raft-dead-server-timeout": true, "leave-on-terminate": true, "follower-writes": true,
	"read-consistency": true, "write-timeout-ms": true, "raft-snapshot-threshold": true,
	"raft-snapshot-interval": true, "raft-trailing-logs": true, "raft-log-store": true, "raft-heartbeat-timeout-ms": true,
	"raft-election-timeout-ms": true, "raft-dial-map": true, "raft-tcp-congestion": true, "clock-offset-ms": true,
	"event-loop": true,
}

// logInert names, in one line, the keys of the configuration file that
// pikaraft accepts without effect.
func logInert(conf *pikaconf.Config, log *slog.Logger) {
	var inert []string
	for _, k := range conf.FileKeys() {
		if !effective[k] {
			inert = append(inert, k)
		}
	}
	if len(inert) > 0 {
		log.Info("pika.conf: parameters accepted without effect in pikaraft",
			"file", conf.Path(), "count", len(inert), "keys", strings.Join(inert, ","))
	}
}
