package engine

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pikaraft/pikaraft/engine/pikafixture"
	"github.com/stretchr/testify/require"
)

// lcat concatenates byte slices (test readability).
func lcat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// lle32 is a u32le.
func lle32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

// TestListFormatRPushExample checks spec §2.5's example byte for byte.
func TestListFormatRPushExample(t *testing.T) {
	d := listTestDB(t)
	const nowSec = 1795305600 // version V of the example
	_, err := d.RPush(listW(nowSec*1000+123), []byte("l"), []byte("a"))
	require.NoError(t, err)

	V := lle32(nowSec)
	wantMeta := lcat(
		[]byte{0x01, 0, 0, 0, 0, 0, 0, 0},
		V,
		[]byte{0, 0, 0, 0},
		[]byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F},
		[]byte{0x01, 0, 0, 0, 0, 0, 0, 0x80},
	)
	require.Equal(t, wantMeta, rawListMeta(t, d, "l"))
	wantKey := lcat([]byte{0x01, 0, 0, 0, 0x6C}, V, []byte{0, 0, 0, 0, 0, 0, 0, 0x80})
	require.Equal(t, []rawListRecord{{wantKey, []byte("a")}}, rawListData(t, d))

	// LPUSH lands at the left sentinel 0x7FFF...FF, which moves down.
	_, err = d.LPush(listW(nowSec*1000), []byte("l"), []byte("b"))
	require.NoError(t, err)
	wantMeta = lcat(
		[]byte{0x02, 0, 0, 0, 0, 0, 0, 0},
		V,
		[]byte{0, 0, 0, 0},
		[]byte{0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F},
		[]byte{0x01, 0, 0, 0, 0, 0, 0, 0x80},
	)
	require.Equal(t, wantMeta, rawListMeta(t, d, "l"))
	leftKey := lcat([]byte{0x01, 0, 0, 0, 0x6C}, V, []byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F})
	require.Equal(t, []rawListRecord{{leftKey, []byte("b")}, {wantKey, []byte("a")}}, rawListData(t, d))
}

// TestListFormatReadsPikaLayout writes records in Pika's layout by hand and
// reads (and then changes) them through the engine.
func TestListFormatReadsPikaLayout(t *testing.T) {
	d := listTestDB(t)
	const version = 1700000000
	key := []byte("pk")
	// count 3, version, ts 0, left = 0x7FFF...FD, right = 0x8000...01:
	// elements at 0x7FFF...FE, 0x7FFF...FF, 0x8000...00.
	meta := lcat(
		[]byte{3, 0, 0, 0, 0, 0, 0, 0},
		lle32(version),
		lle32(0),
		[]byte{0xFD, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F},
		[]byte{0x01, 0, 0, 0, 0, 0, 0, 0x80},
	)
	prefix := lcat([]byte{2, 0, 0, 0}, key, lle32(version))
	putListRaw(t, d, cfMeta, key, meta)
	putListRaw(t, d, cfData, lcat(prefix, []byte{0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}), []byte("one"))
	putListRaw(t, d, cfData, lcat(prefix, []byte{0, 0, 0, 0, 0, 0, 0, 0x80}), []byte("three"))
	putListRaw(t, d, cfData, lcat(prefix, []byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}), []byte("two"))
	// A record of an older version of the same key must stay invisible.
	putListRaw(t, d, cfData, lcat([]byte{2, 0, 0, 0}, key, lle32(version-1), []byte{0, 0, 0, 0, 0, 0, 0, 0x80}), []byte("old"))

	now := int64(version+100) * 1000
	got, err := d.LRange(key, 0, -1, now)
	require.NoError(t, err)
	require.Equal(t, []string{"one", "two", "three"}, listStrings(got))
	v, err := d.LIndex(key, -1, now)
	require.NoError(t, err)
	require.Equal(t, "three", string(v))
	n, err := d.LLen(key, now)
	require.NoError(t, err)
	require.EqualValues(t, 3, n)

	// A write keeps the version and continues at the sentinels.
	_, err = d.RPush(listW(now), key, []byte("four"))
	require.NoError(t, err)
	require.Equal(t, lcat(prefix, []byte{0x01, 0, 0, 0, 0, 0, 0, 0x80}), rawListData(t, d)[4].Key)
	require.Equal(t, []byte("four"), rawListData(t, d)[4].Val)

	// A TTL in the past (Pika's int32 seconds) hides the list.
	meta = lcat(meta[:12], lle32(version+50), meta[16:])
	putListRaw(t, d, cfMeta, key, meta)
	got, err = d.LRange(key, 0, -1, now)
	require.NoError(t, err)
	require.Empty(t, got)
}

