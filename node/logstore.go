package node

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	wal "github.com/hashicorp/raft-wal"
)

// Raft log store kinds (Config.LogStore, pika.conf raft-log-store).
const (
	// LogStoreWAL is hashicorp/raft-wal: segment files with one fsync per
	// append, plus a small bolt file for the stable values (term, vote).
	LogStoreWAL = "wal"
	// LogStoreBolt is raft-boltdb/v2: one bolt file for the log and the
	// stable values; each append is a bolt transaction (two fdatasyncs).
	LogStoreBolt = "bolt"
)

// File names under RaftDir of the two log stores.
const (
	boltFile = "raft.db"
	walDir   = "wal"
)

// raftStore is the Raft log and stable store of a node, whichever kind.
type raftStore interface {
	raft.LogStore
	raft.StableStore
	io.Closer
}

// ParseLogStore checks a log store kind ("" means the default, wal).
func ParseLogStore(kind string) (string, error) {
	switch kind {
	case "", LogStoreWAL:
		return LogStoreWAL, nil
	case LogStoreBolt:
		return LogStoreBolt, nil
	}
	return "", fmt.Errorf("node: raft log store %q: want wal or bolt", kind)
}

// existingLogStore reports which log store RaftDir already holds ("" for
// none). Both at once means a broken directory, and an interrupted
// migration (logmigrate.go) must be finished first.
func existingLogStore(raftDir string) (string, error) {
	if m, err := exists(filepath.Join(raftDir, walMigratingDir)); err != nil || m {
		if err == nil {
			err = fmt.Errorf("node: %s holds %s/: a raft log migration was interrupted; run pikaraft-admin migrate-raft-log %s again",
				raftDir, walMigratingDir, raftDir)
		}
		return "", err
	}
	bolt, err := exists(filepath.Join(raftDir, boltFile))
	if err != nil {
		return "", err
	}
	w, err := exists(filepath.Join(raftDir, walDir))
	if err != nil {
		return "", err
	}
	switch {
	case bolt && w:
		return "", fmt.Errorf("node: %s holds both %s and %s/: which one is the Raft log is unknown; move the stale one away",
			raftDir, boltFile, walDir)
	case bolt:
		return LogStoreBolt, nil
	case w:
		return LogStoreWAL, nil
	}
	return "", nil
}

func exists(path string) (bool, error) {
	_, err := os.Stat(path)
	if err == nil {
		return true, nil
	}
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	return false, fmt.Errorf("node: %w", err)
}

// openRaftStore opens the Raft log and stable store in RaftDir. A directory
// that already holds a log keeps the store it was written with (switching
// would start from an empty log and lose every entry); only a new
// directory gets the configured kind. It returns the kind opened.
func (n *Node) openRaftStore() (raftStore, string, error) {
	want, err := ParseLogStore(n.cfg.LogStore)
	if err != nil {
		return nil, "", err
	}
	kind, err := existingLogStore(n.cfg.RaftDir)
	if err != nil {
		return nil, "", err
	}
	switch {
	case kind == "":
		kind = want
	case kind != want:
		n.log.Info("the raft directory already holds a log of another kind: keeping it",
			"raft_dir", n.cfg.RaftDir, "configured", want, "in_use", kind)
	}
	switch kind {
	case LogStoreBolt:
		s, err := raftboltdb.New(raftboltdb.Options{Path: filepath.Join(n.cfg.RaftDir, boltFile)})
		if err != nil {
			return nil, "", fmt.Errorf("node: open raft log %s: %w", boltFile, err)
		}
		return s, kind, nil
	default:
		dir := filepath.Join(n.cfg.RaftDir, walDir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, "", fmt.Errorf("node: create raft log dir: %w", err)
		}
		s, err := wal.Open(dir, wal.WithLogger(newHCLog(n.log, "raft-wal")))
		if err != nil {
			return nil, "", fmt.Errorf("node: open raft log %s/: %w", walDir, err)
		}
		return walStore{s}, kind, nil
	}
}

// walStore is raft-wal with compacted entries hidden. raft-wal v0.4.2 only
// deletes whole segment files on a head truncation (DeleteRange after a
// snapshot) and moves FirstIndex, but GetLog still returns the entries
// below it from the segment that remains. hashicorp/raft sends a follower
// the snapshot only when GetLog reports ErrLogNotFound; and an adopted
// data directory (adopt.go) relies on its truncated log being unreadable so
// that joining servers install the snapshot that carries the data.
type walStore struct {
	*wal.WAL
}

// GetLog implements raft.LogStore: entries below FirstIndex are not found.
func (s walStore) GetLog(index uint64, l *raft.Log) error {
	first, err := s.WAL.FirstIndex()
	if err != nil {
		return err
	}
	if index < first {
		return raft.ErrLogNotFound
	}
	return s.WAL.GetLog(index, l)
}
