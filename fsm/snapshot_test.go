package fsm

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/engine/trash"
)

func TestSnapshotRestoreRoundTrip(t *testing.T) {
	src := t.TempDir()
	seedRaw(t, filepath.Join(src, "db"), 500, 42)
	a := openFSM(t, src)
	a.leaderTime.Store(1_700_000_000_000)
	a.applied.Store(45)
	archive := snapshotBytes(t, a)

	m, err := ReadManifest(bytes.NewReader(archive))
	require.NoError(t, err)
	require.Equal(t, engine.Pos{Index: 42}, m.Applied)
	require.Equal(t, uint64(45), m.Index)
	require.Equal(t, int64(1_700_000_000_000), m.LeaderTimeMs)

	b := openFSM(t, t.TempDir())
	require.Empty(t, dump(t, b.Engine()))
	before := b.Engine()
	require.NoError(t, b.Restore(io.NopCloser(bytes.NewReader(archive))))
	require.NotSame(t, before, b.Engine())
	require.Equal(t, dump(t, a.Engine()), dump(t, b.Engine()))
	require.Len(t, dump(t, b.Engine()), 500)
	require.Equal(t, engine.Pos{Index: 42}, b.Engine().Applied())
	require.Equal(t, uint64(45), b.AppliedIndex())
	require.Equal(t, int64(1_700_000_000_000), b.LeaderTimeMs())

	// Nothing is left next to the data directory.
	entries, err := os.ReadDir(filepath.Dir(b.path))
	require.NoError(t, err)
	require.Len(t, entries, 1)
}

func TestRestoreRejectsDamagedArchive(t *testing.T) {
	src := t.TempDir()
	seedRaw(t, filepath.Join(src, "db"), 50, 9)
	archive := snapshotBytes(t, openFSM(t, src))

	// Flip one byte of a data file's content: the checksum must catch it.
	corrupt := append([]byte{}, archive...)
	i := bytes.Index(corrupt, []byte("CURRENT"))
	require.Positive(t, i)
	j := bytes.Index(corrupt[i:], []byte("MANIFEST-")) // CURRENT's content
	require.Positive(t, j)
	corrupt[i+j] ^= 0x20

	cases := map[string][]byte{
		"truncated": archive[:len(archive)/2],
		"corrupt":   corrupt,
		"empty":     nil,
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			seedRaw(t, filepath.Join(dir, "db"), 3, 1)
			b := openFSM(t, dir)
			want := dump(t, b.Engine())
			require.Error(t, b.Restore(io.NopCloser(bytes.NewReader(data))))
			// The old data stays in place and open.
			require.Equal(t, want, dump(t, b.Engine()))
			_, err := os.Stat(b.path + restoreSuffix)
			require.True(t, os.IsNotExist(err))
		})
	}
}

func TestOpenEngineFinishesInterruptedRestore(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "db")
	seedRaw(t, path, 5, 3)
	// A crash between the two renames: data moved aside, new data not yet in place.
	require.NoError(t, os.Rename(path, path+oldSuffix))
	require.NoError(t, os.MkdirAll(path+restoreSuffix, 0o755))
	require.NoError(t, os.MkdirAll(path+snapshotDirInfix+"123", 0o755))

	eng, err := OpenEngine(path, engine.Options{})
	require.NoError(t, err)
	defer eng.Close()
	require.Len(t, dump(t, eng), 5)
	for _, p := range []string{path + oldSuffix, path + restoreSuffix, path + snapshotDirInfix + "123"} {
		_, err := os.Stat(p)
		require.True(t, os.IsNotExist(err), p)
	}
}

// With a trash bin, the old data of a restore is renamed away at once and
// deleted in the background, and old data a stopped process left behind is
// deleted after the next start.
func TestRestoreDeletesOldDataThroughTrash(t *testing.T) {
	src := t.TempDir()
	seedRaw(t, filepath.Join(src, "db"), 300, 7)
	archive := snapshotBytes(t, openFSM(t, src))

	dir := t.TempDir()
	path := filepath.Join(dir, "db")
	seedRaw(t, path, 100, 3)
	leftover := path + oldSuffix + trash.Suffix
	require.NoError(t, os.MkdirAll(filepath.Join(leftover, "db0"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(leftover, "db0", "000009.sst"), make([]byte, 2*trash.ChunkBytes), 0o644))
	bin := trash.New(quiet)
	defer bin.Close()
	eng, err := OpenEngine(path, engine.Options{})
	require.NoError(t, err)
	b := New(eng, Config{Path: path, Logger: quiet, Trash: bin})
	t.Cleanup(func() { _ = b.Engine().Close() })

	require.NoError(t, b.Restore(io.NopCloser(bytes.NewReader(archive))))
	require.Len(t, dump(t, b.Engine()), 300)
	require.NoDirExists(t, path+oldSuffix)
	require.Eventually(t, func() bool { return bin.Pending() == 0 }, 10*time.Second, 5*time.Millisecond)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "only the data directory is left")
}

// A node installs snapshots of the formats it knows (1: WATCH versions as
// one record per bucket, 3: as one table) and refuses the others (2 was a
// development format).
func TestManifestVersions(t *testing.T) {
	for v, ok := range map[int]bool{0: false, 1: true, 2: false, 3: true, 4: false} {
		m, err := decodeManifest([]byte(fmt.Sprintf(`{"version":%d,"index":7}`, v)))
		if !ok {
			require.ErrorContains(t, err, fmt.Sprintf("unknown manifest version %d", v))
			continue
		}
		require.NoError(t, err, "version %d", v)
		require.Equal(t, uint64(7), m.Index)
	}
}
