package fsm

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/resp/command"
)

// cmdGen makes one random command of a kind.
type cmdGen struct {
	name string
	gen  func(r *rand.Rand) []string
}

func key(r *rand.Rand, prefix string) string { return fmt.Sprintf("%s%d", prefix, r.IntN(12)) }

var gens = []cmdGen{
	{"set", func(r *rand.Rand) []string {
		if r.IntN(2) == 0 {
			return []string{"SET", key(r, "k"), fmt.Sprint(r.IntN(1000)), "EX", fmt.Sprint(1 + r.IntN(4))}
		}
		return []string{"SET", key(r, "k"), fmt.Sprint(r.IntN(1000))}
	}},
	{"setex", func(r *rand.Rand) []string {
		return []string{"SETEX", key(r, "k"), fmt.Sprint(1 + r.IntN(3)), "v"}
	}},
	{"get", func(r *rand.Rand) []string { return []string{"GET", key(r, "k")} }},
	{"incrbyfloat", func(r *rand.Rand) []string {
		return []string{"INCRBYFLOAT", key(r, "f"), fmt.Sprintf("%.3f", r.Float64()*10-5)}
	}},
	{"incr", func(r *rand.Rand) []string { return []string{"INCR", key(r, "c")} }},
	{"sadd", func(r *rand.Rand) []string {
		return []string{"SADD", key(r, "s"), fmt.Sprint(r.IntN(30)), fmt.Sprint(r.IntN(30)), fmt.Sprint(r.IntN(30))}
	}},
	{"spop", func(r *rand.Rand) []string {
		if r.IntN(2) == 0 {
			return []string{"SPOP", key(r, "s")}
		}
		return []string{"SPOP", key(r, "s"), fmt.Sprint(1 + r.IntN(3))}
	}},
	{"srandmember", func(r *rand.Rand) []string {
		return []string{"SRANDMEMBER", key(r, "s"), fmt.Sprint(r.IntN(9) - 4)}
	}},
	{"hset", func(r *rand.Rand) []string {
		return []string{"HSET", key(r, "h"), key(r, "f"), fmt.Sprint(r.IntN(100)), key(r, "f"), "x"}
	}},
	{"hincrbyfloat", func(r *rand.Rand) []string { return []string{"HINCRBYFLOAT", key(r, "h"), key(r, "n"), "0.25"} }},
	{"lpush", func(r *rand.Rand) []string { return []string{"LPUSH", key(r, "l"), fmt.Sprint(r.IntN(100)), "y"} }},
	{"rpop", func(r *rand.Rand) []string { return []string{"RPOP", key(r, "l")} }},
	{"zadd", func(r *rand.Rand) []string {
		return []string{"ZADD", key(r, "z"), fmt.Sprintf("%.2f", r.Float64()*100), key(r, "m")}
	}},
	{"zincrby", func(r *rand.Rand) []string { return []string{"ZINCRBY", key(r, "z"), "1.5", key(r, "m")} }},
	// The key-space commands join the mix as soon as they are registered.
	{"del", func(r *rand.Rand) []string { return []string{"DEL", key(r, "k"), key(r, "s"), key(r, "h")} }},
	{"expire", func(r *rand.Rand) []string {
		return []string{"EXPIRE", key(r, "s"), fmt.Sprint(1 + r.IntN(3))}
	}},
	{"pexpire", func(r *rand.Rand) []string { return []string{"PEXPIRE", key(r, "h"), fmt.Sprint(500 + r.IntN(3000))} }},
	{"ttl", func(r *rand.Rand) []string { return []string{"TTL", key(r, "k")} }},
}

// The commands the determinism test needs at the very least.
var required = []string{"set", "setex", "get", "incrbyfloat", "incr", "sadd", "spop", "srandmember",
	"hset", "lpush", "zadd"}

func bytesArgv(s []string) [][]byte {
	out := make([][]byte, len(s))
	for i, a := range s {
		out[i] = []byte(a)
	}
	return out
}

