package engine

import (
	"bytes"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// ksScanAll runs a SCAN to completion and returns every key it produced
// (with repeats) and the number of calls.
func ksScanAll(t *testing.T, d *DB, o ScanOptions, between func()) ([]string, int) {
	t.Helper()
	var all []string
	cursor, calls := uint64(0), 0
	for {
		next, keys, err := d.Scan(cursor, o, ksNowMs)
		require.NoError(t, err)
		all = append(all, ksStrings(keys)...)
		calls++
		require.Less(t, calls, 100000, "scan does not terminate")
		if next == 0 {
			return all, calls
		}
		cursor = next
		if between != nil {
			between()
		}
	}
}

func TestScanAllTypesMatchAndType(t *testing.T) {
	_, d := ksDB(t)
	ksPutAllTypes(t, d, "multi")
	for i := 0; i < 30; i++ {
		ksPutString(t, d, fmt.Sprintf("user:%02d", i), "v", 0)
	}
	ksPutBase(t, d, KindHashes, "user:h", ksNow, 0)
	ksPutString(t, d, "user:dead", "v", ksNow-1)

	all, calls := ksScanAll(t, d, ScanOptions{Count: 4}, nil)
	require.Greater(t, calls, 5)
	require.Len(t, all, 30+1+6)
	require.Equal(t, 6, countOf(all, "multi"), "one entry per type")
	require.NotContains(t, all, "user:dead")

	got, _ := ksScanAll(t, d, ScanOptions{Count: 3, Match: []byte("user:1*")}, nil)
	require.Equal(t, []string{"user:10", "user:11", "user:12", "user:13", "user:14", "user:15", "user:16", "user:17", "user:18", "user:19"}, got)

	got, _ = ksScanAll(t, d, ScanOptions{Count: 2, Match: []byte("*u*"), Type: KindHashes, HasType: true}, nil)
	require.Equal(t, []string{"multi", "user:h"}, got)

	_, _, err := d.Scan(12345, ScanOptions{}, ksNowMs)
	require.ErrorIs(t, err, ErrInvalidCursor)
}

func countOf(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

func TestScanCursorFromAnotherNode(t *testing.T) {
	// A cursor whose exact position this node does not know resumes at the
	// prefix it carries: duplicates allowed, nothing skipped, and it still
	// terminates even when every key shares a long prefix.
	_, d := ksDB(t)
	want := map[string]bool{}
	for i := 0; i < 200; i++ {
		k := fmt.Sprintf("samelongprefix:%03d", i)
		ksPutString(t, d, k, "v", 0)
		want[k] = true
	}
	for _, k := range []string{"a", "ab", "abc", "abcd", "abcde"} {
		ksPutBase(t, d, KindSets, k, ksNow, 0)
		want[k] = true
	}
	all, _ := ksScanAll(t, d, ScanOptions{Count: 7}, func() { d.scans = ksCursorStore{} })
	seen := map[string]bool{}
	for _, k := range all {
		seen[k] = true
	}
	require.Equal(t, want, seen)
}

func TestScanUnderConcurrentWrites(t *testing.T) {
	_, d := ksDB(t)
	stable := map[string]bool{}
	for i := 0; i < 1500; i++ {
		k := fmt.Sprintf("stable:%05d", i*7)
		ksPutString(t, d, k, "v", 0)
		ksPutBase(t, d, KindHashes, k, ksNow, 0)
		stable[k] = true
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		w := ksWriter()
		for i := 0; !stop.Load(); i++ {
			// Keys sorting between, before and after the stable ones come and go.
			k := []byte(fmt.Sprintf("stable:%05d~", (i*13)%10500))
			if i%7 == 0 {
				k = []byte(fmt.Sprintf("a%d", i))
			}
			_ = d.update(KindStrings, w, func(tx *txn) error {
				tx.put(cfMeta, k, encodeStringValue([]byte("x"), 0))
				return nil
			})
			if i%3 == 0 {
				_, _ = d.Del(w, k)
			}
		}
	}()
	all, calls := ksScanAll(t, d, ScanOptions{Count: 11}, nil)
	stop.Store(true)
	wg.Wait()
	require.Greater(t, calls, 100)
	strCount, hashCount := map[string]int{}, 0
	for _, k := range all {
		strCount[k]++
	}
	for k := range stable {
		require.GreaterOrEqual(t, strCount[k], 1, "key %s existed throughout", k)
		if strCount[k] >= 2 {
			hashCount++
		}
	}
	require.Equal(t, len(stable), hashCount, "every stable key also comes as a hash")
}

func TestKeysPatternsAndPathologicalGlob(t *testing.T) {
	_, d := ksDB(t)
	const n = 12000
	for i := 0; i < n; i++ {
		k := fmt.Sprintf("%s%d", bytes.Repeat([]byte("a"), 40), i)
		ksPutString(t, d, k, "v", 0)
	}
	ksPutString(t, d, "aaaaaaaaaaaab", "v", 0)
	ksPutBase(t, d, KindZSets, "aaaaaaaaaaaab", ksNow, 0)
	ksPutBase(t, d, KindZSets, "other", ksNow, 0)

	keys, err := d.Keys([]byte("a*a*a*a*a*a*a*a*a*a*a*a*b"), ksNowMs)
	require.NoError(t, err)
	require.Equal(t, []string{"aaaaaaaaaaaab", "aaaaaaaaaaaab"}, ksStrings(keys), "no a...aN ends in b")

	keys, err = d.Keys([]byte("*"), ksNowMs)
	require.NoError(t, err)
	require.Len(t, keys, n+3)

	keys, err = d.Keys([]byte("*"), ksNowMs, KindZSets)
	require.NoError(t, err)
	require.Equal(t, []string{"aaaaaaaaaaaab", "other"}, ksStrings(keys))

	keys, err = d.Keys([]byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1199?"), ksNowMs)
	require.NoError(t, err)
	require.Len(t, keys, 10)

	size, err := d.DBSize(ksNowMs)
	require.NoError(t, err)
	require.EqualValues(t, n+3, size)
}

func TestKeyStats(t *testing.T) {
	_, d := ksDB(t)
	ksPutString(t, d, "a", "v", 0)
	ksPutString(t, d, "b", "v", ksNow+5)
	ksPutString(t, d, "c", "v", ksNow-5)
	ksPutBase(t, d, KindSets, "s", ksNow, 0)
	_, err := d.Del(ksWriter(), []byte("s"))
	require.NoError(t, err)
	ksPutStream(t, d, "x", 2)
	stats, err := d.KeyStats(ksNowMs)
	require.NoError(t, err)
	require.Equal(t, KindStats{Kind: KindStrings, Keys: 2, Expires: 1, Invalid: 1}, stats[KindStrings])
	require.Equal(t, KindStats{Kind: KindSets, Invalid: 1}, stats[KindSets])
	require.Equal(t, KindStats{Kind: KindStreams, Keys: 1}, stats[KindStreams])
	size, err := d.DBSize(ksNowMs)
	require.NoError(t, err)
	require.EqualValues(t, 3, size)
}

func TestScanX(t *testing.T) {
	_, d := ksDB(t)
	for _, k := range []string{"a1", "a2", "b1", "b2", "c1"} {
		ksPutBase(t, d, KindHashes, k, ksNow, 0)
	}
	ksPutBase(t, d, KindHashes, "b0", ksNow, ksNow-1) // expired: visited, not returned
	next, keys, err := d.ScanX(KindHashes, []byte("a2"), []byte("*2"), 3, ksNowMs)
	require.NoError(t, err)
	require.Equal(t, []string{"a2"}, ksStrings(keys)) // visits a2, b0, b1
	require.Equal(t, "b2", string(next))
	next, keys, err = d.ScanX(KindHashes, next, nil, 3, ksNowMs)
	require.NoError(t, err)
	require.Equal(t, []string{"b2", "c1"}, ksStrings(keys))
	require.Equal(t, "", string(next))
}

func TestPKScanRange(t *testing.T) {
	_, d := ksDB(t)
	for _, k := range []string{"k1", "k2", "k3", "k4", "k5", "k6"} {
		ksPutString(t, d, k, "v"+k, 0)
	}
	ksPutString(t, d, "k3", "dead", ksNow-1)

	res, err := d.PKScanRange(KindStrings, []byte("k2"), []byte("k5"), nil, 2, true, ksNowMs)
	require.NoError(t, err)
	require.Equal(t, []string{"k2", "k4"}, ksStrings(res.Keys))
	require.Equal(t, []string{"vk2", "vk4"}, ksStrings(res.Values))
	require.Equal(t, "k5", string(res.Next))

	res, err = d.PKScanRange(KindStrings, []byte("k5"), []byte("k6"), []byte("*6"), 10, false, ksNowMs)
	require.NoError(t, err)
	require.Equal(t, []string{"k6"}, ksStrings(res.Keys))
	require.Nil(t, res.Values)
	require.Equal(t, "", string(res.Next))

	res, err = d.PKRScanRange(KindStrings, []byte("k5"), []byte(""), nil, 2, false, ksNowMs)
	require.NoError(t, err)
	require.Equal(t, []string{"k5", "k4"}, ksStrings(res.Keys))
	require.Equal(t, "k2", string(res.Next))

	res, err = d.PKRScanRange(KindStrings, []byte(""), []byte("k5"), nil, 10, false, ksNowMs)
	require.NoError(t, err)
	require.Equal(t, []string{"k6", "k5"}, ksStrings(res.Keys))

	_, err = d.PKScanRange(KindStrings, []byte("k5"), []byte("k2"), nil, 10, false, ksNowMs)
	require.ErrorIs(t, err, ErrInvalidRange)
	_, err = d.PKRScanRange(KindStrings, []byte("k2"), []byte("k5"), nil, 10, false, ksNowMs)
	require.ErrorIs(t, err, ErrInvalidRange)

	ksPutList(t, d, "l1", ksNow, 0)
	ksPutList(t, d, "l2", ksNow, 0)
	res, err = d.PKScanRange(KindLists, nil, nil, nil, 10, true, ksNowMs)
	require.NoError(t, err)
	require.Equal(t, []string{"l1", "l2"}, ksStrings(res.Keys))
	require.Nil(t, res.Values, "values only for strings")
}

func TestPKPatternMatchDel(t *testing.T) {
	_, d := ksDB(t)
	ksPutBase(t, d, KindSets, "user:1", ksNow-9, 0)
	ksPutBase(t, d, KindSets, "user:2", ksNow-9, 0)
	ksPutBase(t, d, KindSets, "other", ksNow-9, 0)
	ksPutString(t, d, "user:1", "v", 0)
	n, err := d.PKPatternMatchDel(ksWriter(), KindSets, []byte("user:*"))
	require.NoError(t, err)
	require.EqualValues(t, 2, n)
	m, err := decodeBaseMeta(ksGetRaw(t, d, KindSets, cfMeta, []byte("user:2")))
	require.NoError(t, err)
	require.Equal(t, baseMeta{Version: ksNow}, m)
	keys, err := d.Keys([]byte("*"), ksNowMs)
	require.NoError(t, err)
	require.Equal(t, []string{"user:1", "other"}, ksStrings(keys), "the string and the other set stay")
}

func TestFlushDBLeavesOtherDBs(t *testing.T) {
	e, d := ksDB(t)
	d1, err := e.DB(1)
	require.NoError(t, err)
	for _, db := range []*DB{d, d1} {
		ksPutAllTypes(t, db, "k")
		ksPutAllTypes(t, db, "z")
		ksPutBase(t, db, KindZSets, "mid", ksNow, 0)
	}
	require.NoError(t, d.FlushDB(ksWriter()))
	for _, k := range Kinds {
		for cf := range pikaCFNames(k) {
			r, err := d.read(k, true)
			require.NoError(t, err)
			it := r.iter(cf, nil, nil)
			it.SeekToFirst()
			require.False(t, it.Valid(), "db0 %s cf %d is empty", k, cf)
			it.Close()
			r.close()
		}
	}
	size, err := d1.DBSize(ksNowMs)
	require.NoError(t, err)
	require.EqualValues(t, 13, size)
	// The list data CF (custom comparator) of db1 still has its records.
	require.NotNil(t, ksGetRaw(t, d1, KindLists, cfData, encodeListDataKey([]byte("z"), ksNow-100, listInitialLeft)))

	require.NoError(t, e.FlushAll(ksWriter()))
	size, err = d1.DBSize(ksNowMs)
	require.NoError(t, err)
	require.EqualValues(t, 0, size)
}

func TestRandomKey(t *testing.T) {
	_, d := ksDB(t)
	_, err := d.RandomKey(ksNowMs, 1)
	require.ErrorIs(t, err, ErrNotFound)

	ksPutString(t, d, "dead1", "v", ksNow-1)
	ksPutString(t, d, "dead2", "v", ksNow-1)
	ksPutBase(t, d, KindHashes, "h", ksNow, 0)
	k, err := d.RandomKey(ksNowMs, 7)
	require.NoError(t, err)
	require.Equal(t, "h", string(k), "the only live key")

	want := map[string]bool{"h": true}
	for i := 0; i < 50; i++ {
		key := fmt.Sprintf("key%02d", i)
		ksPutString(t, d, key, "v", 0)
		want[key] = true
	}
	seen := map[string]bool{}
	for seed := uint64(0); seed < 300; seed++ {
		k, err := d.RandomKey(ksNowMs, seed)
		require.NoError(t, err)
		require.True(t, want[string(k)], "%q is live", k)
		seen[string(k)] = true
		again, err := d.RandomKey(ksNowMs, seed)
		require.NoError(t, err)
		require.Equal(t, k, again, "same seed, same key")
	}
	require.Greater(t, len(seen), 10, "keys vary with the seed")
	list := make([]string, 0, len(seen))
	for k := range seen {
		list = append(list, k)
	}
	sort.Strings(list)
	t.Logf("random keys seen: %d", len(list))
}
