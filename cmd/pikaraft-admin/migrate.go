package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/pikaraft/pikaraft/node"
)

// migrateRaftLog moves a stopped node's Raft log from raft.db (raft-boltdb)
// to wal/ (raft-wal); see node.MigrateBoltToWAL.
func migrateRaftLog(raftDir string, out io.Writer) error {
	res, err := node.MigrateBoltToWAL(raftDir)
	if err != nil {
		return err
	}
	if res.Resumed {
		fmt.Fprintf(out, "finished an interrupted migration in %s\n", raftDir)
	} else {
		fmt.Fprintf(out, "copied raft log entries %d..%d and the stable values (term %d) into %s\n",
			res.First, res.Last, res.Term, filepath.Join(raftDir, "wal"))
	}
	fmt.Fprintf(out, "the node uses the WAL from its next start; the old log is kept as %s (delete it once the node runs)\n",
		filepath.Join(raftDir, "raft.db.migrated"))
	return nil
}
