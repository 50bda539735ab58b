package fsm

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/resp/command"
)

// watchOf reads what WATCH would record for key in db on f.
func watchOf(t *testing.T, f *FSM, db int, key string) command.WatchedKey {
	t.Helper()
	eng, release := f.AcquireEngine()
	defer release()
	w, err := command.WatchKey(eng, db, []byte(key), f.LeaderTimeMs())
	require.NoError(t, err)
	return w
}

// metaDump returns the meta records with prefix of f's engine.
func metaDump(t *testing.T, f *FSM, prefix string) map[string]string {
	t.Helper()
	eng, release := f.AcquireEngine()
	defer release()
	out := map[string]string{}
	require.NoError(t, eng.ScanMeta([]byte(prefix), func(k, v []byte) error {
		out[string(k)] = string(v)
		return nil
	}))
	return out
}

// sameWatchTables requires a's and b's WATCH versions (buckets and
// epochs) to be equal and returns how many buckets of db 0 were bumped.
func sameWatchTables(t *testing.T, a, b *FSM) int {
	t.Helper()
	bumped := 0
	for bucket := uint32(0); bucket < command.WatchBuckets; bucket++ {
		v := a.Engine().WatchVersion(0, bucket)
		require.Equal(t, v, b.Engine().WatchVersion(0, bucket), "bucket %d", bucket)
		if v != 0 {
			bumped++
		}
	}
	for db := 1; db < engine.MaxDatabases; db++ {
		require.Equal(t, a.Engine().WatchVersion(db, 0), b.Engine().WatchVersion(db, 0), "db %d", db)
	}
	return bumped
}

// applyTxn applies a WATCHed EXEC entry and returns its one reply.
func applyTxn(t *testing.T, f *FSM, index uint64, now int64, watches []command.WatchedKey, cmds ...[][]byte) command.Reply {
	t.Helper()
	out := f.ApplyBatch([]*raft.Log{cmdLog(index, Entry{LeaderTimeMs: now, Cmds: cmds, Txn: true, Watches: watches})})
	r, ok := out[0].([]command.Reply)
	require.True(t, ok, "apply response %T", out[0])
	require.Len(t, r, 1)
	return r[0]
}

func TestWatchVersionsAreReplicatedState(t *testing.T) {
	a := openFSM(t, t.TempDir())
	b := openFSM(t, t.TempDir())
	rng := rand.New(rand.NewPCG(1, 2))
	key := func() string { return fmt.Sprintf("k%d", rng.IntN(40)) }
	var logs []*raft.Log
	for i := uint64(1); i <= 400; i++ {
		var cmds [][][]byte
		switch rng.IntN(7) {
		case 0:
			cmds = [][][]byte{argv("set", key(), "v")}
		case 1:
			cmds = [][][]byte{argv("rpush", key(), "x"), argv("get", key())}
		case 2:
			cmds = [][][]byte{argv("del", key(), key())}
		case 3:
			cmds = [][][]byte{argv("mset", key(), "1", key(), "2")}
		case 4:
			cmds = [][][]byte{argv("sunionstore", key(), key(), key())}
		case 5:
			cmds = [][][]byte{argv("hset", key(), "f", "v")}
		case 6:
			cmds = [][][]byte{argv("get", key())} // reads bump nothing
		}
		logs = append(logs, cmdLog(i, Entry{LeaderTimeMs: t0 + int64(i), Cmds: cmds}))
	}
	// A in batches, B one entry at a time.
	for i := 0; i < len(logs); i += 17 {
		a.ApplyBatch(logs[i:min(i+17, len(logs))])
	}
	for _, l := range logs {
		b.ApplyBatch([]*raft.Log{l})
	}
	require.Equal(t, 40, sameWatchTables(t, a, b), "the 40 keys' buckets")
	for i := 0; i < 40; i++ {
		k := fmt.Sprintf("k%d", i)
		require.Equal(t, watchOf(t, a, 0, k), watchOf(t, b, 0, k), k)
	}

	// The last write of a key is its version.
	a.ApplyBatch([]*raft.Log{cmdLog(401, Entry{LeaderTimeMs: t0 + 401, Cmds: [][][]byte{argv("lpush", "k0", "y")}})})
	require.Equal(t, uint64(401), watchOf(t, a, 0, "k0").Version)
	// A source of SUNIONSTORE is only read.
	before := watchOf(t, a, 0, "src")
	a.ApplyBatch([]*raft.Log{cmdLog(402, Entry{LeaderTimeMs: t0 + 402, Cmds: [][][]byte{argv("sunionstore", "dst", "src")}})})
	require.Equal(t, before, watchOf(t, a, 0, "src"))
	require.Equal(t, uint64(402), watchOf(t, a, 0, "dst").Version)
}

