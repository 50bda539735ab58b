package engine

import (
	"bytes"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// Byte-level tests of the zset layout (spec §2.4): vectors written by hand.

// zsVersionLE is zsNowSec (1790000000) as i32le.
var zsVersionLE = []byte{0x80, 0x3b, 0xb1, 0x6a}

func zsRawPut(t *testing.T, d *DB, cf int, key, value []byte) {
	t.Helper()
	in := d.inst[KindZSets]
	require.NoError(t, in.db.PutCF(in.wo, in.cfs[cf], key, value))
}

func zsRawGet(t *testing.T, d *DB, cf int, key []byte) []byte {
	t.Helper()
	in := d.inst[KindZSets]
	v, err := in.get(in.ro, cf, key)
	require.NoError(t, err, "raw key %x", key)
	return v
}

func zsRawMeta(t *testing.T, d *DB, key string) baseMeta {
	t.Helper()
	m, err := decodeBaseMeta(zsRawGet(t, d, cfMeta, []byte(key)))
	require.NoError(t, err)
	return m
}

// zsRawDump returns every record of cf as key → value.
func zsRawDump(t *testing.T, d *DB, cf int) map[string][]byte {
	t.Helper()
	in := d.inst[KindZSets]
	it := in.newIter(nil, cf, nil, nil)
	defer it.Close()
	out := map[string][]byte{}
	for it.SeekToFirst(); it.Valid(); it.Next() {
		out[string(it.KeyCopy())] = it.ValueCopy()
	}
	require.NoError(t, it.Err())
	return out
}

// zsCheckRecords checks the invariant of the current version of key: every
// member has exactly one data_cf record and one score_cf record with the
// same score, and the meta count is exact.
func zsCheckRecords(t *testing.T, d *DB, key string) {
	t.Helper()
	m := zsRawMeta(t, d, key)
	prefix := dataKeyPrefix([]byte(key), m.Version)
	data := map[string]uint64{}
	for k, v := range zsRawDump(t, d, cfData) {
		if bytes.HasPrefix([]byte(k), prefix) {
			s, err := decodeScore(v)
			require.NoError(t, err)
			data[k[len(prefix):]] = math.Float64bits(s)
		}
	}
	scores := map[string]uint64{}
	for k, v := range zsRawDump(t, d, cfScore) {
		if bytes.HasPrefix([]byte(k), prefix) {
			require.Empty(t, v)
			rest := k[len(prefix):]
			require.GreaterOrEqual(t, len(rest), 8)
			s, err := decodeScore([]byte(rest[:8]))
			require.NoError(t, err)
			_, dup := scores[rest[8:]]
			require.False(t, dup, "member %q has two score records", rest[8:])
			scores[rest[8:]] = math.Float64bits(s)
		}
	}
	require.Equal(t, data, scores, "data_cf and score_cf of %q agree", key)
	require.EqualValues(t, m.Count, len(data), "meta count of %q", key)
}

func TestZSetFormatWrite(t *testing.T) {
	d := zsDB(t)
	zsAdd(t, d, "z", sm("m", 1.5))
	// meta: count 1 | version | ts 0
	require.Equal(t, []byte{1, 0, 0, 0, 0x80, 0x3b, 0xb1, 0x6a, 0, 0, 0, 0}, zsRawGet(t, d, cfMeta, []byte("z")))
	dataKey := append(append([]byte{1, 0, 0, 0, 'z'}, zsVersionLE...), 'm')
	require.Equal(t, []byte{0, 0, 0, 0, 0, 0, 0xf8, 0x3f}, zsRawGet(t, d, cfData, dataKey))
	scoreKey := append(append([]byte{1, 0, 0, 0, 'z'}, zsVersionLE...), 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, 'm')
	require.Equal(t, []byte{}, zsRawGet(t, d, cfScore, scoreKey))
	require.Len(t, zsRawDump(t, d, cfScore), 1)

	// Changing the score deletes the old score key and writes the new one.
	zsAdd(t, d, "z", sm("m", -2))
	require.Equal(t, []byte{0, 0, 0, 0, 0, 0, 0, 0xc0}, zsRawGet(t, d, cfData, dataKey))
	score := zsRawDump(t, d, cfScore)
	newScoreKey := append(append([]byte{1, 0, 0, 0, 'z'}, zsVersionLE...), 0, 0, 0, 0, 0, 0, 0, 0xc0, 'm')
	require.Equal(t, map[string][]byte{string(newScoreKey): {}}, score)
	require.Len(t, zsRawDump(t, d, cfData), 1)
}

func TestZSetFormatRead(t *testing.T) {
	d := zsDB(t)
	// Records in Pika's layout for key "k" at version 0x0A0B0C0D:
	// a → -inf, b → 1.5, c → 1.5, with a TTL far in the future.
	v := []byte{0x0d, 0x0c, 0x0b, 0x0a}
	prefix := append([]byte{1, 0, 0, 0, 'k'}, v...)
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	ninf := []byte{0, 0, 0, 0, 0, 0, 0xf0, 0xff}
	onePointFive := []byte{0, 0, 0, 0, 0, 0, 0xf8, 0x3f}
	zsRawPut(t, d, cfMeta, []byte("k"), cat([]byte{3, 0, 0, 0}, v, []byte{0xff, 0xff, 0xff, 0x7f}))
	for _, r := range []struct{ member, score []byte }{{[]byte("c"), onePointFive}, {[]byte("a"), ninf}, {[]byte("b"), onePointFive}} {
		zsRawPut(t, d, cfData, cat(prefix, r.member), r.score)
		zsRawPut(t, d, cfScore, cat(prefix, r.score, r.member), nil)
	}
	require.Equal(t, []ScoreMember{sm("a", math.Inf(-1)), sm("b", 1.5), sm("c", 1.5)}, zsAll(t, d, "k", zsNow))
	s, err := d.ZScore([]byte("k"), []byte("c"), zsNow)
	require.NoError(t, err)
	require.Equal(t, 1.5, s)
	r, err := d.ZRank([]byte("k"), []byte("c"), true, zsNow)
	require.NoError(t, err)
	require.Zero(t, r)
	out, err := d.ZRangeByScore([]byte("k"), ScoreRange{Min: 1, Max: 2}, true, NoLimit, zsNow)
	require.NoError(t, err)
	require.Equal(t, []string{"c", "b"}, zsMembers(out))
	card, err := d.ZCard([]byte("k"), zsNow)
	require.NoError(t, err)
	require.EqualValues(t, 3, card)
	// Records of an older version are invisible.
	zsRawPut(t, d, cfData, cat([]byte{1, 0, 0, 0, 'k', 0x0c, 0x0c, 0x0b, 0x0a}, []byte("old")), onePointFive)
	require.Len(t, zsAll(t, d, "k", zsNow), 3)
}

func TestZSetCorruptRecords(t *testing.T) {
	d := zsDB(t)
	zsAdd(t, d, "z", sm("a", 1))
	// A data_cf value that is not 8 bytes.
	dataKey := encodeDataKey([]byte("z"), zsNowSec, []byte("a"))
	zsRawPut(t, d, cfData, dataKey, []byte{1, 2, 3})
	_, err := d.ZScore([]byte("z"), []byte("a"), zsNow)
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = d.ZAdd(zsW(zsNow), []byte("z"), ZAddOptions{}, []ScoreMember{sm("a", 2)})
	require.ErrorIs(t, err, ErrCorrupt)
	// A score key too short to hold a score.
	zsRawPut(t, d, cfScore, append(dataKeyPrefix([]byte("z"), zsNowSec), 1, 2, 3), nil)
	_, err = d.ZRange([]byte("z"), 0, -1, false, zsNow)
	require.ErrorIs(t, err, ErrCorrupt)
	// A meta value that is too short.
	zsRawPut(t, d, cfMeta, []byte("m"), []byte{1, 2, 3, 4, 5})
	_, err = d.ZCard([]byte("m"), zsNow)
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = d.ZAdd(zsW(zsNow), []byte("m"), ZAddOptions{}, []ScoreMember{sm("a", 2)})
	require.ErrorIs(t, err, ErrCorrupt)
}

func TestZSetsComparatorTies(t *testing.T) {
	c := compareZSetsScoreKeys
	// Same score: a member that is a prefix of another sorts first, and
	// the empty member (a seek bound) sorts before every member.
	require.Negative(t, c(zkey("k", 1, 2, "ab"), zkey("k", 1, 2, "abc")))
	require.Negative(t, c(zkey("k", 1, 2, ""), zkey("k", 1, 2, "\x00")))
	require.Zero(t, c(zkey("k", 1, 2, "m"), zkey("k", 1, 2, "m")))
	// Member bytes compare unsigned.
	require.Negative(t, c(zkey("k", 1, 2, "\x7f"), zkey("k", 1, 2, "\x80")))
	// A bare prefix (seek bound) sorts before every record of its version
	// and its upper bound after them.
	p := dataKeyPrefix([]byte("k"), 1)
	require.Negative(t, c(p, zkey("k", 1, math.Inf(-1), "")))
	require.Positive(t, c(prefixUpperBound(p), zkey("k", 1, math.Inf(1), "\xff\xff")))
	// Large and negative scores order numerically, unlike their bytes.
	require.Negative(t, c(zkey("k", 1, -1e10, ""), zkey("k", 1, -1, "")))
	require.Negative(t, c(zkey("k", 1, 1, ""), zkey("k", 1, 1e10, "")))
	require.Negative(t, c(zkey("k", 1, 1e10, ""), zkey("k", 1, math.Inf(1), "")))
}
