package fsm

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/resp/command"
)

// watchLog builds a log of plain writes, forwarded writes of three clients
// (with retries of their last request), FLUSHDBs and WATCHed EXECs, applying
// it to ref as it goes: an EXEC watches keys as ref had them a few entries
// earlier, so some run and some abort. Two sweeps of the dedup table happen
// along the way (cluster time jumps past the retention). It returns the
// log and ref's replies.
func watchLog(t *testing.T, ref *FSM, seed uint64, n int) (logs []*raft.Log, replies []interface{}) {
	r := rand.New(rand.NewPCG(seed, 7))
	key := func() string { return fmt.Sprintf("k%d", r.IntN(10)) }
	now := int64(t0)
	var seqs [3]uint64
	var last [3]Entry
	type pending struct {
		at      int
		watches []command.WatchedKey
	}
	var waiting []pending
	for i := 1; len(logs) < n; i++ {
		index := uint64(len(logs) + 1)
		if index%dedupGCEvery == 0 || index == 1500 {
			now += 2 * DedupRetentionMs
		}
		now += int64(r.IntN(50))
		var e Entry
		switch p := r.IntN(20); {
		case len(waiting) > 0 && waiting[0].at <= i:
			w := waiting[0]
			waiting = waiting[1:]
			e = Entry{Cmds: [][][]byte{argv("incr", key()), argv("set", key(), "x")}, Txn: true, Watches: w.watches}
			if r.IntN(2) == 0 { // a follower's client: forwarded
				c := r.IntN(3)
				seqs[c]++
				e.ClientID, e.Seq, e.HasClient = uint64(c+1), seqs[c], true
			}
		case p < 3:
			var w []command.WatchedKey
			for j := 1 + r.IntN(2); j > 0; j-- {
				w = append(w, watchOf(t, ref, r.IntN(2), key()))
			}
			waiting = append(waiting, pending{at: i + r.IntN(4), watches: w})
			continue
		case p < 9:
			c := r.IntN(3)
			if seqs[c] > 0 && r.IntN(3) == 0 {
				e = last[c] // a retry of the client's last request
				break
			}
			seqs[c]++
			e = Entry{Cmds: [][][]byte{argv("set", key(), "f"), argv("hset", "h"+key(), "f", "v")},
				ClientID: uint64(c + 1), Seq: seqs[c], HasClient: true}
		case p == 9:
			e = Entry{DB: 1, Cmds: [][][]byte{argv("flushdb")}}
		default:
			e = Entry{DB: r.IntN(2), Cmds: [][][]byte{argv("sadd", "s"+key(), "m"), argv("del", key())}}
		}
		e.LeaderTimeMs = now
		if e.HasClient && !e.Txn {
			last[e.ClientID-1] = e
		}
		l := cmdLog(index, e)
		replies = append(replies, ref.ApplyBatch([]*raft.Log{l})...)
		logs = append(logs, l)
	}
	return logs, replies
}

// A node that crashes anywhere in a log of WATCHed EXECs, forwarded writes
// and their retries, FLUSHDBs and dedup sweeps — with or without a snapshot
// before the crash, replaying from that snapshot or from an older point
// (a snapshot whose table was written but that Raft did not keep) — ends
// with the WATCH versions, the data and the later replies of a node that
// never crashed, and right after the replay the versions of a node that
// applied the same entries once.
func TestWatchVersionsSurviveRandomCrashes(t *testing.T) {
	opts := engine.Options{Databases: 2}
	for round := uint64(1); round <= 12; round++ {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			ref := openFSMWith(t, t.TempDir(), opts)
			logs, replies := watchLog(t, ref, round, 2200)
			r := rand.New(rand.NewPCG(round, 99))
			crash := 100 + r.IntN(len(logs)-200)
			snapAt := 0 // entries the snapshot covers (0: none)
			if round%3 != 0 {
				snapAt = r.IntN(crash)
			}
			replayFrom := snapAt // entries Raft does not replay
			if round%3 == 2 {
				replayFrom = 0
			}

			dir := t.TempDir()
			b := openFSMWith(t, dir, opts)
			applyInBatches(b, r, logs[:snapAt])
			if snapAt > 0 {
				s, err := b.Snapshot()
				require.NoError(t, err)
				s.Release()
			}
			applyInBatches(b, r, logs[snapAt:crash])
			b = restart(t, b, dir, opts)
			applyInBatches(b, r, logs[replayFrom:crash])
			// Right after the replay, before later writes bump the same
			// buckets again, B's versions are those of a node that applied
			// the same entries once.
			at := openFSMWith(t, t.TempDir(), opts)
			applyInBatches(at, r, logs[:crash])
			sameWatchTables(t, at, b)
			got := applyInBatches(b, r, logs[crash:])

			require.Greater(t, sameWatchTables(t, ref, b), 5)
			require.NoError(t, ref.Engine().CompactAll())
			require.NoError(t, b.Engine().CompactAll())
			require.Equal(t, dump(t, ref.Engine()), dump(t, b.Engine()))
			want := replies[crash:]
			require.Equal(t, want, got, "replies after the crash")
			aborted := 0
			for _, rep := range want {
				if rs := rep.([]command.Reply); len(rs) == 1 && rs[0].Type == command.TypeNilArray {
					aborted++
				}
			}
			require.Greater(t, aborted, 0, "some EXECs after the crash abort")
		})
	}
}

// A format-1 snapshot (from a node of an older version: WATCH versions as
// records per bucket and epoch, no table) installs with its versions, and
// the node writes the table at once: a restart keeps them.
func TestFormat1SnapshotInstallsWithItsVersions(t *testing.T) {
	old := openFSM(t, t.TempDir())
	eng, release := old.AcquireEngine()
	// x's bucket, as the on-disk format defines it: FNV-1a 64 of (u16 BE db, key).
	h := fnv.New64a()
	h.Write([]byte{0, 0, 'x'})
	x := uint32(h.Sum64() % command.WatchBuckets)
	require.NoError(t, eng.UpdateMeta(engine.Writer{Pos: engine.Pos{Index: 5}}, []engine.MetaOp{
		{Key: binary.BigEndian.AppendUint32([]byte("wk/"), x), Value: binary.AppendUvarint(nil, 5)},
		{Key: []byte("wa"), Value: binary.AppendUvarint(nil, 2)},
	}))
	release()
	old.SeedApplied(5)
	snap := withManifest(t, snapshotBytes(t, old), func(m *Manifest) { m.Version = 1 })

	dir := t.TempDir()
	b := openFSM(t, dir)
	require.NoError(t, b.Restore(io.NopCloser(bytes.NewReader(snap))))
	require.Equal(t, uint64(5), watchOf(t, b, 0, "x").Version)
	require.Equal(t, uint64(2), watchOf(t, b, 0, "y").Version, "the global epoch")
	b.ApplyBatch([]*raft.Log{cmdLog(6, Entry{LeaderTimeMs: t0, Cmds: [][][]byte{argv("set", "y", "1")}})})
	require.Equal(t, uint64(6), watchOf(t, b, 0, "y").Version)

	b = restart(t, b, dir, engine.Options{})
	require.Equal(t, uint64(5), watchOf(t, b, 0, "x").Version, "after a restart")
	b.ApplyBatch([]*raft.Log{cmdLog(6, Entry{LeaderTimeMs: t0, Cmds: [][][]byte{argv("set", "y", "1")}})})
	require.Equal(t, uint64(6), watchOf(t, b, 0, "y").Version, "entry 6 replayed after a restart")
}
