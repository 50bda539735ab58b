package replication

import (
	"fmt"

	"github.com/pikaraft/pikaraft/compat/binlog"
	"github.com/pikaraft/pikaraft/engine"
)

// EngineCheckpointer checkpoints an engine and reads the binlog producer
// positions right after. The pair is consistent only when nothing is
// applied in between: use it where writes are paused (tests, tools); a
// running node takes its dumps between apply batches instead.
type EngineCheckpointer struct {
	Engine func() *engine.Engine
	Binlog Binlog
}

// Checkpoint implements Checkpointer.
func (c EngineCheckpointer) Checkpoint(dir string) ([]binlog.Position, error) {
	e := c.Engine()
	if err := e.Checkpoint(dir); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	out := make([]binlog.Position, e.NumDBs())
	for i := range out {
		out[i] = c.Binlog.Producer(i)
	}
	return out, nil
}
