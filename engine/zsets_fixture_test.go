package engine

import (
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pikaraft/pikaraft/engine/pikafixture"
	"github.com/stretchr/testify/require"
)

// TestZSetsPikaFixture reads every zset (geo keys included) of the data
// written by a real Pika 3.5.5 and compares it with
// expected-after-replication.json.
func TestZSetsPikaFixture(t *testing.T) {
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
		nowMs := zsFixtureNow(t, d)
		want := map[string][]string{}
		for k, v := range expected[dbName] {
			if key, ok := strings.CutPrefix(k, "zset|"); ok {
				var flat []string
				require.NoError(t, json.Unmarshal(v, &flat), k)
				want[key] = flat
			}
		}
		// Every live zset in the data is expected, and nothing else.
		live := map[string]bool{}
		in := d.inst[KindZSets]
		it := in.newIter(nil, cfMeta, nil, nil)
		for it.SeekToFirst(); it.Valid(); it.Next() {
			key := string(it.KeyCopy())
			n, err := d.ZCard([]byte(key), nowMs)
			require.NoError(t, err, key)
			if n > 0 {
				live[key] = true
			}
		}
		require.NoError(t, it.Err())
		it.Close()
		wantKeys := map[string]bool{}
		for k := range want {
			wantKeys[k] = true
		}
		require.Equal(t, wantKeys, live, "%s: live zsets", dbName)

		for key, flat := range want {
			got, err := d.ZRange([]byte(key), 0, -1, false, nowMs)
			require.NoError(t, err, key)
			if key == "zset:neg" {
				flat = pikaZRangeQuirk(t, flat)
			}
			require.Len(t, got, len(flat)/2, "%s %s", dbName, key)
			for i, sm := range got {
				require.Equal(t, flat[2*i], string(sm.Member), "%s %s rank %d", dbName, key, i)
				wantScore, err := strconv.ParseFloat(flat[2*i+1], 64)
				require.NoError(t, err)
				require.Equal(t, wantScore, sm.Score, "%s %s %s", dbName, key, sm.Member)
				s, err := d.ZScore([]byte(key), sm.Member, nowMs)
				require.NoError(t, err)
				require.Equal(t, wantScore, s)
			}
		}
	}
}

// pikaZRangeQuirk undoes a Pika 3.5.5 bug visible in the fixture. Pika's
// ZRANGE seeks score_cf to -DBL_MAX (so a -inf member is skipped) and then
// takes `count` records without checking that they still belong to the key,
// so redis-cli showed zset:neg without d (-inf) and with the first member of
// the next key in score_cf order (geo:cities' Palermo). The data on disk is
// the ZADD of commands.jsonl: a -1.5, b 0, c 1e10, d -inf, e +inf, which is
// what a correct ZRANGE returns.
func pikaZRangeQuirk(t *testing.T, flat []string) []string {
	t.Helper()
	require.Equal(t, []string{"a", "-1.5", "b", "0", "c", "10000000000", "Palermo", "3479099956230698", "e", "inf"}, flat,
		"fixture still shows Pika's ZRANGE bug")
	return []string{"d", "-inf", "a", "-1.5", "b", "0", "c", "10000000000", "e", "inf"}
}

// zsFixtureNow derives the recording time from the data: the newest zset
// version is the second of the last (re)creation; the recording ended a few
// seconds later. It must be November 2026 (the fixture README).
func zsFixtureNow(t *testing.T, d *DB) int64 {
	t.Helper()
	in := d.inst[KindZSets]
	it := in.newIter(nil, cfMeta, nil, nil)
	defer it.Close()
	var newest int32
	for it.SeekToFirst(); it.Valid(); it.Next() {
		m, err := decodeBaseMeta(it.ValueCopy())
		require.NoError(t, err)
		newest = max(newest, m.Version)
	}
	require.NoError(t, it.Err())
	if newest == 0 { // no zsets in this db: any time in the recording month
		return time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC).UnixMilli()
	}
	at := time.Unix(int64(newest), 0).UTC()
	require.Equal(t, 2026, at.Year())
	require.Equal(t, time.November, at.Month())
	return (int64(newest) + 60) * 1000
}
