package engine

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// zsNow is the injected test time (ms); versions created at it are zsNowSec.
const (
	zsNow    int64 = 1_790_000_000_000
	zsNowSec int32 = 1_790_000_000
)

func zsDB(t *testing.T) *DB {
	t.Helper()
	d, err := openTestEngine(t).DB(0)
	require.NoError(t, err)
	return d
}

func zsW(ms int64) Writer { return Writer{NowMs: ms} }

func sm(member string, score float64) ScoreMember {
	return ScoreMember{Member: []byte(member), Score: score}
}

func zsAdd(t *testing.T, d *DB, key string, members ...ScoreMember) int64 {
	t.Helper()
	res, err := d.ZAdd(zsW(zsNow), []byte(key), ZAddOptions{}, members)
	require.NoError(t, err)
	return res.Count
}

// zsAll returns "member score" pairs of ZRANGE 0 -1.
func zsAll(t *testing.T, d *DB, key string, nowMs int64) []ScoreMember {
	t.Helper()
	out, err := d.ZRange([]byte(key), 0, -1, false, nowMs)
	require.NoError(t, err)
	return out
}

func zsMembers(sms []ScoreMember) []string {
	out := make([]string, len(sms))
	for i, s := range sms {
		out[i] = string(s.Member)
	}
	return out
}

func TestZAddScoreCardOrder(t *testing.T) {
	d := zsDB(t)
	negZero := math.Copysign(0, -1)
	n := zsAdd(t, d, "z", sm("c", 1e10), sm("b", 0), sm("a", -1.5), sm("e", math.Inf(1)),
		sm("d", math.Inf(-1)), sm("nz", negZero), sm("y", 2), sm("x", 2))
	require.EqualValues(t, 8, n)
	card, err := d.ZCard([]byte("z"), zsNow)
	require.NoError(t, err)
	require.EqualValues(t, 8, card)
	// Equal scores order by member bytes; -0.0 equals 0.0.
	require.Equal(t, []string{"d", "a", "b", "nz", "x", "y", "c", "e"}, zsMembers(zsAll(t, d, "z", zsNow)))
	s, err := d.ZScore([]byte("z"), []byte("nz"), zsNow)
	require.NoError(t, err)
	require.True(t, math.Signbit(s), "-0.0 keeps its sign")
	s, err = d.ZScore([]byte("z"), []byte("c"), zsNow)
	require.NoError(t, err)
	require.Equal(t, 1e10, s)
	_, err = d.ZScore([]byte("z"), []byte("nope"), zsNow)
	require.ErrorIs(t, err, ErrNotFound)
	_, err = d.ZScore([]byte("missing"), []byte("a"), zsNow)
	require.ErrorIs(t, err, ErrNotFound)
	scores, err := d.ZMScore([]byte("z"), [][]byte{[]byte("e"), []byte("nope"), []byte("d")}, zsNow)
	require.NoError(t, err)
	require.Equal(t, math.Inf(1), *scores[0])
	require.Nil(t, scores[1])
	require.Equal(t, math.Inf(-1), *scores[2])

	// Re-adding with the same score changes nothing; a new score moves the member.
	require.EqualValues(t, 0, zsAdd(t, d, "z", sm("a", -1.5)))
	require.EqualValues(t, 0, zsAdd(t, d, "z", sm("a", 5)))
	require.Equal(t, []string{"d", "b", "nz", "x", "y", "a", "c", "e"}, zsMembers(zsAll(t, d, "z", zsNow)))
	// A member given twice ends with its last score and counts once.
	require.EqualValues(t, 1, zsAdd(t, d, "z", sm("m", 1), sm("m", 3)))
	s, err = d.ZScore([]byte("z"), []byte("m"), zsNow)
	require.NoError(t, err)
	require.Equal(t, 3.0, s)
	zsCheckRecords(t, d, "z")
}