func TestWatchedExecDecidesAtApplyTime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	eng, err := OpenEngine(path, engine.Options{Databases: 2})
	require.NoError(t, err)
	f := New(eng, Config{Path: path, Options: engine.Options{Databases: 2}, Logger: quiet})
	t.Cleanup(func() { _ = f.Close() })
	set := func(index uint64, db int, k, v string) {
		f.ApplyBatch([]*raft.Log{cmdLog(index, Entry{DB: db, LeaderTimeMs: t0, Cmds: [][][]byte{argv("set", k, v)}})})
	}
	set(1, 0, "a", "1")
	w := []command.WatchedKey{watchOf(t, f, 0, "a"), watchOf(t, f, 0, "b")}

	// Unchanged: the block runs, one reply (the EXEC array).
	r := applyTxn(t, f, 2, t0, w, argv("set", "a", "2"), argv("get", "a"))
	require.Equal(t, command.Array(command.OK(), command.BulkString("2")), r)

	// The block's own write changed "a": the same watches now abort it.
	r = applyTxn(t, f, 3, t0, w, argv("set", "a", "3"))
	require.Equal(t, command.NilArray(), r)
	require.Equal(t, "2", get(t, f, "a"))

	// Writes to other dbs and to other keys do not abort (keys that share a
	// bucket would: rare, and never a missed change).
	w = []command.WatchedKey{watchOf(t, f, 0, "a")}
	set(4, 1, "a", "other db")
	set(5, 0, "zzz", "other key")
	require.Equal(t, command.Array(), applyTxn(t, f, 6, t0, w))

	// FLUSHDB of the db aborts, FLUSHALL aborts.
	f.ApplyBatch([]*raft.Log{cmdLog(7, Entry{DB: 0, LeaderTimeMs: t0, Cmds: [][][]byte{argv("flushdb")}})})
	require.Equal(t, command.NilArray(), applyTxn(t, f, 8, t0, w))
	w = []command.WatchedKey{watchOf(t, f, 1, "nothing")}
	f.ApplyBatch([]*raft.Log{cmdLog(9, Entry{DB: 0, LeaderTimeMs: t0, Cmds: [][][]byte{argv("flushall")}})})
	require.Equal(t, command.NilArray(), applyTxn(t, f, 10, t0, w))

	// A key that was live with a TTL at WATCH and expired by EXEC (cluster
	// time of the entry) counts as modified.
	f.ApplyBatch([]*raft.Log{cmdLog(11, Entry{LeaderTimeMs: t0, Cmds: [][][]byte{argv("set", "t", "v", "ex", "10")}})})
	w = []command.WatchedKey{watchOf(t, f, 0, "t")}
	require.NotZero(t, w[0].Deadline)
	require.Equal(t, command.Array(), applyTxn(t, f, 12, t0+5_000, w))
	require.Equal(t, command.NilArray(), applyTxn(t, f, 13, t0+20_000, w))
	// A key already expired when watched does not abort when it stays so.
	w = []command.WatchedKey{watchOf(t, f, 0, "t")}
	require.Zero(t, w[0].Deadline)
	require.Equal(t, command.Array(), applyTxn(t, f, 14, t0+30_000, w))
}

func TestWatchVersionsSurviveSnapshotAndRestart(t *testing.T) {
	dir := t.TempDir()
	a := openFSM(t, dir)
	a.ApplyBatch([]*raft.Log{
		cmdLog(1, Entry{LeaderTimeMs: t0, Cmds: [][][]byte{argv("set", "x", "1")}}),
		cmdLog(2, Entry{LeaderTimeMs: t0, Cmds: [][][]byte{argv("sadd", "s", "m")}}),
	})
	wx, ws := watchOf(t, a, 0, "x"), watchOf(t, a, 0, "s")
	require.Equal(t, uint64(1), wx.Version)
	require.Equal(t, uint64(2), ws.Version)

	// Another node installs the snapshot: same versions, same decisions.
	b := openFSM(t, t.TempDir())
	require.NoError(t, b.Restore(io.NopCloser(bytes.NewReader(snapshotBytes(t, a)))))
	require.Equal(t, wx, watchOf(t, b, 0, "x"))
	require.Equal(t, ws, watchOf(t, b, 0, "s"))
	for _, f := range []*FSM{a, b} {
		f.ApplyBatch([]*raft.Log{cmdLog(3, Entry{LeaderTimeMs: t0, Cmds: [][][]byte{argv("sadd", "s", "n")}})})
		require.Equal(t, command.Array(command.OK()), applyTxn(t, f, 4, t0, []command.WatchedKey{wx}, argv("set", "x", "2")))
		require.Equal(t, command.NilArray(), applyTxn(t, f, 5, t0, []command.WatchedKey{wx, ws}, argv("set", "x", "3")))
	}

	// A restart keeps them: the snapshot wrote the table as of entry 2, and
	// Raft replays the entries after it, which bump the rest again (the
	// engine skips their writes).
	require.NoError(t, a.Close())
	eng, err := OpenEngine(filepath.Join(dir, "db"), engine.Options{})
	require.NoError(t, err)
	a2 := New(eng, Config{Path: filepath.Join(dir, "db"), Logger: quiet})
	t.Cleanup(func() { _ = a2.Close() })
	require.Equal(t, wx, watchOf(t, a2, 0, "x"))
	require.Equal(t, ws, watchOf(t, a2, 0, "s"))
	want := metaDump(t, b, "w")
	require.Equal(t, want, metaDump(t, a2, "w"))
	a2.ApplyBatch([]*raft.Log{cmdLog(3, Entry{LeaderTimeMs: t0, Cmds: [][][]byte{argv("sadd", "s", "n")}})})
	applyTxn(t, a2, 4, t0, []command.WatchedKey{wx}, argv("set", "x", "2")) // replies of replays go nowhere
	applyTxn(t, a2, 5, t0, []command.WatchedKey{wx, ws}, argv("set", "x", "3"))
	require.Equal(t, want, metaDump(t, a2, "w"))
	require.Equal(t, "2", get(t, a2, "x"))
	for _, k := range []string{"x", "s"} {
		require.Equal(t, watchOf(t, b, 0, k), watchOf(t, a2, 0, k), k)
	}
	require.Equal(t, uint64(4), watchOf(t, a2, 0, "x").Version)
}

