package engine

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"
)

func lrangeAll(t *testing.T, d *DB, key string, nowMs int64) []string {
	t.Helper()
	got, err := d.LRange([]byte(key), 0, -1, nowMs)
	require.NoError(t, err)
	return listStrings(got)
}

func TestListPushOrderAndLength(t *testing.T) {
	d := listTestDB(t)
	w := listW(listTestNowMs)
	n, err := d.RPush(w, []byte("l"), listBytes("a", "b")...)
	require.NoError(t, err)
	require.EqualValues(t, 2, n)
	n, err = d.LPush(w, []byte("l"), listBytes("x", "y")...)
	require.NoError(t, err)
	require.EqualValues(t, 4, n)
	require.Equal(t, []string{"y", "x", "a", "b"}, lrangeAll(t, d, "l", listTestNowMs))
	ln, err := d.LLen([]byte("l"), listTestNowMs)
	require.NoError(t, err)
	require.EqualValues(t, 4, ln)
	left, right, elems := listLayout(t, d, "l")
	require.Equal(t, listInitialLeft-2, left)
	require.Equal(t, listInitialRight+2, right)
	require.Equal(t, []string{"y", "x", "a", "b"}, elems)

	ln, err = d.LLen([]byte("missing"), listTestNowMs)
	require.NoError(t, err)
	require.Zero(t, ln)
}

func TestListPushXOnlyIfExists(t *testing.T) {
	d := listTestDB(t)
	w := listW(listTestNowMs)
	n, err := d.LPushX(w, []byte("l"), []byte("a"))
	require.NoError(t, err)
	require.Zero(t, n)
	n, err = d.RPushX(w, []byte("l"), []byte("a"))
	require.NoError(t, err)
	require.Zero(t, n)
	in := d.inst[KindLists]
	_, err = in.get(in.ro, cfMeta, []byte("l"))
	require.ErrorIs(t, err, ErrNotFound, "PUSHX on a missing list writes nothing")

	_, err = d.RPush(w, []byte("l"), []byte("m"))
	require.NoError(t, err)
	n, err = d.LPushX(w, []byte("l"), listBytes("a", "b")...)
	require.NoError(t, err)
	require.EqualValues(t, 3, n)
	n, err = d.RPushX(w, []byte("l"), []byte("z"))
	require.NoError(t, err)
	require.EqualValues(t, 4, n)
	require.Equal(t, []string{"b", "a", "m", "z"}, lrangeAll(t, d, "l", listTestNowMs))
}

func TestListPop(t *testing.T) {
	d := listTestDB(t)
	w := listW(listTestNowMs)
	_, err := d.LPop(w, []byte("l"), 1)
	require.ErrorIs(t, err, ErrNotFound)
	_, err = d.RPop(w, []byte("l"), 0)
	require.ErrorIs(t, err, ErrNotFound, "a count on a missing list is still not found")

	_, err = d.RPush(w, []byte("l"), listBytes("a", "b", "c", "d", "e")...)
	require.NoError(t, err)
	got, err := d.LPop(w, []byte("l"), 0)
	require.NoError(t, err)
	require.Empty(t, got)
	require.NotNil(t, got)
	got, err = d.LPop(w, []byte("l"), 2)
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b"}, listStrings(got))
	got, err = d.RPop(w, []byte("l"), 1)
	require.NoError(t, err)
	require.Equal(t, []string{"e"}, listStrings(got))
	_, _, elems := listLayout(t, d, "l")
	require.Equal(t, []string{"c", "d"}, elems)

	got, err = d.RPop(w, []byte("l"), 10)
	require.NoError(t, err)
	require.Equal(t, []string{"d", "c"}, listStrings(got))
	require.Empty(t, rawListData(t, d), "popped records are deleted")
	meta := rawListMeta(t, d, "l")
	require.Zero(t, binary.LittleEndian.Uint64(meta), "an emptied list keeps a meta with count 0")
	_, err = d.LPop(w, []byte("l"), 1)
	require.ErrorIs(t, err, ErrNotFound)
	ln, err := d.LLen([]byte("l"), listTestNowMs)
	require.NoError(t, err)
	require.Zero(t, ln)
}

