package node

import (
	"log/slog"
	"path/filepath"
	"testing"

	walfs "github.com/hashicorp/raft-wal/fs"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/engine/trash"
)

// TestWALFilesSyncRaw: the segment files raft-wal creates and reopens are
// the raw-fsync kind, and what is written and synced through them is read
// back through a reopened file.
func TestWALFilesSyncRaw(t *testing.T) {
	dir := t.TempDir()
	bin := trash.New(slog.Default())
	defer bin.Close()
	fs := walFS{FS: walfs.New(), bin: bin}

	w, err := fs.Create(dir, "seg.wal", 1<<16)
	require.NoError(t, err)
	raw, ok := w.(*rawSyncFile)
	require.True(t, ok, "Create returns %T", w)
	require.Equal(t, dir, raw.dir, "a new file fsyncs its directory once")
	_, err = w.WriteAt([]byte("entry one"), 0)
	require.NoError(t, err)
	require.NoError(t, w.Sync())
	require.True(t, raw.dirDone.Load())
	require.NoError(t, w.Sync())
	require.NoError(t, w.Close())

	w, err = fs.OpenWriter(dir, "seg.wal")
	require.NoError(t, err)
	raw, ok = w.(*rawSyncFile)
	require.True(t, ok, "OpenWriter returns %T", w)
	require.Empty(t, raw.dir, "a reopened file's directory entry is already durable")
	_, err = w.WriteAt([]byte("entry two"), 9)
	require.NoError(t, err)
	require.NoError(t, w.Sync())
	require.NoError(t, w.Close())
	err = w.Sync()
	require.ErrorContains(t, err, "fsync "+filepath.Join(dir, "seg.wal")+": ", "a failed fsync names the file")

	r, err := fs.OpenReader(dir, "seg.wal")
	require.NoError(t, err)
	defer r.Close()
	got := make([]byte, 18)
	_, err = r.ReadAt(got, 0)
	require.NoError(t, err)
	require.Equal(t, "entry oneentry two", string(got))
}
