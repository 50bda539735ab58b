package fsm

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/engine/hotcache"
	"github.com/pikaraft/pikaraft/resp/command"
)

// openCachedFSM is openFSM with two databases and the hot-key cache on.
func openCachedFSM(t *testing.T, dir string) *FSM {
	t.Helper()
	path := filepath.Join(dir, "db")
	hc := hotcache.New(hotcache.Config{Enabled: true, MaxBytes: 1 << 20,
		Types: 1<<hotcache.KindString | 1<<hotcache.KindList})
	opts := engine.Options{Databases: 2, HotCache: hc}
	eng, err := OpenEngine(path, opts)
	require.NoError(t, err)
	f := New(eng, Config{Path: path, Options: opts, Logger: quiet})
	t.Cleanup(func() { _ = f.Engine().Close() })
	return f
}

// read runs a read command as the RESP server does: through the cache
// when cached is true, else straight from the engine.
func read(t *testing.T, f *FSM, db int, nowMs int64, cached bool, args ...string) command.Reply {
	t.Helper()
	eng, release := f.AcquireEngine()
	defer release()
	d, err := eng.DB(db)
	require.NoError(t, err)
	c := &command.Ctx{Engine: eng, DB: d, NowMs: nowMs}
	if cached {
		c.Cache = eng.HotCache()
	}
	return command.Commands.Exec(c, argv(args...))
}

// The cached reads give the engine's answer after every kind of write: the
// reads run before each write (filling the cache) and after it.
func TestCacheFollowsEveryWrite(t *testing.T) {
	f := openCachedFSM(t, t.TempDir())
	const t0 = int64(1_700_000_000_000)
	reads := [][]string{
		{"get", "k"}, {"get", "d"}, {"get", "n"}, {"get", "l"},
		{"lrange", "l", "0", "-1"}, {"lrange", "l", "1", "2"}, {"lrange", "l", "-2", "-1"}, {"lrange", "k", "0", "-1"},
		// A list longer than the cached head (listHeadLen elements).
		{"lrange", "big", "0", "99"}, {"lrange", "big", "500", "520"}, {"lrange", "big", "-3", "-1"}, {"lrange", "big", "-600", "5"},
	}
	bigPush := []string{"rpush", "big"}
	for i := 0; i < 600; i++ {
		bigPush = append(bigPush, fmt.Sprint(i))
	}
	writes := []struct {
		db   int
		cmds [][]string
		// later is how far the clock moves after the write (expiry).
		later int64
	}{
		{0, [][]string{bigPush}, 0},
		{0, [][]string{{"lpush", "big", "head"}}, 0},
		{0, [][]string{{"rpop", "big"}}, 0},
		{0, [][]string{{"set", "k", "v1"}}, 0},
		{0, [][]string{{"set", "k", "v2"}}, 0},
		{0, [][]string{{"append", "k", "+x"}}, 0},
		{0, [][]string{{"setrange", "k", "0", "V"}}, 0},
		{0, [][]string{{"incr", "n"}}, 0},
		{0, [][]string{{"incrby", "n", "10"}}, 0},
		{0, [][]string{{"mset", "d", "1", "n", "2"}}, 0},
		{0, [][]string{{"rpush", "l", "a", "b", "c"}}, 0},
		{0, [][]string{{"lpush", "l", "z"}}, 0},
		{0, [][]string{{"lpop", "l"}}, 0},
		{0, [][]string{{"lset", "l", "1", "B"}}, 0},
		{0, [][]string{{"ltrim", "l", "0", "1"}}, 0},
		{0, [][]string{{"set", "l", "string-and-list"}}, 0}, // a string named like the list
		{0, [][]string{{"del", "l"}}, 0},                    // deletes both
		{0, [][]string{{"rpush", "l", "x", "y"}}, 0},
		{0, [][]string{{"rpoplpush", "l", "k"}}, 0},
		{0, [][]string{{"rpoplpush", "l", "d"}}, 0},
		{0, [][]string{{"set", "d", "str"}}, 0},
		{0, [][]string{{"getset", "d", "g"}}, 0},
		{0, [][]string{{"getdel", "d"}}, 0},
		{0, [][]string{{"set", "k", "0"}}, 0},
		{0, [][]string{{"bitop", "or", "d", "k", "n"}}, 0},
		{0, [][]string{{"expire", "d", "1"}}, 0},
		{0, [][]string{{"persist", "d"}}, 0},
		{0, [][]string{{"set", "k", "ttl", "ex", "1"}}, 3000}, // expires while cached
		{0, [][]string{{"set", "k", "back"}}, 0},
		{0, [][]string{{"expire", "l", "1"}}, 3000},
		{0, [][]string{{"rpush", "l", "p", "q"}, {"set", "d", "in-txn"}}, 0}, // MULTI/EXEC: one entry
		{1, [][]string{{"set", "k", "db1"}}, 0},
		{0, [][]string{{"flushdb"}}, 0},
		{0, [][]string{{"set", "k", "again"}, {"rpush", "l", "r"}}, 0},
		{1, [][]string{{"flushall"}}, 0},
		{0, [][]string{{"pksetexat", "k", "1", "gone"}}, 0}, // already expired
	}
	now := t0
	index := uint64(1)
	for _, w := range writes {
		for db := 0; db < 2; db++ {
			for _, r := range reads {
				read(t, f, db, now, true, r...) // fill the cache
			}
		}
		e := Entry{DB: w.db, LeaderTimeMs: now}
		for _, c := range w.cmds {
			e.Cmds = append(e.Cmds, argv(c...))
		}
		out := f.ApplyBatch([]*raft.Log{cmdLog(index, e)})
		for _, r := range out[0].([]command.Reply) {
			require.NotEqual(t, command.TypeError, r.Type, "%v: %s", w.cmds, r.Str)
		}
		index++
		now += w.later
		for db := 0; db < 2; db++ {
			for _, r := range reads {
				require.Equal(t, read(t, f, db, now, false, r...), read(t, f, db, now, true, r...),
					"db%d %s after %v", db, strings.Join(r, " "), w.cmds)
			}
		}
	}
	st := f.Engine().HotCache().Stats(engineTime(now))
	require.Positive(t, st.Hits, "the cache served reads")
}

