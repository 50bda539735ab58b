package node

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pikaraft/pikaraft/fsm"
	"github.com/pikaraft/pikaraft/resp/command"
)

// Coalescing concurrent writes into shared log entries.
//
// Every log entry costs each node a fixed amount of work whatever it holds:
// a future, an encode per follower and a decode on each, a raft-wal record,
// an FSM hand-off, and each Raft append costs an fsync and a round of
// goroutine wake-ups on every node. On the leader, plain writes of
// different connections (no WATCHed transaction, no forwarding session)
// therefore share entries: a write joins a queue; when no batch of queued
// writes is waiting to be applied, the queue is proposed at once, else it
// grows until that batch was applied and the next batch takes all of it.
// Under load one batch is thus in flight while the next one gathers, and a
// Raft append carries one entry of many commands instead of many entries.
// A batch in flight for more than twice the typical batch time (a slow
// fsync, a stalled follower) lets the queue go ahead of it, so writes behind
// a stall wait no longer than they would without coalescing.
//
// The FSM runs an entry's commands one after another and answers each with
// its own reply, so a write's replies are what an entry of its own would
// have given; concurrent writes have no order but the log's. A batch
// becomes several entries where it holds writes to several databases, more
// than the entry limits, or writes of different clients that bump the same
// WATCH version (command.VersionBuckets): versions are entry positions, so
// two writes of one entry to a key would leave it at one version, and a
// WATCH that read the key between them would miss the second.

// Limits of one coalesced entry; one write's commands are never split.
const (
	coalesceMaxCmds  = 1024
	coalesceMaxBytes = 1 << 20
)

// coalescer queues plain writes on the leader.
type coalescer struct {
	mu       sync.Mutex
	queue    []*queuedWrite
	inFlight int           // batches proposed and not yet applied: 0, 1, or 2 after an escape
	started  time.Time     // when the escape clock of the batch in flight started
	typical  time.Duration // moving average of how long a batch takes to apply
	escape   *time.Timer   // fires when the batch in flight is overdue
}

// escapeFactor: a batch in flight for escapeFactor times the typical
// batch time is stuck (a slow disk, a stalled follower); the queue is then
// proposed without waiting for it, so the writes behind it ride the next
// append as they would without coalescing.
const escapeFactor = 2

// minEscape is the shortest wait before an escape.
const minEscape = time.Millisecond

// queuedWrite is one writer's commands waiting in the queue.
type queuedWrite struct {
	db      int
	cmds    [][][]byte
	size    int      // bytes of arguments
	buckets []uint32 // WATCH version buckets the commands bump
	epoch   bool     // the commands bump a database or global version
	gaveUp  atomic.Bool
	done    chan writeResult // buffered: delivery never blocks
}

type writeResult struct {
	replies []command.Reply
	err     error
}

// coalescable reports whether e may share a log entry with other writes.
func coalescable(e *fsm.Entry) bool {
	return !e.Txn && !e.HasClient && len(e.Cmds) > 0
}

// newQueuedWrite describes e's commands for the queue.
func newQueuedWrite(e *fsm.Entry) *queuedWrite {
	w := &queuedWrite{db: e.DB, cmds: e.Cmds, done: make(chan writeResult, 1)}
	for _, c := range e.Cmds {
		for _, a := range c {
			w.size += len(a)
		}
	}
	w.epoch = command.VersionBuckets(e.DB, e.Cmds, func(b uint32) {
		w.buckets = append(w.buckets, b)
	})
	return w
}

// proposeCoalesced queues e's commands, proposes the queue if no batch is
// in flight, and waits for e's replies until the write deadline.
func (n *Node) proposeCoalesced(ctx context.Context, e *fsm.Entry) ([]command.Reply, error) {
	deadline := n.writeDeadline(ctx)
	w := newQueuedWrite(e)
	c := &n.coalesce
	c.mu.Lock()
	c.queue = append(c.queue, w)
	batch := n.takeLocked()
	c.mu.Unlock()
	if batch != nil {
		n.proposeBatch(batch)
	}
	r, ok := awaitResult(ctx, &n.ticks, w.done, deadline)
	if !ok {
		w.gaveUp.Store(true)
		return applyOutcome(nil, errApplyTimeout)
	}
	return r.replies, r.err
}

// takeLocked returns the queue, now in flight, if it is not empty and no
// batch is in flight (then its escape clock starts) or the one in flight
// is overdue.
func (n *Node) takeLocked() []*queuedWrite {
	c := &n.coalesce
	switch {
	case len(c.queue) == 0:
		return nil
	case c.inFlight == 0:
		n.armLocked()
		return c.flyLocked()
	case c.inFlight == 1 && c.overdueLocked():
		return c.flyLocked()
	}
	return nil
}

// overdueLocked reports whether the one batch in flight has been so for
// escapeFactor times the typical batch time.
func (c *coalescer) overdueLocked() bool {
	return time.Since(c.started) >= max(escapeFactor*c.typical, minEscape)
}

