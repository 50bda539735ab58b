package engine

import (
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
)

func hsBenchDB(b *testing.B) *DB {
	b.Helper()
	e, err := Open(filepath.Join(b.TempDir(), "db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.Close() })
	d, err := e.DB(0)
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// BenchmarkHSet sets one new field per operation in one of 1000 hashes.
func BenchmarkHSet(b *testing.B) {
	d := hsBenchDB(b)
	w := Writer{NowMs: hsT0}
	val := []byte("value-0123456789")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		key := []byte("hash:" + strconv.Itoa(i%1000))
		pair := []FieldValue{{Field: []byte("f" + strconv.Itoa(i)), Value: val}}
		if _, err := d.HSet(w, key, pair); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHGetAll100 reads a hash of 100 fields.
func BenchmarkHGetAll100(b *testing.B) {
	d := hsBenchDB(b)
	var pairs []FieldValue
	for i := 0; i < 100; i++ {
		pairs = append(pairs, FieldValue{[]byte(fmt.Sprintf("field-%03d", i)), []byte("value-0123456789")})
	}
	if _, err := d.HSet(Writer{NowMs: hsT0}, []byte("h"), pairs); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fvs, err := d.HGetAll([]byte("h"), hsT0)
		if err != nil || len(fvs) != 100 {
			b.Fatal(len(fvs), err)
		}
	}
}

// BenchmarkSAdd adds one new member per operation to one of 1000 sets.
func BenchmarkSAdd(b *testing.B) {
	d := hsBenchDB(b)
	w := Writer{NowMs: hsT0}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		key := []byte("set:" + strconv.Itoa(i%1000))
		if _, err := d.SAdd(w, key, [][]byte{[]byte("m" + strconv.Itoa(i))}); err != nil {
			b.Fatal(err)
		}
	}
}
