package engine

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/linxGnu/grocksdb"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/engine/pikafixture"
)

func listCFs(t *testing.T, path string) []string {
	t.Helper()
	opts := grocksdb.NewDefaultOptions()
	defer opts.Destroy()
	names, err := grocksdb.ListColumnFamilies(opts, path)
	require.NoError(t, err)
	return names
}

// TestStripForPika: a checkpoint of a pikaraft engine, stripped, has in
// every instance exactly the column families of a dump a real Pika 3.5.5
// made, no file a checkpoint does not have, and still holds the data.
func TestStripForPika(t *testing.T) {
	dir := t.TempDir()
	e, err := Open(filepath.Join(dir, "db"), Options{Databases: 2})
	require.NoError(t, err)
	defer e.Close()
	d0, err := e.DB(0)
	require.NoError(t, err)
	w := Writer{Pos: Pos{Index: 1}, NowMs: 1795320000000}
	_, err = d0.Set(w, []byte("s"), []byte("v"), SetOptions{})
	require.NoError(t, err)
	w.Pos.Index++
	_, err = d0.HSet(w, []byte("h"), []FieldValue{{Field: []byte("f"), Value: []byte("v")}})
	require.NoError(t, err)
	w.Pos.Index++
	_, err = d0.RPush(w, []byte("l"), []byte("a"), []byte("b"))
	require.NoError(t, err)
	w.Pos.Index++
	_, err = d0.ZAdd(w, []byte("z"), ZAddOptions{}, []ScoreMember{{Member: []byte("m"), Score: 1.5}})
	require.NoError(t, err)

	cp := filepath.Join(dir, "cp")
	require.NoError(t, e.Checkpoint(cp))
	require.Contains(t, listCFs(t, filepath.Join(cp, "db0", "strings")), AppliedCF)
	require.NoError(t, StripForPika(cp))

	pika := pikafixture.Path(t, "dump")
	for _, db := range []string{"db0", "db1"} {
		for _, k := range Kinds {
			p := filepath.Join(cp, db, k.String())
			got := listCFs(t, p)
			require.Equal(t, PikaCFNames(k), got, "%s/%s", db, k)
			if k != KindStreams {
				require.Equal(t, listCFs(t, filepath.Join(pika, db, k.String())), got, "same CFs as Pika's own dump in %s/%s", db, k)
			}
			for _, n := range []string{"LOCK", "LOG", "IDENTITY"} {
				_, err := os.Stat(filepath.Join(p, n))
				require.ErrorIs(t, err, os.ErrNotExist, "%s/%s/%s", db, k, n)
			}
		}
	}
	// Stripping twice is harmless; the data is still there.
	require.NoError(t, StripForPika(cp))
	c, err := Open(cp, Options{Databases: 2})
	require.NoError(t, err)
	defer c.Close()
	c0, err := c.DB(0)
	require.NoError(t, err)
	v, err := c0.Get([]byte("s"), w.NowMs)
	require.NoError(t, err)
	require.Equal(t, "v", string(v))
	require.True(t, c.Applied().IsZero(), "the applied position went with the column family")
	n, err := c0.LLen([]byte("l"), w.NowMs)
	require.NoError(t, err)
	require.EqualValues(t, 2, n)
}

func TestStripForPikaRejectsNonDataDir(t *testing.T) {
	require.Error(t, StripForPika(t.TempDir()))
}
