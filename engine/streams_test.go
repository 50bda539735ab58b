package engine

import (
	"math"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestXAddIDs(t *testing.T) {
	d := stDB(t)
	k := []byte("s")
	add := func(now int64, a XAddArgs) (string, error) {
		id, err := d.XAdd(stW(now), k, a, stFields("f", "v"))
		return id.String(), err
	}
	auto := XAddArgs{Mode: StreamIDAuto}
	id, err := add(1000, auto)
	require.NoError(t, err)
	require.Equal(t, "1000-0", id, "* takes the write's time")
	id, _ = add(1000, auto)
	require.Equal(t, "1000-1", id, "same ms: next sequence")
	id, _ = add(400, auto)
	require.Equal(t, "1000-2", id, "time behind the last ID: next sequence, never backwards")
	id, _ = add(1001, auto)
	require.Equal(t, "1001-0", id)

	id, _ = add(1, XAddArgs{Mode: StreamIDAutoSeq, ID: StreamID{Ms: 2000}})
	require.Equal(t, "2000-0", id)
	id, _ = add(1, XAddArgs{Mode: StreamIDAutoSeq, ID: StreamID{Ms: 2000}})
	require.Equal(t, "2000-1", id)
	_, err = add(1, XAddArgs{Mode: StreamIDAutoSeq, ID: StreamID{Ms: 1999}})
	require.ErrorIs(t, err, ErrStreamIDTooSmall)

	_, err = add(1, stExplicit(2000, 1))
	require.ErrorIs(t, err, ErrStreamIDTooSmall, "equal to the top item")
	require.Equal(t, "ERR The ID specified in XADD is equal or smaller than the target stream top item", ErrStreamIDTooSmall.Error())
	_, err = add(1, stExplicit(1500, 9))
	require.ErrorIs(t, err, ErrStreamIDTooSmall)
	id, err = add(1, stExplicit(2000, 2))
	require.NoError(t, err)
	require.Equal(t, "2000-2", id)

	_, err = d.XAdd(stW(1), []byte("new"), stExplicit(0, 0), stFields("f", "v"))
	require.ErrorIs(t, err, ErrStreamIDZero)
	require.Nil(t, ksGetRaw(t, d, KindStreams, cfMeta, []byte("new")), "0-0 writes nothing")
	id, err = add2(d, "new", XAddArgs{Mode: StreamIDAutoSeq})
	require.NoError(t, err)
	require.Equal(t, "0-1", id, "0-* on a new stream")

	require.Equal(t, []string{"1000-0", "1000-1", "1000-2", "1001-0", "2000-0", "2000-1", "2000-2"}, stIDs(stAll(t, d, "s")))
	m := stMeta(t, d, "s")
	require.Equal(t, streamMeta{EntriesAdded: 7, FirstID: StreamID{1000, 0}, LastID: StreamID{2000, 2},
		Length: 7, Version: 2}, m, "a new stream has version 2")
}

func add2(d *DB, key string, a XAddArgs) (string, error) {
	id, err := d.XAdd(stW(1), []byte(key), a, stFields("f", "v"))
	return id.String(), err
}

func TestXAddEdgeIDs(t *testing.T) {
	d := stDB(t)
	// Last ID with the largest sequence: * moves to the next ms, ms-* fails.
	stAdd(t, d, "s", 7, math.MaxUint64, "f", "v")
	_, err := add2(d, "s", XAddArgs{Mode: StreamIDAutoSeq, ID: StreamID{Ms: 7}})
	require.ErrorIs(t, err, ErrStreamIDTooSmall)
	id, err := d.XAdd(stW(5), []byte("s"), XAddArgs{}, stFields("f", "v"))
	require.NoError(t, err)
	require.Equal(t, StreamID{8, 0}, id)

	// The largest possible ID exhausts the stream.
	stAdd(t, d, "max", math.MaxUint64, math.MaxUint64, "f", "v")
	_, err = add2(d, "max", XAddArgs{})
	require.ErrorIs(t, err, ErrStreamExhausted)
	_, err = add2(d, "max", stExplicit(1, 1))
	require.ErrorIs(t, err, ErrStreamExhausted)

	// Bad field lists are refused before anything is written.
	_, err = d.XAdd(stW(1), []byte("odd"), XAddArgs{}, stFields("f"))
	require.Error(t, err)
	_, err = d.XAdd(stW(1), []byte("odd"), XAddArgs{}, nil)
	require.Error(t, err)
	require.Nil(t, ksGetRaw(t, d, KindStreams, cfMeta, []byte("odd")))
}

func TestXAddNoMkStream(t *testing.T) {
	d := stDB(t)
	_, err := d.XAdd(stW(1), []byte("s"), XAddArgs{NoMkStream: true}, stFields("f", "v"))
	require.ErrorIs(t, err, ErrNotFound)
	require.Nil(t, ksGetRaw(t, d, KindStreams, cfMeta, []byte("s")))
	require.Empty(t, stRawData(t, d))

	stAdd(t, d, "s", 1, 1, "a", "b")
	id, err := d.XAdd(stW(1), []byte("s"), XAddArgs{NoMkStream: true, Mode: StreamIDExplicit, ID: StreamID{2, 0}}, stFields("f", "v"))
	require.NoError(t, err)
	require.Equal(t, StreamID{2, 0}, id)

	// An emptied stream does not exist (Pika): NOMKSTREAM refuses it too.
	n, err := d.XDel(stW(1), []byte("s"), []StreamID{{1, 1}, {2, 0}})
	require.NoError(t, err)
	require.EqualValues(t, 2, n)
	_, err = d.XAdd(stW(1), []byte("s"), XAddArgs{NoMkStream: true}, stFields("f", "v"))
	require.ErrorIs(t, err, ErrNotFound)
}

func TestXDel(t *testing.T) {
	d := stDB(t)
	for i := uint64(1); i <= 5; i++ {
		stAdd(t, d, "s", i, 0, "f", "v")
	}
	n, err := d.XDel(stW(1), []byte("s"), []StreamID{{3, 0}, {3, 0}, {9, 9}})
	require.NoError(t, err)
	require.EqualValues(t, 1, n, "a repeated ID counts once, a missing one not at all")
	require.Equal(t, streamMeta{EntriesAdded: 5, FirstID: StreamID{1, 0}, LastID: StreamID{5, 0},
		MaxDeletedEntryID: StreamID{3, 0}, Length: 4, Version: 2}, stMeta(t, d, "s"))

	n, err = d.XDel(stW(1), []byte("s"), []StreamID{{1, 0}, {2, 0}, {5, 0}})
	require.NoError(t, err)
	require.EqualValues(t, 3, n)
	require.Equal(t, streamMeta{EntriesAdded: 5, FirstID: StreamID{4, 0}, LastID: StreamID{5, 0},
		MaxDeletedEntryID: StreamID{5, 0}, Length: 1, Version: 2}, stMeta(t, d, "s"),
		"first_id moves to the next entry; last_id stays the last generated ID")
	_, err = add2(d, "s", stExplicit(5, 0))
	require.ErrorIs(t, err, ErrStreamIDTooSmall, "a deleted top ID is not handed out again")
	require.Equal(t, []string{"4-0"}, stIDs(stAll(t, d, "s")))

	n, err = d.XDel(stW(1), []byte("s"), []StreamID{{4, 0}})
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	require.Equal(t, streamMeta{EntriesAdded: 5, LastID: StreamID{5, 0},
		MaxDeletedEntryID: StreamID{5, 0}, Version: 2}, stMeta(t, d, "s"))
	l, err := d.XLen([]byte("s"))
	require.NoError(t, err)
	require.Zero(t, l)
	_, err = d.XRange([]byte("s"), StreamID{}, MaxStreamID, 0, false)
	require.ErrorIs(t, err, ErrNotFound)

	// XADD on the emptied stream starts a new version, as Pika's XAdd does.
	stAdd(t, d, "s", 1, 0, "g", "w")
	require.Equal(t, streamMeta{EntriesAdded: 1, FirstID: StreamID{1, 0}, LastID: StreamID{1, 0},
		Length: 1, Version: 3}, stMeta(t, d, "s"))
	require.Equal(t, []StreamEntry{{StreamID{1, 0}, stFields("g", "w")}}, stAll(t, d, "s"))

	n, err = d.XDel(stW(1), []byte("missing"), []StreamID{{1, 0}})
	require.NoError(t, err)
	require.Zero(t, n)
}

func TestXTrim(t *testing.T) {
	d := stDB(t)
	fill := func(key string, n uint64) {
		for i := uint64(1); i <= n; i++ {
			stAdd(t, d, key, i, 0, "f", "v")
		}
	}
	fill("a", 10)
	n, err := d.XTrim(stW(1), []byte("a"), StreamTrim{Strategy: TrimMaxLen, MaxLen: 7})
	require.NoError(t, err)
	require.EqualValues(t, 3, n)
	require.Equal(t, streamMeta{EntriesAdded: 10, FirstID: StreamID{4, 0}, LastID: StreamID{10, 0},
		MaxDeletedEntryID: StreamID{3, 0}, Length: 7, Version: 2}, stMeta(t, d, "a"))
	n, err = d.XTrim(stW(1), []byte("a"), StreamTrim{Strategy: TrimMaxLen, MaxLen: 7})
	require.NoError(t, err)
	require.Zero(t, n)

	n, err = d.XTrim(stW(1), []byte("a"), StreamTrim{Strategy: TrimMinID, MinID: StreamID{6, 0}})
	require.NoError(t, err)
	require.EqualValues(t, 2, n)
	require.Equal(t, []string{"6-0", "7-0", "8-0", "9-0", "10-0"}, stIDs(stAll(t, d, "a")))

	n, err = d.XTrim(stW(1), []byte("a"), StreamTrim{Strategy: TrimMaxLen, MaxLen: 0, Approx: true, Limit: 2})
	require.NoError(t, err)
	require.EqualValues(t, 2, n, "~ with LIMIT removes at most LIMIT entries")
	n, err = d.XTrim(stW(1), []byte("a"), StreamTrim{Strategy: TrimMaxLen, MaxLen: 0, Limit: 2})
	require.NoError(t, err)
	require.EqualValues(t, 3, n, "exact trimming ignores LIMIT")
	require.Equal(t, streamMeta{EntriesAdded: 10, LastID: StreamID{10, 0},
		MaxDeletedEntryID: StreamID{10, 0}, Version: 2}, stMeta(t, d, "a"))
	require.Empty(t, stRawData(t, d), "trimmed records are deleted")

	n, err = d.XTrim(stW(1), []byte("missing"), StreamTrim{Strategy: TrimMaxLen})
	require.NoError(t, err)
	require.Zero(t, n)
}

func TestXAddTrims(t *testing.T) {
	d := stDB(t)
	for i := uint64(1); i <= 3; i++ {
		stAdd(t, d, "s", i, 0, "f", "v")
	}
	a := stExplicit(4, 0)
	a.Trim = StreamTrim{Strategy: TrimMaxLen, MaxLen: 2}
	_, err := d.XAdd(stW(1), []byte("s"), a, stFields("f", "v"))
	require.NoError(t, err)
	require.Equal(t, []string{"3-0", "4-0"}, stIDs(stAll(t, d, "s")))

	// MAXLEN 0 removes the new entry too, in the same batch.
	a = stExplicit(5, 0)
	a.Trim = StreamTrim{Strategy: TrimMaxLen}
	id, err := d.XAdd(stW(1), []byte("s"), a, stFields("f", "v"))
	require.NoError(t, err)
	require.Equal(t, StreamID{5, 0}, id)
	require.Equal(t, streamMeta{EntriesAdded: 5, LastID: StreamID{5, 0}, MaxDeletedEntryID: StreamID{5, 0},
		Version: 2}, stMeta(t, d, "s"))
	require.Empty(t, stRawData(t, d))

	// MINID above the new ID on a new stream.
	a = stExplicit(3, 0)
	a.Trim = StreamTrim{Strategy: TrimMinID, MinID: StreamID{3, 1}}
	_, err = d.XAdd(stW(1), []byte("t"), a, stFields("f", "v"))
	require.NoError(t, err)
	l, err := d.XLen([]byte("t"))
	require.NoError(t, err)
	require.Zero(t, l)
}

func TestXRangeAndRev(t *testing.T) {
	d := stDB(t)
	stAdd(t, d, "s", 1, 1, "a", "1")
	stAdd(t, d, "s", 2, 0, "b", "2", "c", "")
	stAdd(t, d, "s", 2, 5, "d", "4")
	stAdd(t, d, "s", math.MaxUint64, 0, "e", "5")
	got, err := d.XRange([]byte("s"), StreamID{1, 2}, StreamID{2, 5}, 0, false)
	require.NoError(t, err)
	require.Equal(t, []StreamEntry{{StreamID{2, 0}, stFields("b", "2", "c", "")}, {StreamID{2, 5}, stFields("d", "4")}}, got)
	got, err = d.XRange([]byte("s"), StreamID{}, MaxStreamID, 2, true)
	require.NoError(t, err)
	require.Equal(t, []string{"18446744073709551615-0", "2-5"}, stIDs(got))
	got, err = d.XRange([]byte("s"), StreamID{2, 0}, StreamID{2, math.MaxUint64}, 0, true)
	require.NoError(t, err)
	require.Equal(t, []string{"2-5", "2-0"}, stIDs(got))
	got, err = d.XRange([]byte("s"), StreamID{3, 0}, StreamID{2, 0}, 0, false)
	require.NoError(t, err)
	require.Empty(t, got, "start above end")
	_, err = d.XRange([]byte("none"), StreamID{}, MaxStreamID, 0, false)
	require.ErrorIs(t, err, ErrNotFound)
	n, err := d.XLen([]byte("s"))
	require.NoError(t, err)
	require.EqualValues(t, 4, n)
}

func TestXRead(t *testing.T) {
	d := stDB(t)
	stAdd(t, d, "a", 1, 0, "f", "1")
	stAdd(t, d, "a", 2, 0, "f", "2")
	stAdd(t, d, "a", 3, 0, "f", "3")
	stAdd(t, d, "b", 5, 0, "g", "1")
	res, err := d.XRead([]XReadStream{
		{Key: []byte("a"), After: StreamID{1, 0}},
		{Key: []byte("missing")},
		{Key: []byte("b"), FromLast: true},
		{Key: []byte("b"), After: StreamID{4, 99}},
	}, 1)
	require.NoError(t, err)
	require.Equal(t, []XReadResult{
		{Key: []byte("a"), Entries: []StreamEntry{{StreamID{2, 0}, stFields("f", "2")}}},
		{Key: []byte("b"), Entries: []StreamEntry{{StreamID{5, 0}, stFields("g", "1")}}},
	}, res, "$ has nothing yet; COUNT caps each stream")
	res, err = d.XRead([]XReadStream{{Key: []byte("a")}}, 0)
	require.NoError(t, err)
	require.Len(t, res, 1)
	require.Equal(t, []string{"1-0", "2-0", "3-0"}, stIDs(res[0].Entries))
	res, err = d.XRead([]XReadStream{{Key: []byte("a"), After: MaxStreamID}}, 0)
	require.NoError(t, err)
	require.Empty(t, res)
}

func TestXInfo(t *testing.T) {
	d := stDB(t)
	_, err := d.XInfo([]byte("s"))
	require.ErrorIs(t, err, ErrNotFound)
	for i := uint64(1); i <= 4; i++ {
		stAdd(t, d, "s", i, 0, "f", "v")
	}
	_, err = d.XDel(stW(1), []byte("s"), []StreamID{{1, 0}, {4, 0}})
	require.NoError(t, err)
	info, err := d.XInfo([]byte("s"))
	require.NoError(t, err)
	require.Equal(t, StreamInfo{Length: 2, LastGeneratedID: StreamID{4, 0}, MaxDeletedEntryID: StreamID{4, 0},
		EntriesAdded: 4, RecordedFirstEntryID: StreamID{2, 0},
		FirstEntry: StreamEntry{StreamID{2, 0}, stFields("f", "v")},
		LastEntry:  StreamEntry{StreamID{3, 0}, stFields("f", "v")}}, info)
}

// TestStreamWithKeyspace checks DEL (version+1 once, as Pika's Storage::Del)
// and that EXPIRE does not touch streams.
func TestStreamWithKeyspace(t *testing.T) {
	d := stDB(t)
	stAdd(t, d, "s", 1, 0, "f", "v")
	n, err := d.Expire(ksWriter(), []byte("s"), 10, ExpireAlways)
	require.NoError(t, err)
	require.Zero(t, n, "streams have no TTL")
	n, err = d.Del(ksWriter(), []byte("s"))
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	require.Equal(t, streamMeta{Version: 3}, stMeta(t, d, "s"))
	require.Nil(t, stAll(t, d, "s"))
	stAdd(t, d, "s", 1, 0, "g", "w")
	require.Equal(t, streamMeta{EntriesAdded: 1, FirstID: StreamID{1, 0}, LastID: StreamID{1, 0},
		Length: 1, Version: 4}, stMeta(t, d, "s"))
	require.Equal(t, []StreamEntry{{StreamID{1, 0}, stFields("g", "w")}}, stAll(t, d, "s"),
		"the entry of version 2 stays invisible")
}

// TestStreamRandomWalk runs random XADD/XDEL/XTRIM against a slice model
// and compares entries and every meta field after each step.
func TestStreamRandomWalk(t *testing.T) {
	d := stDB(t)
	rnd := rand.New(rand.NewSource(7))
	type model struct {
		ids          []StreamID
		last, maxDel StreamID
		added        uint64
		version      int32
	}
	m := model{}
	key := []byte("w")
	now := int64(100)
	for step := 0; step < 400; step++ {
		switch op := rnd.Intn(10); {
		case op < 5:
			now += int64(rnd.Intn(3)) - 1
			id, err := d.XAdd(stW(now), key, XAddArgs{}, stFields("n", "x"))
			require.NoError(t, err)
			if len(m.ids) == 0 {
				m.version += map[bool]int32{true: 2, false: 1}[m.version == 0]
				m.last, m.maxDel, m.added = StreamID{}, StreamID{}, 0
			}
			want := StreamID{Ms: uint64(now)}
			if uint64(now) <= m.last.Ms {
				want, _ = m.last.Next()
			}
			require.Equal(t, want, id)
			m.ids = append(m.ids, id)
			m.last, m.added = id, m.added+1
		case op < 8 && len(m.ids) > 0:
			victim := m.ids[rnd.Intn(len(m.ids))]
			n, err := d.XDel(stW(now), key, []StreamID{victim, {Ms: 1}})
			require.NoError(t, err)
			require.EqualValues(t, 1, n)
			for i, id := range m.ids {
				if id == victim {
					m.ids = append(m.ids[:i], m.ids[i+1:]...)
					break
				}
			}
			if victim.Compare(m.maxDel) > 0 {
				m.maxDel = victim
			}
		case len(m.ids) > 0:
			keep := rnd.Intn(len(m.ids) + 1)
			n, err := d.XTrim(stW(now), key, StreamTrim{Strategy: TrimMaxLen, MaxLen: int64(keep)})
			require.NoError(t, err)
			drop := len(m.ids) - keep
			require.EqualValues(t, drop, n)
			if drop > 0 && m.ids[drop-1].Compare(m.maxDel) > 0 {
				m.maxDel = m.ids[drop-1]
			}
			m.ids = m.ids[drop:]
		}
		if m.version == 0 {
			continue
		}
		want := streamMeta{EntriesAdded: m.added, LastID: m.last, MaxDeletedEntryID: m.maxDel,
			Length: int32(len(m.ids)), Version: m.version}
		if len(m.ids) > 0 {
			want.FirstID = m.ids[0]
		}
		require.Equal(t, want, stMeta(t, d, "w"), "step %d", step)
		got := stAll(t, d, "w")
		require.Len(t, got, len(m.ids), "step %d", step)
		for i, e := range got {
			require.Equal(t, m.ids[i], e.ID)
		}
	}
}
