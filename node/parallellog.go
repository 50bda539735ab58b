package node

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/raft"
)

// The leader writes its log in parallel with replicating it.
//
// hashicorp/raft's leader stores a batch of new entries (write + fsync,
// about a millisecond here) before it lets the replication goroutines send
// them, so a write waits for two fsyncs one after the other: the leader's,
// then a follower's. The Raft thesis (§10.2.1) lets the leader write to its
// disk in parallel with replicating, provided it counts itself towards a
// commit only for entries that are on its disk. parallelLog does that from
// outside hashicorp/raft:
//
//   - On the leader of a configuration with at least two voters, StoreLogs
//     hands the entries to a background writer and returns at once;
//     hashicorp/raft then counts the leader as matching them and triggers
//     replication, which reads them from the log cache in front of this
//     store.
//   - gateTransport holds back every follower's successful AppendEntries
//     response until the leader's own write covers the response's entries.
//     With two or more voters, a commit needs at least one follower's
//     response, so the commit index never passes what the leader has on
//     disk: a committed entry is on the disks of the leader and of the
//     followers that acknowledged it, as before.
//   - A batch holding a configuration entry, and every append with fewer
//     than two voters or on a follower, is stored synchronously after the
//     background writer drained (hashicorp/raft recomputes the commit index
//     from the new configuration right after storing its entry). The FSM
//     additionally waits for the write of the entries it is handed
//     (gateFSM), so even a commit index that outran the disk could not be
//     applied, nor answered to a client, before the entries are durable.
//   - Every other operation first waits until what was queued before it is
//     written (a read of a queued entry, until that entry is): on the raft
//     goroutine, the only one that appends, the store underneath thus sees
//     the same sequence of calls as without the background writer.
//   - If the background writer fails, every later call returns its error
//     and nothing it did not write is applied or acknowledged: the leader
//     steps down at its next append and the node stays unusable until it
//     is restarted (the log on disk is intact up to the failed write).
//
// What a crash of the leader can lose: entries it appended but had not
// written yet. They were not committed (no follower response for them was
// let through), so no client was answered for them; a new leader either
// has them (from replication) or overwrites them, as for any uncommitted
// entry.
type parallelLog struct {
	raft.LogStore // where entries are written

	// parallel reports whether an append of logs may return before the
	// entries are written (nil until startParallel: every append is
	// synchronous).
	parallel atomic.Pointer[func(logs []*raft.Log) bool]

	// onFailure is called once if the background writer fails.
	onFailure func(error)
	// handedOver counts the appends that returned before their write.
	handedOver atomic.Uint64

	mu      sync.Mutex
	queue   []*raft.Log   // handed over and not written yet, in index order
	queued  uint64        // highest index handed to the background writer
	written uint64        // highest index the background writer stored
	err     error         // the background writer's failure; every call returns it
	changed chan struct{} // closed and replaced when written, err or closed change
	wake    chan struct{} // the background writer's signal (buffered, 1)
	stop    chan struct{} // closed by Close
	done    chan struct{} // closed when the background writer has exited
	closed  bool
}

// errLogClosed is returned by a parallelLog after Close.
var errLogClosed = errors.New("node: raft log closed")