// A restored snapshot replaces whatever the cache held.
func TestRestoreDropsCachedValues(t *testing.T) {
	f := openCachedFSM(t, t.TempDir())
	const t0 = int64(1_700_000_000_000)
	f.ApplyBatch([]*raft.Log{cmdLog(1, Entry{LeaderTimeMs: t0, Cmds: [][][]byte{argv("set", "k", "old"), argv("rpush", "l", "old")}})})
	archive := snapshotBytes(t, f)

	f.ApplyBatch([]*raft.Log{cmdLog(2, Entry{LeaderTimeMs: t0, Cmds: [][][]byte{argv("set", "k", "new"), argv("lpush", "l", "new")}})})
	for i := 0; i < 2; i++ { // the second reads hit
		require.Equal(t, command.Bulk([]byte("new")), read(t, f, 0, t0, true, "get", "k"))
		require.Equal(t, command.BulkArray([][]byte{[]byte("new"), []byte("old")}), read(t, f, 0, t0, true, "lrange", "l", "0", "-1"))
	}
	hits := f.Engine().HotCache().Stats(engineTime(t0)).Hits
	require.Equal(t, uint64(2), hits)

	require.NoError(t, f.Restore(io.NopCloser(bytes.NewReader(archive))))
	require.Equal(t, command.Bulk([]byte("old")), read(t, f, 0, t0, true, "get", "k"))
	require.Equal(t, command.BulkArray([][]byte{[]byte("old")}), read(t, f, 0, t0, true, "lrange", "l", "0", "-1"))
}

func engineTime(ms int64) time.Time { return time.UnixMilli(ms) }
