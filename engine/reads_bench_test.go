package engine

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// Benchmarks of the multi-record reads; run with -benchmem to see the
// allocations per command (values are 10 bytes, as redis-benchmark's).

func readsBenchDB(b *testing.B) *DB {
	e, err := Open(b.TempDir(), Options{})
	require.NoError(b, err)
	b.Cleanup(func() { e.Close() })
	d, err := e.DB(0)
	require.NoError(b, err)
	return d
}

func BenchmarkReadMGet10(b *testing.B) {
	d := readsBenchDB(b)
	keys := make([][]byte, 10)
	var kvs [][]byte
	for i := range keys {
		keys[i] = []byte(fmt.Sprintf("key:%d", i))
		kvs = append(kvs, keys[i], []byte("0123456789"))
	}
	require.NoError(b, d.MSet(at(strNow), kvs))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		vals, err := d.MGet(keys, strNow)
		if err != nil || len(vals) != 10 || len(vals[9]) != 10 {
			b.Fatal(vals, err)
		}
	}
}

func BenchmarkReadHGetAll20(b *testing.B) {
	d := readsBenchDB(b)
	var pairs []FieldValue
	for i := 0; i < 20; i++ {
		pairs = append(pairs, FieldValue{[]byte(fmt.Sprintf("field:%d", i)), []byte("0123456789")})
	}
	_, err := d.HSet(at(strNow), []byte("h"), pairs)
	require.NoError(b, err)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fvs, err := d.HGetAll([]byte("h"), strNow)
		if err != nil || len(fvs) != 20 {
			b.Fatal(len(fvs), err)
		}
	}
}

func BenchmarkReadLRange100(b *testing.B) {
	d := readsBenchDB(b)
	vals := make([][]byte, 100)
	for i := range vals {
		vals[i] = []byte("0123456789")
	}
	_, err := d.RPush(at(strNow), []byte("l"), vals...)
	require.NoError(b, err)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got, err := d.LRange([]byte("l"), 0, 99, strNow)
		if err != nil || len(got) != 100 {
			b.Fatal(len(got), err)
		}
	}
}

func BenchmarkReadZRange100(b *testing.B) {
	d := readsBenchDB(b)
	members := make([]ScoreMember, 100)
	for i := range members {
		members[i] = ScoreMember{Member: []byte(fmt.Sprintf("member:%03d", i)), Score: float64(i)}
	}
	_, err := d.ZAdd(at(strNow), []byte("z"), ZAddOptions{}, members)
	require.NoError(b, err)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got, err := d.ZRange([]byte("z"), 0, 99, false, strNow)
		if err != nil || len(got) != 100 {
			b.Fatal(len(got), err)
		}
	}
}