func TestZAddFlags(t *testing.T) {
	d := zsDB(t)
	w := zsW(zsNow)
	k := []byte("z")
	zsAdd(t, d, "z", sm("a", 1), sm("b", 2))
	add := func(o ZAddOptions, members ...ScoreMember) ZAddResult {
		t.Helper()
		res, err := d.ZAdd(w, k, o, members)
		require.NoError(t, err)
		return res
	}
	score := func(m string) float64 {
		s, err := d.ZScore(k, []byte(m), zsNow)
		require.NoError(t, err)
		return s
	}
	require.EqualValues(t, 1, add(ZAddOptions{NX: true}, sm("a", 10), sm("c", 3)).Count)
	require.Equal(t, 1.0, score("a"))
	require.EqualValues(t, 0, add(ZAddOptions{XX: true}, sm("a", 10), sm("d", 3)).Count)
	require.Equal(t, 10.0, score("a"))
	_, err := d.ZScore(k, []byte("d"), zsNow)
	require.ErrorIs(t, err, ErrNotFound)
	require.EqualValues(t, 2, add(ZAddOptions{XX: true, CH: true}, sm("a", 11), sm("b", 5), sm("c", 3)).Count)
	// GT/LT only update in their direction but still add new members.
	require.EqualValues(t, 2, add(ZAddOptions{GT: true, CH: true}, sm("a", 1), sm("b", 6), sm("e", 1)).Count)
	require.Equal(t, 11.0, score("a"))
	require.Equal(t, 6.0, score("b"))
	require.EqualValues(t, 1, add(ZAddOptions{LT: true, CH: true}, sm("a", 12), sm("b", 0)).Count)
	require.Equal(t, 0.0, score("b"))

	res := add(ZAddOptions{Incr: true}, sm("a", 2.5))
	require.Equal(t, 13.5, res.Score)
	require.False(t, res.Aborted)
	res = add(ZAddOptions{Incr: true, NX: true}, sm("a", 1))
	require.True(t, res.Aborted)
	res = add(ZAddOptions{Incr: true, GT: true}, sm("a", -1))
	require.True(t, res.Aborted)
	require.Equal(t, 13.5, score("a"))

	for _, tc := range []struct {
		o    ZAddOptions
		want error
	}{
		{ZAddOptions{NX: true, XX: true}, ErrZAddXXNX},
		{ZAddOptions{GT: true, LT: true}, ErrZAddGTLTNX},
		{ZAddOptions{NX: true, GT: true}, ErrZAddGTLTNX},
	} {
		_, err := d.ZAdd(w, k, tc.o, []ScoreMember{sm("a", 1)})
		require.ErrorIs(t, err, tc.want)
	}
	_, err = d.ZAdd(w, k, ZAddOptions{Incr: true}, []ScoreMember{sm("a", 1), sm("b", 1)})
	require.EqualError(t, err, "ERR INCR option supports a single increment-element pair")
	_, err = d.ZAdd(w, k, ZAddOptions{}, []ScoreMember{sm("a", math.NaN())})
	require.EqualError(t, err, "ERR value is not a valid float")
	zsCheckRecords(t, d, "z")
}

func TestZIncrBy(t *testing.T) {
	d := zsDB(t)
	w := zsW(zsNow)
	s, err := d.ZIncrBy(w, []byte("z"), 2.5, []byte("m"))
	require.NoError(t, err)
	require.Equal(t, 2.5, s)
	s, err = d.ZIncrBy(w, []byte("z"), -5, []byte("m"))
	require.NoError(t, err)
	require.Equal(t, -2.5, s)
	s, err = d.ZIncrBy(w, []byte("z"), math.Inf(1), []byte("m"))
	require.NoError(t, err)
	require.True(t, math.IsInf(s, 1))
	_, err = d.ZIncrBy(w, []byte("z"), math.Inf(-1), []byte("m"))
	require.ErrorIs(t, err, ErrScoreNaN)
	require.Equal(t, []ScoreMember{sm("m", math.Inf(1))}, zsAll(t, d, "z", zsNow))
	zsCheckRecords(t, d, "z")
}

