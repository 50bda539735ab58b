package fsm

import (
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/raft"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/engine/trash"
	"github.com/pikaraft/pikaraft/resp/command"
)

// FSM is the Raft state machine: it executes committed entries on the
// engine. It implements raft.BatchingFSM.
//
// Everything an entry does depends only on the entry and the engine state:
// the cluster time is max(entry leader time, last applied cluster time),
// random choices use the entry's seed, and errors become error replies —
// so every node that applies the same log ends with the same bytes and
// produces the same replies.
type FSM struct {
	path  string         // engine data directory (Pika's db-path)
	opts  engine.Options // options to reopen the engine after a restore
	log   *slog.Logger
	trash *trash.Bin // deletes the old data after a restore (nil: at once)

	eng        atomic.Pointer[engine.Engine]
	leaderTime atomic.Int64        // last applied cluster time (Unix ms)
	applied    atomic.Uint64       // Raft index of the last entry handed to the FSM
	lastCmd    uint64              // index of the last LogCommand applied (FSM goroutine only)
	bumps      engine.VersionBumps // WATCH versions of the entry being applied, reused (FSM goroutine only)
	obs        Observer            // sees every applied command (observer.go); may be nil

	// swap is held for reading by everyone who uses the engine outside the
	// FSM goroutine (AcquireEngine) and for writing while a restore closes
	// and replaces it, so no read ever touches a closed engine.
	swapMu sync.RWMutex
	// release is swapMu.RUnlock as a func value made once: AcquireEngine
	// returns it on every read, and a method value made per call allocates.
	release func()

	mu      sync.Mutex
	advance chan struct{} // closed (and replaced) whenever applied grows

	// onApply is told about every applied entry's commands (blocking
	// commands wait for writes to their keys); nil for none.
	onApply atomic.Pointer[func(db int, cmds [][][]byte)]

	files SnapshotFiles // unpacked snapshots (snapshot_files.go); may be nil
	sums  *sumCache     // CRC-32C of SSTs already checksummed (sumcache.go)
}

// SetOnApply makes the FSM call fn, on its own goroutine, after each entry
// whose commands ran, with the entry's database and commands. fn must
// return quickly.
func (f *FSM) SetOnApply(fn func(db int, cmds [][][]byte)) { f.onApply.Store(&fn) }

// Config configures an FSM.
type Config struct {
	// Path is the engine's data directory; Options reopen it after a
	// snapshot restore.
	Path    string
	Options engine.Options
	// LeaderTimeMs is the cluster time already applied before this process
	// started (from the newest snapshot's manifest; 0 for none).
	LeaderTimeMs int64
	Logger       *slog.Logger
	// Trash, if set, deletes the old data after a snapshot restore, a
	// chunk at a time (see package trash).
	Trash *trash.Bin
}

// New returns an FSM that applies entries to eng, which must be open at
// cfg.Path.
func New(eng *engine.Engine, cfg Config) *FSM {
	f := &FSM{path: cfg.Path, opts: cfg.Options, log: cfg.Logger, advance: make(chan struct{}), sums: newSumCache(),
		trash: cfg.Trash}
	if f.log == nil {
		f.log = slog.Default()
	}
	if f.trash != nil {
		// Old data a restore of an earlier process had not finished deleting.
		f.trash.Resume(f.path + oldSuffix)
	}
	f.release = f.swapMu.RUnlock
	f.eng.Store(eng)
	f.leaderTime.Store(cfg.LeaderTimeMs)
	eng.SetExpiryHorizon(cfg.LeaderTimeMs)
	return f
}

// Engine returns the current engine (a restore replaces it).
func (f *FSM) Engine() *engine.Engine { return f.eng.Load() }

// LeaderTimeMs returns the last applied cluster time. A leader stamps new
// entries with at least this value, and reads decide expiry with at least
// it, so cluster time never goes backwards.
func (f *FSM) LeaderTimeMs() int64 { return f.leaderTime.Load() }

