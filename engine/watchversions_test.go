package engine

import (
	"encoding/binary"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func wAt(index uint64, sub uint32) Writer {
	return Writer{Pos: Pos{Index: index, Sub: sub}, NowMs: 1_700_000_000_000}
}

func reopen(t *testing.T, e *Engine, path string) *Engine {
	t.Helper()
	require.NoError(t, e.Close())
	e, err := Open(path, Options{})
	require.NoError(t, err)
	return e
}

// Bumps raise versions and never lower them; a key's version is the largest
// of its bucket, its database's epoch and the global epoch; the table
// written into the meta area comes back after a restart with its floor,
// and entries up to the floor (a replay) bump nothing.
func TestWatchVersionsWrittenAndLoaded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	e, err := Open(path, Options{})
	require.NoError(t, err)
	e.BumpWatchVersions(41, &VersionBumps{Buckets: []uint32{3, 0, VersionBuckets - 1, 3}})
	e.BumpWatchVersions(30, &VersionBumps{Buckets: []uint32{3, 7}}) // an older entry
	e.BumpWatchVersions(20, &VersionBumps{DBs: 1 << 2})
	want := map[uint32]uint64{0: 41, 3: 41, 7: 30, VersionBuckets - 1: 41}
	check := func(when string) {
		for b, v := range want {
			require.Equal(t, v, e.WatchVersion(0, b), "bucket %d %s", b, when)
		}
		require.Zero(t, e.WatchVersion(0, 5), when)
		require.Equal(t, uint64(20), e.WatchVersion(2, 5), "db 2's epoch %s", when)
		require.Equal(t, uint64(30), e.WatchVersion(2, 7), when)
	}
	check("")
	require.NoError(t, e.WriteWatchVersions(41, nil))
	e = reopen(t, e, path)
	t.Cleanup(func() { e.Close() })
	check("after a restart")

	// Entries up to 41 are in the table: their replay bumps nothing.
	e.BumpWatchVersions(41, &VersionBumps{Buckets: []uint32{5}, All: true})
	check("after a replay")
	e.BumpWatchVersions(42, &VersionBumps{All: true})
	require.Equal(t, uint64(42), e.WatchVersion(0, 5))
	require.Equal(t, uint64(42), e.WatchVersion(7, 0))
}

// A data directory written before the table (a record per bucket and per
// epoch, at the position of the write) opens with those versions, its
// floor just below the last entry the meta instance holds, and gets the
// table written at once, so the stale records are not read again.
func TestWatchVersionsFromLegacyRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	e, err := Open(path, Options{})
	require.NoError(t, err)
	v := func(i uint64) []byte { return binary.AppendUvarint(nil, i) }
	bucket := func(b uint32) []byte { return binary.BigEndian.AppendUint32([]byte("wk/"), b) }
	require.NoError(t, e.UpdateMeta(wAt(8, 0), []MetaOp{
		{Key: bucket(3), Value: v(8)},
		{Key: bucket(9), Value: v(5)},
		{Key: []byte("wd/\x00\x01"), Value: v(6)},
		{Key: []byte("wa"), Value: v(2)},
	}))
	e = reopen(t, e, path)
	require.Equal(t, uint64(8), e.WatchVersion(0, 3))
	require.Equal(t, uint64(5), e.WatchVersion(0, 9))
	require.Equal(t, uint64(6), e.WatchVersion(1, 9))
	require.Equal(t, uint64(2), e.WatchVersion(0, 1))
	require.Equal(t, uint64(7), e.versions.floor)

	// Entry 8 may have been cut short: its replay bumps what it missed.
	e.BumpWatchVersions(8, &VersionBumps{Buckets: []uint32{4}})
	require.Equal(t, uint64(8), e.WatchVersion(0, 4))
	// The table was written at Open: later writes to the old records (only
	// an older binary makes them) are not read.
	require.NoError(t, e.UpdateMeta(wAt(9, 0), []MetaOp{{Key: bucket(3), Value: v(9)}}))
	e = reopen(t, e, path)
	t.Cleanup(func() { e.Close() })
	require.Equal(t, uint64(8), e.WatchVersion(0, 3))
	require.Equal(t, uint64(2), e.WatchVersion(0, 4), "the bump of entry 8 came after the table was written (2: the global epoch)")
	require.Equal(t, uint64(7), e.versions.floor)
}

// A damaged table or record makes Open fail with ErrCorrupt instead of
// starting with versions that differ from the other nodes'.
func TestWatchVersionsCorruptFailsOpen(t *testing.T) {
	table := func(tail ...byte) []byte {
		return append([]byte{9, 0, 0, 0, 0, 0, 0, 0, 0, 0}, tail...)
	}
	for name, op := range map[string]MetaOp{
		"bucket out of range":    {Key: versionTableKey, Value: table(0x80, 0x80, 0x10, 1)},
		"truncated pair":         {Key: versionTableKey, Value: table(4)},
		"truncated epochs":       {Key: versionTableKey, Value: []byte{9, 0, 0}},
		"empty table":            {Key: versionTableKey, Value: []byte{}},
		"bucket record no value": {Key: []byte("wk/\x00\x00\x00\x01"), Value: []byte{}},
		"bucket record bad key":  {Key: []byte("wk/"), Value: []byte{1}},
		"bucket out of range 2":  {Key: []byte("wk/\x00\x04\x00\x00"), Value: []byte{1}},
		"epoch of db 8":          {Key: []byte("wd/\x00\x08"), Value: []byte{1}},
		"global no value":        {Key: []byte("wa"), Value: []byte{}},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "db")
			e, err := Open(path, Options{})
			require.NoError(t, err)
			require.NoError(t, e.UpdateMeta(Writer{Pos: Pos{Index: 5}}, []MetaOp{op}))
			require.NoError(t, e.Close())
			_, err = Open(path, Options{})
			require.ErrorIs(t, err, ErrCorrupt)
		})
	}
}
