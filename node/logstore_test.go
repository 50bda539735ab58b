package node

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	wal "github.com/hashicorp/raft-wal"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/engine/trash"
)

// restartKeepsLog writes, restarts the node with cfg2 and checks that the
// Raft log (not only the engine) kept every entry and goes on from there.
func restartKeepsLog(t *testing.T, cfg, cfg2 Config) *Node {
	t.Helper()
	n, err := Open(cfg)
	require.NoError(t, err)
	var last uint64
	for i := 0; i < 20; i++ {
		_, last = writeNow(t, n)
	}
	require.NoError(t, n.Close())

	cfg2.RaftBind = freeAddr(t)
	n2 := openNode(t, cfg2)
	li, err := n2.store.LastIndex()
	require.NoError(t, err)
	require.GreaterOrEqual(t, li, last)
	var term uint64
	term, err = n2.store.GetUint64([]byte("CurrentTerm"))
	require.NoError(t, err)
	require.NotZero(t, term, "stable store lost the term")
	_, idx := writeNow(t, n2)
	require.Greater(t, idx, last)
	return n2
}

func TestNewRaftDirUsesWAL(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	appends, entries, _ := LogAppendStats()
	n2 := restartKeepsLog(t, cfg, cfg)
	require.IsType(t, walStore{}, n2.store)
	require.DirExists(t, filepath.Join(cfg.RaftDir, walDir))
	require.NoFileExists(t, filepath.Join(cfg.RaftDir, boltFile))
	a2, e2, _ := LogAppendStats()
	require.Greater(t, a2, appends, "appends not counted")
	require.GreaterOrEqual(t, e2-entries, uint64(21))
}

func TestExistingBoltLogIsKept(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	cfg.LogStore = LogStoreBolt
	cfg2 := cfg
	cfg2.LogStore = "" // the default (wal) for new directories
	n2 := restartKeepsLog(t, cfg, cfg2)
	require.IsType(t, &raftboltdb.BoltStore{}, n2.store)
	require.NoDirExists(t, filepath.Join(cfg.RaftDir, walDir))
}

func TestExistingWALIsKeptWhenBoltConfigured(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	cfg2 := cfg
	cfg2.LogStore = LogStoreBolt
	n2 := restartKeepsLog(t, cfg, cfg2)
	require.IsType(t, walStore{}, n2.store)
	require.NoFileExists(t, filepath.Join(cfg.RaftDir, boltFile))
}

func TestRaftDirWithBothLogsIsRefused(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	require.NoError(t, os.MkdirAll(filepath.Join(cfg.RaftDir, walDir), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(cfg.RaftDir, boltFile), nil, 0o644))
	_, err := Open(cfg)
	require.ErrorContains(t, err, "holds both raft.db and wal/")
}

// Compacted entries must read as not found (Raft then sends the snapshot),
// and Raft must see through the wrappers that the WAL refuses gaps.
func TestWALHidesCompactedEntries(t *testing.T) {
	w, err := wal.Open(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Close() })
	s := walStore{w}
	var logs []*raft.Log
	for i := uint64(1); i <= 10; i++ {
		logs = append(logs, &raft.Log{Index: i, Term: 1, Data: []byte{byte(i)}})
	}
	require.NoError(t, s.StoreLogs(logs))
	require.NoError(t, s.DeleteRange(1, 5))
	var l raft.Log
	for i := uint64(1); i <= 5; i++ {
		require.ErrorIs(t, s.GetLog(i, &l), raft.ErrLogNotFound, "index %d", i)
	}
	require.NoError(t, s.GetLog(6, &l))
	require.Equal(t, []byte{6}, l.Data)

	cache, err := raft.NewLogCache(16, countingLogStore{s})
	require.NoError(t, err)
	require.True(t, cache.IsMonotonic())
	b, err := raftboltdb.New(raftboltdb.Options{Path: filepath.Join(t.TempDir(), "raft.db")})
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	require.False(t, countingLogStore{b}.IsMonotonic())
}

func TestParseLogStore(t *testing.T) {
	for in, want := range map[string]string{"": "wal", "wal": "wal", "bolt": "bolt"} {
		got, err := ParseLogStore(in)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	_, err := ParseLogStore("rocks")
	require.ErrorContains(t, err, `"rocks": want wal or bolt`)
}

// Segment files a snapshot's log compaction drops are deleted through the
// trash bin (renamed at once, shrunk in the background), and leftovers of
// an earlier run are deleted after a restart; the log itself is unaffected.
func TestWALDropsSegmentsThroughTrash(t *testing.T) {
	dir := t.TempDir()
	const segBytes = 3 * trash.ChunkBytes
	leftover := filepath.Join(dir, "00000000000000000001-0000000000000001.wal"+trash.Suffix)
	require.NoError(t, os.WriteFile(leftover, make([]byte, 2*trash.ChunkBytes), 0o644))

	bin := trash.New(slog.Default())
	defer bin.Close()
	s, err := openWALStore(dir, slog.Default(), bin, segBytes)
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	data := make([]byte, 64<<10)
	var logs []*raft.Log
	for i := uint64(1); i <= 1000; i++ { // ~64 MB: several segments
		logs = append(logs, &raft.Log{Index: i, Term: 1, Data: data})
	}
	for i := 0; i < len(logs); i += 50 {
		require.NoError(t, s.StoreLogs(logs[i:i+50]))
	}
	segments := func() []string {
		m, err := filepath.Glob(filepath.Join(dir, "*.wal"))
		require.NoError(t, err)
		return m
	}
	before := segments()
	require.Greater(t, len(before), 4)

	require.NoError(t, s.DeleteRange(1, 900))
	after := segments()
	require.Less(t, len(after), len(before), "dropped segments are gone from the log directory at once")
	require.Eventually(t, func() bool {
		m, err := filepath.Glob(filepath.Join(dir, "*"+trash.Suffix))
		require.NoError(t, err)
		return len(m) == 0 && bin.Pending() == 0
	}, 20*time.Second, 10*time.Millisecond, "the bin deletes the dropped segments and the leftover")

	first, err := s.FirstIndex()
	require.NoError(t, err)
	require.EqualValues(t, 901, first)
	var l raft.Log
	require.NoError(t, s.GetLog(1000, &l))
	require.Len(t, l.Data, len(data))
	require.ErrorIs(t, s.GetLog(900, &l), raft.ErrLogNotFound)
}
