package engine

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHSetGetDel(t *testing.T) {
	d := hsDB(t)
	w := hsW(hsT0)
	n, err := d.HSet(w, []byte("h"), hsFV("a", "1", "b", "2", "a", "3"))
	require.NoError(t, err)
	require.EqualValues(t, 2, n, "a repeated field counts once")
	v, err := d.HGet([]byte("h"), []byte("a"), hsT0)
	require.NoError(t, err)
	require.Equal(t, "3", string(v), "the last value of a repeated field wins")

	n, err = d.HSet(w, []byte("h"), hsFV("a", "4", "c", "5"))
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	l, err := d.HLen([]byte("h"), hsT0)
	require.NoError(t, err)
	require.EqualValues(t, 3, l)

	_, err = d.HGet([]byte("h"), []byte("zz"), hsT0)
	require.ErrorIs(t, err, ErrNotFound)
	_, err = d.HGet([]byte("nokey"), []byte("a"), hsT0)
	require.ErrorIs(t, err, ErrNotFound)

	ok, err := d.HExists([]byte("h"), []byte("c"), hsT0)
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = d.HExists([]byte("h"), []byte("zz"), hsT0)
	require.NoError(t, err)
	require.False(t, ok)

	sl, err := d.HStrLen([]byte("h"), []byte("a"), hsT0)
	require.NoError(t, err)
	require.EqualValues(t, 1, sl)
	sl, err = d.HStrLen([]byte("h"), []byte("zz"), hsT0)
	require.NoError(t, err)
	require.EqualValues(t, 0, sl)

	vals, err := d.HMGet([]byte("h"), hsB("c", "zz", "a"), hsT0)
	require.NoError(t, err)
	require.Equal(t, [][]byte{[]byte("5"), nil, []byte("4")}, vals)

	all, err := d.HGetAll([]byte("h"), hsT0)
	require.NoError(t, err)
	require.Equal(t, []string{"a", "4", "b", "2", "c", "5"}, hsFlat(all))
	keys, err := d.HKeys([]byte("h"), hsT0)
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b", "c"}, hsS(keys))
	vs, err := d.HVals([]byte("h"), hsT0)
	require.NoError(t, err)
	require.Equal(t, []string{"4", "2", "5"}, hsS(vs))

	del, err := d.HDel(w, []byte("h"), hsB("a", "a", "zz"))
	require.NoError(t, err)
	require.EqualValues(t, 1, del)
	del, err = d.HDel(w, []byte("h"), hsB("b", "c"))
	require.NoError(t, err)
	require.EqualValues(t, 2, del)
	l, err = d.HLen([]byte("h"), hsT0)
	require.NoError(t, err)
	require.EqualValues(t, 0, l)
	all, err = d.HGetAll([]byte("h"), hsT0)
	require.NoError(t, err)
	require.Empty(t, all)
	count, _, _ := hsRawMeta(t, d, KindHashes, "h")
	require.EqualValues(t, 0, count, "removing the last field leaves a meta with count 0")

	del, err = d.HDel(w, []byte("nokey"), hsB("a"))
	require.NoError(t, err)
	require.EqualValues(t, 0, del)
}

func TestHSetNXAndUnchangedValue(t *testing.T) {
	d := hsDB(t)
	w := hsW(hsT0)
	ok, err := d.HSetNX(w, []byte("h"), []byte("f"), []byte("1"))
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = d.HSetNX(w, []byte("h"), []byte("f"), []byte("2"))
	require.NoError(t, err)
	require.False(t, ok)
	v, err := d.HGet([]byte("h"), []byte("f"), hsT0)
	require.NoError(t, err)
	require.Equal(t, "1", string(v))

	require.NoError(t, d.HMSet(w, []byte("h"), hsFV("f", "9", "g", "8")))
	all, err := d.HGetAll([]byte("h"), hsT0)
	require.NoError(t, err)
	require.Equal(t, []string{"f", "9", "g", "8"}, hsFlat(all))
}

