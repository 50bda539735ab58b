package node

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	wal "github.com/hashicorp/raft-wal"
	"github.com/hashicorp/raft-wal/migrate"
	"go.etcd.io/bbolt"

	"github.com/pikaraft/pikaraft/fsm/snapstore"
)

// Offline migration of a stopped node's Raft log from raft.db (bolt) to
// wal/ (pikaraft-admin migrate-raft-log). Crash-safe by its order:
//
//  1. copy every entry and the stable values into wal.migrating/ (a stale
//     one from an earlier attempt is removed first);
//  2. rename raft.db to raft.db.migrated: the commit point;
//  3. rename wal.migrating/ to wal/.
//
// While wal.migrating/ exists a node refuses to start (existingLogStore),
// and running the migration again either starts over (raft.db still there)
// or finishes step 3 (raft.db already renamed).

// Names of the migration's files under RaftDir.
const (
	walMigratingDir = "wal.migrating"
	boltMigrated    = "raft.db.migrated"
)

// stableKeys are the stable store keys hashicorp/raft writes (raft.go):
// uint64 ones, then byte ones. raft-boltdb and raft-wal encode the uint64s
// differently, so they are copied as numbers.
var (
	stableUintKeys  = [][]byte{[]byte("CurrentTerm"), []byte("LastVoteTerm")}
	stableBytesKeys = [][]byte{[]byte("LastVoteCand")}
)

// MigrationResult describes a finished migration.
type MigrationResult struct {
	// First and Last are the log's index range (0, 0 for an empty log).
	First, Last uint64
	// Term is the current term copied.
	Term uint64
	// Resumed is set when an interrupted migration was finished.
	Resumed bool
}

// MigrateBoltToWAL moves a stopped node's Raft log and stable values from
// raftDir/raft.db to raftDir/wal/, keeping the old file as raft.db.migrated.
// It fails while a process holds raft.db (a running node).
func MigrateBoltToWAL(raftDir string) (MigrationResult, error) {
	boltPath := filepath.Join(raftDir, boltFile)
	tmp := filepath.Join(raftDir, walMigratingDir)
	hasBolt, err := exists(boltPath)
	if err != nil {
		return MigrationResult{}, err
	}
	hasTmp, err := exists(tmp)
	if err != nil {
		return MigrationResult{}, err
	}
	if !hasBolt {
		migrated, err := exists(filepath.Join(raftDir, boltMigrated))
		if err != nil {
			return MigrationResult{}, err
		}
		if hasTmp && migrated {
			return MigrationResult{Resumed: true}, finishMigration(raftDir)
		}
		return MigrationResult{}, fmt.Errorf("node: %s has no %s to migrate", raftDir, boltFile)
	}
	if w, err := exists(filepath.Join(raftDir, walDir)); err != nil || w {
		if err == nil {
			err = fmt.Errorf("node: %s already holds %s/ next to %s", raftDir, walDir, boltFile)
		}
		return MigrationResult{}, err
	}
	res, err := copyBoltToWAL(boltPath, tmp)
	if err != nil {
		return MigrationResult{}, err
	}
	if err := os.Rename(boltPath, filepath.Join(raftDir, boltMigrated)); err != nil {
		return MigrationResult{}, fmt.Errorf("node: migrate raft log: %w", err)
	}
	if err := snapstore.SyncPath(raftDir); err != nil {
		return MigrationResult{}, fmt.Errorf("node: migrate raft log: %w", err)
	}
	return res, finishMigration(raftDir)
}

// copyBoltToWAL copies the log and stable values of boltPath into a new
// WAL in dir, and checks the copy's index range.
func copyBoltToWAL(boltPath, dir string) (MigrationResult, error) {
	src, err := raftboltdb.New(raftboltdb.Options{Path: boltPath,
		BoltOptions: &bbolt.Options{Timeout: time.Second}})
	if err != nil {
		return MigrationResult{}, fmt.Errorf("node: open %s (is the node stopped?): %w", boltPath, err)
	}
	defer src.Close()
	if err := os.RemoveAll(dir); err != nil {
		return MigrationResult{}, fmt.Errorf("node: remove an earlier attempt: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return MigrationResult{}, fmt.Errorf("node: migrate raft log: %w", err)
	}
	dst, err := wal.Open(dir)
	if err != nil {
		return MigrationResult{}, fmt.Errorf("node: create %s: %w", dir, err)
	}
	res, err := copyStores(dst, src)
	if cerr := dst.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("node: close %s: %w", dir, cerr)
	}
	return res, err
}

// copyStores copies src's entries and stable values into the empty dst.
func copyStores(dst *wal.WAL, src *raftboltdb.BoltStore) (MigrationResult, error) {
	var res MigrationResult
	var err error
	if res.First, err = src.FirstIndex(); err != nil {
		return res, fmt.Errorf("node: read raft log: %w", err)
	}
	if res.Last, err = src.LastIndex(); err != nil {
		return res, fmt.Errorf("node: read raft log: %w", err)
	}
	if res.Last > 0 {
		if err := migrate.CopyLogs(context.Background(), dst, src, 1<<20, nil); err != nil {
			return res, fmt.Errorf("node: copy raft log: %w", err)
		}
	}
	for _, k := range stableUintKeys {
		v, err := src.GetUint64(k)
		if errors.Is(err, raftboltdb.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return res, fmt.Errorf("node: read %s: %w", k, err)
		}
		if err := dst.SetUint64(k, v); err != nil {
			return res, fmt.Errorf("node: write %s: %w", k, err)
		}
	}
	for _, k := range stableBytesKeys {
		v, err := src.Get(k)
		if errors.Is(err, raftboltdb.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return res, fmt.Errorf("node: read %s: %w", k, err)
		}
		if err := dst.Set(k, v); err != nil {
			return res, fmt.Errorf("node: write %s: %w", k, err)
		}
	}
	first, _ := dst.FirstIndex()
	last, _ := dst.LastIndex()
	if first != res.First || last != res.Last {
		return res, fmt.Errorf("node: raft log copy holds %d..%d, the source %d..%d", first, last, res.First, res.Last)
	}
	res.Term, err = dst.GetUint64(stableUintKeys[0])
	if err != nil {
		return res, fmt.Errorf("node: read back the term: %w", err)
	}
	return res, nil
}

// finishMigration renames wal.migrating/ to wal/ (step 3).
func finishMigration(raftDir string) error {
	if err := os.Rename(filepath.Join(raftDir, walMigratingDir), filepath.Join(raftDir, walDir)); err != nil {
		return fmt.Errorf("node: migrate raft log: %w", err)
	}
	if err := snapstore.SyncPath(raftDir); err != nil {
		return fmt.Errorf("node: migrate raft log: %w", err)
	}
	return nil
}
