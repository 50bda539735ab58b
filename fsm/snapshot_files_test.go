package fsm

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/fsm/snapstore"
)

// storeSnapshot takes a snapshot of f into a snapstore in raftDir and
// returns the store and the snapshot's ID.
func storeSnapshot(t *testing.T, f *FSM, raftDir string) (*snapstore.Store, string) {
	t.Helper()
	store, err := snapstore.New(raftDir, 2, quiet)
	require.NoError(t, err)
	snap, err := f.Snapshot()
	require.NoError(t, err)
	defer snap.Release()
	sink, err := store.Create(1, f.AppliedIndex(), 1, raft.Configuration{}, 1, nil)
	require.NoError(t, err)
	require.NoError(t, snap.Persist(sink))
	return store, sink.ID()
}

// A leader's snapshot is hard-linked into the store, streams as the same
// archive the tar path writes, and restores on another node (which does
// not hold it) through that stream.
func TestLinkedSnapshotStreamsAndRestoresElsewhere(t *testing.T) {
	src := t.TempDir()
	seedRaw(t, filepath.Join(src, "db"), 500, 42)
	a := openFSM(t, src)
	a.applied.Store(45)
	store, id := storeSnapshot(t, a, filepath.Join(src, "raft"))
	meta, rc, err := store.Open(id)
	require.NoError(t, err)
	archive, err := io.ReadAll(rc)
	require.NoError(t, err)
	require.NoError(t, rc.Close())
	require.Equal(t, meta.Size, int64(len(archive)))
	m, err := ReadManifest(bytes.NewReader(archive))
	require.NoError(t, err)
	require.Equal(t, engine.Pos{Index: 42}, m.Applied)

	b := openFSM(t, t.TempDir())
	require.NoError(t, b.Restore(io.NopCloser(bytes.NewReader(archive))))
	require.Equal(t, dump(t, a.Engine()), dump(t, b.Engine()))
	require.Len(t, dump(t, b.Engine()), 500)
}

// A follower's installed snapshot (unpacked by the store while it arrived)
// is restored from the store's files, not by unpacking the archive again.
func TestInstalledSnapshotRestoresFromStoreFiles(t *testing.T) {
	src := t.TempDir()
	seedRaw(t, filepath.Join(src, "db"), 300, 17)
	a := openFSM(t, src)
	archive := snapshotBytes(t, a)

	dst := t.TempDir()
	b := openFSM(t, dst)
	store, err := snapstore.New(filepath.Join(dst, "raft"), 2, quiet)
	require.NoError(t, err)
	b.SetSnapshotFiles(store)
	sink, err := store.Create(1, 17, 1, raft.Configuration{}, 1, nil)
	require.NoError(t, err)
	_, err = sink.Write(archive)
	require.NoError(t, err)
	require.NoError(t, sink.Close())

	_, rc, err := store.Open(sink.ID())
	require.NoError(t, err)
	require.NoError(t, b.Restore(&onlyManifest{r: rc}))
	require.Equal(t, dump(t, a.Engine()), dump(t, b.Engine()))
	require.Equal(t, engine.Pos{Index: 17}, b.Engine().Applied())

	// The restored SST files are links to the stored snapshot's.
	ssts, err := filepath.Glob(filepath.Join(b.path, "db0", "strings", "*.sst"))
	require.NoError(t, err)
	require.NotEmpty(t, ssts)
	info, err := os.Stat(ssts[0])
	require.NoError(t, err)
	require.Equal(t, uint64(2), linkCount(t, info))
}

// A stored snapshot whose file was damaged after it arrived is refused and
// the old data stays in place.
func TestDamagedStoredSnapshotIsRefused(t *testing.T) {
	src := t.TempDir()
	seedRaw(t, filepath.Join(src, "db"), 50, 9)
	a := openFSM(t, src)
	raftDir := filepath.Join(src, "raft")
	store, id := storeSnapshot(t, a, raftDir) // linked: no CRC recorded, read at restore
	a.SetSnapshotFiles(store)
	current := filepath.Join(raftDir, "snapshots", id, "files", "data", "db0", "strings", "CURRENT")
	raw, err := os.ReadFile(current)
	require.NoError(t, err)
	raw[0] ^= 0x20
	require.NoError(t, os.Remove(current)) // CURRENT is a link to the live file: replace, don't edit
	require.NoError(t, os.WriteFile(current, raw, 0o644))

	want := dump(t, a.Engine())
	_, rc, err := store.Open(id)
	require.NoError(t, err)
	require.ErrorContains(t, a.Restore(rc), "CURRENT")
	require.Equal(t, want, dump(t, a.Engine()))
	_, err = os.Stat(a.path + restoreSuffix)
	require.True(t, os.IsNotExist(err))
}

// onlyManifest fails reads past the archive's first member, proving the
// restore took the data from the store's files.
type onlyManifest struct {
	r    io.ReadCloser
	read int
}

func (o *onlyManifest) Read(p []byte) (int, error) {
	if o.read >= 2048 {
		return 0, io.ErrUnexpectedEOF
	}
	p = p[:min(len(p), 2048-o.read)]
	n, err := o.r.Read(p)
	o.read += n
	return n, err
}

func (o *onlyManifest) Close() error { return o.r.Close() }

func linkCount(t *testing.T, info os.FileInfo) uint64 {
	t.Helper()
	st, ok := info.Sys().(*syscall.Stat_t)
	require.True(t, ok)
	return uint64(st.Nlink)
}