func TestZRemAndVersionBump(t *testing.T) {
	d := zsDB(t)
	w := zsW(zsNow)
	zsAdd(t, d, "z", sm("a", 1), sm("b", 2))
	n, err := d.ZRem(w, []byte("z"), [][]byte{[]byte("a"), []byte("a"), []byte("x")})
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	n, err = d.ZRem(w, []byte("z"), [][]byte{[]byte("b")})
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	// The last removal leaves an empty meta with the same version.
	m := zsRawMeta(t, d, "z")
	require.Equal(t, baseMeta{Count: 0, Version: zsNowSec}, m)
	card, err := d.ZCard([]byte("z"), zsNow)
	require.NoError(t, err)
	require.Zero(t, card)
	require.Empty(t, zsAll(t, d, "z", zsNow))
	// Re-creating at the same second bumps the version to old+1.
	zsAdd(t, d, "z", sm("c", 3))
	require.Equal(t, baseMeta{Count: 1, Version: zsNowSec + 1}, zsRawMeta(t, d, "z"))
	require.Equal(t, []ScoreMember{sm("c", 3)}, zsAll(t, d, "z", zsNow))
	n, err = d.ZRem(w, []byte("missing"), [][]byte{[]byte("a")})
	require.NoError(t, err)
	require.Zero(t, n)
}

func TestZSetExpiryWithInjectedNow(t *testing.T) {
	d := zsDB(t)
	zsAdd(t, d, "z", sm("a", 1), sm("b", 2))
	// Give the key a TTL ending at zsNowSec+10 (as EXPIRE would).
	m := zsRawMeta(t, d, "z")
	m.TS = zsNowSec + 10
	zsRawPut(t, d, cfMeta, []byte("z"), m.encode())
	alive := zsNow + 10_999 // the expiry second itself is still alive
	dead := zsNow + 11_000
	require.Len(t, zsAll(t, d, "z", alive), 2)
	require.Empty(t, zsAll(t, d, "z", dead))
	card, err := d.ZCard([]byte("z"), dead)
	require.NoError(t, err)
	require.Zero(t, card)
	_, err = d.ZScore([]byte("z"), []byte("a"), dead)
	require.ErrorIs(t, err, ErrNotFound)
	// A write after expiry starts a fresh zset with a new version, no TTL.
	res, err := d.ZAdd(zsW(dead), []byte("z"), ZAddOptions{}, []ScoreMember{sm("c", 3)})
	require.NoError(t, err)
	require.EqualValues(t, 1, res.Count)
	require.Equal(t, baseMeta{Count: 1, Version: zsNowSec + 11}, zsRawMeta(t, d, "z"))
	require.Equal(t, []ScoreMember{sm("c", 3)}, zsAll(t, d, "z", dead))
	zsCheckRecords(t, d, "z")
}

func TestZRangeByRank(t *testing.T) {
	d := zsDB(t)
	zsAdd(t, d, "z", sm("a", 1), sm("b", 2), sm("c", 3), sm("d", 4))
	rng := func(start, stop int64, rev bool) []string {
		out, err := d.ZRange([]byte("z"), start, stop, rev, zsNow)
		require.NoError(t, err)
		return zsMembers(out)
	}
	require.Equal(t, []string{"a", "b", "c", "d"}, rng(0, -1, false))
	require.Equal(t, []string{"b", "c"}, rng(1, 2, false))
	require.Equal(t, []string{"c", "d"}, rng(-2, 100, false))
	require.Equal(t, []string{"a"}, rng(-100, 0, false))
	require.Empty(t, rng(3, 1, false))
	require.Empty(t, rng(4, 10, false))
	require.Equal(t, []string{"d", "c", "b", "a"}, rng(0, -1, true))
	require.Equal(t, []string{"c", "b"}, rng(1, 2, true))
	require.Empty(t, zsAll(t, d, "missing", zsNow))

	for i, m := range []string{"a", "b", "c", "d"} {
		r, err := d.ZRank([]byte("z"), []byte(m), false, zsNow)
		require.NoError(t, err)
		require.EqualValues(t, i, r)
		r, err = d.ZRank([]byte("z"), []byte(m), true, zsNow)
		require.NoError(t, err)
		require.EqualValues(t, 3-i, r)
	}
	_, err := d.ZRank([]byte("z"), []byte("x"), false, zsNow)
	require.ErrorIs(t, err, ErrNotFound)
}

