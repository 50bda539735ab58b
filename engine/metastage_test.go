package engine

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func wAt(index uint64, sub uint32) Writer {
	return Writer{Pos: Pos{Index: index, Sub: sub}, NowMs: 1_700_000_000_000}
}

// A staged record is visible to GetMeta at once, rides in the next
// positioned write to db0's strings instance, and survives a reopen.
func TestStagedMetaRidesInNextStringsWrite(t *testing.T) {
	dir := t.TempDir()
	e, err := Open(dir, Options{})
	require.NoError(t, err)
	d, err := e.DB(0)
	require.NoError(t, err)

	e.StageMeta([]MetaOp{{Key: []byte("v/a"), Value: []byte("1")}})
	got, err := e.GetMeta([]byte("v/a"))
	require.NoError(t, err)
	require.Equal(t, []byte("1"), got)

	// A write to another instance does not carry it.
	_, err = d.HSet(wAt(2, 0), []byte("h"), []FieldValue{{Field: []byte("f"), Value: []byte("v")}})
	require.NoError(t, err)
	require.NotEmpty(t, e.stage.pending())

	// A SET does, together with its own folded record (newer wins).
	mb := &MetaBatch{Ops: []MetaOp{{Key: []byte("v/b"), Value: []byte("3")}}}
	w := wAt(3, 0)
	w.Meta = mb
	_, err = d.Set(w, []byte("k"), []byte("v"), SetOptions{})
	require.NoError(t, err)
	require.True(t, mb.Done)
	require.Empty(t, e.stage.pending())
	require.NoError(t, e.Close())

	e, err = Open(dir, Options{})
	require.NoError(t, err)
	defer e.Close()
	for k, v := range map[string]string{"v/a": "1", "v/b": "3"} {
		got, err := e.GetMeta([]byte(k))
		require.NoError(t, err, k)
		require.Equal(t, []byte(v), got, k)
	}
	require.Equal(t, Pos{Index: 3}, e.Applied())
}

// CommitMeta writes what is staged at its position; a replayed write the
// instance already holds drops the staged records instead (they are there).
func TestCommitMetaAndReplayDrop(t *testing.T) {
	e := openTestEngine(t)
	e.StageMeta([]MetaOp{{Key: []byte("v/a"), Value: []byte("1")}})
	require.NoError(t, e.CommitMeta(wAt(5, 1)))
	require.Empty(t, e.stage.pending())
	require.Equal(t, Pos{Index: 5, Sub: 1}, e.Applied())

	e.StageMeta([]MetaOp{{Key: []byte("v/a"), Value: []byte("2")}})
	require.NoError(t, e.CommitMeta(wAt(4, 1))) // replayed: already held
	require.Empty(t, e.stage.pending())
	got, err := e.GetMeta([]byte("v/a"))
	require.NoError(t, err)
	require.Equal(t, []byte("1"), got)

	e.StageMeta([]MetaOp{{Key: []byte("v/a")}}) // staged delete
	_, err = e.GetMeta([]byte("v/a"))
	require.ErrorIs(t, err, ErrNotFound)
	require.NoError(t, e.CommitMeta(wAt(6, 0)))
	_, err = e.GetMeta([]byte("v/a"))
	require.ErrorIs(t, err, ErrNotFound)
}
