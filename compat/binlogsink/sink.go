// Package binlogsink writes the commands the Raft FSM applies to Pika 3.5.5
// binlog files (compat/binlog): it is the FSM's Observer. Every node writes
// the same bytes — the logic offset is the Raft term and index, every time
// field the entry's cluster time — and after a crash the binlog continues
// right after the last entry it holds, without a duplicate or a gap.
package binlogsink

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"

	"github.com/pikaraft/pikaraft/compat/binlog"
	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/engine/trash"
	"github.com/pikaraft/pikaraft/resp/command"
)

// JournalName is the file in log-path that carries the items of the apply
// batch in progress across a crash (see journal.go).
const JournalName = "pikaraft-binlog.journal"

// Config configures a Sink.
type Config struct {
	// LogPath is pika.conf's log-path; db i's binlog is LogPath/log_db<i>.
	LogPath string
	// Databases is the number of databases.
	Databases int
	// FileSize is binlog-file-size.
	FileSize uint64
	// Logger receives errors and recovery notes (default slog.Default()).
	Logger *slog.Logger
}

// Sink appends every successful write command the FSM applies to the
// binlog, in Raft order. Items are buffered per entry, appended to the
// writers at the end of the entry and written out at the end of each apply
// batch (like Pika, which writes without fsync); Snapshot fsyncs.
type Sink struct {
	set  *binlog.Set
	j    *journal
	log  *slog.Logger
	dbs  int
	mu   sync.Mutex // guards fail and purge
	fail error      // set on the first I/O error: the binlog stops

	purgeStop chan struct{}
	purgeDone chan struct{}
	trash     *trash.Bin // deletes purged files a chunk at a time

	// The entry being applied.
	term     uint32
	index    uint64
	execTime uint32
	db       int
	items    []binlog.Content
	recs     []record

	// Crash recovery. last is the last command whose items were produced
	// (from the journal); committed is the engine's applied position when
	// this process started (known at the first entry). A replayed command
	// at or before either was handled by the previous process, except
	// committed itself when it is after last: the engine has it, the
	// binlog does not.
	started   bool
	last      engine.Pos
	committed engine.Pos
	recovered map[engine.Pos][]binlog.Content

	writes map[string]bool // command name as sent → has the write flag
}

// Open opens the binlogs under cfg.LogPath and the journal, and appends
// what the journal kept from a batch a crash interrupted.
func Open(cfg Config) (*Sink, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	set, err := binlog.OpenSet(cfg.LogPath, cfg.Databases, binlog.Options{FileSize: cfg.FileSize})
	if err != nil {
		return nil, err
	}
	for db := 0; db < set.Databases(); db++ {
		w := set.DB(db)
		if term, index, items := w.Last(); term == 0 && items > 0 {
			// Written by a classic Pika (an in-place upgrade): continue after
			// it; its logic ids are not Raft indexes.
			w.ForgetLast()
			log.Info("binlog: continuing after a binlog written by Pika", "db", db, "pika_last_index", index)
		}
	}
	j, recs, last, err := openJournal(filepath.Join(cfg.LogPath, JournalName))
	if err != nil {
		set.Close()
		return nil, err
	}
	s := &Sink{set: set, j: j, log: log, dbs: cfg.Databases, last: last, writes: map[string]bool{},
		trash: trash.New(log)}
	for db := 0; db < set.Databases(); db++ {
		if err := s.trash.Sweep(set.DB(db).Dir()); err != nil {
			log.Warn("binlog: cannot look for purged files left to delete", "db", db, "error", err)
		}
	}
	if err := s.recover(recs); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// recover appends the journal's records (the writers skip the items they
// hold) and keeps them for the replay of their entries.
func (s *Sink) recover(recs []record) error {
	s.recovered = map[engine.Pos][]binlog.Content{}
	for i := 0; i < len(recs); {
		r := recs[i]
		var items []binlog.Content
		for ; i < len(recs) && recs[i].pos.Index == r.pos.Index; i++ {
			c := binlog.Content{DB: recs[i].db, Bytes: recs[i].content}
			items = append(items, c)
			s.recovered[recs[i].pos] = append(s.recovered[recs[i].pos], c)
		}
		if err := s.set.AppendEntry(r.term, r.pos.Index, r.execTime, items); err != nil {
			return fmt.Errorf("binlog: recover entry %d from the journal: %w", r.pos.Index, err)
		}
	}
	if len(recs) > 0 {
		s.log.Info("binlog: appended the items of an interrupted apply batch", "items", len(recs),
			"first_index", recs[0].pos.Index, "last_index", recs[len(recs)-1].pos.Index)
	}
	if err := s.set.Flush(); err != nil {
		return err
	}
	s.j.reset()
	return nil
}

// Set returns the binlog writers (INFO, PURGELOGSTO, purging).
func (s *Sink) Set() *binlog.Set { return s.set }

// Err returns the error that stopped the binlog, if any.
func (s *Sink) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fail
}

func (s *Sink) failed() bool { return s.fail != nil }

// stop records the first I/O error; the binlog then stops growing (a
// classic replica reading it sees it end) and INFO/logs report it.
func (s *Sink) stop(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail == nil {
		s.fail = err
		s.log.Error("binlog: write failed; the binlog stops here until restart", "error", err)
	}
}

// BeginEntry implements fsm.Observer.
func (s *Sink) BeginEntry(eng *engine.Engine, term, index uint64, nowMs int64, db int) {
	if !s.started {
		s.started = true
		s.committed = eng.Applied()
	}
	if s.recovered != nil && index > s.lastPos().Index {
		s.recovered = nil // past everything the previous process handled
	}
	s.term, s.index, s.execTime, s.db = uint32(term), index, uint32(nowMs/1000), db
	s.items, s.recs = s.items[:0], s.recs[:0]
}

