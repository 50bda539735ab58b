package binlogsink_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/compat/binlog"
	"github.com/pikaraft/pikaraft/compat/binlogsink"
	"github.com/pikaraft/pikaraft/engine/trash"
)

// memSink is a raft.SnapshotSink into memory.
type memSink struct{ bytes.Buffer }

func (s *memSink) ID() string    { return "mem" }
func (s *memSink) Close() error  { return nil }
func (s *memSink) Cancel() error { return nil }

// TestSnapshotInstallStartsAtTheLeadersPosition: a node that installs a
// snapshot starts its binlog where the snapshot's node had it (padding up
// to there, as a Pika replica after a full sync) and then writes the same
// bytes as that node.
func TestSnapshotInstallStartsAtTheLeadersPosition(t *testing.T) {
	var es []entry
	for i := range 8 {
		es = append(es, cmds(i%2, fmt.Sprintf("SET key%d %d", i, i), fmt.Sprintf("INCR n%d", i)))
	}
	all := logs(1, es...)
	a := openNode(t, t.TempDir(), 0)
	a.fsm.ApplyBatch(all[:5])
	snap, err := a.fsm.Snapshot()
	require.NoError(t, err)
	archive := &memSink{}
	require.NoError(t, snap.Persist(archive))
	snap.Release()
	at := []binlog.Position{a.sink.Set().DB(0).Producer(), a.sink.Set().DB(1).Producer()}
	a.fsm.ApplyBatch(all[5:])
	a.close(t)

	b := openNode(t, t.TempDir(), 0)
	b.fsm.ApplyBatch(logs(1, cmds(0, "SET other x"))) // history the install replaces
	require.NoError(t, b.fsm.Restore(io.NopCloser(&archive.Buffer)))
	for db := range 2 {
		require.Equal(t, at[db], b.sink.Set().DB(db).Producer(), "db%d starts at the leader's position", db)
	}
	b.fsm.ApplyBatch(all[5:])
	b.close(t)

	for db := range 2 {
		var want []item
		for _, it := range readDB(t, a.dir, db) {
			if it.Index > 5 {
				want = append(want, it)
			}
		}
		require.Equal(t, want, readDB(t, b.dir, db), "db%d after the install", db)
		wa, wb := fileBytes(t, a.dir, db), fileBytes(t, b.dir, db)
		require.Equal(t, wa[binlog.ManifestName], wb[binlog.ManifestName], "db%d manifest", db)
		name := binlog.FileName(at[db].Filenum)
		require.Equal(t, wa[name][at[db].Offset:], wb[name][at[db].Offset:], "db%d bytes after the install point", db)
	}
}

// TestRotationAndPurgeLogsTo: files rotate at binlog-file-size; PURGELOGSTO
// removes files up to the one named but always keeps the 10 newest.
func TestRotationAndPurgeLogsTo(t *testing.T) {
	n := openNode(t, t.TempDir(), 1024)
	defer n.close(t)
	var es []entry
	for i := range 300 {
		es = append(es, cmds(0, fmt.Sprintf("SET key%03d %0100d", i, i)))
	}
	n.fsm.ApplyBatch(logs(1, es...))
	dir := binlog.DBDir(filepath.Join(n.dir, "log"), 0)
	files, err := binlog.ListFiles(dir)
	require.NoError(t, err)
	require.Greater(t, len(files), 20, "1 KiB files rotate")
	newest := files[len(files)-1]

	gone, err := n.sink.PurgeLogsTo(0, 5)
	require.NoError(t, err)
	require.Equal(t, []uint32{0, 1, 2, 3, 4, 5}, gone)
	gone, err = n.sink.PurgeLogsTo(0, newest)
	require.NoError(t, err)
	require.Equal(t, newest-9-6, uint32(len(gone)), "the 10 newest stay")
	left, err := binlog.ListFiles(dir)
	require.NoError(t, err)
	require.Equal(t, newest-9, left[0])
	_, err = n.sink.PurgeLogsTo(2, 1)
	require.ErrorIs(t, err, binlogsink.ErrNoDB)

	// Readers still see contiguous items from the oldest file left on.
	r, err := binlog.OpenReader(dir, left[0], 0)
	require.NoError(t, err)
	defer r.Close()
	prev := uint64(0)
	for {
		it, err := r.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		if prev != 0 {
			require.Equal(t, prev+1, it.Index)
		}
		prev = it.Index
	}
	require.Equal(t, uint64(300), prev)
}

// A purged binlog file a stopped process had not finished deleting (left
// as write2file<n>.trash) is deleted after the next start; the binlog
// itself does not see it.
func TestPurgeLeftoverDeletedAfterRestart(t *testing.T) {
	dir := t.TempDir()
	n := openNode(t, dir, 1024)
	var es []entry
	for i := range 50 {
		es = append(es, cmds(0, fmt.Sprintf("SET key%03d %0100d", i, i)))
	}
	n.fsm.ApplyBatch(logs(1, es...))
	n.close(t)
	logDir := binlog.DBDir(filepath.Join(dir, "log"), 0)
	before, err := binlog.ListFiles(logDir)
	require.NoError(t, err)
	leftover := filepath.Join(logDir, binlog.FileName(0)+trash.Suffix)
	require.NoError(t, os.WriteFile(leftover, make([]byte, 2*trash.ChunkBytes), 0o644))

	n = openNode(t, dir, 1024)
	defer n.close(t)
	require.Eventually(t, func() bool {
		_, err := os.Stat(leftover)
		return os.IsNotExist(err)
	}, 10*time.Second, 10*time.Millisecond)
	after, err := binlog.ListFiles(logDir)
	require.NoError(t, err)
	require.Equal(t, before, after)
}