func TestZRangeByScore(t *testing.T) {
	d := zsDB(t)
	zsAdd(t, d, "z", sm("ninf", math.Inf(-1)), sm("n", -2), sm("a", 1), sm("b", 1), sm("c", 2),
		sm("big", 1e10), sm("pinf", math.Inf(1)))
	byScore := func(r ScoreRange, rev bool, lim Limit) []string {
		out, err := d.ZRangeByScore([]byte("z"), r, rev, lim, zsNow)
		require.NoError(t, err)
		return zsMembers(out)
	}
	all := ScoreRange{Min: math.Inf(-1), Max: math.Inf(1)}
	require.Equal(t, []string{"ninf", "n", "a", "b", "c", "big", "pinf"}, byScore(all, false, NoLimit))
	require.Equal(t, []string{"pinf", "big", "c", "b", "a", "n", "ninf"}, byScore(all, true, NoLimit))
	require.Equal(t, []string{"n", "a", "b", "c", "big"}, byScore(ScoreRange{Min: math.Inf(-1), Max: math.Inf(1), MinEx: true, MaxEx: true}, false, NoLimit))
	require.Equal(t, []string{"a", "b", "c"}, byScore(ScoreRange{Min: 1, Max: 2}, false, NoLimit))
	require.Equal(t, []string{"c"}, byScore(ScoreRange{Min: 1, Max: 2, MinEx: true}, false, NoLimit))
	require.Equal(t, []string{"a", "b"}, byScore(ScoreRange{Min: 1, Max: 2, MaxEx: true}, false, NoLimit))
	require.Equal(t, []string{"b", "a"}, byScore(ScoreRange{Min: 1, Max: 2, MaxEx: true}, true, NoLimit))
	require.Equal(t, []string{"c", "b", "a"}, byScore(ScoreRange{Min: 1, Max: 2}, true, NoLimit))
	require.Equal(t, []string{"b", "c"}, byScore(all, false, Limit{Offset: 3, Count: 2}))
	require.Equal(t, []string{"c", "b"}, byScore(all, true, Limit{Offset: 2, Count: 2}))
	require.Equal(t, []string{"big", "pinf"}, byScore(all, false, Limit{Offset: 5, Count: -1}))
	require.Empty(t, byScore(all, false, Limit{Offset: -1, Count: 2}))
	require.Empty(t, byScore(all, false, Limit{Offset: 0, Count: 0}))
	require.Empty(t, byScore(ScoreRange{Min: 3, Max: 2}, false, NoLimit))
	require.Equal(t, []string{"big"}, byScore(ScoreRange{Min: 1e10, Max: 1e10}, true, NoLimit))
	require.Equal(t, []string{"n"}, byScore(ScoreRange{Min: -2, Max: -2}, false, NoLimit))

	n, err := d.ZCount([]byte("z"), ScoreRange{Min: 1, Max: 1e10, MinEx: true}, zsNow)
	require.NoError(t, err)
	require.EqualValues(t, 2, n)
	n, err = d.ZCount([]byte("z"), all, zsNow)
	require.NoError(t, err)
	require.EqualValues(t, 7, n)
}