func TestListPushOnEmptyMetaBumpsVersion(t *testing.T) {
	d := listTestDB(t)
	_, err := d.RPush(listW(listTestNowMs), []byte("l"), []byte("a"))
	require.NoError(t, err)
	_, err = d.RPop(listW(listTestNowMs), []byte("l"), 1)
	require.NoError(t, err)
	// Same second: version must still grow (old+1).
	_, err = d.LPush(listW(listTestNowMs+500), []byte("l"), []byte("b"))
	require.NoError(t, err)
	meta := rawListMeta(t, d, "l")
	require.Equal(t, uint32(listTestNowMs/1000+1), binary.LittleEndian.Uint32(meta[8:]))
	left, right, elems := listLayout(t, d, "l")
	require.Equal(t, listInitialLeft-1, left, "indices reset to the initial sentinels")
	require.Equal(t, listInitialRight, right)
	require.Equal(t, []string{"b"}, elems)
}

func TestListExpiry(t *testing.T) {
	d := listTestDB(t)
	nowSec := int32(listTestNowMs / 1000)
	_, err := d.RPush(listW(listTestNowMs), []byte("l"), listBytes("a", "b")...)
	require.NoError(t, err)
	// Give the list a TTL by hand (EXPIRE belongs to the key space code).
	m, err := decodeListMeta(rawListMeta(t, d, "l"))
	require.NoError(t, err)
	oldVersion := m.Version
	m.TS = nowSec + 10
	putListRaw(t, d, cfMeta, []byte("l"), m.encode())

	at := func(sec int32) int64 { return int64(sec) * 1000 }
	require.Equal(t, []string{"a", "b"}, lrangeAll(t, d, "l", at(nowSec+10)), "alive in its last second")
	require.Empty(t, lrangeAll(t, d, "l", at(nowSec+11)))
	ln, err := d.LLen([]byte("l"), at(nowSec+11))
	require.NoError(t, err)
	require.Zero(t, ln)
	_, err = d.LIndex([]byte("l"), 0, at(nowSec+11))
	require.ErrorIs(t, err, ErrNotFound)
	require.ErrorIs(t, d.LSet(listW(at(nowSec+11)), []byte("l"), 0, []byte("x")), ErrNoSuchKey)
	_, err = d.LPop(listW(at(nowSec+11)), []byte("l"), 1)
	require.ErrorIs(t, err, ErrNotFound)
	n, err := d.RPushX(listW(at(nowSec+11)), []byte("l"), []byte("x"))
	require.NoError(t, err)
	require.Zero(t, n)

	// A push after expiry starts a fresh list with a new version and no TTL.
	n, err = d.RPush(listW(at(nowSec+11)), []byte("l"), []byte("new"))
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	m, err = decodeListMeta(rawListMeta(t, d, "l"))
	require.NoError(t, err)
	require.Equal(t, nowSec+11, m.Version)
	require.Greater(t, m.Version, oldVersion)
	require.Zero(t, m.TS)
	require.Equal(t, []string{"new"}, lrangeAll(t, d, "l", at(nowSec+11)))
}

func TestListIndexArithmetic(t *testing.T) {
	d := listTestDB(t)
	w := listW(listTestNowMs)
	// Elements straddle the two initial sentinels: c b a | d e f.
	_, err := d.LPush(w, []byte("l"), listBytes("a", "b", "c")...)
	require.NoError(t, err)
	_, err = d.RPush(w, []byte("l"), listBytes("d", "e", "f")...)
	require.NoError(t, err)
	want := []string{"c", "b", "a", "d", "e", "f"}
	for i, s := range want {
		v, err := d.LIndex([]byte("l"), int64(i), listTestNowMs)
		require.NoError(t, err)
		require.Equal(t, s, string(v), "index %d", i)
		v, err = d.LIndex([]byte("l"), int64(i-len(want)), listTestNowMs)
		require.NoError(t, err)
		require.Equal(t, s, string(v), "index %d", i-len(want))
	}
	for _, i := range []int64{6, -7, math.MaxInt64, math.MinInt64} {
		_, err := d.LIndex([]byte("l"), i, listTestNowMs)
		require.ErrorIs(t, err, ErrNotFound, "index %d", i)
	}
	_, err = d.LIndex([]byte("missing"), 0, listTestNowMs)
	require.ErrorIs(t, err, ErrNotFound)
}