func TestHIncrBy(t *testing.T) {
	d := hsDB(t)
	w := hsW(hsT0)
	n, err := d.HIncrBy(w, []byte("h"), []byte("c"), 5)
	require.NoError(t, err)
	require.EqualValues(t, 5, n)
	n, err = d.HIncrBy(w, []byte("h"), []byte("c"), -7)
	require.NoError(t, err)
	require.EqualValues(t, -2, n)
	l, err := d.HLen([]byte("h"), hsT0)
	require.NoError(t, err)
	require.EqualValues(t, 1, l)

	_, err = d.HSet(w, []byte("h"), hsFV("s", "abc", "big", "9223372036854775807", "plus", "+1", "sp", " 1"))
	require.NoError(t, err)
	for _, f := range []string{"s", "plus", "sp"} {
		_, err = d.HIncrBy(w, []byte("h"), []byte(f), 1)
		require.ErrorIs(t, err, ErrHashNotInteger, f)
		require.EqualError(t, err, `hincrby "h": ERR hash value is not an integer`)
	}
	_, err = d.HIncrBy(w, []byte("h"), []byte("big"), 1)
	require.ErrorIs(t, err, ErrOverflow)
	v, err := d.HGet([]byte("h"), []byte("big"), hsT0)
	require.NoError(t, err)
	require.Equal(t, "9223372036854775807", string(v), "a failed increment changes nothing")
}

func TestHIncrByFloatLongDouble(t *testing.T) {
	d := hsDB(t)
	w := hsW(hsT0)
	// Expected strings come from glibc on x86-64: strtold, one long double
	// addition, printf("%.17Lf") with trailing zeros stripped, as Pika does.
	cases := []struct{ incr, want string }{
		{"10.5", "10.5"},
		{"0.1", "10.6"},
		{"-10.6", "0"},
		{"0.1", "0.1"},
		{"0.2", "0.3"}, // float64 would give 0.30000000000000004
		{"1e3", "1000.29999999999999999"},
		{"-2000", "-999.70000000000000001"},
	}
	for _, c := range cases {
		v, err := d.HIncrByFloat(w, []byte("h"), []byte("f"), []byte(c.incr))
		require.NoError(t, err, c.incr)
		require.Equal(t, c.want, string(v), "after +%s", c.incr)
		stored, err := d.HGet([]byte("h"), []byte("f"), hsT0)
		require.NoError(t, err)
		require.Equal(t, c.want, string(stored))
	}
	v, err := d.HIncrByFloat(w, []byte("h"), []byte("e"), []byte("5.0e3"))
	require.NoError(t, err)
	require.Equal(t, "5000", string(v))

	_, err = d.HIncrByFloat(w, []byte("h"), []byte("f"), []byte("abc"))
	require.ErrorIs(t, err, ErrNotFloat)
	_, err = d.HIncrByFloat(w, []byte("h"), []byte("f"), []byte("inf"))
	require.ErrorIs(t, err, ErrIncrNaNOrInf)
	_, err = d.HSet(w, []byte("h"), hsFV("s", "x1"))
	require.NoError(t, err)
	_, err = d.HIncrByFloat(w, []byte("h"), []byte("s"), []byte("1"))
	require.ErrorIs(t, err, ErrHashNotFloat)
}

