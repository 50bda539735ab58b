package engine

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/pikaraft/pikaraft/engine/pikafixture"
	"github.com/stretchr/testify/require"
)

// Byte-level tests of the stream layout (spec §2.6). The expected bytes are
// written out by hand from the spec, not produced by the codec.

func stHex(t *testing.T, parts ...string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(parts, ""))
	require.NoError(t, err)
	return b
}

func TestStreamFormatXAdd(t *testing.T) {
	d := stDB(t)
	id1 := StreamID{Ms: 0x0102030405060708, Seq: 0x0a0b}
	_, err := d.XAdd(stW(ksNowMs), []byte("k1"), stExplicit(id1.Ms, id1.Seq), stFields("f", "v", "ab", ""))
	require.NoError(t, err)

	meta := ksGetRaw(t, d, KindStreams, cfMeta, []byte("k1"))
	require.Equal(t, stHex(t,
		"00000000",                             // groups_id
		"0100000000000000",                     // entries_added 1
		"0807060504030201", "0b0a000000000000", // first_id ms, seq (LE)
		"0807060504030201", "0b0a000000000000", // last_id
		"0000000000000000", "0000000000000000", // max_deleted_entry_id
		"01000000", // length 1
		"02000000", // version 2 (InitMetaValue twice)
	), meta)
	require.Len(t, meta, 68)

	recs := stRawData(t, d)
	require.Len(t, recs, 1)
	require.Equal(t, stHex(t, "02000000", "6b31", "02000000", "0102030405060708", "0000000000000a0b"), recs[0][0],
		"u32le len | key | i32le version | u64be ms | u64be seq")
	require.Equal(t, stHex(t, "01000000", "66", "01000000", "76", "02000000", "6162", "00000000"), recs[0][1],
		"u32le len | bytes, alternating field and value")

	// A second entry, then XDEL of the first: first_id and max_deleted move.
	_, err = d.XAdd(stW(ksNowMs), []byte("k1"), XAddArgs{Mode: StreamIDAutoSeq, ID: StreamID{Ms: id1.Ms}}, stFields("x", "y"))
	require.NoError(t, err)
	n, err := d.XDel(stW(ksNowMs), []byte("k1"), []StreamID{id1})
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	require.Equal(t, stHex(t,
		"00000000",
		"0200000000000000",
		"0807060504030201", "0c0a000000000000",
		"0807060504030201", "0c0a000000000000",
		"0807060504030201", "0b0a000000000000",
		"01000000",
		"02000000",
	), ksGetRaw(t, d, KindStreams, cfMeta, []byte("k1")))
	recs = stRawData(t, d)
	require.Len(t, recs, 1)
	require.Equal(t, stHex(t, "02000000", "6b31", "02000000", "0102030405060708", "0000000000000a0c"), recs[0][0])

	// Bytewise order of the big-endian IDs is ID order: 256-0 after 1-0.
	stAdd(t, d, "o", 256, 0, "f", "v")
	stAdd(t, d, "o", 1<<40, 0, "f", "v")
	_, err = d.XAdd(stW(ksNowMs), []byte("o"), stExplicit(1, 0), stFields("f", "v"))
	require.ErrorIs(t, err, ErrStreamIDTooSmall)
	require.Equal(t, []string{"256-0", "1099511627776-0"}, stIDs(stAll(t, d, "o")))
}