// handListKey builds a list data key by hand (spec §1.4 key shape).
func handListKey(key string, version int32, index uint64) []byte {
	return lcat(lle32(uint32(len(key))), []byte(key), lle32(uint32(version)),
		binary.LittleEndian.AppendUint64(nil, index))
}

func TestListComparatorOrdering(t *testing.T) {
	// Each key sorts strictly before the next (spec §1.4).
	ordered := [][]byte{
		handListKey("a", 5, 1)[:5],               // user key, no version
		handListKey("a", -1, 0x8000000000000000), // version -1 < 0 (signed)
		handListKey("a", 0, 0),
		handListKey("a", 0, 1),
		handListKey("a", 0, 0x00000000000000FF), // LE bytes: FF 00.. (unsigned compare)
		handListKey("a", 0, 0x0100000000000000), // LE bytes: 00 .. 01 ; bytewise would put this first
		handListKey("a", 0, 0x7FFFFFFFFFFFFFFF),
		handListKey("a", 0, 0x8000000000000000),
		handListKey("a", 0, 0xFFFFFFFFFFFFFFFF),
		handListKey("a", 1, 0),
		handListKey("a", 0x7FFFFFFF, 0),
		handListKey("ab", -5, 0),         // longer user key after "a" despite its length prefix 2
		handListKey("b", -0x80000000, 0), // "b" > "ab": the length prefix is not compared
		handListKey("b\x00", 0, 0),
	}
	for i := range ordered {
		require.Zero(t, compareListsDataKeys(ordered[i], ordered[i]), "key %d equals itself", i)
		for j := i + 1; j < len(ordered); j++ {
			require.Equal(t, -1, compareListsDataKeys(ordered[i], ordered[j]), "key %d < key %d", i, j)
			require.Equal(t, 1, compareListsDataKeys(ordered[j], ordered[i]), "key %d > key %d", j, i)
		}
	}
	// Bytes after the index are ignored.
	require.Zero(t, compareListsDataKeys(handListKey("a", 0, 7), append(handListKey("a", 0, 7), 'x')))

	// RocksDB iterates data_cf in the same order.
	d := listTestDB(t)
	shuffled := append([][]byte{}, ordered[1:]...)
	rand.New(rand.NewSource(1)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for _, k := range shuffled {
		putListRaw(t, d, cfData, k, []byte("v"))
	}
	var got [][]byte
	for _, r := range rawListData(t, d) {
		got = append(got, r.Key)
	}
	require.Equal(t, ordered[1:], got)
}

func TestListComparatorShortKeysNeverCrash(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	gen := func() []byte {
		b := make([]byte, rng.Intn(20))
		rng.Read(b)
		if len(b) >= 4 && rng.Intn(2) == 0 {
			// A length prefix that claims more bytes than there are.
			binary.LittleEndian.PutUint32(b, uint32(rng.Intn(64)))
		}
		return b
	}
	for i := 0; i < 20000; i++ {
		a, b := gen(), gen()
		ab, ba := compareListsDataKeys(a, b), compareListsDataKeys(b, a)
		require.Contains(t, []int{-1, 0, 1}, ab)
		require.Equal(t, -ab, ba, "antisymmetric for %x vs %x", a, b)
		require.Zero(t, compareListsDataKeys(a, a))
	}
	// Consistency (a total preorder): sorting with the comparator leaves
	// every pair in order.
	keys := make([][]byte, 300)
	for i := range keys {
		keys[i] = gen()
	}
	sort.SliceStable(keys, func(i, j int) bool { return compareListsDataKeys(keys[i], keys[j]) < 0 })
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			require.LessOrEqual(t, compareListsDataKeys(keys[i], keys[j]), 0, "%x vs %x", keys[i], keys[j])
		}
	}
	require.Zero(t, compareListsDataKeys(nil, nil))
	require.Zero(t, compareListsDataKeys(nil, []byte{1, 0, 0, 0}), "a length without bytes is an empty user key")
	require.Equal(t, -1, compareListsDataKeys(nil, []byte{1, 0, 0, 0, 'a'}))
	require.Equal(t, 1, compareListsDataKeys([]byte{0xFF, 0xFF, 0xFF, 0xFF, 'z'}, []byte{1, 0, 0, 0}))
}

