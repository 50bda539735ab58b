package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/pikaraft/pikaraft/engine"
)

// checkHandedBack refuses to start on a db-path that `pikaraft-admin
// strip-for-pika` handed to Pika while the node's old Raft state is still
// there: Pika may have changed the data since, so replaying or restoring
// that state would mix two histories. Without Raft state the directory is
// adopted like any Pika data directory (an in-place upgrade).
func checkHandedBack(dbPath, raftDir string) error {
	if _, err := os.Stat(filepath.Join(dbPath, engine.StrippedMarker)); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	for _, f := range []string{"raft.db", "wal", "snapshots"} {
		if _, err := os.Stat(filepath.Join(raftDir, f)); err == nil {
			return fmt.Errorf("%s was handed back to Pika (%s) but the old Raft state is still in %s: "+
				"move %s away to adopt the directory again as an in-place upgrade",
				dbPath, engine.StrippedMarker, raftDir, raftDir)
		}
	}
	return nil
}

// clearHandedBack removes the marker once the node has adopted the data.
func clearHandedBack(dbPath string, log *slog.Logger) {
	err := os.Remove(filepath.Join(dbPath, engine.StrippedMarker))
	if err == nil {
		log.Info("adopted a db-path handed back to Pika earlier", "db_path", dbPath)
	} else if !errors.Is(err, os.ErrNotExist) {
		log.Warn("could not remove the handed-back marker", "error", err)
	}
}
