package engine

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// Bumps raise versions and never lower them; the table written into the
// meta area comes back after a restart, raised by bucket records (a
// forwarded write's, or those of a data directory written before the
// table existed) where those are newer.
func TestWatchVersionsWrittenAndLoaded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	e, err := Open(path, Options{})
	require.NoError(t, err)
	require.NoError(t, e.UpdateMeta(Writer{Pos: Pos{Index: 2}}, append(BucketRecords(2, []uint32{3}), BucketRecords(40, []uint32{9})...)))
	require.NoError(t, e.Close())

	e, err = Open(path, Options{})
	require.NoError(t, err)
	require.Equal(t, uint64(2), e.WatchVersion(3))
	require.Equal(t, uint64(40), e.WatchVersion(9))
	e.BumpWatchVersions(41, []uint32{3, 0, VersionBuckets - 1, 3})
	e.BumpWatchVersions(30, []uint32{3, 7}) // a replayed older entry
	want := map[uint32]uint64{0: 41, 3: 41, 7: 30, 9: 40, VersionBuckets - 1: 41}
	for b, v := range want {
		require.Equal(t, v, e.WatchVersion(b), "bucket %d", b)
	}
	require.Zero(t, e.WatchVersion(5))
	require.NoError(t, e.WriteWatchVersions(41))
	require.NoError(t, e.Close())

	e, err = Open(path, Options{})
	require.NoError(t, err)
	t.Cleanup(func() { e.Close() })
	for b, v := range want {
		require.Equal(t, v, e.WatchVersion(b), "bucket %d after a restart", b)
	}
	require.Zero(t, e.WatchVersion(5))
}

// A damaged table or record makes Open fail with ErrCorrupt instead of
// starting with versions that differ from the other nodes'.
func TestWatchVersionsCorruptFailsOpen(t *testing.T) {
	for name, op := range map[string]MetaOp{
		"bucket out of range":    {Key: versionBaseKey, Value: []byte{9, 0x80, 0x80, 0x10, 1}},
		"truncated table":        {Key: versionBaseKey, Value: []byte{4, 1}},
		"empty table":            {Key: versionBaseKey, Value: []byte{}},
		"bucket record no value": {Key: BucketRecords(1, []uint32{1})[0].Key, Value: []byte{}},
		"bucket record bad key":  {Key: append([]byte{}, bucketRecordPrefix...), Value: []byte{1}},
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