// fixtureNowMs returns the recording time of the Pika fixture: the
// "# Time:" line of its INFO dump (UTC).
func fixtureNowMs(t *testing.T) int64 {
	t.Helper()
	raw, err := os.ReadFile(pikafixture.Path(t, "text", "info-all-master.txt"))
	require.NoError(t, err)
	for _, line := range strings.Split(string(raw), "\n") {
		if s, ok := strings.CutPrefix(strings.TrimSpace(line), "# Time:"); ok {
			tm, err := time.Parse("2006-01-02 15:04:05", s)
			require.NoError(t, err)
			return tm.UnixMilli()
		}
	}
	t.Fatal("no # Time: line in the fixture INFO")
	return 0
}

// TestListReadsRealPikaData reads every list the real Pika 3.5.5 wrote and
// compares it with expected-after-replication.json.
func TestListReadsRealPikaData(t *testing.T) {
	raw, err := os.ReadFile(pikafixture.Path(t, "expected-after-replication.json"))
	require.NoError(t, err)
	var expected map[string]map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &expected))
	now := fixtureNowMs(t)

	e, err := Open(copyFixtureDB(t), Options{Databases: 2})
	require.NoError(t, err)
	defer e.Close()
	total := 0
	for dbName, entries := range expected {
		var idx int
		_, err := fmt.Sscanf(dbName, "db%d", &idx)
		require.NoError(t, err)
		d, err := e.DB(idx)
		require.NoError(t, err)
		var wantKeys []string
		for typed, val := range entries {
			key, ok := strings.CutPrefix(typed, "list|")
			if !ok {
				continue
			}
			wantKeys = append(wantKeys, key)
			var want []string
			require.NoError(t, json.Unmarshal(val, &want))
			got, err := d.LRange([]byte(key), 0, -1, now)
			require.NoError(t, err)
			require.Equal(t, want, listStrings(got), "%s list %q", dbName, key)
			n, err := d.LLen([]byte(key), now)
			require.NoError(t, err)
			require.EqualValues(t, len(want), n)
			_, _, elems := listLayout(t, d, key)
			require.Equal(t, want, elems, "Pika's records are dense")
			total++
		}
		// No other list is alive at recording time.
		var live []string
		it := d.inst[KindLists].newIter(nil, cfMeta, nil, nil)
		for it.SeekToFirst(); it.Valid(); it.Next() {
			k := it.KeyCopy()
			n, err := d.LLen(k, now)
			require.NoError(t, err)
			if n > 0 {
				live = append(live, string(k))
			}
		}
		it.Close()
		sort.Strings(wantKeys)
		require.Equal(t, wantKeys, live, dbName)
	}
	require.Greater(t, total, 10, "the fixture has lists")

	// Pika's lists accept our writes: insert in the middle, then read back.
	d, err := e.DB(0)
	require.NoError(t, err)
	n, err := d.LInsert(listW(now), []byte("list:3"), false, []byte("head3"), []byte("mid"))
	require.NoError(t, err)
	require.EqualValues(t, 4, n)
	got, err := d.LRange([]byte("list:3"), 0, -1, now)
	require.NoError(t, err)
	require.Equal(t, []string{"inserted", "head3", "mid", "item580"}, listStrings(got))
}
