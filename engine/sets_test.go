package engine

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSAddRemCard(t *testing.T) {
	d := hsDB(t)
	w := hsW(hsT0)
	n, err := d.SAdd(w, []byte("s"), hsB("b", "a", "b", "c"))
	require.NoError(t, err)
	require.EqualValues(t, 3, n)
	n, err = d.SAdd(w, []byte("s"), hsB("a", "d"))
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	c, err := d.SCard([]byte("s"), hsT0)
	require.NoError(t, err)
	require.EqualValues(t, 4, c)
	m, err := d.SMembers([]byte("s"), hsT0)
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b", "c", "d"}, hsS(m))

	ok, err := d.SIsMember([]byte("s"), []byte("c"), hsT0)
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = d.SIsMember([]byte("s"), []byte("z"), hsT0)
	require.NoError(t, err)
	require.False(t, ok)
	res, err := d.SMIsMember([]byte("s"), hsB("z", "a", "d"), hsT0)
	require.NoError(t, err)
	require.Equal(t, []bool{false, true, true}, res)
	res, err = d.SMIsMember([]byte("nokey"), hsB("a"), hsT0)
	require.NoError(t, err)
	require.Equal(t, []bool{false}, res)

	n, err = d.SRem(w, []byte("s"), hsB("a", "a", "z"))
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	n, err = d.SRem(w, []byte("s"), hsB("b", "c", "d"))
	require.NoError(t, err)
	require.EqualValues(t, 3, n)
	c, err = d.SCard([]byte("s"), hsT0)
	require.NoError(t, err)
	require.EqualValues(t, 0, c)
	count, version, _ := hsRawMeta(t, d, KindSets, "s")
	require.EqualValues(t, 0, count)
	require.EqualValues(t, hsT0/1000, version)
	require.Empty(t, hsRaw(t, d, KindSets, cfData))

	// Re-adding to the empty set starts a new version.
	_, err = d.SAdd(w, []byte("s"), hsB("x"))
	require.NoError(t, err)
	count, v2, _ := hsRawMeta(t, d, KindSets, "s")
	require.EqualValues(t, 1, count)
	require.EqualValues(t, version+1, v2)
}

func TestSetFormatByHand(t *testing.T) {
	d := hsDB(t)
	_, err := d.SAdd(hsW(hsT0), []byte("s"), hsB("m2", "m1"))
	require.NoError(t, err)
	require.Equal(t, []hsRecord{{"s", "\x02\x00\x00\x00\xC3\xB2\xA1\x65\x00\x00\x00\x00"}},
		hsRaw(t, d, KindSets, cfMeta))
	require.Equal(t, []hsRecord{
		{"\x01\x00\x00\x00s\xC3\xB2\xA1\x65m1", ""},
		{"\x01\x00\x00\x00s\xC3\xB2\xA1\x65m2", ""},
	}, hsRaw(t, d, KindSets, cfData))
}

func TestSetReadsPikaLayout(t *testing.T) {
	d := hsDB(t)
	hsPut(t, d, KindSets, cfMeta, []byte("tags"), hsMeta(2, 77, 0))
	hsPut(t, d, KindSets, cfData, hsDataKey("tags", 77, "go"), nil)
	hsPut(t, d, KindSets, cfData, hsDataKey("tags", 77, "c++"), nil)
	hsPut(t, d, KindSets, cfData, hsDataKey("tags", 76, "old"), nil)
	m, err := d.SMembers([]byte("tags"), hsT0)
	require.NoError(t, err)
	require.Equal(t, []string{"c++", "go"}, hsS(m))
	ok, err := d.SIsMember([]byte("tags"), []byte("old"), hsT0)
	require.NoError(t, err)
	require.False(t, ok)
	// An empty meta (count 0) is a missing set even with records of its version.
	hsPut(t, d, KindSets, cfMeta, []byte("tags"), hsMeta(0, 77, 0))
	m, err = d.SMembers([]byte("tags"), hsT0)
	require.NoError(t, err)
	require.Empty(t, m)
	n, err := d.SAdd(hsW(hsT0), []byte("tags"), hsB("go"))
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	_, version, _ := hsRawMeta(t, d, KindSets, "tags")
	require.EqualValues(t, hsT0/1000, version, "version = now when the old one is below now")
}

func TestSetCorruptMeta(t *testing.T) {
	d := hsDB(t)
	hsPut(t, d, KindSets, cfMeta, []byte("bad"), []byte("short"))
	_, err := d.SMembers([]byte("bad"), hsT0)
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = d.SAdd(hsW(hsT0), []byte("bad"), hsB("a"))
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = d.SPop(hsW(hsT0), []byte("bad"), 1, 1)
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = d.SUnion(hsB("bad"), hsT0)
	require.ErrorIs(t, err, ErrCorrupt)
}

