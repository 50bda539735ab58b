package engine

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func grouped(g *WriteGroup, index uint64, sub uint32) Writer {
	return Writer{Pos: Pos{Index: index, Sub: sub}, NowMs: 1000, Group: g}
}

func getString(t *testing.T, d *DB, key string) (string, bool) {
	t.Helper()
	v, err := d.Get([]byte(key), 1000)
	if err == ErrNotFound {
		return "", false
	}
	require.NoError(t, err)
	return string(v), true
}

func TestWriteGroupCommitsPlainSetsInOneWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	e, err := Open(dir, Options{})
	require.NoError(t, err)
	d, _ := e.DB(0)

	var g WriteGroup
	for i, kv := range [][2]string{{"a", "1"}, {"b", "2"}, {"a", "3"}} {
		res, err := d.Set(grouped(&g, 5, uint32(i)), []byte(kv[0]), []byte(kv[1]), SetOptions{})
		require.NoError(t, err)
		require.True(t, res.Written)
	}
	// Grouped writes are not visible before the commit, nor is their position.
	require.True(t, g.Pending())
	_, found := getString(t, d, "a")
	require.False(t, found)
	require.Equal(t, Pos{}, e.Applied())

	require.NoError(t, g.Commit())
	require.False(t, g.Pending())
	v, _ := getString(t, d, "a")
	require.Equal(t, "3", v)
	v, _ = getString(t, d, "b")
	require.Equal(t, "2", v)
	require.Equal(t, Pos{Index: 5, Sub: 2}, e.Applied())

	// The position survives a restart, and a replay of the same commands
	// changes nothing.
	require.NoError(t, e.Close())
	e, err = Open(dir, Options{})
	require.NoError(t, err)
	defer e.Close()
	d, _ = e.DB(0)
	require.Equal(t, Pos{Index: 5, Sub: 2}, e.Applied())
	for i, key := range []string{"a", "b", "a"} {
		res, err := d.Set(grouped(&g, 5, uint32(i)), []byte(key), []byte("replayed"), SetOptions{})
		require.NoError(t, err)
		require.False(t, res.Written, "replayed command %d", i)
	}
	require.False(t, g.Pending())
	v, _ = getString(t, d, "a")
	require.Equal(t, "3", v)
}

func TestWriteGroupCommitsBeforeOtherWrites(t *testing.T) {
	e := openTestEngine(t)
	d0, _ := e.DB(0)
	d1, _ := e.DB(1)
	var g WriteGroup

	// A write that reads (SET XX) sees the grouped SET before it.
	_, err := d0.Set(grouped(&g, 7, 0), []byte("k"), []byte("v"), SetOptions{})
	require.NoError(t, err)
	res, err := d0.Set(grouped(&g, 7, 1), []byte("k"), []byte("w"), SetOptions{Cond: SetIfExists})
	require.NoError(t, err)
	require.True(t, res.Written, "SET XX must see the grouped SET")
	require.False(t, g.Pending())

	// A blind write to another database commits the group first.
	_, err = d0.Set(grouped(&g, 8, 0), []byte("x"), []byte("0"), SetOptions{})
	require.NoError(t, err)
	_, err = d1.Set(grouped(&g, 8, 1), []byte("y"), []byte("1"), SetOptions{})
	require.NoError(t, err)
	v, found := getString(t, d0, "x")
	require.True(t, found)
	require.Equal(t, "0", v)
	_, found = getString(t, d1, "y")
	require.False(t, found, "y waits in the group")
	require.NoError(t, g.Commit())
	v, _ = getString(t, d1, "y")
	require.Equal(t, "1", v)

	// MSET joins the group too.
	_, err = d0.Set(grouped(&g, 10, 0), []byte("m1"), []byte("a"), SetOptions{})
	require.NoError(t, err)
	require.NoError(t, d0.MSet(grouped(&g, 10, 1), [][]byte{[]byte("m2"), []byte("b"), []byte("m1"), []byte("c")}))
	_, found = getString(t, d0, "m1")
	require.False(t, found, "m1 waits in the group")
	require.NoError(t, g.Commit())
	v, _ = getString(t, d0, "m1")
	require.Equal(t, "c", v)
	require.Equal(t, Pos{Index: 10, Sub: 1}, e.Applied())

	// A list write with the group in its Writer commits it first.
	_, err = d0.Set(grouped(&g, 11, 0), []byte("s"), []byte("1"), SetOptions{})
	require.NoError(t, err)
	_, err = d0.LPush(grouped(&g, 11, 1), []byte("l"), []byte("e"))
	require.NoError(t, err)
	require.False(t, g.Pending())
	_, found = getString(t, d0, "s")
	require.True(t, found)
}

func TestWriteGroupCommitOnClosedEngineFails(t *testing.T) {
	e, err := Open(filepath.Join(t.TempDir(), "db"), Options{})
	require.NoError(t, err)
	d, _ := e.DB(0)
	var g WriteGroup
	_, err = d.Set(grouped(&g, 3, 0), []byte("k"), []byte("v"), SetOptions{})
	require.NoError(t, err)
	require.True(t, g.Holds(Pos{Index: 3}))
	require.NoError(t, e.Close())
	require.ErrorIs(t, g.Commit(), ErrClosed)
	require.False(t, g.Pending(), "a failed commit empties the group")
}