// SeedLeaderTime raises the cluster time to at least ms (the node calls it
// at start-up with the newest snapshot's time, before Raft replays entries).
func (f *FSM) SeedLeaderTime(ms int64) {
	if ms > f.leaderTime.Load() {
		f.leaderTime.Store(ms)
		f.eng.Load().SetExpiryHorizon(ms)
	}
}

// AppliedIndex returns the Raft index of the last entry the FSM processed.
func (f *FSM) AppliedIndex() uint64 { return f.applied.Load() }

// Advanced returns a channel that is closed the next time AppliedIndex grows.
func (f *FSM) Advanced() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.advance
}

// SeedApplied raises AppliedIndex to at least index. The node calls it at
// start-up with the newest snapshot's index: Raft resumes after it, so
// without the seed a restarted follower would wait for the next write
// before serving a read index at or below it.
func (f *FSM) SeedApplied(index uint64) { f.setApplied(index) }

func (f *FSM) setApplied(index uint64) {
	if index <= f.applied.Load() {
		return
	}
	f.applied.Store(index)
	f.mu.Lock()
	close(f.advance)
	f.advance = make(chan struct{})
	f.mu.Unlock()
}

// Apply applies one committed log entry. The response is a []command.Reply
// (one per command) or an error for an entry that cannot be decoded.
func (f *FSM) Apply(l *raft.Log) interface{} {
	var resp interface{}
	if l.Type == raft.LogCommand {
		resp = f.applyCommand(l)
	}
	f.obsBatch()
	f.flushWAL()
	f.endWrites()
	f.setApplied(l.Index)
	return resp
}

// ApplyBatch applies committed entries in order; a later entry sees the
// effects of earlier ones.
func (f *FSM) ApplyBatch(logs []*raft.Log) []interface{} {
	out := make([]interface{}, len(logs))
	for i, l := range logs {
		if l.Type == raft.LogCommand {
			out[i] = f.applyCommand(l)
		}
	}
	f.obsBatch()
	f.flushWAL()
	f.endWrites()
	if len(logs) > 0 {
		f.setApplied(logs[len(logs)-1].Index)
	}
	return out
}

// flushWAL writes the engine's buffered WAL to its file before the
// replies of the applied entries are released (engine/wal.go).
func (f *FSM) flushWAL() {
	if err := f.eng.Load().FlushWAL(); err != nil {
		f.log.Error("fsm: flush engine WAL", "error", err)
	}
}

// applyCommand decodes and executes one LogCommand entry.
func (f *FSM) applyCommand(l *raft.Log) interface{} {
	e, err := Decode(l.Data)
	if err != nil {
		// Every node decodes the same bytes the same way: a deterministic
		// outcome. It can only come from a bug or a foreign writer.
		f.log.Error("fsm: undecodable log entry", "index", l.Index, "error", err)
		return fmt.Errorf("log entry %d: %w", l.Index, err)
	}
	now := e.LeaderTimeMs
	if last := f.leaderTime.Load(); now < last {
		now = last
	}
	f.leaderTime.Store(now)
	eng := f.eng.Load()
	eng.SetExpiryHorizon(now)
	command.CacheBegin(eng.HotCache(), e.DB, e.Cmds) // ended in endWrites
	f.obsBegin(eng, l, now, e)
	replies := f.execDedup(eng, l.Index, now, e)
	f.obsEnd()
	if f.lastCmd/dedupGCEvery != l.Index/dedupGCEvery {
		w := engine.Writer{Pos: engine.Pos{Index: l.Index, Sub: uint32(len(e.Cmds)) + 1}, NowMs: now}
		if err := gcDedup(eng, w); err != nil {
			f.log.Error("fsm: sweep dedup table", "index", l.Index, "error", err)
		}
	}
	f.lastCmd = l.Index
	return replies
}

