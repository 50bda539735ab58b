package engine

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDelEveryTypeAndVersionBump(t *testing.T) {
	_, d := ksDB(t)
	ksPutAllTypes(t, d, "multi")
	// A hash whose version is in the future must get old+1, not now.
	ksPutBase(t, d, KindHashes, "multi", ksNow+5, 0)
	oldStream, err := decodeStreamMeta(ksGetRaw(t, d, KindStreams, cfMeta, []byte("multi")))
	require.NoError(t, err)

	n, err := d.Del(ksWriter(), []byte("multi"))
	require.NoError(t, err)
	require.EqualValues(t, 6, n)

	require.Nil(t, ksGetRaw(t, d, KindStrings, cfMeta, []byte("multi")), "string is really deleted")
	hm, err := decodeBaseMeta(ksGetRaw(t, d, KindHashes, cfMeta, []byte("multi")))
	require.NoError(t, err)
	require.Equal(t, baseMeta{Count: 0, Version: ksNow + 6, TS: 0}, hm)
	for _, k := range []Kind{KindSets, KindZSets} {
		m, err := decodeBaseMeta(ksGetRaw(t, d, k, cfMeta, []byte("multi")))
		require.NoError(t, err)
		require.Equal(t, baseMeta{Count: 0, Version: ksNow, TS: 0}, m, k.String())
	}
	lm, err := decodeListMeta(ksGetRaw(t, d, KindLists, cfMeta, []byte("multi")))
	require.NoError(t, err)
	require.Equal(t, listMeta{Version: ksNow, Left: listInitialLeft, Right: listInitialRight}, lm)
	sm, err := decodeStreamMeta(ksGetRaw(t, d, KindStreams, cfMeta, []byte("multi")))
	require.NoError(t, err)
	require.Equal(t, streamMeta{Version: oldStream.Version + 1}, sm)
	// Data records stay (invisible, for the compaction filters).
	require.NotNil(t, ksGetRaw(t, d, KindHashes, cfData, encodeDataKey([]byte("multi"), ksNow+5, []byte("f"))))

	n, err = d.Del(ksWriter(), []byte("multi"))
	require.NoError(t, err)
	require.EqualValues(t, 0, n, "a deleted key is gone in every type")
}

func TestDelDuplicatesStaleAndMissing(t *testing.T) {
	_, d := ksDB(t)
	ksPutString(t, d, "a", "1", 0)
	ksPutString(t, d, "b", "1", 0)
	ksPutBase(t, d, KindSets, "b", ksNow-10, 0)
	ksPutBase(t, d, KindHashes, "stale", ksNow-10, ksNow-1)
	staleRaw := ksGetRaw(t, d, KindHashes, cfMeta, []byte("stale"))

	n, err := d.Del(ksWriter(), []byte("a"), []byte("a"), []byte("b"), []byte("stale"), []byte("missing"))
	require.NoError(t, err)
	require.EqualValues(t, 3, n) // a (once), b as string and as set
	require.Equal(t, staleRaw, ksGetRaw(t, d, KindHashes, cfMeta, []byte("stale")), "an expired key is left alone")
}

func TestExistsCountsTypesNotStreams(t *testing.T) {
	_, d := ksDB(t)
	ksPutAllTypes(t, d, "multi")
	ksPutStream(t, d, "streamonly", 2)
	ksPutString(t, d, "expired", "x", ksNow-1)
	ksPutString(t, d, "edge", "x", ksNow) // expires at this very second: still alive
	n, err := d.Exists([][]byte{[]byte("multi")}, ksNowMs)
	require.NoError(t, err)
	require.EqualValues(t, 5, n)
	n, err = d.Exists([][]byte{[]byte("multi"), []byte("multi"), []byte("streamonly"), []byte("expired"), []byte("edge"), []byte("nope")}, ksNowMs)
	require.NoError(t, err)
	require.EqualValues(t, 11, n)
}

func TestTypePriorityAndPType(t *testing.T) {
	_, d := ksDB(t)
	ksPutAllTypes(t, d, "k")
	ksPutBase(t, d, KindSets, "set+zset", ksNow, 0)
	ksPutBase(t, d, KindZSets, "set+zset", ksNow, 0)
	ksPutList(t, d, "list+hash", ksNow, 0)
	ksPutBase(t, d, KindHashes, "list+hash", ksNow, 0)
	ksPutStream(t, d, "stream", 2)
	ksPutBase(t, d, KindHashes, "emptyhash", ksNow, 0)
	ksPutRaw(t, d, KindHashes, cfMeta, []byte("emptyhash"), baseMeta{Count: 0, Version: ksNow}.encode())

	for key, want := range map[string]string{"k": "string", "set+zset": "zset", "list+hash": "hash",
		"stream": "stream", "emptyhash": "none", "missing": "none"} {
		got, err := d.Type([]byte(key), ksNowMs)
		require.NoError(t, err)
		require.Equal(t, want, got, key)
	}
	pt, err := d.PType([]byte("k"), ksNowMs)
	require.NoError(t, err)
	require.Equal(t, []string{"string", "hash", "list", "zset", "set", "stream"}, pt)
	pt, err = d.PType([]byte("missing"), ksNowMs)
	require.NoError(t, err)
	require.Equal(t, []string{"none"}, pt)
}

