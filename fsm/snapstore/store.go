// Package snapstore is a Raft snapshot store (raft.SnapshotStore) that keeps
// each snapshot as a directory of files instead of one archive file.
//
// A snapshot is a tar stream of members (see fsm's archive layout). The store
// unpacks the members into <dir>/<id>/files/ as they arrive, so a follower
// that installs a leader's snapshot writes the data once, and the FSM restores
// by hard-linking those files instead of unpacking an archive a second time.
// A leader that takes a snapshot hard-links its checkpoint's files into the
// store (LinkFile) instead of writing an archive: taking a snapshot writes
// no data. Open streams a snapshot back as the same tar stream.
//
// Snapshots written by raft.FileSnapshotStore (meta.json + state.bin) in the
// same directory are listed and opened too, so a node upgrades in place.
package snapstore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/raft"

	"github.com/pikaraft/pikaraft/engine/trash"
)

const (
	treeMetaName = "tree.json" // metadata of a directory snapshot
	filesDir     = "files"     // its members, by archive name
	tmpSuffix    = ".tmp"
)

// Member is one file of a snapshot, in archive order.
type Member struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
	// CRC32C is the Castagnoli CRC of the contents, when HasCRC (members
	// added by LinkFile have none: the store did not read them).
	CRC32C uint32 `json:"crc32c"`
	HasCRC bool   `json:"has_crc"`
}

// treeMeta is tree.json.
type treeMeta struct {
	raft.SnapshotMeta
	Members []Member `json:"members"`
}

// Store is a raft.SnapshotStore keeping snapshots as directories.
type Store struct {
	dir    string
	retain int
	log    *slog.Logger
	mu     sync.Mutex // serialises reaping
	trash  *trash.Bin // deletes old snapshots when set (SetTrash)
}

var _ raft.SnapshotStore = (*Store)(nil)

// New opens the store in <raftDir>/snapshots, keeping the retain newest
// snapshots, and removes snapshots left half-written by a crash.
func New(raftDir string, retain int, log *slog.Logger) (*Store, error) {
	if retain < 1 {
		return nil, fmt.Errorf("snapstore: retain must be at least 1, got %d", retain)
	}
	dir := filepath.Join(raftDir, "snapshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("snapstore: create %s: %w", dir, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("snapstore: read %s: %w", dir, err)
	}
	for _, e := range entries {
		if e.IsDir() && strings.HasSuffix(e.Name(), tmpSuffix) {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return nil, fmt.Errorf("snapstore: remove unfinished snapshot: %w", err)
			}
		}
	}
	return &Store{dir: dir, retain: retain, log: log}, nil
}

// Create starts a new snapshot; see Sink.
func (s *Store) Create(version raft.SnapshotVersion, index, term uint64, configuration raft.Configuration,
	configurationIndex uint64, _ raft.Transport) (raft.SnapshotSink, error) {
	if version != 1 {
		return nil, fmt.Errorf("snapstore: unsupported snapshot version %d", version)
	}
	id := fmt.Sprintf("%d-%d-%d", term, index, time.Now().UnixMilli())
	tmp := filepath.Join(s.dir, id+tmpSuffix)
	if err := os.MkdirAll(filepath.Join(tmp, filesDir), 0o755); err != nil {
		return nil, fmt.Errorf("snapstore: create %s: %w", tmp, err)
	}
	meta := raft.SnapshotMeta{Version: version, ID: id, Index: index, Term: term,
		Configuration:      configuration,
		ConfigurationIndex: configurationIndex}
	s.log.Info("snapstore: creating snapshot", "id", id, "index", index, "term", term)
	return &Sink{store: s, tmp: tmp, meta: treeMeta{SnapshotMeta: meta}}, nil
}

// List returns the snapshots, newest first.
func (s *Store) List() ([]*raft.SnapshotMeta, error) {
	metas, err := s.all()
	if err != nil {
		return nil, err
	}
	if len(metas) > s.retain {
		metas = metas[:s.retain]
	}
	return metas, nil
}