func hsFillSet(t *testing.T, d *DB, key string, n int, ms int64) []string {
	t.Helper()
	var members []string
	for i := 0; i < n; i++ {
		members = append(members, fmt.Sprintf("m%03d", i))
	}
	_, err := d.SAdd(hsW(ms), []byte(key), hsB(members...))
	require.NoError(t, err)
	return members
}

func TestSPopDeterministic(t *testing.T) {
	d1, d2 := hsDB(t), hsDB(t)
	all := hsFillSet(t, d1, "s", 30, hsT0)
	hsFillSet(t, d2, "s", 30, hsT0)
	a, err := d1.SPop(hsW(hsT0), []byte("s"), 4, 12345)
	require.NoError(t, err)
	b, err := d2.SPop(hsW(hsT0), []byte("s"), 4, 12345)
	require.NoError(t, err)
	require.Len(t, a, 4)
	require.Equal(t, a, b, "same seed, same members")
	require.Equal(t, hsRaw(t, d1, KindSets, cfData), hsRaw(t, d2, KindSets, cfData))
	c, err := d1.SCard([]byte("s"), hsT0)
	require.NoError(t, err)
	require.EqualValues(t, 26, c)
	rest, err := d1.SMembers([]byte("s"), hsT0)
	require.NoError(t, err)
	require.ElementsMatch(t, all, append(hsS(rest), hsS(a)...))

	// Different seeds pick differently (with overwhelming probability).
	hsFillSet(t, d1, "t", 30, hsT0)
	hsFillSet(t, d2, "t", 30, hsT0)
	x, err := d1.SPop(hsW(hsT0), []byte("t"), 5, 1)
	require.NoError(t, err)
	y, err := d2.SPop(hsW(hsT0), []byte("t"), 5, 2)
	require.NoError(t, err)
	require.NotEqual(t, x, y)
}

func TestSPopAllDeletesMeta(t *testing.T) {
	d := hsDB(t)
	all := hsFillSet(t, d, "s", 5, hsT0)
	later := hsT0 + 5000
	got, err := d.SPop(hsW(later), []byte("s"), 6, 9)
	require.NoError(t, err)
	require.Equal(t, all, hsS(got))
	require.Empty(t, hsRaw(t, d, KindSets, cfMeta), "count above cardinality deletes the meta outright")
	require.Empty(t, hsRaw(t, d, KindSets, cfData))

	// Exactly the cardinality pops everything but keeps a count-0 meta.
	hsFillSet(t, d, "e", 3, hsT0)
	got, err = d.SPop(hsW(later), []byte("e"), 3, 9)
	require.NoError(t, err)
	require.Len(t, got, 3)
	count, _, _ := hsRawMeta(t, d, KindSets, "e")
	require.EqualValues(t, 0, count)

	// A set whose version is not below now keeps its meta (count 0), so
	// the next set created under that key gets a newer version.
	hsFillSet(t, d, "n", 2, hsT0)
	_, err = d.SPop(hsW(hsT0), []byte("n"), 10, 9)
	require.NoError(t, err)
	count, version, _ := hsRawMeta(t, d, KindSets, "n")
	require.EqualValues(t, 0, count)
	require.EqualValues(t, hsT0/1000, version)

	none, err := d.SPop(hsW(later), []byte("missing"), 1, 9)
	require.NoError(t, err)
	require.Empty(t, none)
}

func TestSRandMember(t *testing.T) {
	d := hsDB(t)
	all := hsFillSet(t, d, "s", 20, hsT0)
	a, err := d.SRandMember([]byte("s"), 5, 99, hsT0)
	require.NoError(t, err)
	b, err := d.SRandMember([]byte("s"), 5, 99, hsT0)
	require.NoError(t, err)
	require.Equal(t, a, b)
	require.Len(t, a, 5)
	require.Subset(t, all, hsS(a))
	seen := map[string]bool{}
	for _, m := range a {
		require.False(t, seen[string(m)], "positive count gives distinct members")
		seen[string(m)] = true
	}
	full, err := d.SRandMember([]byte("s"), 50, 99, hsT0)
	require.NoError(t, err)
	require.Equal(t, all, hsS(full))

	rep, err := d.SRandMember([]byte("s"), -100, 5, hsT0)
	require.NoError(t, err)
	require.Len(t, rep, 100)
	require.Subset(t, all, hsS(rep))
	rep2, err := d.SRandMember([]byte("s"), -100, 5, hsT0)
	require.NoError(t, err)
	require.Equal(t, rep, rep2)
	c, err := d.SCard([]byte("s"), hsT0)
	require.NoError(t, err)
	require.EqualValues(t, 20, c, "SRANDMEMBER changes nothing")

	none, err := d.SRandMember([]byte("missing"), 3, 5, hsT0)
	require.NoError(t, err)
	require.Empty(t, none)
}

