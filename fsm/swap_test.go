package fsm

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/engine"
)

// withManifest returns the archive with its manifest changed by edit.
func withManifest(t *testing.T, archive []byte, edit func(*Manifest)) []byte {
	t.Helper()
	var out bytes.Buffer
	tr, tw := tar.NewReader(bytes.NewReader(archive)), tar.NewWriter(&out)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		data, err := io.ReadAll(tr)
		require.NoError(t, err)
		if h.Name == manifestName {
			var m Manifest
			require.NoError(t, json.Unmarshal(data, &m))
			edit(&m)
			data, err = json.Marshal(m)
			require.NoError(t, err)
			h.Size = int64(len(data))
		}
		require.NoError(t, tw.WriteHeader(h))
		_, err = tw.Write(data)
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	return out.Bytes()
}

// leftovers lists what is next to the data directory besides it.
func leftovers(t *testing.T, path string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		if e.Name() != filepath.Base(path) {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestRestoreRollsBackDataNotAtTheManifestPosition(t *testing.T) {
	src := t.TempDir()
	seedRaw(t, filepath.Join(src, "db"), 40, 9)
	archive := snapshotBytes(t, openFSM(t, src))
	// The files are intact (checksums match) but the manifest claims a
	// later position than the data holds: the swapped-in data is refused
	// after it opened, and the old data comes back.
	lying := withManifest(t, archive, func(m *Manifest) { m.Applied = engine.Pos{Index: 10} })

	dir := t.TempDir()
	seedRaw(t, filepath.Join(dir, "db"), 3, 1)
	b := openFSM(t, dir)
	want := dump(t, b.Engine())
	err := b.Restore(io.NopCloser(bytes.NewReader(lying)))
	require.ErrorContains(t, err, "manifest says")
	require.Equal(t, want, dump(t, b.Engine()), "the old data is back and open")
	require.Equal(t, engine.Pos{Index: 1}, b.Engine().Applied())
	require.Empty(t, leftovers(t, b.path))

	// The same node then restores the honest archive.
	require.NoError(t, b.Restore(io.NopCloser(bytes.NewReader(archive))))
	require.Len(t, dump(t, b.Engine()), 40)
	require.Empty(t, leftovers(t, b.path))
}

func TestOpenEngineRollsBackUnprovenRestore(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "db")
	// A crash after the swap, before the new data was proven: the old data
	// is in .prev, the new data at the path.
	seedRaw(t, path+prevSuffix, 3, 2)
	seedRaw(t, path, 7, 8)

	eng, err := OpenEngine(path, engine.Options{})
	require.NoError(t, err)
	defer eng.Close()
	require.Len(t, dump(t, eng), 3, "the old data")
	require.Equal(t, engine.Pos{Index: 2}, eng.Applied())
	require.Empty(t, leftovers(t, path))
}

func TestOpenEngineFinishesRollBackOfUnprovenRestore(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "db")
	// A crash in the middle of the roll back: the new data moved away, the
	// old data not yet back.
	seedRaw(t, path+prevSuffix, 4, 2)
	seedRaw(t, path+restoreSuffix, 7, 8)

	eng, err := OpenEngine(path, engine.Options{})
	require.NoError(t, err)
	defer eng.Close()
	require.Len(t, dump(t, eng), 4)
	require.Empty(t, leftovers(t, path))
}