func TestHashExpiryWithInjectedNow(t *testing.T) {
	d := hsDB(t)
	_, err := d.HSet(hsW(hsT0), []byte("h"), hsFV("f", "v"))
	require.NoError(t, err)
	_, version, _ := hsRawMeta(t, d, KindHashes, "h")
	// Give the hash a TTL ending at T0+10 s by rewriting its meta as EXPIRE does.
	exp := int32(hsT0/1000) + 10
	hsPut(t, d, KindHashes, cfMeta, []byte("h"), hsMeta(1, version, exp))

	v, err := d.HGet([]byte("h"), []byte("f"), hsT0+10_999)
	require.NoError(t, err, "alive during the second it expires")
	require.Equal(t, "v", string(v))
	_, err = d.HGet([]byte("h"), []byte("f"), hsT0+11_000)
	require.ErrorIs(t, err, ErrNotFound)
	l, err := d.HLen([]byte("h"), hsT0+11_000)
	require.NoError(t, err)
	require.EqualValues(t, 0, l)

	// A write after expiry starts over: new version, no TTL, old field gone.
	later := hsT0 + 20_000
	n, err := d.HSet(hsW(later), []byte("h"), hsFV("g", "w"))
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	count, v2, ts := hsRawMeta(t, d, KindHashes, "h")
	require.EqualValues(t, 1, count)
	require.EqualValues(t, later/1000, v2)
	require.EqualValues(t, 0, ts)
	all, err := d.HGetAll([]byte("h"), later)
	require.NoError(t, err)
	require.Equal(t, []string{"g", "w"}, hsFlat(all))
}

func TestHashVersionBump(t *testing.T) {
	d := hsDB(t)
	w := hsW(hsT0)
	_, err := d.HSet(w, []byte("h"), hsFV("old", "1", "both", "1"))
	require.NoError(t, err)
	_, v1, _ := hsRawMeta(t, d, KindHashes, "h")
	require.EqualValues(t, hsT0/1000, v1)

	// DEL as Pika does it: the meta is rewritten with count 0 and a bumped
	// version (here in the same second: version+1).
	hsPut(t, d, KindHashes, cfMeta, []byte("h"), hsMeta(0, v1+1, 0))
	_, err = d.HGet([]byte("h"), []byte("old"), hsT0)
	require.ErrorIs(t, err, ErrNotFound)

	n, err := d.HSet(w, []byte("h"), hsFV("both", "2"))
	require.NoError(t, err)
	require.EqualValues(t, 1, n, "a field of the old version does not count as existing")
	count, v2, _ := hsRawMeta(t, d, KindHashes, "h")
	require.EqualValues(t, 1, count)
	require.EqualValues(t, v1+2, v2, "re-adding in the same second bumps past the deleted meta's version")
	all, err := d.HGetAll([]byte("h"), hsT0)
	require.NoError(t, err)
	require.Equal(t, []string{"both", "2"}, hsFlat(all), "old fields are invisible")

	// The old records are still on disk until compaction.
	raw := hsRaw(t, d, KindHashes, cfData)
	require.Len(t, raw, 3)
}

func TestHashFormatMatchesSpecExample(t *testing.T) {
	d := hsDB(t)
	// Spec §2.2: HSET h f v at version 0x65A1B2C3.
	n, err := d.HSet(hsW(hsT0+999), []byte("h"), hsFV("f", "v"))
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	require.Equal(t, []hsRecord{{
		Key:   "\x68",
		Value: "\x01\x00\x00\x00\xC3\xB2\xA1\x65\x00\x00\x00\x00",
	}}, hsRaw(t, d, KindHashes, cfMeta))
	require.Equal(t, []hsRecord{{
		Key:   "\x01\x00\x00\x00\x68\xC3\xB2\xA1\x65\x66",
		Value: "\x76",
	}}, hsRaw(t, d, KindHashes, cfData))

	_, err = d.HIncrBy(hsW(hsT0), []byte("h"), []byte("n"), 12)
	require.NoError(t, err)
	require.Equal(t, []hsRecord{
		{"\x01\x00\x00\x00\x68\xC3\xB2\xA1\x65\x66", "\x76"},
		{"\x01\x00\x00\x00\x68\xC3\xB2\xA1\x65\x6e", "12"},
	}, hsRaw(t, d, KindHashes, cfData))
	require.Equal(t, "\x02\x00\x00\x00\xC3\xB2\xA1\x65\x00\x00\x00\x00", hsRaw(t, d, KindHashes, cfMeta)[0].Value)
}

