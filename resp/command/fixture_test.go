package command

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/engine/pikafixture"
	"github.com/stretchr/testify/require"
)

// fixtureNowMs is a cluster time shortly after the real Pika 3.5.5 wrote the
// fixture data: the stream entry added with "*" (XADD) has ID
// 1795314903928-0, and the whole recording (commands, the 2.5 s pause that
// let the 1-second keys expire, full sync, five more writes) took less than
// two minutes after it. Keys with 1-second TTLs must be gone by then; keys
// with TTLs of 1000 s and more must still be there.
const fixtureNowMs = 1795314903928 + 120_000

// pikaZRangeBug corrects the one fixture entry that records a Pika 3.5.5
// bug rather than the data: Pika's ZRANGE starts at the lowest finite score,
// so it skipped member d (score -inf), and it read past the end of the key
// into the next zset (geo:cities), so Palermo showed up. The stored data is
// what ZADD zset:neg -1.5 a 0 b 1e10 c -inf d +inf e wrote.
var pikaZRangeBug = map[string]string{
	"db0 zset|zset:neg": `["d","-inf","a","-1.5","b","0","c","10000000000","e","inf"]`,
}

// TestReadRealPikaData opens a copy of the db-path a real Pika 3.5.5 wrote
// and reads, through the command table, exactly what
// expected-after-replication.json says redis-cli saw on that Pika.
func TestReadRealPikaData(t *testing.T) {
	raw, err := os.ReadFile(pikafixture.Path(t, "expected-after-replication.json"))
	require.NoError(t, err)
	var expected map[string]map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &expected))

	e, err := engine.Open(pikafixture.CopyDB(t), engine.Options{Databases: 2})
	require.NoError(t, err)
	defer e.Close()

	checked := map[string]int{}
	for dbName, keys := range expected {
		var dbIndex int
		_, err := fmt.Sscanf(dbName, "db%d", &dbIndex)
		require.NoError(t, err)
		db, err := e.DB(dbIndex)
		require.NoError(t, err)
		ctx := &Ctx{Engine: e, DB: db, NowMs: fixtureNowMs}
		run := func(args ...string) Reply {
			argv := make([][]byte, len(args))
			for i, a := range args {
				argv[i] = []byte(a)
			}
			return Commands.Exec(ctx, argv)
		}
		for typed, want := range keys {
			kind, key, _ := strings.Cut(typed, "|")
			if fixed, ok := pikaZRangeBug[dbName+" "+typed]; ok {
				want = json.RawMessage(fixed)
			}
			var got any
			switch kind {
			case "string":
				got = replyJSON(t, run("GET", key))
			case "hash":
				got = sortedStrings(t, run("HGETALL", key))
			case "set":
				got = sortedStrings(t, run("SMEMBERS", key))
			case "list":
				got = replyJSON(t, run("LRANGE", key, "0", "-1"))
			case "zset":
				got = replyJSON(t, run("ZRANGE", key, "0", "-1", "WITHSCORES"))
			case "stream":
				got = streamJSON(t, run("XRANGE", key, "-", "+"))
			default:
				t.Fatalf("unknown type in fixture: %s", typed)
			}
			require.JSONEq(t, string(want), mustJSON(t, got), "%s %s", dbName, typed)
			checked[kind]++
		}
	}
	t.Logf("checked per type: %v", checked)

	// Keys that expired (1 s TTL, then a 2.5 s pause) must be absent.
	db0, _ := e.DB(0)
	ctx := &Ctx{Engine: e, DB: db0, NowMs: fixtureNowMs}
	require.Equal(t, TypeNil, Commands.Exec(ctx, [][]byte{[]byte("GET"), []byte("str:expired")}).Type)
	require.Equal(t, int64(0), Commands.Exec(ctx, [][]byte{[]byte("HLEN"), []byte("hash:expired")}).Int)
	// The same name lives in five types at once.
	require.Equal(t, int64(5), Commands.Exec(ctx, [][]byte{[]byte("EXISTS"), []byte("multi")}).Int)
}

// replyJSON turns a reply into the shape redis-cli output has in the
// fixture: strings, nil as null, arrays as lists.
func replyJSON(t *testing.T, r Reply) any {
	t.Helper()
	switch r.Type {
	case TypeError:
		t.Fatalf("error reply: %s", r.Str)
	case TypeNil, TypeNilArray:
		return nil
	case TypeBulk:
		return string(r.Bulk)
	case TypeStatus:
		return r.Str
	case TypeInt:
		return r.Int
	case TypeDouble:
		return FormatDouble(r.Float)
	case TypeArray, TypeSet, TypeMap:
		out := make([]any, len(r.Elems))
		for i, e := range r.Elems {
			out[i] = replyJSON(t, e)
		}
		return out
	}
	t.Fatalf("unexpected reply type %d", r.Type)
	return nil
}

func sortedStrings(t *testing.T, r Reply) []string {
	t.Helper()
	items, ok := replyJSON(t, r).([]any)
	require.True(t, ok, "array reply expected")
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.(string)
	}
	sort.Strings(out)
	return out
}

// streamJSON renders XRANGE as the fixture does: [[id, [field, value, ...]], ...].
func streamJSON(t *testing.T, r Reply) any {
	t.Helper()
	v := replyJSON(t, r)
	if v == nil {
		return []any{}
	}
	return v
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