func TestListRangeClipping(t *testing.T) {
	d := listTestDB(t)
	_, err := d.RPush(listW(listTestNowMs), []byte("l"), listBytes("a", "b", "c", "d", "e")...)
	require.NoError(t, err)
	cases := []struct {
		start, stop int64
		want        []string
	}{
		{0, -1, []string{"a", "b", "c", "d", "e"}},
		{1, 2, []string{"b", "c"}},
		{-2, -1, []string{"d", "e"}},
		{-100, 1, []string{"a", "b"}},
		{3, 100, []string{"d", "e"}},
		{4, 4, []string{"e"}},
		{5, 10, []string{}},
		{2, 1, []string{}},
		{-1, -2, []string{}},
		{math.MinInt64, math.MaxInt64, []string{"a", "b", "c", "d", "e"}},
		{0, math.MinInt64, []string{}},
	}
	for _, c := range cases {
		got, err := d.LRange([]byte("l"), c.start, c.stop, listTestNowMs)
		require.NoError(t, err)
		require.Equal(t, c.want, listStrings(got), "LRANGE %d %d", c.start, c.stop)
	}
	got, err := d.LRange([]byte("missing"), 0, -1, listTestNowMs)
	require.NoError(t, err)
	require.Empty(t, got)
}

func TestListSet(t *testing.T) {
	d := listTestDB(t)
	w := listW(listTestNowMs)
	require.ErrorIs(t, d.LSet(w, []byte("l"), 0, []byte("x")), ErrNoSuchKey)
	require.EqualError(t, d.LSet(w, []byte("l"), 0, []byte("x")), "ERR no such key")
	_, err := d.RPush(w, []byte("l"), listBytes("a", "b", "c")...)
	require.NoError(t, err)
	require.NoError(t, d.LSet(w, []byte("l"), 0, []byte("A")))
	require.NoError(t, d.LSet(w, []byte("l"), -1, []byte("C")))
	require.EqualError(t, d.LSet(w, []byte("l"), 3, []byte("x")), "ERR index out of range")
	require.ErrorIs(t, d.LSet(w, []byte("l"), -4, []byte("x")), ErrIndexOutOfRange)
	_, _, elems := listLayout(t, d, "l")
	require.Equal(t, []string{"A", "b", "C"}, elems)
}

func TestListInsertShiftsShorterHalf(t *testing.T) {
	d := listTestDB(t)
	w := listW(listTestNowMs)
	n, err := d.LInsert(w, []byte("l"), true, []byte("a"), []byte("x"))
	require.NoError(t, err)
	require.Zero(t, n, "missing list")
	_, err = d.RPush(w, []byte("l"), listBytes("a", "b", "c", "d", "e")...)
	require.NoError(t, err)
	n, err = d.LInsert(w, []byte("l"), true, []byte("zz"), []byte("x"))
	require.NoError(t, err)
	require.EqualValues(t, -1, n, "pivot not found")

	// Near the head: the left part moves, the right sentinel stays.
	l0, r0, _ := listLayout(t, d, "l")
	n, err = d.LInsert(w, []byte("l"), false, []byte("a"), []byte("a2"))
	require.NoError(t, err)
	require.EqualValues(t, 6, n)
	l1, r1, elems := listLayout(t, d, "l")
	require.Equal(t, []string{"a", "a2", "b", "c", "d", "e"}, elems)
	require.Equal(t, l0-1, l1)
	require.Equal(t, r0, r1)

	// Near the tail: the right part moves.
	n, err = d.LInsert(w, []byte("l"), true, []byte("e"), []byte("e0"))
	require.NoError(t, err)
	require.EqualValues(t, 7, n)
	l2, r2, elems := listLayout(t, d, "l")
	require.Equal(t, []string{"a", "a2", "b", "c", "d", "e0", "e"}, elems)
	require.Equal(t, l1, l2)
	require.Equal(t, r1+1, r2)

	// At both ends.
	_, err = d.LInsert(w, []byte("l"), true, []byte("a"), []byte("first"))
	require.NoError(t, err)
	_, err = d.LInsert(w, []byte("l"), false, []byte("e"), []byte("last"))
	require.NoError(t, err)
	_, _, elems = listLayout(t, d, "l")
	require.Equal(t, []string{"first", "a", "a2", "b", "c", "d", "e0", "e", "last"}, elems)

	// The first match of a duplicated pivot is used.
	_, err = d.RPush(w, []byte("dup"), listBytes("p", "q", "p")...)
	require.NoError(t, err)
	_, err = d.LInsert(w, []byte("dup"), false, []byte("p"), []byte("x"))
	require.NoError(t, err)
	require.Equal(t, []string{"p", "x", "q", "p"}, lrangeAll(t, d, "dup", listTestNowMs))
}

