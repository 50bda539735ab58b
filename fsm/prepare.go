package fsm

import "errors"

// SnapshotPreparer is an Observer that can make most of what it observed
// durable ahead of Snapshot, concurrently with the FSM goroutine.
type SnapshotPreparer interface {
	PrepareSnapshot() error
}

// PrepareSnapshot does, concurrently with Apply, the slow part of the next
// Snapshot, which runs on the apply goroutine and holds every write back:
// it flushes the engine's memtables (engine.FlushMemtables) and lets the
// observer fsync what it wrote (the binlog). Snapshot then has only the
// last moments of writes left to flush and fsync. It is an optimisation
// only: Snapshot is complete without it.
func (f *FSM) PrepareSnapshot() error {
	err := f.eng.Load().FlushMemtables()
	if p, ok := f.obs.(SnapshotPreparer); ok {
		err = errors.Join(err, p.PrepareSnapshot())
	}
	return err
}