// flyLocked puts the queue in flight and returns it.
func (c *coalescer) flyLocked() []*queuedWrite {
	c.inFlight++
	batch := c.queue
	c.queue = nil
	return batch
}

// armLocked starts the escape clock of the batch just put in flight.
func (n *Node) armLocked() {
	c := &n.coalesce
	c.started = time.Now()
	wait := max(escapeFactor*c.typical, minEscape)
	if c.escape == nil {
		c.escape = time.AfterFunc(wait, n.escapeBatch)
	} else {
		c.escape.Reset(wait)
	}
}

// escapeBatch proposes the queue if the batch in flight is overdue (a
// write that arrives later sees that itself, in takeLocked).
func (n *Node) escapeBatch() {
	c := &n.coalesce
	c.mu.Lock()
	batch := n.takeLocked()
	c.mu.Unlock()
	if batch != nil {
		n.proposeBatch(batch)
	}
}

// batchDone is called once the last entry of a batch was applied or
// failed: it proposes the queue that gathered meanwhile, unless the other
// batch is still in flight and not overdue.
func (n *Node) batchDone(proposed time.Time) {
	c := &n.coalesce
	c.mu.Lock()
	c.inFlight--
	took := time.Since(proposed)
	c.typical += (took - c.typical) / 8
	if c.inFlight == 1 {
		// The other batch, proposed as an escape, is now the one in
		// flight: it gets an escape clock of its own.
		n.armLocked()
	}
	batch := n.takeLocked()
	c.mu.Unlock()
	if batch != nil {
		n.proposeBatch(batch)
	}
}

// proposeBatch proposes the writes of batch as the entries packEntries
// makes. Writers that gave up before are left out: their outcome was
// reported as unknown, and they are not applied.
func (n *Node) proposeBatch(batch []*queuedWrite) {
	proposed := time.Now()
	batch = slices.DeleteFunc(batch, func(w *queuedWrite) bool { return w.gaveUp.Load() })
	if len(batch) == 0 {
		n.batchDone(proposed)
		return
	}
	entries := packEntries(batch)
	for i, writers := range entries {
		last := i == len(entries)-1
		e := &fsm.Entry{DB: writers[0].db}
		for _, w := range writers {
			e.Cmds = append(e.Cmds, w.cmds...)
		}
		f, _, err := n.startProposal(context.Background(), e)
		if err != nil {
			deliver(writers, nil, err)
			if last {
				n.batchDone(proposed)
			}
			continue
		}
		n.applies.then(f, func(err error) {
			replies, err := applyOutcome(f, err)
			deliver(writers, replies, err)
			if last {
				n.batchDone(proposed)
			}
		})
	}
}

// packEntries sorts the writes of batch into entries: each write goes to
// the first entry of its database that has room and in which no other
// write bumps one of its WATCH version buckets; a write bumping an epoch
// gets an entry of its own. All writes of a batch are concurrent (each
// writer has one write queued, and none is answered yet), so any order
// of them is one the clients could have seen; each entry keeps queue order.
func packEntries(batch []*queuedWrite) [][]*queuedWrite {
	type entry struct {
		writers    []*queuedWrite
		cmds, size int
		buckets    map[uint32]struct{}
		closed     bool
	}
	var entries []*entry
	fits := func(e *entry, w *queuedWrite) bool {
		if e.closed || e.writers[0].db != w.db || e.cmds+len(w.cmds) > coalesceMaxCmds || e.size+w.size > coalesceMaxBytes {
			return false
		}
		for _, b := range w.buckets {
			if _, ok := e.buckets[b]; ok {
				return false
			}
		}
		return true
	}
	for _, w := range batch {
		var to *entry
		if !w.epoch {
			for _, e := range entries {
				if fits(e, w) {
					to = e
					break
				}
			}
		}
		if to == nil {
			to = &entry{buckets: make(map[uint32]struct{}, len(w.buckets)), closed: w.epoch}
			entries = append(entries, to)
		}
		to.writers = append(to.writers, w)
		to.cmds += len(w.cmds)
		to.size += w.size
		for _, b := range w.buckets {
			to.buckets[b] = struct{}{}
		}
	}
	out := make([][]*queuedWrite, len(entries))
	for i, e := range entries {
		out[i] = e.writers
	}
	return out
}

// deliver hands each writer its share of replies, in order, or err.
func deliver(writers []*queuedWrite, replies []command.Reply, err error) {
	total := 0
	for _, w := range writers {
		total += len(w.cmds)
	}
	if err == nil && len(replies) != total {
		err = fmt.Errorf("ERR internal error: %d replies for %d commands", len(replies), total)
	}
	for _, w := range writers {
		if err != nil {
			w.done <- writeResult{err: err}
			continue
		}
		k := len(w.cmds)
		w.done <- writeResult{replies: replies[:k:k]}
		replies = replies[k:]
	}
}