// TestStreamFormatReadsPikaRecords writes records laid out as Pika writes
// them (bytes by hand) and reads and extends them through the engine.
func TestStreamFormatReadsPikaRecords(t *testing.T) {
	d := stDB(t)
	ksPutRaw(t, d, KindStreams, cfMeta, []byte("p"), stHex(t,
		"00000000",
		"0500000000000000",                     // 5 entries added
		"0a00000000000000", "0000000000000000", // first 10-0
		"1400000000000000", "0300000000000000", // last 20-3
		"0f00000000000000", "0100000000000000", // max deleted 15-1
		"02000000", // length 2
		"07000000", // version 7
	))
	ksPutRaw(t, d, KindStreams, cfData, stHex(t, "01000000", "70", "07000000", "000000000000000a", "0000000000000000"),
		stHex(t, "03000000", "666f6f", "03000000", "626172"))
	ksPutRaw(t, d, KindStreams, cfData, stHex(t, "01000000", "70", "07000000", "0000000000000014", "0000000000000003"),
		stHex(t, "01000000", "61", "00000000", "01000000", "62", "01000000", "63"))
	// A record of an older version is invisible.
	ksPutRaw(t, d, KindStreams, cfData, stHex(t, "01000000", "70", "06000000", "0000000000000001", "0000000000000000"),
		stHex(t, "01000000", "6f", "01000000", "6f"))

	want := []StreamEntry{
		{StreamID{10, 0}, stFields("foo", "bar")},
		{StreamID{20, 3}, stFields("a", "", "b", "c")},
	}
	require.Equal(t, want, stAll(t, d, "p"))
	n, err := d.XLen([]byte("p"))
	require.NoError(t, err)
	require.EqualValues(t, 2, n)
	info, err := d.XInfo([]byte("p"))
	require.NoError(t, err)
	require.Equal(t, StreamInfo{Length: 2, LastGeneratedID: StreamID{20, 3}, MaxDeletedEntryID: StreamID{15, 1},
		EntriesAdded: 5, RecordedFirstEntryID: StreamID{10, 0}, FirstEntry: want[0], LastEntry: want[1]}, info)

	_, err = d.XAdd(stW(1), []byte("p"), stExplicit(20, 3), stFields("f", "v"))
	require.ErrorIs(t, err, ErrStreamIDTooSmall, "Pika's last_id is honoured")
	id, err := d.XAdd(stW(19), []byte("p"), XAddArgs{}, stFields("f", "v"))
	require.NoError(t, err)
	require.Equal(t, StreamID{20, 4}, id)
	require.Equal(t, streamMeta{EntriesAdded: 6, FirstID: StreamID{10, 0}, LastID: StreamID{20, 4},
		MaxDeletedEntryID: StreamID{15, 1}, Length: 3, Version: 7}, stMeta(t, d, "p"))
}

func TestStreamCorruptRecords(t *testing.T) {
	d := stDB(t)
	goodMeta := func(length int32) []byte {
		return streamMeta{EntriesAdded: 1, FirstID: StreamID{1, 0}, LastID: StreamID{1, 0}, Length: length, Version: 2}.encode()
	}
	// A meta of the wrong size.
	ksPutRaw(t, d, KindStreams, cfMeta, []byte("short"), goodMeta(1)[:67])
	_, err := d.XLen([]byte("short"))
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = d.XAdd(stW(1), []byte("short"), XAddArgs{}, stFields("f", "v"))
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = d.XRead([]XReadStream{{Key: []byte("short")}}, 0)
	require.ErrorIs(t, err, ErrCorrupt)
	// A negative length.
	ksPutRaw(t, d, KindStreams, cfMeta, []byte("neg"), goodMeta(-1))
	_, err = d.XRange([]byte("neg"), StreamID{}, MaxStreamID, 0, false)
	require.ErrorIs(t, err, ErrCorrupt)

	bad := map[string]struct {
		key   []byte // data key suffix after the prefix
		value []byte
	}{
		"truncated item": {stHex(t, "0000000000000001", "0000000000000000"), stHex(t, "05000000", "6162")},
		"short header":   {stHex(t, "0000000000000001", "0000000000000000"), stHex(t, "01000000", "61", "0100")},
		"odd item count": {stHex(t, "0000000000000001", "0000000000000000"), stHex(t, "01000000", "66")},
		"15-byte ID":     {stHex(t, "01010101010101010101010101010101")[:15], stHex(t, "01000000", "66", "01000000", "76")},
		"17-byte ID":     {stHex(t, "0000000000000001", "0000000000000000", "00"), stHex(t, "01000000", "66", "01000000", "76")},
	}
	for name, rec := range bad {
		key := []byte("bad " + name)
		ksPutRaw(t, d, KindStreams, cfMeta, key, goodMeta(1))
		ksPutRaw(t, d, KindStreams, cfData, append(dataKeyPrefix(key, 2), rec.key...), rec.value)
		_, err := d.XRange(key, StreamID{}, MaxStreamID, 0, false)
		require.ErrorIs(t, err, ErrCorrupt, name)
		_, err = d.XRead([]XReadStream{{Key: key}}, 0)
		require.ErrorIs(t, err, ErrCorrupt, name)
	}

	// Length and records disagree.
	ksPutRaw(t, d, KindStreams, cfMeta, []byte("long"), goodMeta(2))
	ksPutRaw(t, d, KindStreams, cfData, encodeStreamDataKey([]byte("long"), 2, StreamID{1, 0}), stHex(t, "01000000", "66", "01000000", "76"))
	_, err = d.XTrim(stW(1), []byte("long"), StreamTrim{Strategy: TrimMaxLen})
	require.ErrorIs(t, err, ErrCorrupt)
	ksPutRaw(t, d, KindStreams, cfMeta, []byte("hollow"), goodMeta(1))
	_, err = d.XInfo([]byte("hollow"))
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = d.XDel(stW(1), []byte("long"), []StreamID{{1, 0}})
	require.ErrorIs(t, err, ErrCorrupt, "length 2 → 1 but no entry left to be the first")
}