func TestZRangeByLex(t *testing.T) {
	d := zsDB(t)
	zsAdd(t, d, "z", sm("a", 0), sm("b", 0), sm("c", 0), sm("d", 0), sm("e", 0))
	lex := func(r LexRange, rev bool, lim Limit) []string {
		out, err := d.ZRangeByLex([]byte("z"), r, rev, lim, zsNow)
		require.NoError(t, err)
		return zsMembers(out)
	}
	incl := func(s string) LexBound { return LexBound{Value: []byte(s)} }
	excl := func(s string) LexBound { return LexBound{Value: []byte(s), Exclusive: true} }
	minusInf, plusInf := LexBound{Inf: -1}, LexBound{Inf: 1}
	require.Equal(t, []string{"a", "b", "c", "d", "e"}, lex(LexRange{minusInf, plusInf}, false, NoLimit))
	require.Equal(t, []string{"b", "c"}, lex(LexRange{incl("b"), excl("d")}, false, NoLimit))
	require.Equal(t, []string{"c", "d"}, lex(LexRange{excl("b"), incl("d")}, false, NoLimit))
	require.Equal(t, []string{"d", "c"}, lex(LexRange{excl("b"), incl("d")}, true, NoLimit))
	require.Equal(t, []string{"c", "b"}, lex(LexRange{incl("b"), excl("d")}, true, NoLimit))
	require.Equal(t, []string{"e", "d"}, lex(LexRange{minusInf, plusInf}, true, Limit{Count: 2}))
	require.Equal(t, []string{"a", "b"}, lex(LexRange{minusInf, incl("bb")}, false, NoLimit))
	require.Equal(t, []string{"b", "a"}, lex(LexRange{minusInf, incl("bb")}, true, NoLimit))
	require.Empty(t, lex(LexRange{plusInf, minusInf}, false, NoLimit))
	require.Empty(t, lex(LexRange{incl("d"), incl("b")}, false, NoLimit))
	n, err := d.ZLexCount([]byte("z"), LexRange{incl("b"), plusInf}, zsNow)
	require.NoError(t, err)
	require.EqualValues(t, 4, n)
}

func TestZRemRangesAndPop(t *testing.T) {
	d := zsDB(t)
	w := zsW(zsNow)
	fill := func() {
		_, err := d.ZStore(w, []byte("z"), []ScoreMember{sm("a", 1), sm("b", 2), sm("c", 3), sm("d", 4), sm("e", 5)})
		require.NoError(t, err)
	}
	fill()
	n, err := d.ZRemRangeByRank(w, []byte("z"), 1, -2)
	require.NoError(t, err)
	require.EqualValues(t, 3, n)
	require.Equal(t, []string{"a", "e"}, zsMembers(zsAll(t, d, "z", zsNow)))
	zsCheckRecords(t, d, "z")

	fill()
	n, err = d.ZRemRangeByScore(w, []byte("z"), ScoreRange{Min: 2, Max: 4, MinEx: true})
	require.NoError(t, err)
	require.EqualValues(t, 2, n)
	require.Equal(t, []string{"a", "b", "e"}, zsMembers(zsAll(t, d, "z", zsNow)))
	zsCheckRecords(t, d, "z")

	fill()
	n, err = d.ZRemRangeByLex(w, []byte("z"), LexRange{Min: LexBound{Value: []byte("b")}, Max: LexBound{Value: []byte("d"), Exclusive: true}})
	require.NoError(t, err)
	require.EqualValues(t, 2, n)
	require.Equal(t, []string{"a", "d", "e"}, zsMembers(zsAll(t, d, "z", zsNow)))

	fill()
	popped, err := d.ZPop(w, []byte("z"), 2, false)
	require.NoError(t, err)
	require.Equal(t, []ScoreMember{sm("a", 1), sm("b", 2)}, popped)
	popped, err = d.ZPop(w, []byte("z"), 1, true)
	require.NoError(t, err)
	require.Equal(t, []ScoreMember{sm("e", 5)}, popped)
	popped, err = d.ZPop(w, []byte("z"), 10, true)
	require.NoError(t, err)
	require.Equal(t, []ScoreMember{sm("d", 4), sm("c", 3)}, popped)
	card, err := d.ZCard([]byte("z"), zsNow)
	require.NoError(t, err)
	require.Zero(t, card)
	popped, err = d.ZPop(w, []byte("z"), 1, false)
	require.NoError(t, err)
	require.Empty(t, popped)
	zsCheckRecords(t, d, "z")
}

