package engine

import (
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/pikaraft/pikaraft/engine/pikafixture"
	"github.com/stretchr/testify/require"
)

// TestHashesAndSetsOfRealPika reads every hash and set of the fixture
// written by Pika 3.5.5 and compares it with expected-after-replication.json
// (hash fields and values flattened and sorted, set members sorted).
func TestHashesAndSetsOfRealPika(t *testing.T) {
	hsFixtureNowMs := fixtureNowMs(t) // the recording time
	raw, err := os.ReadFile(pikafixture.Path(t, "expected-after-replication.json"))
	require.NoError(t, err)
	var expected map[string]map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &expected))

	e, err := Open(copyFixtureDB(t), Options{Databases: 2})
	require.NoError(t, err)
	defer e.Close()

	checked := 0
	for dbName, entries := range expected {
		var idx int
		switch dbName {
		case "db0":
			idx = 0
		case "db1":
			idx = 1
		default:
			t.Fatalf("unexpected db %q", dbName)
		}
		d, err := e.DB(idx)
		require.NoError(t, err)
		want := map[Kind]map[string][]string{KindHashes: {}, KindSets: {}}
		for name, val := range entries {
			typ, key, ok := strings.Cut(name, "|")
			require.True(t, ok, name)
			var kind Kind
			switch typ {
			case "hash":
				kind = KindHashes
			case "set":
				kind = KindSets
			default:
				continue
			}
			var items []string
			require.NoError(t, json.Unmarshal(val, &items), name)
			want[kind][key] = items
		}
		for key, items := range want[KindHashes] {
			fvs, err := d.HGetAll([]byte(key), hsFixtureNowMs)
			require.NoError(t, err, key)
			got := hsFlat(fvs)
			sort.Strings(got)
			require.Equal(t, items, got, "%s hash %s", dbName, key)
			n, err := d.HLen([]byte(key), hsFixtureNowMs)
			require.NoError(t, err)
			require.EqualValues(t, len(items)/2, n, "%s HLEN %s", dbName, key)
			checked++
		}
		for key, items := range want[KindSets] {
			m, err := d.SMembers([]byte(key), hsFixtureNowMs)
			require.NoError(t, err, key)
			require.Equal(t, items, hsSorted(m), "%s set %s", dbName, key)
			n, err := d.SCard([]byte(key), hsFixtureNowMs)
			require.NoError(t, err)
			require.EqualValues(t, len(items), n, "%s SCARD %s", dbName, key)
			checked++
		}
		// And nothing else: every meta record of the fixture that is live
		// at hsFixtureNowMs is one of the expected keys.
		for _, k := range []Kind{KindHashes, KindSets} {
			for _, rec := range hsRaw(t, d, k, cfMeta) {
				m, err := decodeBaseMeta([]byte(rec.Value))
				require.NoError(t, err)
				live := m.Count > 0 && !isStale(m.TS, int32(hsFixtureNowMs/1000))
				_, listed := want[k][rec.Key]
				require.Equal(t, listed, live, "%s %s %q", dbName, k, rec.Key)
			}
		}
	}
	require.Greater(t, checked, 20)

	// Deleted, recreated and expired collections, as the recording did them.
	d, err := e.DB(0)
	require.NoError(t, err)
	_, err = d.HGet([]byte("hash:expired"), []byte("f"), hsFixtureNowMs)
	require.ErrorIs(t, err, ErrNotFound)
	_, err = d.HGet([]byte("hash:recreated"), []byte("old"), hsFixtureNowMs)
	require.ErrorIs(t, err, ErrNotFound)
	v, err := d.HGet([]byte("hash:recreated"), []byte("new"), hsFixtureNowMs)
	require.NoError(t, err)
	require.Equal(t, "2", string(v))
	ok, err := d.SIsMember([]byte("set:deleted"), []byte("gone"), hsFixtureNowMs)
	require.NoError(t, err)
	require.False(t, ok)
	// hash:2 and set:3 got a one-year TTL: gone a year and a day later.
	yearLater := hsFixtureNowMs + 366*24*3600*1000
	n, err := d.HLen([]byte("hash:2"), yearLater)
	require.NoError(t, err)
	require.EqualValues(t, 0, n)
	n, err = d.SCard([]byte("set:3"), yearLater)
	require.NoError(t, err)
	require.EqualValues(t, 0, n)
	n, err = d.SCard([]byte("set:4"), yearLater)
	require.NoError(t, err)
	require.EqualValues(t, 1, n)

	// Writing to Pika's data through the engine keeps it consistent.
	added, err := d.HSet(hsW(hsFixtureNowMs), []byte("hash:big"), hsFV("f", "changed", "brand-new", "x"))
	require.NoError(t, err)
	require.EqualValues(t, 1, added)
	before := len(want0(t, expected, "hash|hash:big")) / 2
	n, err = d.HLen([]byte("hash:big"), hsFixtureNowMs)
	require.NoError(t, err)
	require.EqualValues(t, before+1, n)
}

func want0(t *testing.T, expected map[string]map[string]json.RawMessage, name string) []string {
	t.Helper()
	var items []string
	require.NoError(t, json.Unmarshal(expected["db0"][name], &items))
	return items
}