// TestStreamsPikaFixture reads the stream written by a real Pika 3.5.5 and
// compares it with expected-after-replication.json.
func TestStreamsPikaFixture(t *testing.T) {
	raw, err := os.ReadFile(pikafixture.Path(t, "expected-after-replication.json"))
	require.NoError(t, err)
	var expected map[string]map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &expected))

	e, err := Open(copyFixtureDB(t), Options{Databases: 2})
	require.NoError(t, err)
	defer e.Close()

	for dbi, dbName := range []string{"db0", "db1"} {
		d, err := e.DB(dbi)
		require.NoError(t, err)
		want := map[string][]StreamEntry{}
		for k, v := range expected[dbName] {
			key, ok := strings.CutPrefix(k, "stream|")
			if !ok {
				continue
			}
			var items []json.RawMessage
			require.NoError(t, json.Unmarshal(v, &items), k)
			var entries []StreamEntry
			for _, it := range items {
				var pair []json.RawMessage
				require.NoError(t, json.Unmarshal(it, &pair))
				require.Len(t, pair, 2)
				var idStr string
				var fields []string
				require.NoError(t, json.Unmarshal(pair[0], &idStr))
				require.NoError(t, json.Unmarshal(pair[1], &fields))
				entries = append(entries, StreamEntry{ID: stParseID(t, idStr), Fields: stFields(fields...)})
			}
			want[key] = entries
		}
		require.Contains(t, want, "stream:1", dbName)
		for key, entries := range want {
			got, err := d.XRange([]byte(key), StreamID{}, MaxStreamID, 0, false)
			if len(entries) == 0 {
				require.ErrorIs(t, err, ErrNotFound, "%s %s", dbName, key)
				continue
			}
			require.NoError(t, err)
			require.Equal(t, entries, got, "%s %s", dbName, key)
			rev, err := d.XRange([]byte(key), StreamID{}, MaxStreamID, 0, true)
			require.NoError(t, err)
			require.Len(t, rev, len(entries))
			require.Equal(t, entries[len(entries)-1], rev[0])
		}
		// No other live stream in the data.
		live := map[string]bool{}
		it := d.inst[KindStreams].newIter(nil, cfMeta, nil, nil)
		for it.SeekToFirst(); it.Valid(); it.Next() {
			key := it.KeyCopy()
			n, err := d.XLen(key)
			require.NoError(t, err, "%q", key)
			if n > 0 {
				live[string(key)] = true
			}
		}
		require.NoError(t, it.Err())
		it.Close()
		for key, entries := range want {
			require.Equal(t, len(entries) > 0, live[key], "%s %s", dbName, key)
			delete(live, key)
		}
		require.Empty(t, live, "%s: live streams not in the expected data", dbName)
	}

	// db0's stream:1 meta as Pika wrote it (commands.jsonl: XADD 1-1, 2-0, *).
	d, err := e.DB(0)
	require.NoError(t, err)
	last := StreamID{1795314903928, 0}
	require.Equal(t, streamMeta{EntriesAdded: 3, FirstID: StreamID{1, 1}, LastID: last, Length: 3, Version: 2},
		stMeta(t, d, "stream:1"))
	// Extend Pika's stream: * at a time before its last ID continues after it.
	id, err := d.XAdd(stW(1000), []byte("stream:1"), XAddArgs{}, stFields("field", "value4"))
	require.NoError(t, err)
	require.Equal(t, StreamID{last.Ms, 1}, id)
	n, err := d.XDel(stW(1000), []byte("stream:1"), []StreamID{{1, 1}})
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	got, err := d.XRange([]byte("stream:1"), StreamID{}, MaxStreamID, 0, false)
	require.NoError(t, err)
	require.Equal(t, []string{"2-0", "1795314903928-0", "1795314903928-1"}, stIDs(got))
}