// randomLog builds n entries whose leader times start at base and advance
// irregularly (sometimes going back, as a new leader with a slower clock
// would stamp), so keys with short TTLs expire during the log.
func randomLog(t *testing.T, seed uint64, n int, base int64) []*raft.Log {
	var usable []cmdGen
	for _, g := range gens {
		if _, ok := command.Commands.Lookup([]byte(g.name)); ok {
			usable = append(usable, g)
		}
	}
	for _, name := range required {
		_, ok := command.Commands.Lookup([]byte(name))
		require.True(t, ok, "command %s is not registered", name)
	}
	r := rand.New(rand.NewPCG(seed, 1))
	now := base
	logs := make([]*raft.Log, n)
	for i := range logs {
		now += int64(r.IntN(120))
		stamp := now
		if r.IntN(10) == 0 {
			stamp -= int64(r.IntN(3000)) // a slower leader clock
		}
		e := Entry{LeaderTimeMs: stamp, Seed: r.Uint64()}
		for j := 1 + r.IntN(3); j > 0; j-- { // MULTI-like entries of 1..3 commands
			e.Cmds = append(e.Cmds, bytesArgv(usable[r.IntN(len(usable))].gen(r)))
		}
		logs[i] = cmdLog(uint64(i+1), e)
	}
	return logs
}

func applyInBatches(f *FSM, r *rand.Rand, logs []*raft.Log) []interface{} {
	var out []interface{}
	for i := 0; i < len(logs); {
		n := min(1+r.IntN(64), len(logs)-i)
		out = append(out, f.ApplyBatch(logs[i:i+n])...)
		i += n
	}
	return out
}

// Two independent FSMs apply the same log — one in big batches, the other
// one entry at a time, later in wall-clock time, and with a crash and a
// replay of the whole log in the middle. Their replies and their engines'
// records must be identical.
func TestDeterminism(t *testing.T) {
	const n = 1500
	// Log time around the real clock: a handler that consulted the local
	// clock would decide expiries differently for the two FSMs, which run
	// more than a second apart.
	base := time.Now().UnixMilli() - 60_000
	logs := randomLog(t, 42, n, base)

	opts := engine.Options{}
	a := openFSM(t, t.TempDir())
	repliesA := applyInBatches(a, rand.New(rand.NewPCG(1, 2)), logs)
	time.Sleep(1100 * time.Millisecond)

	dirB := t.TempDir()
	pathB := filepath.Join(dirB, "db")
	engB, err := OpenEngine(pathB, opts)
	require.NoError(t, err)
	b := New(engB, Config{Path: pathB, Logger: quiet})
	half := n / 2
	var repliesB []interface{}
	for _, l := range logs[:half] {
		repliesB = append(repliesB, b.Apply(l))
	}
	// Crash and restart: Raft replays from its last snapshot (none here, so
	// from index 1); the engine skips what it already holds.
	require.NoError(t, b.Engine().Close())
	engB, err = OpenEngine(pathB, opts)
	require.NoError(t, err)
	b = New(engB, Config{Path: pathB, Logger: quiet})
	t.Cleanup(func() { _ = b.Engine().Close() })
	replayed := applyInBatches(b, rand.New(rand.NewPCG(3, 4)), logs)
	repliesB = append(repliesB, replayed[half:]...)

	require.Equal(t, len(repliesA), len(repliesB))
	for i := range repliesA {
		require.Equal(t, repliesA[i], repliesB[i], "entry %d: %q", i+1, logs[i].Data)
	}
	// Background compactions may have dropped garbage (old versions, expired
	// records) on one engine and not yet on the other: compact both fully
	// at the same expiry horizon, then compare every record.
	require.NoError(t, a.Engine().CompactAll())
	require.NoError(t, b.Engine().CompactAll())
	dumpA, dumpB := dump(t, a.Engine()), dump(t, b.Engine())
	require.Equal(t, dumpA, dumpB)
	require.Equal(t, a.Engine().Applied(), b.Engine().Applied())
	require.Equal(t, a.LeaderTimeMs(), b.LeaderTimeMs())
	// The WATCH version tables match (B rebuilt the half it lost in the
	// crash by the replay), and B's, written by a snapshot and loaded after
	// another restart, matches too.
	_, err = b.Snapshot()
	require.NoError(t, err)
	require.NoError(t, b.Engine().Close())
	engB, err = OpenEngine(pathB, opts)
	require.NoError(t, err)
	b = New(engB, Config{Path: pathB, Logger: quiet})
	require.Greater(t, sameWatchTables(t, a, b), 50)

	// The log did real work: every kind holds records, and some keys expired.
	kinds := map[string]bool{}
	for _, rec := range dumpA {
		kinds[strings.Split(rec, "/")[1]] = true
	}
	require.Len(t, kinds, 5, "kinds with records: %v", kinds)
	sawNil := false
	for i, r := range repliesA {
		for j, rep := range r.([]command.Reply) {
			e, _ := Decode(logs[i].Data)
			if string(e.Cmds[j][0]) == "GET" && rep.Type == command.TypeNil {
				sawNil = true
			}
		}
	}
	require.True(t, sawNil, "no GET ever saw a missing or expired key")
}