// all returns every finished snapshot, newest first.
func (s *Store) all() ([]*raft.SnapshotMeta, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("snapstore: list: %w", err)
	}
	var out []*raft.SnapshotMeta
	for _, e := range entries {
		if !e.IsDir() || strings.HasSuffix(e.Name(), tmpSuffix) || strings.HasSuffix(e.Name(), trash.Suffix) {
			continue
		}
		m, err := s.readMeta(e.Name())
		if err != nil {
			s.log.Warn("snapstore: skipping unreadable snapshot", "id", e.Name(), "error", err)
			continue
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Term != b.Term {
			return a.Term > b.Term
		}
		if a.Index != b.Index {
			return a.Index > b.Index
		}
		return a.ID > b.ID
	})
	return out, nil
}

// readMeta reads a snapshot's metadata in either format.
func (s *Store) readMeta(id string) (*raft.SnapshotMeta, error) {
	if tm, err := s.readTreeMeta(id); err == nil {
		return &tm.SnapshotMeta, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	lm, err := readLegacyMeta(filepath.Join(s.dir, id))
	if err != nil {
		return nil, err
	}
	return &lm.SnapshotMeta, nil
}

func (s *Store) readTreeMeta(id string) (*treeMeta, error) {
	raw, err := os.ReadFile(filepath.Join(s.dir, id, treeMetaName))
	if err != nil {
		return nil, err
	}
	var tm treeMeta
	if err := json.Unmarshal(raw, &tm); err != nil {
		return nil, fmt.Errorf("decode %s of %s: %w", treeMetaName, id, err)
	}
	return &tm, nil
}

// Open returns a snapshot's metadata and its contents as a tar stream. The
// reader of a directory snapshot is a *Reader (the FSM restores from its
// files directly).
func (s *Store) Open(id string) (*raft.SnapshotMeta, io.ReadCloser, error) {
	tm, err := s.readTreeMeta(id)
	if errors.Is(err, os.ErrNotExist) {
		return openLegacy(filepath.Join(s.dir, id))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("snapstore: open %s: %w", id, err)
	}
	files := filepath.Join(s.dir, id, filesDir)
	for _, m := range tm.Members {
		info, err := os.Stat(filepath.Join(files, filepath.FromSlash(m.Name)))
		if err != nil {
			return nil, nil, fmt.Errorf("snapstore: open %s: %w", id, err)
		}
		if info.Size() != m.Size {
			return nil, nil, fmt.Errorf("snapstore: open %s: %s has %d bytes, want %d", id, m.Name, info.Size(), m.Size)
		}
	}
	meta := tm.SnapshotMeta
	return &meta, newReader(files, tm.Members), nil
}

// SetTrash makes the store delete old snapshots through bin, a chunk at a
// time in the background (see package trash: the SSTs an old snapshot alone
// still holds can be hundreds of MB, freed at once), and hands bin what an
// earlier process left to delete. Call it before the store is used.
func (s *Store) SetTrash(bin *trash.Bin) error {
	s.trash = bin
	return bin.Sweep(s.dir)
}

// removeSnapshot deletes the directory of snapshot id.
func (s *Store) removeSnapshot(id string) error {
	path := filepath.Join(s.dir, id)
	if s.trash != nil {
		return s.trash.Remove(path)
	}
	return os.RemoveAll(path)
}

// reap removes all but the retain newest snapshots.
func (s *Store) reap() {
	s.mu.Lock()
	defer s.mu.Unlock()
	metas, err := s.all()
	if err != nil {
		s.log.Warn("snapstore: reap", "error", err)
		return
	}
	for _, m := range metas[min(s.retain, len(metas)):] {
		if err := s.removeSnapshot(m.ID); err != nil {
			s.log.Warn("snapstore: remove old snapshot", "id", m.ID, "error", err)
		}
	}
}

// Lookup finds the newest directory snapshot whose member name holds
// exactly contents (the FSM matches a snapshot it is asked to restore by its
// manifest), and returns its files directory and members.
func (s *Store) Lookup(name string, contents []byte) (string, []Member, bool) {
	metas, err := s.all()
	if err != nil {
		return "", nil, false
	}
	for _, m := range metas {
		tm, err := s.readTreeMeta(m.ID)
		if err != nil {
			continue
		}
		dir := filepath.Join(s.dir, m.ID, filesDir)
		raw, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err == nil && bytes.Equal(raw, contents) {
			return dir, tm.Members, true
		}
	}
	return "", nil, false
}