// execDedup executes an entry; one that carries a client ID and sequence
// already applied returns the stored replies instead. An entry whose
// commands ran bumps the WATCH versions of the keys they wrote, in the
// engine's table, after they ran (so a version never becomes visible before
// the write it stands for). A forwarded entry (one with a client ID) then
// makes one meta-area write at position (index, len(cmds)): its dedup
// record (see dedup.go) and its replay marker (replayForwarded).
func (f *FSM) execDedup(eng *engine.Engine, index uint64, now int64, e *Entry) []command.Reply {
	nReplies := len(e.Cmds)
	if e.Txn {
		nReplies = 1
	}
	w := engine.Writer{Pos: engine.Pos{Index: index, Sub: uint32(len(e.Cmds))}, NowMs: now}
	if e.HasClient {
		if eng.MetaHolds(w.Pos) {
			return f.replayForwarded(eng, index, now, e, nReplies)
		}
		rec, err := lookupDedup(eng, e.ClientID, now)
		if err != nil {
			f.log.Error("fsm: dedup lookup", "index", index, "error", err)
			return errorReplies(nReplies, command.ErrReply(err))
		}
		if rec != nil && rec.Seq >= e.Seq {
			f.updateMeta(eng, w, []engine.MetaOp{replayMarker(index, false)})
			return dedupReplies(rec, e.Seq, nReplies)
		}
	}
	replies, ran := f.execTxn(eng, index, now, e)
	if ran {
		f.bump(eng, index, e)
		defer f.notifyApplied(e)
	}
	if e.HasClient {
		ops := []engine.MetaOp{replayMarker(index, ran)}
		if !retryable(e, replies) {
			rec := &dedupRecord{Seq: e.Seq, TimeMs: now, Replies: EncodeReplies(replies)}
			ops = append(ops, engine.MetaOp{Key: dedupKey(e.ClientID), Value: rec.encode()})
		}
		f.updateMeta(eng, w, ops)
	}
	return replies
}

// bump raises the WATCH versions of the keys e's commands write to index.
func (f *FSM) bump(eng *engine.Engine, index uint64, e *Entry) {
	f.bumps.Reset()
	command.AddVersionBumps(&f.bumps, e.DB, e.Cmds)
	eng.BumpWatchVersions(index, &f.bumps)
}

// updateMeta writes a forwarded entry's records.
func (f *FSM) updateMeta(eng *engine.Engine, w engine.Writer, ops []engine.MetaOp) {
	if err := eng.UpdateMeta(w, ops); err != nil {
		f.log.Error("fsm: store dedup record", "index", w.Pos.Index, "error", err)
	}
}

// replayForwarded applies again a forwarded entry that the engine already
// holds (a replay after a restart): the commands are not run, and the WATCH
// versions are bumped if the first apply ran them. That decision comes from
// the entry's replay marker, not from the dedup table, which the replay
// sees as the crash left it: a later request of the client, or the sweep of
// expired records, may have replaced the record the first apply saw. Without
// a marker (deleted once a snapshot's version table held the entry, or a
// data directory from before markers) the table holds the entry's versions
// already. The replies go to no one; they are the stored ones where the
// dedup table still has them.
func (f *FSM) replayForwarded(eng *engine.Engine, index uint64, now int64, e *Entry, nReplies int) []command.Reply {
	ran, err := markedRun(eng, index)
	if err != nil {
		f.log.Error("fsm: read replay marker", "index", index, "error", err)
	}
	if ran {
		f.bump(eng, index, e)
	}
	if rec, err := lookupDedup(eng, e.ClientID, now); err == nil && rec != nil && rec.Seq >= e.Seq {
		return dedupReplies(rec, e.Seq, nReplies)
	}
	return errorReplies(nReplies, command.Err("ERR request already applied"))
}

// notifyApplied tells the onApply callback about e's commands.
func (f *FSM) notifyApplied(e *Entry) {
	if fn := f.onApply.Load(); fn != nil && len(e.Cmds) > 0 {
		(*fn)(e.DB, e.Cmds)
	}
}

// execTxn runs a plain entry, or checks a transaction's watched keys and
// runs it only if they hold (one reply: the EXEC array, or a nil array when
// aborted). ran reports whether the commands ran.
func (f *FSM) execTxn(eng *engine.Engine, index uint64, now int64, e *Entry) (replies []command.Reply, ran bool) {
	if !e.Txn {
		return f.exec(eng, index, now, e), true
	}
	if !command.WatchesHold(eng, index, e.Watches, now) {
		return []command.Reply{command.NilArray()}, false
	}
	return []command.Reply{command.Array(f.exec(eng, index, now, e)...)}, true
}