func TestListRemCompactsTowardsShorterSide(t *testing.T) {
	d := listTestDB(t)
	w := listW(listTestNowMs)
	n, err := d.LRem(w, []byte("l"), 0, []byte("a"))
	require.NoError(t, err)
	require.Zero(t, n)
	_, err = d.RPush(w, []byte("l"), listBytes("x", "a", "b", "c", "d", "e", "f", "a", "g")...)
	require.NoError(t, err)
	l0, r0, _ := listLayout(t, d, "l")

	n, err = d.LRem(w, []byte("l"), 0, []byte("zz"))
	require.NoError(t, err)
	require.Zero(t, n)

	// First "a" (near the head): the head side is compacted.
	n, err = d.LRem(w, []byte("l"), 1, []byte("a"))
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	l1, r1, elems := listLayout(t, d, "l")
	require.Equal(t, []string{"x", "b", "c", "d", "e", "f", "a", "g"}, elems)
	require.Equal(t, l0+1, l1)
	require.Equal(t, r0, r1)

	// Last "a" (near the tail): the tail side is compacted.
	n, err = d.LRem(w, []byte("l"), -1, []byte("a"))
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	l2, r2, elems := listLayout(t, d, "l")
	require.Equal(t, []string{"x", "b", "c", "d", "e", "f", "g"}, elems)
	require.Equal(t, l1, l2)
	require.Equal(t, r1-1, r2)

	_, err = d.RPush(w, []byte("m"), listBytes("a", "b", "a", "a", "c", "a")...)
	require.NoError(t, err)
	n, err = d.LRem(w, []byte("m"), -2, []byte("a"))
	require.NoError(t, err)
	require.EqualValues(t, 2, n)
	_, _, elems = listLayout(t, d, "m")
	require.Equal(t, []string{"a", "b", "a", "c"}, elems)
	n, err = d.LRem(w, []byte("m"), 0, []byte("a"))
	require.NoError(t, err)
	require.EqualValues(t, 2, n)
	_, _, elems = listLayout(t, d, "m")
	require.Equal(t, []string{"b", "c"}, elems)
	n, err = d.LRem(w, []byte("m"), math.MinInt64, []byte("b"))
	require.NoError(t, err)
	require.EqualValues(t, 1, n)

	n, err = d.LRem(w, []byte("m"), 0, []byte("c"))
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	ln, err := d.LLen([]byte("m"), listTestNowMs)
	require.NoError(t, err)
	require.Zero(t, ln)
}

func TestListTrim(t *testing.T) {
	d := listTestDB(t)
	w := listW(listTestNowMs)
	require.NoError(t, d.LTrim(w, []byte("missing"), 0, 1))
	_, err := d.RPush(w, []byte("l"), listBytes("a", "b", "c", "d", "e")...)
	require.NoError(t, err)
	l0, r0, _ := listLayout(t, d, "l")
	require.NoError(t, d.LTrim(w, []byte("l"), 1, -2))
	l1, r1, elems := listLayout(t, d, "l")
	require.Equal(t, []string{"b", "c", "d"}, elems)
	require.Equal(t, l0+1, l1)
	require.Equal(t, r0-1, r1)
	require.Len(t, rawListData(t, d), 3, "trimmed records are deleted")
	require.NoError(t, d.LTrim(w, []byte("l"), -100, 100))
	require.Equal(t, []string{"b", "c", "d"}, lrangeAll(t, d, "l", listTestNowMs))

	// Trim to nothing: meta re-initialised with a new version, same second → old+1.
	before, err := decodeListMeta(rawListMeta(t, d, "l"))
	require.NoError(t, err)
	require.NoError(t, d.LTrim(w, []byte("l"), 5, 10))
	after, err := decodeListMeta(rawListMeta(t, d, "l"))
	require.NoError(t, err)
	require.Equal(t, listMeta{Version: before.Version + 1, Left: listInitialLeft, Right: listInitialRight}, after)
	require.Empty(t, lrangeAll(t, d, "l", listTestNowMs))
	// The old records remain until compaction but are invisible.
	_, err = d.RPush(w, []byte("l"), []byte("z"))
	require.NoError(t, err)
	require.Equal(t, []string{"z"}, lrangeAll(t, d, "l", listTestNowMs))
}