func TestForwardedTxnIsDeduplicated(t *testing.T) {
	f := openFSM(t, t.TempDir())
	w := []command.WatchedKey{watchOf(t, f, 0, "c")}
	e := Entry{LeaderTimeMs: t0, Cmds: [][][]byte{argv("incr", "c")}, Txn: true, Watches: w, ClientID: 9, Seq: 1, HasClient: true}
	first := f.ApplyBatch([]*raft.Log{cmdLog(1, e)})[0].([]command.Reply)
	require.Equal(t, []command.Reply{command.Array(command.Int(1))}, first)
	// The retry gets the stored EXEC reply and does not run (nor abort).
	require.Equal(t, first, f.ApplyBatch([]*raft.Log{cmdLog(2, e)})[0].([]command.Reply))
	require.Equal(t, "1", get(t, f, "c"))
}

func TestTxnEntryRoundTrip(t *testing.T) {
	e := Entry{DB: 3, LeaderTimeMs: t0, Seed: 5, Cmds: [][][]byte{argv("set", "a", "b")}, Txn: true,
		Watches: []command.WatchedKey{{DB: 1, Key: []byte("k"), Version: 77, Deadline: 1_700_000_123}, {Key: []byte{}, Version: 0}}}
	got, err := Decode(e.Encode())
	require.NoError(t, err)
	require.Equal(t, &e, got)
	// Every prefix is rejected, never a panic.
	b := e.Encode()
	for i := 0; i < len(b); i++ {
		_, err := Decode(b[:i])
		require.Error(t, err, "prefix %d", i)
	}
}

// A replay after a restart reaches each WATCHed EXEC with the versions the
// original apply saw, so it runs or aborts as the original did, and every
// version it stood for survives. Session 13's in-memory table (reverted)
// failed this: the bucket record of the later forwarded write, loaded at
// Open, made the replayed EXEC abort, and b's bump of index 1 was lost on
// the restarted node only (jepsen-lite found the divergence under kills).
func TestReplayedWatchedExecKeepsItsVersions(t *testing.T) {
	dir := t.TempDir()
	a := openFSM(t, dir)
	logs := []*raft.Log{
		// A WATCHed EXEC of a client on the leader: watches a (version 0), writes a and b.
		cmdLog(1, Entry{LeaderTimeMs: t0, Cmds: [][][]byte{argv("incr", "a"), argv("incr", "b")}, Txn: true,
			Watches: []command.WatchedKey{{Key: []byte("a"), Version: 0}}}),
		// A forwarded write to a: a wk/ record at index 2.
		cmdLog(2, Entry{LeaderTimeMs: t0, Cmds: [][][]byte{argv("incr", "a")}, ClientID: 7, Seq: 1, HasClient: true}),
	}
	for _, l := range logs {
		a.ApplyBatch([]*raft.Log{l})
	}
	want := map[string]uint64{"a": 2, "b": 1}
	for k, v := range want {
		require.Equal(t, v, watchOf(t, a, 0, k).Version, k)
	}
	require.NoError(t, a.Close())
	eng, err := OpenEngine(filepath.Join(dir, "db"), engine.Options{})
	require.NoError(t, err)
	a2 := New(eng, Config{Path: filepath.Join(dir, "db"), Logger: quiet})
	t.Cleanup(func() { _ = a2.Close() })
	a2.ApplyBatch(logs)
	for k, v := range want {
		require.Equal(t, v, watchOf(t, a2, 0, k).Version, "%s after the replay", k)
	}
}