// retryable reports whether a forwarded entry's outcome must not be stored
// in the dedup table: a blocking pop attempt that found nothing (a retry
// of the same request must try again, see node/blocking.go).
func retryable(e *Entry, replies []command.Reply) bool {
	if e.Txn || len(e.Cmds) != 1 || len(replies) != 1 || len(e.Cmds[0]) == 0 {
		return false
	}
	spec, ok := command.Commands.Lookup(e.Cmds[0][0])
	if !ok || spec.Flags&command.FlagBlocking == 0 || !spec.IsWrite() {
		return false
	}
	t := replies[0].Type
	return t == command.TypeNil || t == command.TypeNilArray
}

// exec runs the entry's commands one after another and returns their
// replies.
func (f *FSM) exec(eng *engine.Engine, index uint64, now int64, e *Entry) []command.Reply {
	replies := make([]command.Reply, len(e.Cmds))
	db, err := eng.DB(e.DB)
	if err != nil {
		for i := range replies {
			replies[i] = command.ErrReply(err)
		}
		return replies
	}
	// SETs and MSETs in a row share one engine write (engine.WriteGroup);
	// the group commits before any other command runs and at the end, and
	// the observer hears of a grouped command once its write committed.
	var group engine.WriteGroup
	var grouped []groupedCmd
	group.OnCommit = func(err error) {
		for j := range grouped {
			if grouped[j].held && err != nil {
				replies[grouped[j].i] = command.ErrReply(err)
			}
			grouped[j].held = false
		}
	}
	commit := func() {
		_ = group.Commit() // its error reaches the replies through OnCommit
		for _, g := range grouped {
			f.obsCommand(g.c, g.argv, replies[g.i])
		}
		grouped = grouped[:0]
	}
	for i, argv := range e.Cmds {
		spec := lookup(argv)
		join := spec != nil && spec.WriteGroup
		if !join {
			commit()
		}
		c := &command.Ctx{
			Engine: eng,
			DB:     db,
			W:      engine.Writer{Pos: engine.Pos{Index: index, Sub: uint32(i)}, NowMs: now},
			NowMs:  now,
			Seed:   e.Seed + uint64(i),
		}
		if join {
			c.W.Group = &group
		}
		replies[i] = f.run(c, spec, argv, index)
		if join {
			held := group.Holds(c.W.Pos)
			grouped = append(grouped, groupedCmd{i: i, c: c, argv: argv, held: held})
		} else {
			f.obsCommand(c, argv, replies[i])
		}
	}
	commit()
	return replies
}

// groupedCmd is a command of the entry's write group whose report to the
// observer waits for the group's commit.
type groupedCmd struct {
	i    int
	c    *command.Ctx
	argv [][]byte
	held bool // its write waits in the group (its reply becomes the error if the commit fails)
}

// lookup returns argv's command, nil for an empty or unknown one. A command
// with Spec.WriteGroup (SET, SETEX, PSETEX, MSET) may put its blind writes
// in the entry's write group; any other write it makes (SET NX, SET GET)
// commits the group first.
func lookup(argv [][]byte) *command.Spec {
	if len(argv) == 0 {
		return nil
	}
	spec, _ := command.Commands.Lookup(argv[0])
	return spec
}

// run executes one command (spec: its table entry, nil if unknown); a
// panicking handler becomes an error reply (the same on every node, since
// every node runs the same code on the same state) instead of crashing the
// node on every replay.
func (f *FSM) run(c *command.Ctx, spec *command.Spec, argv [][]byte, index uint64) (r command.Reply) {
	defer func() {
		if p := recover(); p != nil {
			name := ""
			if len(argv) > 0 {
				name = string(argv[0])
			}
			f.log.Error("fsm: command panicked", "index", index, "command", name, "panic", fmt.Sprint(p))
			r = command.Err("ERR internal error executing command")
		}
	}()
	if spec == nil {
		return command.Commands.Exec(c, argv) // the error for an empty or unknown command
	}
	return spec.Exec(c, argv)
}