func TestListMove(t *testing.T) {
	d := listTestDB(t)
	w := listW(listTestNowMs)
	_, err := d.LMove(w, []byte("src"), []byte("dst"), ListLeft, ListRight)
	require.ErrorIs(t, err, ErrNotFound)
	_, err = d.RPush(w, []byte("src"), listBytes("a", "b", "c")...)
	require.NoError(t, err)

	v, err := d.RPopLPush(w, []byte("src"), []byte("dst"))
	require.NoError(t, err)
	require.Equal(t, "c", string(v))
	v, err = d.LMove(w, []byte("src"), []byte("dst"), ListLeft, ListRight)
	require.NoError(t, err)
	require.Equal(t, "a", string(v))
	_, _, elems := listLayout(t, d, "src")
	require.Equal(t, []string{"b"}, elems)
	_, _, elems = listLayout(t, d, "dst")
	require.Equal(t, []string{"c", "a"}, elems)

	// Same key: rotation.
	_, err = d.RPush(w, []byte("r"), listBytes("1", "2", "3")...)
	require.NoError(t, err)
	v, err = d.RPopLPush(w, []byte("r"), []byte("r"))
	require.NoError(t, err)
	require.Equal(t, "3", string(v))
	_, _, elems = listLayout(t, d, "r")
	require.Equal(t, []string{"3", "1", "2"}, elems)
	v, err = d.LMove(w, []byte("r"), []byte("r"), ListLeft, ListRight)
	require.NoError(t, err)
	require.Equal(t, "3", string(v))
	_, _, elems = listLayout(t, d, "r")
	require.Equal(t, []string{"1", "2", "3"}, elems)
	v, err = d.LMove(w, []byte("r"), []byte("r"), ListLeft, ListLeft)
	require.NoError(t, err)
	require.Equal(t, "1", string(v))
	_, _, elems = listLayout(t, d, "r")
	require.Equal(t, []string{"1", "2", "3"}, elems)

	// Single element on itself, and moving the last element away.
	v, err = d.RPopLPush(w, []byte("src"), []byte("src"))
	require.NoError(t, err)
	require.Equal(t, "b", string(v))
	_, _, elems = listLayout(t, d, "src")
	require.Equal(t, []string{"b"}, elems)
	v, err = d.LMove(w, []byte("src"), []byte("dst"), ListRight, ListLeft)
	require.NoError(t, err)
	require.Equal(t, "b", string(v))
	require.Equal(t, []string{"b", "c", "a"}, lrangeAll(t, d, "dst", listTestNowMs))
	ln, err := d.LLen([]byte("src"), listTestNowMs)
	require.NoError(t, err)
	require.Zero(t, ln)
}

func TestListPos(t *testing.T) {
	d := listTestDB(t)
	_, err := d.RPush(listW(listTestNowMs), []byte("l"), listBytes("a", "b", "c", "1", "2", "3", "c", "c")...)
	require.NoError(t, err)
	cases := []struct {
		q    LPosQuery
		want []int64
	}{
		{LPosQuery{Rank: 1, Limit: 1}, []int64{2}},
		{LPosQuery{Rank: 1}, []int64{2, 6, 7}},
		{LPosQuery{Rank: 2}, []int64{6, 7}},
		{LPosQuery{Rank: -1, Limit: 2}, []int64{7, 6}},
		{LPosQuery{Rank: -3}, []int64{2}},
		{LPosQuery{Rank: 4}, []int64{}},
		{LPosQuery{Rank: 1, MaxLen: 3}, []int64{2}},
		{LPosQuery{Rank: 1, MaxLen: 2}, []int64{}},
		{LPosQuery{Rank: -1, MaxLen: 1}, []int64{7}},
	}
	for _, c := range cases {
		got, err := d.LPos([]byte("l"), []byte("c"), c.q, listTestNowMs)
		require.NoError(t, err)
		require.Equal(t, c.want, got, "%+v", c.q)
	}
	got, err := d.LPos([]byte("missing"), []byte("c"), LPosQuery{Rank: 1}, listTestNowMs)
	require.NoError(t, err)
	require.Empty(t, got)
}