func TestSMove(t *testing.T) {
	d := hsDB(t)
	w := hsW(hsT0)
	_, err := d.SAdd(w, []byte("a"), hsB("x", "y"))
	require.NoError(t, err)
	ok, err := d.SMove(w, []byte("a"), []byte("b"), []byte("x"))
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = d.SMove(w, []byte("a"), []byte("b"), []byte("nope"))
	require.NoError(t, err)
	require.False(t, ok)
	ok, err = d.SMove(w, []byte("a"), []byte("a"), []byte("y"))
	require.NoError(t, err)
	require.True(t, ok)
	a, err := d.SMembers([]byte("a"), hsT0)
	require.NoError(t, err)
	require.Equal(t, []string{"y"}, hsS(a))
	b, err := d.SMembers([]byte("b"), hsT0)
	require.NoError(t, err)
	require.Equal(t, []string{"x"}, hsS(b))
	ok, err = d.SMove(w, []byte("a"), []byte("b"), []byte("y"))
	require.NoError(t, err)
	require.True(t, ok)
	ca, err := d.SCard([]byte("a"), hsT0)
	require.NoError(t, err)
	require.EqualValues(t, 0, ca)
	cb, err := d.SCard([]byte("b"), hsT0)
	require.NoError(t, err)
	require.EqualValues(t, 2, cb)
}

func TestSetAlgebraAndStore(t *testing.T) {
	d := hsDB(t)
	w := hsW(hsT0)
	_, err := d.SAdd(w, []byte("a"), hsB("1", "2", "3", "4"))
	require.NoError(t, err)
	_, err = d.SAdd(w, []byte("b"), hsB("3", "4", "5"))
	require.NoError(t, err)
	_, err = d.SAdd(w, []byte("c"), hsB("4", "6"))
	require.NoError(t, err)

	u, err := d.SUnion(hsB("a", "b", "c", "missing"), hsT0)
	require.NoError(t, err)
	require.Equal(t, []string{"1", "2", "3", "4", "5", "6"}, hsS(u))
	i, err := d.SInter(hsB("a", "b", "c"), hsT0)
	require.NoError(t, err)
	require.Equal(t, []string{"4"}, hsS(i))
	i, err = d.SInter(hsB("a", "missing"), hsT0)
	require.NoError(t, err)
	require.Empty(t, i)
	df, err := d.SDiff(hsB("a", "b", "missing"), hsT0)
	require.NoError(t, err)
	require.Equal(t, []string{"1", "2"}, hsS(df))

	// STORE replaces the destination under a new version.
	_, err = d.SAdd(w, []byte("dst"), hsB("old1", "old2"))
	require.NoError(t, err)
	_, v1, _ := hsRawMeta(t, d, KindSets, "dst")
	n, err := d.SInterStore(w, []byte("dst"), hsB("a", "b"))
	require.NoError(t, err)
	require.EqualValues(t, 2, n)
	count, v2, ts := hsRawMeta(t, d, KindSets, "dst")
	require.EqualValues(t, 2, count)
	require.EqualValues(t, v1+1, v2)
	require.EqualValues(t, 0, ts)
	m, err := d.SMembers([]byte("dst"), hsT0)
	require.NoError(t, err)
	require.Equal(t, []string{"3", "4"}, hsS(m))

	// The destination may be one of the sources.
	n, err = d.SUnionStore(w, []byte("a"), hsB("a", "c"))
	require.NoError(t, err)
	require.EqualValues(t, 5, n)
	m, err = d.SMembers([]byte("a"), hsT0)
	require.NoError(t, err)
	require.Equal(t, []string{"1", "2", "3", "4", "6"}, hsS(m))

	n, err = d.SDiffStore(w, []byte("dst"), hsB("b", "a"))
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	m, err = d.SMembers([]byte("dst"), hsT0)
	require.NoError(t, err)
	require.Equal(t, []string{"5"}, hsS(m))

	n, err = d.SDiffStore(w, []byte("dst"), hsB("missing", "a"))
	require.NoError(t, err)
	require.EqualValues(t, 0, n)
	c, err := d.SCard([]byte("dst"), hsT0)
	require.NoError(t, err)
	require.EqualValues(t, 0, c)
}

func TestSetExpiry(t *testing.T) {
	d := hsDB(t)
	hsPut(t, d, KindSets, cfMeta, []byte("s"), hsMeta(1, 100, 200))
	hsPut(t, d, KindSets, cfData, hsDataKey("s", 100, "m"), nil)
	ok, err := d.SIsMember([]byte("s"), []byte("m"), 200_500)
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = d.SIsMember([]byte("s"), []byte("m"), 201_000)
	require.NoError(t, err)
	require.False(t, ok)
	u, err := d.SUnion(hsB("s"), 201_000)
	require.NoError(t, err)
	require.Empty(t, u)
	n, err := d.SAdd(hsW(300_000), []byte("s"), hsB("m"))
	require.NoError(t, err)
	require.EqualValues(t, 1, n, "the expired member is not there any more")
	count, version, ts := hsRawMeta(t, d, KindSets, "s")
	require.Equal(t, []int32{1, 300, 0}, []int32{count, version, ts})
}
