package engine

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// memtableEntries is the number of entries in the memtables of kind k in db.
func memtableEntries(t *testing.T, e *Engine, db int, k Kind) uint64 {
	t.Helper()
	active, _, err := e.IntProperty(db, k, "rocksdb.num-entries-active-mem-table")
	require.NoError(t, err)
	imm, _, err := e.IntProperty(db, k, "rocksdb.num-entries-imm-mem-tables")
	require.NoError(t, err)
	return active + imm
}

func TestFlushMemtablesEmptiesEveryInstanceAndKeepsTheData(t *testing.T) {
	e := openTestEngine(t)
	for db := 0; db < 2; db++ {
		d, err := e.DB(db)
		require.NoError(t, err)
		for i := 0; i < 100; i++ {
			_, err := d.Set(at(strNow), []byte(fmt.Sprintf("k%d", i)), []byte("v"), SetOptions{})
			require.NoError(t, err)
		}
		_, err = d.HSet(at(strNow), []byte("h"), []FieldValue{{Field: []byte("f"), Value: []byte("v")}})
		require.NoError(t, err)
		require.NotZero(t, memtableEntries(t, e, db, KindStrings))
		require.NotZero(t, memtableEntries(t, e, db, KindHashes))
	}

	require.NoError(t, e.FlushMemtables())

	for db := 0; db < 2; db++ {
		for _, k := range Kinds {
			require.Zero(t, memtableEntries(t, e, db, k), "db%d %s", db, k)
		}
		d, err := e.DB(db)
		require.NoError(t, err)
		v, err := d.Get([]byte("k42"), strNow)
		require.NoError(t, err)
		require.Equal(t, "v", string(v))
	}
	// A checkpoint taken afterwards holds the flushed data.
	cp := filepath.Join(t.TempDir(), "cp")
	require.NoError(t, e.Checkpoint(cp))
	e2, err := Open(cp, Options{Databases: 2})
	require.NoError(t, err)
	defer e2.Close()
	d, err := e2.DB(1)
	require.NoError(t, err)
	v, err := d.Get([]byte("k99"), strNow)
	require.NoError(t, err)
	require.Equal(t, "v", string(v))
	require.Equal(t, e.Applied(), e2.Applied())
}

func TestFlushMemtablesAfterClose(t *testing.T) {
	e, err := Open(filepath.Join(t.TempDir(), "db"), Options{})
	require.NoError(t, err)
	require.NoError(t, e.Close())
	require.ErrorIs(t, e.FlushMemtables(), ErrClosed)
}
