package engine

import (
	"encoding/binary"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
)

// Test helpers of the hash and set tests (prefixed hs to stay apart from
// other types' helpers).

// hsT0 is a fixed test time: 2024-01-12 21:44:35 UTC = 0x65A1B2C3 s, the
// version of the spec's §2.2 example.
const hsT0 = int64(0x65A1B2C3) * 1000

func hsW(ms int64) Writer { return Writer{NowMs: ms} }

func hsDB(t *testing.T) *DB {
	t.Helper()
	d, err := openTestEngine(t).DB(0)
	require.NoError(t, err)
	return d
}

func hsB(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

func hsS(bb [][]byte) []string {
	out := make([]string, len(bb))
	for i, b := range bb {
		out[i] = string(b)
	}
	return out
}

func hsSorted(bb [][]byte) []string {
	out := hsS(bb)
	sort.Strings(out)
	return out
}

func hsFV(kv ...string) []FieldValue {
	out := make([]FieldValue, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, FieldValue{[]byte(kv[i]), []byte(kv[i+1])})
	}
	return out
}

func hsFlat(fvs []FieldValue) []string {
	out := make([]string, 0, 2*len(fvs))
	for _, fv := range fvs {
		out = append(out, string(fv.Field), string(fv.Value))
	}
	return out
}

// hsRecord is one raw RocksDB record.
type hsRecord struct{ Key, Value string }

// hsRaw returns every record of column family cf of kind k, in key order.
func hsRaw(t *testing.T, d *DB, k Kind, cf int) []hsRecord {
	t.Helper()
	it := d.inst[k].newIter(nil, cf, nil, nil)
	defer it.Close()
	var out []hsRecord
	for it.SeekToFirst(); it.Valid(); it.Next() {
		out = append(out, hsRecord{string(it.KeyCopy()), string(it.ValueCopy())})
	}
	require.NoError(t, it.Err())
	return out
}

// hsPut writes one raw record, bypassing the engine.
func hsPut(t *testing.T, d *DB, k Kind, cf int, key, value []byte) {
	t.Helper()
	in := d.inst[k]
	require.NoError(t, in.db.PutCF(in.wo, in.cfs[cf], key, value))
}

// hsMeta builds a base meta value by hand: i32le count | i32le version | i32le ts.
func hsMeta(count, version, ts int32) []byte {
	out := binary.LittleEndian.AppendUint32(nil, uint32(count))
	out = binary.LittleEndian.AppendUint32(out, uint32(version))
	return binary.LittleEndian.AppendUint32(out, uint32(ts))
}

// hsDataKey builds a data key by hand: u32le len | key | i32le version | suffix.
func hsDataKey(key string, version int32, suffix string) []byte {
	out := binary.LittleEndian.AppendUint32(nil, uint32(len(key)))
	out = append(out, key...)
	out = binary.LittleEndian.AppendUint32(out, uint32(version))
	return append(out, suffix...)
}

// hsRawMeta decodes the raw meta record of key by hand.
func hsRawMeta(t *testing.T, d *DB, k Kind, key string) (count, version, ts int32) {
	t.Helper()
	in := d.inst[k]
	raw, err := in.get(in.ro, cfMeta, []byte(key))
	require.NoError(t, err)
	require.Len(t, raw, 12)
	le := binary.LittleEndian
	return int32(le.Uint32(raw)), int32(le.Uint32(raw[4:])), int32(le.Uint32(raw[8:]))
}