func TestHashReadsPikaLayout(t *testing.T) {
	d := hsDB(t)
	// Records written by hand in Pika's layout: version 1000, TTL at 5000 s,
	// two fields, and a stale field of an older version that must stay hidden.
	hsPut(t, d, KindHashes, cfMeta, []byte("user:1"), hsMeta(2, 1000, 5000))
	hsPut(t, d, KindHashes, cfData, hsDataKey("user:1", 1000, "name"), []byte("ann"))
	hsPut(t, d, KindHashes, cfData, hsDataKey("user:1", 1000, "age"), []byte("41"))
	hsPut(t, d, KindHashes, cfData, hsDataKey("user:1", 999, "gone"), []byte("x"))
	// A neighbouring key whose records must not leak into user:1.
	hsPut(t, d, KindHashes, cfMeta, []byte("user:10"), hsMeta(1, 1000, 0))
	hsPut(t, d, KindHashes, cfData, hsDataKey("user:10", 1000, "zz"), []byte("other"))

	now := int64(4000_000)
	all, err := d.HGetAll([]byte("user:1"), now)
	require.NoError(t, err)
	require.Equal(t, []string{"age", "41", "name", "ann"}, hsFlat(all))
	l, err := d.HLen([]byte("user:1"), now)
	require.NoError(t, err)
	require.EqualValues(t, 2, l)
	_, err = d.HGet([]byte("user:1"), []byte("gone"), now)
	require.ErrorIs(t, err, ErrNotFound)
	all, err = d.HGetAll([]byte("user:1"), 5001_000)
	require.NoError(t, err)
	require.Empty(t, all, "expired at ts 5000")

	// Writing to it keeps Pika's layout: version and TTL are preserved.
	n, err := d.HSet(hsW(now), []byte("user:1"), hsFV("city", "oslo"))
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	require.Equal(t, string(hsMeta(3, 1000, 5000)), hsRaw(t, d, KindHashes, cfMeta)[0].Value)
}

func TestHashCorruptMeta(t *testing.T) {
	d := hsDB(t)
	hsPut(t, d, KindHashes, cfMeta, []byte("bad"), []byte{1, 2, 3, 4, 5})
	_, err := d.HGet([]byte("bad"), []byte("f"), hsT0)
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = d.HGetAll([]byte("bad"), hsT0)
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = d.HLen([]byte("bad"), hsT0)
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = d.HSet(hsW(hsT0), []byte("bad"), hsFV("f", "v"))
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = d.HDel(hsW(hsT0), []byte("bad"), hsB("f"))
	require.ErrorIs(t, err, ErrCorrupt)
	hsPut(t, d, KindHashes, cfMeta, []byte("neg"), hsMeta(-1, 5, 0))
	_, err = d.HLen([]byte("neg"), hsT0)
	require.ErrorIs(t, err, ErrCorrupt)
}

func TestHRandFieldDeterministic(t *testing.T) {
	d := hsDB(t)
	var pairs []string
	for i := 0; i < 50; i++ {
		pairs = append(pairs, string(rune('a'+i%26))+string(rune('a'+i/26)), "v")
	}
	_, err := d.HSet(hsW(hsT0), []byte("h"), hsFV(pairs...))
	require.NoError(t, err)
	a, err := d.HRandField([]byte("h"), 5, 42, hsT0)
	require.NoError(t, err)
	b, err := d.HRandField([]byte("h"), 5, 42, hsT0)
	require.NoError(t, err)
	require.Len(t, a, 5)
	require.Equal(t, a, b)
	c, err := d.HRandField([]byte("h"), -80, 7, hsT0)
	require.NoError(t, err)
	require.Len(t, c, 80)
	all, err := d.HRandField([]byte("h"), 100, 7, hsT0)
	require.NoError(t, err)
	require.Len(t, all, 50)
}
