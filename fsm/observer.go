package fsm

import (
	"encoding/json"

	"github.com/hashicorp/raft"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/resp/command"
)

// Observer is told, on the FSM goroutine, about everything the FSM applies
// (the Pika binlog is one). Calls come in this order: for each LogCommand
// entry BeginEntry, Command once per executed command, EndEntry; EndBatch
// after each Apply/ApplyBatch. Snapshot is called before a checkpoint is
// taken and may return state to keep in the snapshot manifest; Restored is
// called after a snapshot was installed, with that state. An observer must
// not change the engine.
type Observer interface {
	// BeginEntry starts a LogCommand entry: its Raft term and index, the
	// cluster time it runs at and its database.
	BeginEntry(eng *engine.Engine, term, index uint64, nowMs int64, db int)
	// Command reports one executed command with its context and reply.
	// It is not called for entries answered from the dedup table.
	Command(c *command.Ctx, argv [][]byte, reply command.Reply)
	// EndEntry ends the entry BeginEntry started.
	EndEntry()
	// EndBatch ends an apply batch.
	EndBatch()
	// Snapshot makes what was observed durable and returns state for the
	// snapshot manifest (nil for none).
	Snapshot() (json.RawMessage, error)
	// Restored reports that a snapshot at Raft index index (cluster time
	// nowMs) replaced the engine; state is what Snapshot returned on the
	// node that took it (nil if none).
	Restored(index uint64, nowMs int64, state json.RawMessage)
}

// SetObserver installs o (nil removes it). Call it before Raft starts.
func (f *FSM) SetObserver(o Observer) { f.obs = o }

func (f *FSM) obsBegin(eng *engine.Engine, l *raft.Log, now int64, e *Entry) {
	if f.obs != nil {
		f.obs.BeginEntry(eng, l.Term, l.Index, now, e.DB)
	}
}

func (f *FSM) obsCommand(c *command.Ctx, argv [][]byte, r command.Reply) {
	if f.obs != nil {
		f.obs.Command(c, argv, r)
	}
}

func (f *FSM) obsEnd() {
	if f.obs != nil {
		f.obs.EndEntry()
	}
}

func (f *FSM) obsBatch() {
	if f.obs != nil {
		f.obs.EndBatch()
	}
}

// obsSnapshot returns the observer's state for the manifest.
func (f *FSM) obsSnapshot() (json.RawMessage, error) {
	if f.obs == nil {
		return nil, nil
	}
	return f.obs.Snapshot()
}

func (f *FSM) obsRestored(m *Manifest) {
	if f.obs != nil {
		f.obs.Restored(m.Index, m.LeaderTimeMs, m.Observer)
	}
}
