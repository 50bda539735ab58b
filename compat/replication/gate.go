package replication

import (
	"encoding/json"
	"fmt"
	"sync"

	"github.com/pikaraft/pikaraft/compat/binlog"
	"github.com/pikaraft/pikaraft/compat/binlogsink"
	"github.com/pikaraft/pikaraft/engine"
)

// Gate is the FSM observer of a node that serves classic replicas: the
// binlog sink (every method of *binlogsink.Sink is promoted, so INFO and
// PURGELOGSTO find it) plus the lock that lets a full-sync dump be taken
// between two apply batches, where the engine and the binlog hold exactly
// the same commands. It is the node's Checkpointer.
type Gate struct {
	*binlogsink.Sink

	mu      sync.Mutex
	inBatch bool // FSM goroutine only: mu is held from the first entry to EndBatch

	emu       sync.Mutex
	acquire   func() (*engine.Engine, func())
	onRestore func()
}

// NewGate wraps the node's binlog sink.
func NewGate(s *binlogsink.Sink) *Gate { return &Gate{Sink: s} }

// SetEngine gives the engine accessor (node.AcquireEngine, known once the
// node is open).
func (g *Gate) SetEngine(acquire func() (*engine.Engine, func())) {
	g.emu.Lock()
	g.acquire = acquire
	g.emu.Unlock()
}

// OnRestore registers fn, called after a Raft snapshot install restarted
// the binlog at a new position (the replication server drops its
// replicas: they reconnect and resume or full-sync).
func (g *Gate) OnRestore(fn func()) {
	g.emu.Lock()
	g.onRestore = fn
	g.emu.Unlock()
}

// BeginEntry implements fsm.Observer.
func (g *Gate) BeginEntry(eng *engine.Engine, term, index uint64, nowMs int64, db int) {
	if !g.inBatch {
		g.mu.Lock()
		g.inBatch = true
	}
	g.Sink.BeginEntry(eng, term, index, nowMs, db)
}

// EndBatch implements fsm.Observer.
func (g *Gate) EndBatch() {
	g.Sink.EndBatch()
	if g.inBatch {
		g.inBatch = false
		g.mu.Unlock()
	}
}

// Restored implements fsm.Observer.
func (g *Gate) Restored(index uint64, nowMs int64, state json.RawMessage) {
	g.Sink.Restored(index, nowMs, state)
	g.emu.Lock()
	fn := g.onRestore
	g.emu.Unlock()
	if fn != nil {
		fn()
	}
}

// Checkpoint implements Checkpointer: between two apply batches, a
// checkpoint of the engine and the binlog producer positions.
func (g *Gate) Checkpoint(dir string) ([]binlog.Position, error) {
	g.emu.Lock()
	acquire := g.acquire
	g.emu.Unlock()
	if acquire == nil {
		return nil, fmt.Errorf("checkpoint: the node is not open yet")
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.Sink.Err(); err != nil {
		return nil, fmt.Errorf("checkpoint: the binlog stopped: %w", err)
	}
	eng, release := acquire()
	defer release()
	if err := eng.Checkpoint(dir); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	set := g.Sink.Set()
	out := make([]binlog.Position, set.Databases())
	for i := range out {
		out[i] = set.DB(i).Producer()
	}
	return out, nil
}
