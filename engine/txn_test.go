package engine

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// putRaw writes one record to the strings instance as command w.
func putRaw(t *testing.T, d *DB, w Writer, key, value string) {
	t.Helper()
	require.NoError(t, d.update(KindStrings, w, func(tx *txn) error {
		tx.put(cfMeta, []byte(key), encodeStringValue([]byte(value), 0))
		return nil
	}))
}

func getRaw(t *testing.T, d *DB, key string) string {
	t.Helper()
	r, err := d.read(KindStrings, false)
	require.NoError(t, err)
	defer r.close()
	raw, err := r.get(cfMeta, []byte(key))
	if err == ErrNotFound {
		return "<none>"
	}
	require.NoError(t, err)
	v, _, err := decodeStringValue(raw)
	require.NoError(t, err)
	return string(v)
}

// TestAppliedPositionSkipsReplay checks the restart rule: an instance that
// already holds a log position does not apply it (or anything before it)
// again, across a close and reopen, while positions after it apply.
func TestAppliedPositionSkipsReplay(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	e, err := Open(dir, Options{})
	require.NoError(t, err)
	d, _ := e.DB(0)
	putRaw(t, d, Writer{Pos: Pos{Index: 5}}, "k", "v5")
	putRaw(t, d, Writer{Pos: Pos{Index: 7, Sub: 1}}, "k", "v7.1")
	require.Equal(t, Pos{Index: 7, Sub: 1}, e.Applied())
	require.NoError(t, e.Close())

	e, err = Open(dir, Options{})
	require.NoError(t, err)
	defer e.Close()
	d, _ = e.DB(0)
	require.Equal(t, Pos{Index: 7, Sub: 1}, e.Applied())
	putRaw(t, d, Writer{Pos: Pos{Index: 6}}, "k", "replayed-6")
	putRaw(t, d, Writer{Pos: Pos{Index: 7, Sub: 1}}, "k", "replayed-7.1")
	require.Equal(t, "v7.1", getRaw(t, d, "k"), "replayed positions must be skipped")
	putRaw(t, d, Writer{Pos: Pos{Index: 7, Sub: 2}}, "k", "v7.2")
	require.Equal(t, "v7.2", getRaw(t, d, "k"))
	// Other instances keep their own position: the hashes instance has
	// applied nothing, so position 6 applies there.
	require.NoError(t, d.update(KindHashes, Writer{Pos: Pos{Index: 6}}, func(tx *txn) error {
		tx.put(cfMeta, []byte("h"), baseMeta{Count: 0, Version: 1}.encode())
		return nil
	}))
	require.Equal(t, Pos{Index: 6}, d.inst[KindHashes].applied)
	// The zero position is never skipped and records nothing.
	putRaw(t, d, Writer{}, "k", "unreplicated")
	require.Equal(t, "unreplicated", getRaw(t, d, "k"))
	require.Equal(t, Pos{Index: 7, Sub: 2}, d.inst[KindStrings].applied)
}

func TestFailedCommandWritesNothing(t *testing.T) {
	e := openTestEngine(t)
	d, _ := e.DB(0)
	err := d.update(KindStrings, Writer{Pos: Pos{Index: 3}}, func(tx *txn) error {
		tx.put(cfMeta, []byte("k"), encodeStringValue([]byte("v"), 0))
		return ErrNotInteger
	})
	require.ErrorIs(t, err, ErrNotInteger)
	require.Equal(t, "<none>", getRaw(t, d, "k"))
	require.Equal(t, Pos{}, e.Applied())
}