func TestZUnionInterStore(t *testing.T) {
	d := zsDB(t)
	w := zsW(zsNow)
	zsAdd(t, d, "a", sm("x", 1), sm("y", 2), sm("inf", math.Inf(1)))
	zsAdd(t, d, "b", sm("y", 10), sm("z", 20), sm("inf", math.Inf(-1)))
	zsAdd(t, d, "dst", sm("old", 1))
	oldVersion := zsRawMeta(t, d, "dst").Version
	keys := [][]byte{[]byte("a"), []byte("b"), []byte("missing")}
	n, err := d.ZUnionStore(w, []byte("dst"), keys, nil, AggSum)
	require.NoError(t, err)
	require.EqualValues(t, 4, n)
	// inf + -inf is NaN, which Redis turns into 0.
	require.Equal(t, []ScoreMember{sm("inf", 0), sm("x", 1), sm("y", 12), sm("z", 20)}, zsAll(t, d, "dst", zsNow))
	require.Equal(t, oldVersion+1, zsRawMeta(t, d, "dst").Version, "destination replaced with a version bump")
	zsCheckRecords(t, d, "dst")

	n, err = d.ZUnionStore(w, []byte("dst"), keys[:2], []float64{2, 0.5}, AggMax)
	require.NoError(t, err)
	require.EqualValues(t, 4, n)
	require.Equal(t, []ScoreMember{sm("x", 2), sm("y", 5), sm("z", 10), sm("inf", math.Inf(1))}, zsAll(t, d, "dst", zsNow))

	n, err = d.ZInterStore(w, []byte("dst"), keys[:2], nil, AggMin)
	require.NoError(t, err)
	require.EqualValues(t, 2, n)
	require.Equal(t, []ScoreMember{sm("inf", math.Inf(-1)), sm("y", 2)}, zsAll(t, d, "dst", zsNow))
	// 0 * inf is NaN, which Redis turns into 0.
	n, err = d.ZInterStore(w, []byte("dst"), keys[:2], []float64{0, 1}, AggSum)
	require.NoError(t, err)
	require.EqualValues(t, 2, n)
	require.Equal(t, []ScoreMember{sm("inf", math.Inf(-1)), sm("y", 10)}, zsAll(t, d, "dst", zsNow))

	// A source that is also the destination is read before it is replaced.
	n, err = d.ZInterStore(w, []byte("a"), [][]byte{[]byte("a"), []byte("b")}, nil, AggSum)
	require.NoError(t, err)
	require.EqualValues(t, 2, n)
	require.Equal(t, []ScoreMember{sm("inf", 0), sm("y", 12)}, zsAll(t, d, "a", zsNow))

	// An empty result deletes the destination.
	n, err = d.ZInterStore(w, []byte("dst"), keys, nil, AggSum)
	require.NoError(t, err)
	require.Zero(t, n)
	require.Empty(t, zsAll(t, d, "dst", zsNow))
	zsCheckRecords(t, d, "dst")
	zsCheckRecords(t, d, "a")
}

func TestZScan(t *testing.T) {
	d := zsDB(t)
	var members []ScoreMember
	for i := 0; i < 25; i++ {
		members = append(members, sm(string(rune('a'+i)), float64(25-i)))
	}
	zsAdd(t, d, "z", members...)
	var got []string
	cursor := uint64(0)
	for i := 0; ; i++ {
		require.Less(t, i, 10)
		next, page, err := d.ZScan([]byte("z"), cursor, nil, 10, zsNow)
		require.NoError(t, err)
		got = append(got, zsMembers(page)...)
		if next == 0 {
			break
		}
		cursor = next
	}
	require.Len(t, got, 25)
	require.Equal(t, "a", got[0])
	require.Equal(t, "y", got[24])
	next, page, err := d.ZScan([]byte("z"), 0, func(m []byte) bool { return m[0] < 'c' }, 100, zsNow)
	require.NoError(t, err)
	require.Zero(t, next)
	require.Equal(t, []ScoreMember{sm("a", 25), sm("b", 24)}, page)
}
