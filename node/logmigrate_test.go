package node

import (
	"os"
	"path/filepath"
	"testing"

	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	wal "github.com/hashicorp/raft-wal"
	"github.com/stretchr/testify/require"
)

// boltNode runs a bolt node with a compacted log (first index above 1) and
// returns its config (to reopen) and its log range and term, read while it
// was open.
func boltNode(t *testing.T) (cfg Config, first, last, term uint64) {
	t.Helper()
	cfg = testConfig(t, t.TempDir())
	cfg.LogStore = LogStoreBolt
	cfg.TrailingLogs = 5
	n, err := Open(cfg)
	require.NoError(t, err)
	for i := 0; i < 30; i++ {
		writeNow(t, n)
	}
	require.NoError(t, n.Raft().Snapshot().Error())
	for i := 0; i < 10; i++ {
		_, last = writeNow(t, n)
	}
	first, err = n.store.FirstIndex()
	require.NoError(t, err)
	require.Greater(t, first, uint64(1), "log was not truncated")
	term, err = n.store.GetUint64([]byte("CurrentTerm"))
	require.NoError(t, err)
	require.NotZero(t, term)
	require.NoError(t, n.Close())
	cfg.LogStore = "" // reopened with the default
	cfg.RaftBind = freeAddr(t)
	return cfg, first, last, term
}

// requireMigrated opens the node on the migrated log and checks it holds
// the same range and term, and goes on writing after it.
func requireMigrated(t *testing.T, cfg Config, first, last, term uint64) {
	t.Helper()
	require.NoFileExists(t, filepath.Join(cfg.RaftDir, boltFile))
	require.FileExists(t, filepath.Join(cfg.RaftDir, boltMigrated))
	require.NoDirExists(t, filepath.Join(cfg.RaftDir, walMigratingDir))
	n := openNode(t, cfg)
	require.IsType(t, walStore{}, n.store)
	f, err := n.store.FirstIndex()
	require.NoError(t, err)
	require.Equal(t, first, f)
	l, err := n.store.LastIndex()
	require.NoError(t, err)
	require.GreaterOrEqual(t, l, last)
	got, err := n.store.GetUint64([]byte("CurrentTerm"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, got, term)
	_, idx := writeNow(t, n)
	require.Greater(t, idx, last)
}

func TestMigrateBoltToWAL(t *testing.T) {
	cfg, first, last, term := boltNode(t)
	res, err := MigrateBoltToWAL(cfg.RaftDir)
	require.NoError(t, err)
	require.Equal(t, MigrationResult{First: first, Last: last, Term: term}, res)
	// Every stable value came over (the vote, too).
	old, err := raftboltdb.New(raftboltdb.Options{Path: filepath.Join(cfg.RaftDir, boltMigrated)})
	require.NoError(t, err)
	w, err := wal.Open(filepath.Join(cfg.RaftDir, walDir))
	require.NoError(t, err)
	for _, k := range stableUintKeys {
		want, err := old.GetUint64(k)
		require.NoError(t, err)
		got, err := w.GetUint64(k)
		require.NoError(t, err)
		require.Equal(t, want, got, "%s", k)
	}
	want, err := old.Get([]byte("LastVoteCand"))
	require.NoError(t, err)
	got, err := w.Get([]byte("LastVoteCand"))
	require.NoError(t, err)
	require.Equal(t, want, got)
	require.NotEmpty(t, got)
	require.NoError(t, old.Close())
	require.NoError(t, w.Close())
	requireMigrated(t, cfg, first, last, term)
}

func TestMigrationInterruptedAfterCommitIsFinished(t *testing.T) {
	cfg, first, last, term := boltNode(t)
	// Crash between step 2 and 3: the copy is complete, raft.db renamed.
	_, err := copyBoltToWAL(filepath.Join(cfg.RaftDir, boltFile), filepath.Join(cfg.RaftDir, walMigratingDir))
	require.NoError(t, err)
	require.NoError(t, os.Rename(filepath.Join(cfg.RaftDir, boltFile), filepath.Join(cfg.RaftDir, boltMigrated)))
	_, err = Open(cfg)
	require.ErrorContains(t, err, "migration was interrupted")

	res, err := MigrateBoltToWAL(cfg.RaftDir)
	require.NoError(t, err)
	require.True(t, res.Resumed)
	requireMigrated(t, cfg, first, last, term)
}

func TestMigrationInterruptedDuringCopyStartsOver(t *testing.T) {
	cfg, first, last, term := boltNode(t)
	// Crash during step 1: a partial copy next to raft.db.
	tmp := filepath.Join(cfg.RaftDir, walMigratingDir)
	require.NoError(t, os.MkdirAll(tmp, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(tmp, "00000000000000000001-0000000000000001.wal"), []byte("partial"), 0o644))
	_, err := Open(cfg)
	require.ErrorContains(t, err, "migration was interrupted")

	res, err := MigrateBoltToWAL(cfg.RaftDir)
	require.NoError(t, err)
	require.False(t, res.Resumed)
	require.Equal(t, last, res.Last)
	requireMigrated(t, cfg, first, last, term)
}

func TestMigrationRefusesARunningNode(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.LogStore = LogStoreBolt
	n := openNode(t, cfg)
	writeNow(t, n)
	_, err := MigrateBoltToWAL(cfg.RaftDir)
	require.ErrorContains(t, err, "is the node stopped?")
	require.FileExists(t, filepath.Join(cfg.RaftDir, boltFile))
	require.NoDirExists(t, filepath.Join(cfg.RaftDir, walDir))
}

func TestMigrationNeedsABoltLog(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	n := openNode(t, cfg) // wal
	require.NoError(t, n.Close())
	_, err := MigrateBoltToWAL(cfg.RaftDir)
	require.ErrorContains(t, err, "has no raft.db to migrate")
}
