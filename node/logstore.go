package node

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	wal "github.com/hashicorp/raft-wal"
	walfs "github.com/hashicorp/raft-wal/fs"
	"github.com/hashicorp/raft-wal/segment"

	"github.com/pikaraft/pikaraft/engine/trash"
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
		s, err := openWALStore(dir, n.log, n.trash, 0)
		if err != nil {
			return nil, "", err
		}
		return s, kind, nil
	}
}

// openWALStore opens the raft-wal log in dir with segments of segmentBytes
// (0: raft-wal's default, 64 MiB); the segments it drops go to bin.
func openWALStore(dir string, log *slog.Logger, bin *trash.Bin, segmentBytes int) (walStore, error) {
	if err := bin.Sweep(dir); err != nil {
		log.Warn("raft log: cannot look for segment files left to delete", "error", err)
	}
	logger := wal.WithLogger(newHCLog(log, "raft-wal"))
	filer := wal.WithSegmentFiler(segment.NewFiler(dir, walFS{FS: walfs.New(), bin: bin}))
	var (
		w   *wal.WAL
		err error
	)
	if segmentBytes > 0 {
		w, err = wal.Open(dir, logger, filer, wal.WithSegmentSize(segmentBytes))
	} else {
		w, err = wal.Open(dir, logger, filer)
	}
	if err != nil {
		return walStore{}, fmt.Errorf("node: open raft log %s/: %w", walDir, err)
	}
	return walStore{w}, nil
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

// walFS is raft-wal's file system, except that the segment files a head
// truncation drops (64 MB each, after every snapshot) go to a trash.Bin:
// unlinked at once, on a file system with online discard, one stalled every
// fsync on the disk, this node's Raft log appends among them, for tens of
// milliseconds.
type walFS struct {
	*walfs.FS
	bin *trash.Bin
}

// Delete implements raft-wal's types.VFS.
func (f walFS) Delete(dir, name string) error {
	return f.bin.Remove(filepath.Join(dir, name))
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