func TestExpireEveryTypeAndTTL(t *testing.T) {
	_, d := ksDB(t)
	ksPutAllTypes(t, d, "multi")
	n, err := d.Expire(ksWriter(), []byte("multi"), 100, ExpireAlways)
	require.NoError(t, err)
	require.EqualValues(t, 5, n, "five types carry a TTL; streams do not")
	for _, k := range []Kind{KindHashes, KindSets, KindZSets} {
		m, err := decodeBaseMeta(ksGetRaw(t, d, k, cfMeta, []byte("multi")))
		require.NoError(t, err)
		require.Equal(t, ksNow+100, m.TS)
		require.EqualValues(t, 1, m.Count)
	}
	_, ts, err := decodeStringValue(ksGetRaw(t, d, KindStrings, cfMeta, []byte("multi")))
	require.NoError(t, err)
	require.Equal(t, ksNow+100, ts)

	ttl, err := d.TTL([]byte("multi"), ksNowMs+30_000)
	require.NoError(t, err)
	require.EqualValues(t, 70, ttl)
	pttl, err := d.PTTL([]byte("multi"), ksNowMs+30_000)
	require.NoError(t, err)
	require.EqualValues(t, 70_000, pttl)
	// Alive during its last second, gone after.
	ttl, err = d.TTL([]byte("multi"), int64(ksNow+100)*1000+999)
	require.NoError(t, err)
	require.EqualValues(t, 0, ttl)
	ttl, err = d.TTL([]byte("multi"), int64(ksNow+101)*1000)
	require.NoError(t, err)
	require.EqualValues(t, -2, ttl)
	n, err = d.Exists([][]byte{[]byte("multi")}, int64(ksNow+101)*1000)
	require.NoError(t, err)
	require.EqualValues(t, 0, n)
}

func TestTTLOrderAndMissing(t *testing.T) {
	_, d := ksDB(t)
	ksPutString(t, d, "k", "v", 0)
	ksPutBase(t, d, KindHashes, "k", ksNow, ksNow+50)
	ttl, err := d.TTL([]byte("k"), ksNowMs)
	require.NoError(t, err)
	require.EqualValues(t, -1, ttl, "the string comes first")
	ksPutBase(t, d, KindSets, "s", ksNow, ksNow+7)
	ksPutBase(t, d, KindZSets, "s", ksNow, ksNow+9)
	ttl, err = d.TTL([]byte("s"), ksNowMs)
	require.NoError(t, err)
	require.EqualValues(t, 9, ttl, "zset comes before set")
	ksPutStream(t, d, "st", 2)
	for _, key := range []string{"st", "missing"} {
		ttl, err = d.TTL([]byte(key), ksNowMs)
		require.NoError(t, err)
		require.EqualValues(t, -2, ttl)
		pttl, err := d.PTTL([]byte(key), ksNowMs)
		require.NoError(t, err)
		require.EqualValues(t, -2, pttl)
	}
}

func TestExpireNonPositiveDeletes(t *testing.T) {
	_, d := ksDB(t)
	ksPutString(t, d, "k", "v", 0)
	ksPutBase(t, d, KindHashes, "k", ksNow-3, 0)
	ksPutList(t, d, "k", ksNow-3, 0)
	n, err := d.PExpire(ksWriter(), []byte("k"), 999, ExpireAlways) // 999 ms -> 0 s
	require.NoError(t, err)
	require.EqualValues(t, 3, n)
	require.Nil(t, ksGetRaw(t, d, KindStrings, cfMeta, []byte("k")))
	hm, err := decodeBaseMeta(ksGetRaw(t, d, KindHashes, cfMeta, []byte("k")))
	require.NoError(t, err)
	require.Equal(t, baseMeta{Version: ksNow}, hm)
	lm, err := decodeListMeta(ksGetRaw(t, d, KindLists, cfMeta, []byte("k")))
	require.NoError(t, err)
	require.Equal(t, listMeta{Version: ksNow, Left: listInitialLeft, Right: listInitialRight}, lm)

	ksPutString(t, d, "z", "v", 0)
	n, err = d.ExpireAt(ksWriter(), []byte("z"), 0, ExpireAlways)
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	require.Nil(t, ksGetRaw(t, d, KindStrings, cfMeta, []byte("z")))
}