// restart closes f and opens the FSM of its data directory again, as a
// node does after a crash (Raft then replays the entries after the newest
// snapshot: the test applies them).
func restart(t *testing.T, f *FSM, dir string, opts engine.Options) *FSM {
	t.Helper()
	require.NoError(t, f.Close())
	path := filepath.Join(dir, "db")
	eng, err := OpenEngine(path, opts)
	require.NoError(t, err)
	f2 := New(eng, Config{Path: path, Options: opts, Logger: quiet})
	t.Cleanup(func() { _ = f2.Close() })
	return f2
}

// A restart with no snapshot since: Raft replays every entry, and the
// versions come out as on a node that did not restart — also for a
// forwarded write, which the replay answers from its dedup record instead
// of running it, and for its retry, which bumped nothing the first time
// and must bump nothing in the replay even after the sweep of expired
// records deleted the record that made it a retry.
func TestWatchVersionsOfForwardedWritesSurviveReplay(t *testing.T) {
	dir := t.TempDir()
	a := openFSM(t, dir)
	fwd := func(seq uint64, cmds ...[][]byte) Entry {
		return Entry{LeaderTimeMs: t0, Cmds: cmds, ClientID: 7, Seq: seq, HasClient: true}
	}
	logs := []*raft.Log{
		cmdLog(1, fwd(1, argv("set", "x", "1"))),
		cmdLog(2, fwd(1, argv("set", "x", "1"))), // a retry: the stored reply
		cmdLog(3, Entry{LeaderTimeMs: t0, Cmds: [][][]byte{argv("set", "y", "1")}}),
		cmdLog(4, Entry{LeaderTimeMs: t0, Cmds: [][][]byte{argv("incr", "z")}, Txn: true,
			Watches: []command.WatchedKey{{Key: []byte("z"), Version: 99}}, ClientID: 7, Seq: 2, HasClient: true}), // aborts
		cmdLog(5, fwd(3, argv("hset", "h", "f", "v"), argv("del", "y"))),
		// Much later: the sweep deletes client 7's record.
		cmdLog(dedupGCEvery, Entry{LeaderTimeMs: t0 + 2*DedupRetentionMs, Cmds: [][][]byte{argv("get", "x")}}),
	}
	for _, l := range logs {
		a.ApplyBatch([]*raft.Log{l})
	}
	eng, release := a.AcquireEngine()
	rec, err := lookupDedup(eng, 7, t0)
	release()
	require.NoError(t, err)
	require.Nil(t, rec, "swept")
	want := map[string]uint64{"x": 1, "y": 5, "z": 0, "h": 5}
	for k, v := range want {
		require.Equal(t, v, watchOf(t, a, 0, k).Version, k)
	}

	a2 := restart(t, a, dir, engine.Options{})
	a2.ApplyBatch(logs)
	for k, v := range want {
		require.Equal(t, v, watchOf(t, a2, 0, k).Version, "%s after the replay", k)
	}
}

// A replayed WATCHed EXEC decides with the epochs of its time, not with a
// FLUSHDB that came after it: here the EXEC (db 0) watches a key of db 1,
// which a later FLUSHDB of db 1 bumps.
func TestReplayedExecIgnoresLaterEpochs(t *testing.T) {
	dir := t.TempDir()
	opts := engine.Options{Databases: 2}
	path := filepath.Join(dir, "db")
	eng, err := OpenEngine(path, opts)
	require.NoError(t, err)
	a := New(eng, Config{Path: path, Options: opts, Logger: quiet})
	logs := []*raft.Log{
		cmdLog(1, Entry{LeaderTimeMs: t0, Cmds: [][][]byte{argv("incr", "b")}, Txn: true,
			Watches: []command.WatchedKey{{DB: 1, Key: []byte("w"), Version: 0}}}),
		cmdLog(2, Entry{DB: 1, LeaderTimeMs: t0, Cmds: [][][]byte{argv("flushdb")}}),
	}
	for _, l := range logs {
		a.ApplyBatch([]*raft.Log{l})
	}
	require.Equal(t, uint64(1), watchOf(t, a, 0, "b").Version)
	require.Equal(t, uint64(2), watchOf(t, a, 1, "w").Version)
	a2 := restart(t, a, dir, opts)
	a2.ApplyBatch(logs)
	require.Equal(t, uint64(1), watchOf(t, a2, 0, "b").Version, "after the replay")
	require.Equal(t, uint64(2), watchOf(t, a2, 1, "w").Version, "after the replay")
}