func TestListManyPushesBothSides(t *testing.T) {
	d := listTestDB(t)
	w := listW(listTestNowMs)
	var model []string
	for i := 0; i < 2000; i++ {
		v := fmt.Sprint(i)
		if i%3 == 0 {
			_, err := d.LPush(w, []byte("big"), []byte(v))
			require.NoError(t, err)
			model = append([]string{v}, model...)
		} else {
			_, err := d.RPush(w, []byte("big"), []byte(v))
			require.NoError(t, err)
			model = append(model, v)
		}
	}
	left, right, elems := listLayout(t, d, "big")
	require.Equal(t, model, elems)
	require.Equal(t, listInitialLeft-667, left)
	require.Equal(t, listInitialRight+1333, right)
	got, err := d.LRange([]byte("big"), 660, 670, listTestNowMs)
	require.NoError(t, err)
	require.Equal(t, model[660:671], listStrings(got))
}

// TestListRandomOpsMatchModel runs random list commands against an
// in-memory model and checks contents and the dense layout after each.
func TestListRandomOpsMatchModel(t *testing.T) {
	d := listTestDB(t)
	w := listW(listTestNowMs)
	rng := rand.New(rand.NewSource(7))
	key := []byte("k")
	var model []string
	val := func() string { return fmt.Sprint(rng.Intn(6)) }
	maxLen := 0
	for step := 0; step < 400; step++ {
		switch op := rng.Intn(10); op {
		case 0, 7, 8:
			v := val()
			_, err := d.LPush(w, key, []byte(v))
			require.NoError(t, err)
			model = append([]string{v}, model...)
		case 1, 9:
			v := val()
			_, err := d.RPush(w, key, []byte(v))
			require.NoError(t, err)
			model = append(model, v)
		case 2:
			pivot, v, before := val(), val(), rng.Intn(2) == 0
			n, err := d.LInsert(w, key, before, []byte(pivot), []byte(v))
			require.NoError(t, err)
			i := modelIndexOf(model, pivot)
			switch {
			case len(model) == 0:
				require.Zero(t, n)
			case i < 0:
				require.EqualValues(t, -1, n)
			default:
				if !before {
					i++
				}
				model = append(model[:i], append([]string{v}, model[i:]...)...)
				require.EqualValues(t, len(model), n)
			}
		case 3:
			v, count := val(), int64(rng.Intn(5)-2)
			n, err := d.LRem(w, key, count, []byte(v))
			require.NoError(t, err)
			var removed int64
			model, removed = modelRem(model, count, v)
			require.Equal(t, removed, n)
		case 4:
			start, stop := int64(rng.Intn(12)-6), int64(rng.Intn(12)-3)
			require.NoError(t, d.LTrim(w, key, start, stop))
			model = modelTrim(model, start, stop)
		case 5:
			if len(model) > 0 {
				got, err := d.RPop(w, key, 1)
				require.NoError(t, err)
				require.Equal(t, model[len(model)-1], string(got[0]))
				model = model[:len(model)-1]
			}
		case 6:
			if len(model) > 0 {
				i := rng.Intn(len(model))
				v := val()
				require.NoError(t, d.LSet(w, key, int64(i), []byte(v)))
				model[i] = v
			}
		}
		require.Equal(t, modelNil(model), modelNil(lrangeAll(t, d, "k", listTestNowMs)), "step %d", step)
		maxLen = max(maxLen, len(model))
		if len(model) > 0 {
			_, _, elems := listLayout(t, d, "k")
			require.Equal(t, model, elems, "step %d", step)
		}
	}
	require.Greater(t, maxLen, 10, "the walk must reach lists of some length")
}

