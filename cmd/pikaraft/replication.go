package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/pikaraft/pikaraft/compat/info"
	"github.com/pikaraft/pikaraft/compat/replication"
	"github.com/pikaraft/pikaraft/node"
)

// replicationID is the replication id every node of the cluster gives
// classic replicas: pika.conf's replication-id if set, else derived from
// cluster-name, so that a replica can move between nodes (a Pika replica
// refuses a master whose id differs from the one it adopted). Set
// replication-id (50 hex digits) to tell two clusters of the same name
// apart.
func replicationID(s *settings) string {
	if id := s.conf.String("replication-id"); id != "" {
		return id
	}
	sum := sha256.Sum256([]byte("pikaraft replication id\x00" + s.conf.String("cluster-name")))
	id := hex.EncodeToString(sum[:])[:50]
	s.conf.SetDefault("replication-id", id)
	return id
}

// startReplication serves classic Pika replicas on port+2000 (replication)
// and port+10001 (full-sync file transfer) from this node's binlog.
func startReplication(s *settings, n *node.Node, gate *replication.Gate, in *info.Info, log *slog.Logger) (closer, error) {
	dumpPath, err := filepath.Abs(s.conf.String("dump-path"))
	if err != nil {
		return nil, fmt.Errorf("dump-path: %w", err)
	}
	runID := in.Sources().Server().RunID
	if runID == "" {
		var b [20]byte
		_, _ = rand.Read(b[:])
		runID = hex.EncodeToString(b[:])
	}
	gate.SetEngine(n.AcquireEngine)
	srv, err := replication.New(replication.Config{
		Host:          s.advertiseHost(),
		Port:          s.port,
		Databases:     int(s.conf.Int("databases", 1)),
		RunID:         runID,
		ReplicationID: replicationID(s),
		DumpPath:      dumpPath + "/",
		DumpPrefix:    s.conf.String("dump-prefix"),
		Binlog:        replication.SetBinlog(gate.Set()),
		Checkpointer:  gate,
		Settings:      s.conf,
		Logger:        log,
	})
	if err != nil {
		return nil, err
	}
	if err := srv.Listen(s.bind); err != nil {
		return nil, err
	}
	gate.OnRestore(srv.DropAll)
	in.SetClassic(srv)
	return srv, nil
}
