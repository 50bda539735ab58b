package engine

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestComparatorsAgreeWithPikaFiles walks the custom-comparator column
// families of the real Pika 3.5.5 data: RocksDB hands keys back in the order
// Pika's comparators put them in the SST files, so every neighbour pair must
// compare strictly increasing under ours, and every key must be found again
// by a point lookup (which binary-searches the index with our comparator).
func TestComparatorsAgreeWithPikaFiles(t *testing.T) {
	e, err := Open(copyFixtureDB(t), Options{Databases: 2})
	require.NoError(t, err)
	defer e.Close()
	checked := 0
	for _, tc := range []struct {
		kind Kind
		cf   int
		cmp  func(a, b []byte) int
	}{
		{KindLists, cfData, compareListsDataKeys},
		{KindZSets, cfScore, compareZSetsScoreKeys},
	} {
		in := e.dbs[0].inst[tc.kind]
		it := in.newIter(nil, tc.cf, nil, nil)
		var prev []byte
		n := 0
		for it.SeekToFirst(); it.Valid(); it.Next() {
			k := it.KeyCopy()
			if prev != nil {
				require.Negative(t, tc.cmp(prev, k), "%s: %x !< %x", tc.kind, prev, k)
			}
			_, err := in.get(in.ro, tc.cf, k)
			require.NoError(t, err, "%s: point lookup of %x", tc.kind, k)
			prev = k
			n++
		}
		require.NoError(t, it.Err())
		it.Close()
		require.Greater(t, n, 10, "%s fixture has data", tc.kind)
		checked += n
	}
	t.Logf("checked %d keys", checked)
}

func listKey(key string, version int32, index uint64) []byte {
	return encodeListDataKey([]byte(key), version, index)
}

func TestListsComparatorOrder(t *testing.T) {
	// User key bytes decide first, not the little-endian length prefix:
	// "b" (len 1) sorts after "ab" (len 2) although 01 < 02 bytewise.
	require.Negative(t, compareListsDataKeys(listKey("ab", 5, 1), listKey("b", 5, 1)))
	// A key that is a prefix of another sorts first.
	require.Negative(t, compareListsDataKeys(listKey("a", 9, 9), listKey("ab", 0, 0)))
	// Version is signed: -1 < 0.
	require.Negative(t, compareListsDataKeys(listKey("k", -1, 5), listKey("k", 0, 5)))
	// Index is unsigned: the first LPUSH slot sorts before the first RPUSH slot.
	require.Negative(t, compareListsDataKeys(listKey("k", 1, listInitialLeft), listKey("k", 1, listInitialRight)))
	require.Zero(t, compareListsDataKeys(listKey("k", 1, 7), listKey("k", 1, 7)))
	// Bytes after the index are ignored.
	require.Zero(t, compareListsDataKeys(append(listKey("k", 1, 7), 'x'), listKey("k", 1, 7)))
	// A bare prefix (key|version) sorts before every index of that version.
	require.Negative(t, compareListsDataKeys(dataKeyPrefix([]byte("k"), 1), listKey("k", 1, 0)))
}

func zkey(key string, version int32, score float64, member string) []byte {
	return encodeZSetScoreKey([]byte(key), version, score, []byte(member))
}

func TestZSetsScoreComparatorOrder(t *testing.T) {
	c := compareZSetsScoreKeys
	require.Negative(t, c(zkey("k", 1, -1e10, "z"), zkey("k", 1, -1, "a")))
	require.Negative(t, c(zkey("k", 1, math.Inf(-1), ""), zkey("k", 1, -math.MaxFloat64, "")))
	require.Negative(t, c(zkey("k", 1, 1.5, "z"), zkey("k", 1, 2, "a")))
	require.Negative(t, c(zkey("k", 1, 2, "a"), zkey("k", 1, 2, "b")))
	// -0.0 == +0.0: members decide.
	require.Negative(t, c(zkey("k", 1, math.Copysign(0, -1), "b"), zkey("k", 1, 0, "c")))
	// NaN compares greater from either side (Pika's quirk).
	require.Positive(t, c(zkey("k", 1, math.NaN(), "a"), zkey("k", 1, 1, "a")))
	require.Positive(t, c(zkey("k", 1, 1, "a"), zkey("k", 1, math.NaN(), "a")))
	// The prefix is compared as raw bytes, LE length and LE version included:
	// "b" (len 1) sorts before "ab" (len 2); version 256 (00 01 ..) before 1 (01 00 ..).
	require.Negative(t, c(zkey("b", 1, 0, ""), zkey("ab", 1, 0, "")))
	require.Negative(t, c(zkey("k", 256, 0, ""), zkey("k", 1, 0, "")))
}

func TestComparatorsNeverReadPastShortKeys(t *testing.T) {
	long := zkey("key", 1, 1, "member")
	huge := binary.LittleEndian.AppendUint32(nil, math.MaxUint32) // length prefix far past the end
	inputs := [][]byte{nil, {}, {1}, {1, 0, 0}, huge, append(huge, 'a', 'b'), long[:5], long[:9], long[:12], long}
	for _, a := range inputs {
		for _, b := range inputs {
			l, z := compareListsDataKeys(a, b), compareZSetsScoreKeys(a, b)
			// Antisymmetry: swapping the arguments flips the sign.
			require.Equal(t, sign(l), -sign(compareListsDataKeys(b, a)), "lists %x %x", a, b)
			require.Equal(t, sign(z), -sign(compareZSetsScoreKeys(b, a)), "zsets %x %x", a, b)
		}
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}