func modelIndexOf(ss []string, s string) int {
	for i, x := range ss {
		if x == s {
			return i
		}
	}
	return -1
}

func modelNil(ss []string) []string {
	if len(ss) == 0 {
		return nil
	}
	return ss
}

// modelTrim is LTRIM on a slice (Redis's ltrimCommand arithmetic).
func modelTrim(ss []string, start, stop int64) []string {
	n := int64(len(ss))
	if start < 0 {
		start = max(n+start, 0)
	}
	if stop < 0 {
		stop = n + stop
	}
	if start > stop || start >= n {
		return nil
	}
	return ss[start : min(stop, n-1)+1]
}

// modelRem is LREM on a slice.
func modelRem(ss []string, count int64, v string) ([]string, int64) {
	limit := count
	if limit < 0 {
		limit = -limit
	}
	keep := make([]bool, len(ss))
	var removed int64
	for k := range ss {
		i := k
		if count < 0 {
			i = len(ss) - 1 - k
		}
		if ss[i] == v && (limit == 0 || removed < limit) {
			removed++
			continue
		}
		keep[i] = true
	}
	var out []string
	for i, s := range ss {
		if keep[i] {
			out = append(out, s)
		}
	}
	return out, removed
}

func TestListCorruptMetaIsAnError(t *testing.T) {
	d := listTestDB(t)
	putListRaw(t, d, cfMeta, []byte("bad"), []byte{1, 2, 3})
	_, err := d.LLen([]byte("bad"), listTestNowMs)
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = d.LRange([]byte("bad"), 0, -1, listTestNowMs)
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = d.RPush(listW(listTestNowMs), []byte("bad"), []byte("x"))
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = d.LMove(listW(listTestNowMs), []byte("bad"), []byte("x"), ListLeft, ListLeft)
	require.ErrorIs(t, err, ErrCorrupt)

	// A well-sized meta whose count disagrees with its indices.
	m := listMeta{Count: 5, Version: 1, Left: listInitialLeft, Right: listInitialRight + 1}
	putListRaw(t, d, cfMeta, []byte("liar"), m.encode())
	_, err = d.LRange([]byte("liar"), 0, -1, listTestNowMs)
	require.ErrorIs(t, err, ErrCorrupt)

	// A consistent meta whose element records are missing.
	m = listMeta{Count: 2, Version: 1, Left: listInitialLeft, Right: listInitialRight + 2}
	putListRaw(t, d, cfMeta, []byte("holes"), m.encode())
	putListRaw(t, d, cfData, encodeListDataKey([]byte("holes"), 1, listInitialRight), []byte("x"))
	_, err = d.LRange([]byte("holes"), 0, -1, listTestNowMs)
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = d.LIndex([]byte("holes"), 1, listTestNowMs)
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = d.LPop(listW(listTestNowMs), []byte("holes"), 2)
	require.ErrorIs(t, err, ErrCorrupt)
}

// TestListWithKeyspaceExpireAndDel checks lists through the key-space
// writes: EXPIRE sets the meta timestamp the list reads honour, DEL bumps
// the version so old elements never reappear.
func TestListWithKeyspaceExpireAndDel(t *testing.T) {
	d := listTestDB(t)
	w := listW(listTestNowMs)
	_, err := d.RPush(w, []byte("l"), listBytes("a", "b")...)
	require.NoError(t, err)
	n, err := d.Expire(w, []byte("l"), 10, ExpireAlways)
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	require.Equal(t, []string{"a", "b"}, lrangeAll(t, d, "l", listTestNowMs+10_999))
	require.Empty(t, lrangeAll(t, d, "l", listTestNowMs+11_000))

	_, err = d.RPush(w, []byte("m"), listBytes("old1", "old2")...)
	require.NoError(t, err)
	n, err = d.Del(w, []byte("m"))
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	require.Empty(t, lrangeAll(t, d, "m", listTestNowMs))
	_, err = d.RPush(w, []byte("m"), []byte("new"))
	require.NoError(t, err)
	require.Equal(t, []string{"new"}, lrangeAll(t, d, "m", listTestNowMs))
	_, _, elems := listLayout(t, d, "m")
	require.Equal(t, []string{"new"}, elems)
}
