package engine

import (
	"errors"
	"fmt"
	"sync"

	"github.com/linxGnu/grocksdb"
)

// FlushMemtables writes the memtables of every instance to SST files and
// waits for them, all instances at once. Writers are not blocked: what they
// write meanwhile goes to new memtables. Checkpoint, which holds every
// writer while RocksDB flushes what is left in the memtables, is then
// quick; the Raft snapshot loop calls this just before it takes a snapshot
// (node/snapshots.go). Close waits for a running FlushMemtables.
func (e *Engine) FlushMemtables() error {
	e.maint.RLock()
	defer e.maint.RUnlock()
	if e.closed.Load() {
		return ErrClosed
	}
	fo := grocksdb.NewDefaultFlushOptions()
	defer fo.Destroy()
	fo.SetWait(true)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, d := range e.dbs {
		for _, in := range d.inst {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// With atomic_flush, flushing one column family flushes
				// the instance's other non-empty ones with it; the rest
				// of the loop then finds them empty.
				for _, cf := range in.cfs {
					if err := in.db.FlushCF(cf, fo); err != nil {
						mu.Lock()
						errs = append(errs, fmt.Errorf("flush %s: %w", in.path, err))
						mu.Unlock()
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	return errors.Join(errs...)
}