func TestExpireAtPastStoresAndPExpireAtTruncates(t *testing.T) {
	_, d := ksDB(t)
	ksPutBase(t, d, KindSets, "s", ksNow, 0)
	n, err := d.ExpireAt(ksWriter(), []byte("s"), int64(ksNow-10), ExpireAlways)
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	m, err := decodeBaseMeta(ksGetRaw(t, d, KindSets, cfMeta, []byte("s")))
	require.NoError(t, err)
	require.Equal(t, baseMeta{Count: 1, Version: ksNow, TS: ksNow - 10}, m)
	typ, err := d.Type([]byte("s"), ksNowMs)
	require.NoError(t, err)
	require.Equal(t, "none", typ)

	ksPutString(t, d, "p", "v", 0)
	n, err = d.PExpireAt(ksWriter(), []byte("p"), int64(ksNow+20)*1000+999, ExpireAlways)
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	_, ts, err := decodeStringValue(ksGetRaw(t, d, KindStrings, cfMeta, []byte("p")))
	require.NoError(t, err)
	require.Equal(t, ksNow+20, ts)
}

func TestExpireOverflowIsRejected(t *testing.T) {
	_, d := ksDB(t)
	ksPutString(t, d, "k", "v", 0)
	_, err := d.Expire(ksWriter(), []byte("k"), int64(1<<31-1)-int64(ksNow)+1, ExpireAlways)
	require.ErrorIs(t, err, ErrInvalidExpire)
	_, err = d.ExpireAt(ksWriter(), []byte("k"), 1<<31, ExpireAlways)
	require.ErrorIs(t, err, ErrInvalidExpire)
	ttl, err := d.TTL([]byte("k"), ksNowMs)
	require.NoError(t, err)
	require.EqualValues(t, -1, ttl, "nothing was written")
	n, err := d.Expire(ksWriter(), []byte("k"), int64(1<<31-1)-int64(ksNow), ExpireAlways)
	require.NoError(t, err)
	require.EqualValues(t, 1, n, "the largest int32 expiry is fine")
}

func TestExpireConditions(t *testing.T) {
	_, d := ksDB(t)
	ksPutString(t, d, "k", "v", 0)                    // no TTL
	ksPutBase(t, d, KindHashes, "k", ksNow, ksNow+50) // TTL 50
	expire := func(ttl int64, c ExpireCond) int64 {
		n, err := d.Expire(ksWriter(), []byte("k"), ttl, c)
		require.NoError(t, err)
		return n
	}
	require.EqualValues(t, 1, expire(10, ExpireXX), "only the hash has a TTL")
	ttl, err := d.TTL([]byte("k"), ksNowMs)
	require.NoError(t, err)
	require.EqualValues(t, -1, ttl, "the string was not touched")
	require.EqualValues(t, 0, expire(5, ExpireGT), "5 < 10 and no-TTL is infinite")
	require.EqualValues(t, 1, expire(20, ExpireGT))
	require.EqualValues(t, 2, expire(15, ExpireLT), "no TTL counts as infinite for LT")
	require.EqualValues(t, 0, expire(30, ExpireNX))
	n, err := d.Persist(ksWriter(), []byte("k"))
	require.NoError(t, err)
	require.EqualValues(t, 2, n)
	require.EqualValues(t, 2, expire(30, ExpireNX))
	require.EqualValues(t, 0, expire(40, ExpireXX|ExpireLT), "40 is not earlier than 30")
	n, err = d.Persist(ksWriter(), []byte("k"))
	require.NoError(t, err)
	require.EqualValues(t, 2, n)
	require.EqualValues(t, 0, expire(40, ExpireXX|ExpireLT), "XX: no expiry to lower")
}

func TestPersist(t *testing.T) {
	_, d := ksDB(t)
	ksPutString(t, d, "k", "v", ksNow+10)
	ksPutList(t, d, "k", ksNow, ksNow+10)
	ksPutBase(t, d, KindZSets, "k", ksNow, 0)
	n, err := d.Persist(ksWriter(), []byte("k"))
	require.NoError(t, err)
	require.EqualValues(t, 2, n)
	ttl, err := d.TTL([]byte("k"), ksNowMs)
	require.NoError(t, err)
	require.EqualValues(t, -1, ttl)
	lm, err := decodeListMeta(ksGetRaw(t, d, KindLists, cfMeta, []byte("k")))
	require.NoError(t, err)
	require.Equal(t, int32(0), lm.TS)
	require.EqualValues(t, 1, lm.Count)
	n, err = d.Persist(ksWriter(), []byte("k"))
	require.NoError(t, err)
	require.EqualValues(t, 0, n)
}