// Command implements fsm.Observer.
func (s *Sink) Command(c *command.Ctx, argv [][]byte, reply command.Reply) {
	if s.failed() {
		return
	}
	p := c.W.Pos
	replayed := false
	if p.Less(s.committed) || !s.last.Less(p) {
		// Handled before the crash: its items are in the binlog, or in
		// the journal and already appended.
		s.items = append(s.items, s.recovered[p]...)
		return
	}
	if p == s.committed {
		replayed = true
	}
	if !replayed && !s.logged(argv, reply) {
		return
	}
	a, err := facts(c, argv, reply, s.db, s.dbs, replayed)
	if err == nil && a.NoOp {
		return
	}
	var contents []binlog.Content
	if err == nil {
		contents, err = binlog.Canonical(a)
	}
	if err != nil {
		// Deterministic (same state and command on every node): the
		// command is left out of the binlog everywhere.
		s.log.Error("binlog: command left out of the binlog", "index", p.Index, "sub", p.Sub,
			"command", string(argv[0]), "error", err)
		return
	}
	if replayed {
		s.log.Warn("binlog: writing the items of a command the engine applied just before a crash",
			"index", p.Index, "sub", p.Sub, "command", string(argv[0]))
	}
	if len(contents) == 0 {
		return
	}
	s.recs = s.recs[:0]
	for _, ct := range contents {
		s.recs = append(s.recs, record{pos: p, term: s.term, execTime: s.execTime, db: ct.DB, content: ct.Bytes})
	}
	if err := s.j.add(s.recs); err != nil {
		s.stop(err)
		return
	}
	s.j.setLast(p)
	s.items = append(s.items, contents...)
}

// EndEntry implements fsm.Observer.
func (s *Sink) EndEntry() {
	if s.failed() || len(s.items) == 0 {
		return
	}
	if err := s.set.AppendEntry(s.term, s.index, s.execTime, s.items); err != nil {
		s.stop(err)
	}
	s.items = s.items[:0]
}

// EndBatch implements fsm.Observer: the batch's items are written to the
// files (not fsynced) and the journal is emptied.
func (s *Sink) EndBatch() {
	if s.failed() {
		return
	}
	if err := s.set.Flush(); err != nil {
		s.stop(err)
		return
	}
	s.j.reset()
}

// lastPos is the newest position handled before this process started.
func (s *Sink) lastPos() engine.Pos {
	if s.last.Less(s.committed) {
		return s.committed
	}
	return s.last
}

// state is what a snapshot records about the binlog: where each
// database's binlog stood at the snapshot's index, so that a node
// installing the snapshot continues at the same offsets (Pika's full
// sync hands the replica the master's binlog position).
type state struct {
	Term uint32    `json:"term"`
	DBs  []dbState `json:"dbs"`
}

type dbState struct {
	Filenum uint32 `json:"filenum"`
	Offset  uint64 `json:"offset"`
}

// Snapshot implements fsm.Observer: it fsyncs the binlog (a snapshot must
// never cover items the binlog could still lose, since Raft will not
// replay the entries it covers) and returns the producer positions.
func (s *Sink) Snapshot() (json.RawMessage, error) {
	if err := s.set.Sync(); err != nil {
		s.stop(err)
		return nil, err
	}
	if err := s.j.sync(); err != nil {
		return nil, err
	}
	st := state{Term: s.term}
	for db := 0; db < s.set.Databases() && st.Term == 0; db++ {
		st.Term, _, _ = s.set.DB(db).Last() // nothing applied by this process yet
	}
	for db := 0; db < s.set.Databases(); db++ {
		p := s.set.DB(db).Producer()
		st.DBs = append(st.DBs, dbState{Filenum: p.Filenum, Offset: p.Offset})
	}
	return json.Marshal(st)
}

// PrepareSnapshot implements fsm.SnapshotPreparer: it fsyncs the binlog
// written so far while the FSM goes on applying, so that Snapshot, on the
// FSM goroutine, has little left to fsync.
func (s *Sink) PrepareSnapshot() error { return s.set.SyncWritten() }

// Restored implements fsm.Observer: like a Pika replica after a full sync,
// every database's binlog starts anew at the position the snapshot's node
// had (or at the start of file 0 if the snapshot carries none), with the
// snapshot's index as its logic offset.
func (s *Sink) Restored(index uint64, nowMs int64, raw json.RawMessage) {
	var st state
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &st); err != nil {
			s.log.Warn("binlog: snapshot carries an unreadable binlog position; starting at 0", "error", err)
			st = state{}
		}
	}
	for db := 0; db < s.set.Databases(); db++ {
		var pos binlog.Position
		if db < len(st.DBs) {
			pos = binlog.Position{Filenum: st.DBs[db].Filenum, Offset: st.DBs[db].Offset}
		}
		if err := s.set.DB(db).Reset(pos, st.Term, index, uint32(nowMs/1000)); err != nil {
			s.stop(err)
			return
		}
	}
	s.j.reset()
	s.started = true
	s.committed = engine.Pos{}
	s.last = engine.Pos{Index: index, Sub: ^uint32(0)}
	s.j.setLast(s.last)
	s.recovered = nil
	s.log.Info("binlog: new position after a snapshot install", "index", index, "term", st.Term)
}

// Close stops the purger, writes out and fsyncs the binlog and closes it.
// Call it after the FSM stopped.
func (s *Sink) Close() error {
	s.stopPurger()
	s.trash.Close()
	err := s.set.Sync()
	if cerr := s.set.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		s.j.reset()
	}
	if cerr := s.j.close(); err == nil {
		err = cerr
	}
	return err
}
