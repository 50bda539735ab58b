package engine

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand"
	"path/filepath"
	"testing"

	"github.com/linxGnu/grocksdb"
	"github.com/stretchr/testify/require"
)

func BenchmarkLPush(b *testing.B) {
	d, err := openTestEngineB(b).DB(0)
	require.NoError(b, err)
	w := listW(listTestNowMs)
	val := []byte("value-0123456789")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := d.LPush(w, []byte("mylist"), val); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLRange100(b *testing.B) {
	d, err := openTestEngineB(b).DB(0)
	require.NoError(b, err)
	benchLRange100(b, d)
}

func benchLRange100(b *testing.B, d *DB) {
	w := listW(listTestNowMs)
	for i := 0; i < 600; i++ {
		_, err := d.RPush(w, []byte("mylist"), []byte(fmt.Sprintf("value-%06d", i)))
		require.NoError(b, err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		vals, err := d.LRange([]byte("mylist"), 0, 99, listTestNowMs)
		if err != nil || len(vals) != 100 {
			b.Fatal(len(vals), err)
		}
	}
}

func openTestEngineB(b *testing.B) *Engine {
	b.Helper()
	e, err := Open(filepath.Join(b.TempDir(), "db"), Options{})
	require.NoError(b, err)
	b.Cleanup(func() { e.Close() })
	return e
}

// BenchmarkListsComparator runs LPUSH (onto 64 lists) and LRANGE 0 99 with
// the lists data_cf comparator in C (what the engine uses) and as a Go
// callback through grocksdb.NewComparator, on otherwise identical instances.
// benchLists is the number of lists the comparator benchmark pushes onto.
const benchLists = 64

func BenchmarkListsComparator(b *testing.B) {
	variants := []struct {
		name string
		set  func(*grocksdb.Options)
	}{
		{"c", func(o *grocksdb.Options) { o.SetNativeComparator(newListsComparator()) }},
		{"go", func(o *grocksdb.Options) {
			o.SetComparator(grocksdb.NewComparator(listsDataComparatorName, goListsCompare))
		}},
	}
	for _, v := range variants {
		b.Run(v.name+"/lpush", func(b *testing.B) {
			d := openListsOnly(b, v.set)
			w := listW(listTestNowMs)
			val := []byte("value-0123456789")
			keys := make([][]byte, benchLists)
			for i := range keys {
				keys[i] = []byte(fmt.Sprintf("list:%02d", i))
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := d.LPush(w, keys[i%len(keys)], val); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(v.name+"/lrange100", func(b *testing.B) { benchLRange100(b, openListsOnly(b, v.set)) })
	}
}

// openListsOnly opens a DB whose only instance is a lists instance with the
// data_cf comparator set by setCmp (the rest as openInstance does).
func openListsOnly(b *testing.B, setCmp func(*grocksdb.Options)) *DB {
	b.Helper()
	o := Options{}
	require.NoError(b, o.fill())
	o.cache = grocksdb.NewLRUCache(o.BlockCacheBytes)
	dbOpts := o.baseOptions(o.cache)
	dbOpts.SetCreateIfMissing(true)
	dbOpts.SetCreateIfMissingColumnFamilies(true)
	names := append(pikaCFNames(KindLists), AppliedCF)
	cfOpts := make([]*grocksdb.Options, len(names))
	for i := range names {
		cfOpts[i] = o.baseOptions(o.cache)
	}
	setCmp(cfOpts[cfData])
	path := filepath.Join(b.TempDir(), "lists")
	db, cfs, err := grocksdb.OpenDbColumnFamilies(dbOpts, path, names, cfOpts)
	require.NoError(b, err)
	in := &instance{kind: KindLists, path: path, db: db, cfs: cfs, opts: cfOpts, dbOpts: dbOpts,
		ro: grocksdb.NewDefaultReadOptions(), wo: grocksdb.NewDefaultWriteOptions()}
	b.Cleanup(func() {
		in.close()
		o.cache.Destroy()
	})
	d := &DB{eng: &Engine{}}
	d.inst[KindLists] = in
	return d
}

// goListsCompare is spec §1.4's ListsDataKeyComparator written in Go from
// the spec (missing bytes mean "the key ends here", as in the C version).
func goListsCompare(a, b []byte) int {
	ua, ra := userKeyOf(a)
	ub, rb := userKeyOf(b)
	if c := bytes.Compare(ua, ub); c != 0 {
		return c
	}
	va, ra, aok := fixed(ra, 4)
	vb, rb, bok := fixed(rb, 4)
	if c, done := ends(aok, bok); done {
		return c
	}
	if x, y := int32(binary.LittleEndian.Uint32(va)), int32(binary.LittleEndian.Uint32(vb)); x != y {
		return cmp3(x < y)
	}
	ia, _, aok := fixed(ra, 8)
	ib, _, bok := fixed(rb, 8)
	if c, done := ends(aok, bok); done {
		return c
	}
	if x, y := binary.LittleEndian.Uint64(ia), binary.LittleEndian.Uint64(ib); x != y {
		return cmp3(x < y)
	}
	return 0
}

// userKeyOf returns the user key (length-prefixed, clipped to what is
// there) and the rest.
func userKeyOf(k []byte) (key, rest []byte) {
	if len(k) < 4 {
		return nil, nil
	}
	n := uint64(binary.LittleEndian.Uint32(k))
	if n > uint64(len(k)-4) {
		n = uint64(len(k) - 4)
	}
	return k[4 : 4+n], k[4+n:]
}

func fixed(k []byte, n int) ([]byte, []byte, bool) {
	if len(k) < n {
		return nil, nil, false
	}
	return k[:n], k[n:], true
}

// ends applies the "key ends here" rule: both end → equal, the one that
// ends is smaller.
func ends(aok, bok bool) (int, bool) {
	switch {
	case !aok && !bok:
		return 0, true
	case !aok:
		return -1, true
	case !bok:
		return 1, true
	}
	return 0, false
}

func cmp3(less bool) int {
	if less {
		return -1
	}
	return 1
}

// TestListsComparatorCAgreesWithGo checks the C comparator against the Go
// version written from the spec, on random and on near-equal keys.
func TestListsComparatorCAgreesWithGo(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	gen := func() []byte {
		if rng.Intn(3) == 0 {
			b := make([]byte, rng.Intn(24))
			rng.Read(b)
			return b
		}
		keys := []string{"", "a", "ab", "b", "a\x00"}
		versions := []int32{-1, 0, 1, 0x7FFFFFFF, -0x80000000}
		idx := []uint64{0, 1, 0xFF, 1 << 56, listInitialLeft, listInitialRight, ^uint64(0)}
		k := encodeListDataKey([]byte(keys[rng.Intn(len(keys))]), versions[rng.Intn(len(versions))], idx[rng.Intn(len(idx))])
		return k[:len(k)-rng.Intn(3)*rng.Intn(6)]
	}
	for i := 0; i < 50000; i++ {
		a, b := gen(), gen()
		require.Equal(t, goListsCompare(a, b), compareListsDataKeys(a, b), "%x vs %x", a, b)
	}
}