// newParallelLog starts the background writer of store; onFailure (may
// be nil) is told if it fails.
func newParallelLog(store raft.LogStore, onFailure func(error)) *parallelLog {
	p := &parallelLog{
		LogStore:  store,
		onFailure: onFailure,
		changed:   make(chan struct{}),
		wake:      make(chan struct{}, 1),
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	go p.run()
	return p
}

// IsMonotonic implements raft.MonotonicLogStore as the underlying store does.
func (p *parallelLog) IsMonotonic() bool {
	m, ok := p.LogStore.(raft.MonotonicLogStore)
	return ok && m.IsMonotonic()
}

// startParallel lets r's appends as a leader return before they are
// written, from now on.
func (p *parallelLog) startParallel(r *raft.Raft) {
	fn := func(logs []*raft.Log) bool { return leaderOfVoters(r, logs) }
	p.parallel.Store(&fn)
}

// leaderOfVoters reports whether r may append logs in parallel: it is the
// leader of a configuration of two or more voters, and logs hold no
// configuration change.
func leaderOfVoters(r *raft.Raft, logs []*raft.Log) bool {
	if r.State() != raft.Leader {
		return false
	}
	for _, l := range logs {
		if l.Type == raft.LogConfiguration {
			return false
		}
	}
	voters := 0
	for _, s := range r.GetConfiguration().Configuration().Servers {
		if s.Suffrage == raft.Voter {
			voters++
		}
	}
	return voters >= 2
}

// StoreLog implements raft.LogStore.
func (p *parallelLog) StoreLog(l *raft.Log) error { return p.StoreLogs([]*raft.Log{l}) }

// StoreLogs implements raft.LogStore: on the leader it queues the entries
// for the background writer and returns; otherwise it writes them once the
// queue is drained.
func (p *parallelLog) StoreLogs(logs []*raft.Log) error {
	if len(logs) == 0 {
		return nil
	}
	if fn := p.parallel.Load(); fn != nil && (*fn)(logs) {
		p.mu.Lock()
		defer p.mu.Unlock()
		if err := p.usableLocked(); err != nil {
			return err
		}
		p.queue = append(p.queue, logs...)
		p.queued = logs[len(logs)-1].Index
		p.handedOver.Add(1)
		select {
		case p.wake <- struct{}{}:
		default:
		}
		return nil
	}
	return p.drained(func() error {
		if err := p.LogStore.StoreLogs(logs); err != nil {
			return err
		}
		p.mu.Lock()
		p.queued, p.written = 0, logs[len(logs)-1].Index
		p.mu.Unlock()
		return nil
	})
}

// GetLog implements raft.LogStore: an entry still queued is read once the
// background writer stored it (the log cache in front of this store
// usually answers before).
func (p *parallelLog) GetLog(index uint64, l *raft.Log) error {
	if err := p.waitWritten(index, nil); err != nil {
		return err
	}
	return p.LogStore.GetLog(index, l)
}

// FirstIndex implements raft.LogStore.
func (p *parallelLog) FirstIndex() (first uint64, err error) {
	err = p.drained(func() (err error) {
		first, err = p.LogStore.FirstIndex()
		return err
	})
	return first, err
}

// LastIndex implements raft.LogStore.
func (p *parallelLog) LastIndex() (last uint64, err error) {
	err = p.drained(func() (err error) {
		last, err = p.LogStore.LastIndex()
		return err
	})
	return last, err
}

// DeleteRange implements raft.LogStore. A deletion of the tail (a follower
// dropping entries a new leader does not have) forgets what was queued.
func (p *parallelLog) DeleteRange(min, max uint64) error {
	return p.drained(func() error {
		if err := p.LogStore.DeleteRange(min, max); err != nil {
			return err
		}
		p.mu.Lock()
		if p.written >= min && p.written <= max {
			p.queued, p.written = 0, min-1
		}
		p.mu.Unlock()
		return nil
	})
}

// drained runs fn once everything queued before the call is written. On
// the raft goroutine, the only one that queues, nothing is then queued or
// being written; another goroutine's fn (a compaction's DeleteRange of the
// head, FirstIndex) may run while later entries are written, as it could
// alongside a synchronous append.
func (p *parallelLog) drained(fn func() error) error {
	p.mu.Lock()
	target := p.queued
	for p.written < target && p.queued >= target {
		if err := p.usableLocked(); err != nil {
			p.mu.Unlock()
			return err
		}
		ch := p.changed
		p.mu.Unlock()
		<-ch
		p.mu.Lock()
	}
	err := p.usableLocked()
	p.mu.Unlock()
	if err != nil {
		return err
	}
	return fn()
}

// usableLocked returns why the store cannot be used, or nil.
func (p *parallelLog) usableLocked() error {
	switch {
	case p.err != nil:
		return p.err
	case p.closed:
		return errLogClosed
	}
	return nil
}

// waitWritten waits until the entry at index is written if it was handed
// to the background writer. It returns nil at once for an entry that was
// stored synchronously or never handed over, and an error when the writer
// failed, the log was closed or cancel was closed first: the entry is then
// not known to be on disk.
func (p *parallelLog) waitWritten(index uint64, cancel <-chan struct{}) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.queued >= index && p.written < index {
		if err := p.usableLocked(); err != nil {
			return err
		}
		ch := p.changed
		p.mu.Unlock()
		select {
		case <-ch:
		case <-cancel:
			p.mu.Lock()
			return errLogClosed
		}
		p.mu.Lock()
	}
	return nil
}

// notifyLocked wakes everyone waiting for a change.
func (p *parallelLog) notifyLocked() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// run is the background writer: it stores whatever is queued, all of it in
// one append (one fsync), until Close.
func (p *parallelLog) run() {
	defer close(p.done)
	for {
		select {
		case <-p.wake:
		case <-p.stop:
			return
		}
		p.mu.Lock()
		batch := p.queue
		p.queue = nil
		if len(batch) == 0 || p.err != nil {
			p.mu.Unlock()
			continue
		}
		p.mu.Unlock()

		err := p.LogStore.StoreLogs(batch)

		p.mu.Lock()
		if err != nil {
			p.err = fmt.Errorf("node: raft log append of entries %d-%d: %w", batch[0].Index, batch[len(batch)-1].Index, err)
			if p.onFailure != nil {
				p.onFailure(p.err)
			}
		} else {
			p.written = batch[len(batch)-1].Index
		}
		if len(p.queue) > 0 {
			select {
			case p.wake <- struct{}{}:
			default:
			}
		}
		p.notifyLocked()
		p.mu.Unlock()
	}
}

// Close writes what is queued and stops the background writer; the store
// underneath is not closed.
func (p *parallelLog) Close() error {
	err := p.drained(func() error { return nil })
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.stop)
		p.notifyLocked()
	}
	p.mu.Unlock()
	<-p.done
	if errors.Is(err, errLogClosed) {
		err = nil
	}
	return err
}
