package engine

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// ScanMeta sees the records of one point in time without a RocksDB
// snapshot: releasing one makes RocksDB rewrite bottommost files, and the
// FSM's periodic dedup sweep would trigger that on every node at once.
func TestScanMetaTakesNoSnapshot(t *testing.T) {
	e, err := Open(t.TempDir(), Options{})
	require.NoError(t, err)
	defer e.Close()
	require.NoError(t, e.UpdateMeta(wAt(1, 0), []MetaOp{
		{Key: []byte("scan/b"), Value: []byte("2")},
		{Key: []byte("scan/a"), Value: []byte("1")},
		{Key: []byte("other/c"), Value: []byte("3")},
	}))
	snapshots := func() string {
		s, err := e.StringProperty(0, KindStrings, 0, "rocksdb.num-snapshots")
		require.NoError(t, err)
		return s
	}

	// The property counts snapshots: a snapshot reader shows as one.
	r, err := e.dbs[0].read(KindStrings, true)
	require.NoError(t, err)
	require.Equal(t, "1", snapshots())
	r.close()
	require.Equal(t, "0", snapshots())

	var got []string
	err = e.ScanMeta([]byte("scan/"), func(key, value []byte) error {
		require.Equal(t, "0", snapshots(), "snapshots during ScanMeta")
		got = append(got, string(key)+"="+string(value))
		// A write during the scan is not seen by it.
		if len(got) == 1 {
			require.NoError(t, e.UpdateMeta(wAt(2, 0), []MetaOp{{Key: []byte("scan/z"), Value: []byte("9")}}))
		}
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, []string{"scan/a=1", "scan/b=2"}, got)
}
