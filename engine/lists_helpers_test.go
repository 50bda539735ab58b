package engine

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
)

// Test helpers for lists: raw access to the lists instance.

// listTestNowMs is a fixed cluster time (2026-11-22 00:00:00 UTC) for list tests.
const listTestNowMs int64 = 1795305600_000

// listW is a Writer at ms with no log position.
func listW(ms int64) Writer { return Writer{NowMs: ms} }

func listBytes(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

func listStrings(bb [][]byte) []string {
	out := make([]string, len(bb))
	for i, b := range bb {
		out[i] = string(b)
	}
	return out
}

func listTestDB(t *testing.T) *DB {
	t.Helper()
	d, err := openTestEngine(t).DB(0)
	require.NoError(t, err)
	return d
}

// rawListMeta returns the raw meta value of key in the lists instance.
func rawListMeta(t *testing.T, d *DB, key string) []byte {
	t.Helper()
	in := d.inst[KindLists]
	v, err := in.get(in.ro, cfMeta, []byte(key))
	require.NoError(t, err)
	return v
}

// rawListRecord is one raw key/value of a column family.
type rawListRecord struct{ Key, Val []byte }

// rawListData returns every record of lists data_cf, in comparator order.
func rawListData(t *testing.T, d *DB) []rawListRecord {
	t.Helper()
	it := d.inst[KindLists].newIter(nil, cfData, nil, nil)
	defer it.Close()
	var out []rawListRecord
	for it.SeekToFirst(); it.Valid(); it.Next() {
		out = append(out, rawListRecord{it.KeyCopy(), it.ValueCopy()})
	}
	require.NoError(t, it.Err())
	return out
}

// putListRaw writes one raw record into cf of the lists instance.
func putListRaw(t *testing.T, d *DB, cf int, key, val []byte) {
	t.Helper()
	in := d.inst[KindLists]
	require.NoError(t, in.db.PutCF(in.wo, in.cfs[cf], key, val))
}

// listLayout decodes the meta of key by hand (spec §2.5 offsets) and
// checks that the data records of its version are exactly the dense run
// left+1..right-1, returning the elements in index order.
func listLayout(t *testing.T, d *DB, key string) (left, right uint64, elems []string) {
	t.Helper()
	meta := rawListMeta(t, d, key)
	require.Len(t, meta, 32)
	count := binary.LittleEndian.Uint64(meta[0:])
	version := binary.LittleEndian.Uint32(meta[8:])
	left = binary.LittleEndian.Uint64(meta[16:])
	right = binary.LittleEndian.Uint64(meta[24:])
	require.Equal(t, right-left-1, count, "count must equal right-left-1")
	prefix := append(binary.LittleEndian.AppendUint32(nil, uint32(len(key))), key...)
	prefix = binary.LittleEndian.AppendUint32(prefix, version)
	want := left + 1
	for _, r := range rawListData(t, d) {
		if len(r.Key) != len(prefix)+8 || string(r.Key[:len(prefix)]) != string(prefix) {
			continue
		}
		idx := binary.LittleEndian.Uint64(r.Key[len(prefix):])
		require.Equal(t, want, idx, "indices must be dense")
		want++
		elems = append(elems, string(r.Val))
	}
	require.Equal(t, right, want, "records must end right before the right sentinel")
	return left, right, elems
}
