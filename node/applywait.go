package node

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
)

// Waiting for a proposed entry without a goroutine and a timer per write.
//
// A write waits for its Raft future (which only offers a blocking Error)
// but must give up at its deadline. Doing that with a goroutine per write
// that calls Error plus a context timer cost ~8 % of a node's CPU under
// SET load (goroutine start, two extra wake-ups, a runtime timer added and
// removed, the child context registered in the connection's context). Here
// one goroutine per node (started when a future is queued, gone when the
// queue is empty) calls Error on the queued futures in order and hands each
// result to its writer, and writers check their deadline on a shared
// coarse tick instead of a timer of their own.
//
// Futures complete in log order on a leader (the FSM applies in order;
// leadership loss and shutdown fail all of them), so waiting on them in
// queue order delays no result behind an unfinished one for long; a writer
// still never waits past its deadline.

// applyWaiter delivers the results of queued apply futures.
type applyWaiter struct {
	mu      sync.Mutex
	queue   []applyWait
	running bool
}

type applyWait struct {
	f    raft.ApplyFuture
	done chan error  // buffered: the waiter never blocks on a writer that gave up
	then func(error) // called instead of sending on done
}

// then queues f and calls fn with its Error result, on the waiter's
// goroutine: fn must not block.
func (a *applyWaiter) then(f raft.ApplyFuture, fn func(error)) {
	a.enqueue(applyWait{f: f, then: fn})
}

// wait queues f and returns the channel its Error result is sent on.
func (a *applyWaiter) wait(f raft.ApplyFuture) <-chan error {
	done := make(chan error, 1)
	a.enqueue(applyWait{f: f, done: done})
	return done
}

func (a *applyWaiter) enqueue(w applyWait) {
	a.mu.Lock()
	a.queue = append(a.queue, w)
	if !a.running {
		a.running = true
		go a.run()
	}
	a.mu.Unlock()
}

func (a *applyWaiter) run() {
	var batch []applyWait
	for {
		a.mu.Lock()
		if len(a.queue) == 0 {
			a.running = false
			a.mu.Unlock()
			return
		}
		batch, a.queue = a.queue, batch[:0]
		a.mu.Unlock()
		for i := range batch {
			if err := batch[i].f.Error(); batch[i].then != nil {
				batch[i].then(err)
			} else {
				batch[i].done <- err
			}
			batch[i] = applyWait{}
		}
	}
}

// tickPeriod is how often waiting writers check their deadline: a write
// gives up at most this much after it.
const tickPeriod = 50 * time.Millisecond

// coarseTicks hands out a channel that is closed at the next tick. The
// ticking goroutine runs only while someone asked for ticks in the last
// two periods.
type coarseTicks struct {
	cur  atomic.Pointer[chan struct{}]
	used atomic.Bool

	mu      sync.Mutex
	running bool
}

// next returns a channel closed at the next tick (possibly at once).
func (t *coarseTicks) next() <-chan struct{} {
	t.used.Store(true)
	if p := t.cur.Load(); p != nil {
		return *p
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if p := t.cur.Load(); p != nil {
		return *p
	}
	ch := make(chan struct{})
	t.cur.Store(&ch)
	if !t.running {
		t.running = true
		go t.run()
	}
	return ch
}

func (t *coarseTicks) run() {
	tk := time.NewTicker(tickPeriod)
	defer tk.Stop()
	idle := 0
	for range tk.C {
		t.mu.Lock()
		if t.used.Swap(false) {
			idle = 0
		} else {
			idle++
		}
		var next *chan struct{}
		if idle < 2 {
			ch := make(chan struct{})
			next = &ch
		}
		if old := t.cur.Swap(next); old != nil {
			close(*old)
		}
		if next == nil {
			t.running = false
			t.mu.Unlock()
			return
		}
		t.mu.Unlock()
	}
}

// awaitApply waits for f until deadline or until ctx ends and returns
// f.Error(); errApplyTimeout when it gave up first.
func (n *Node) awaitApply(ctx context.Context, f raft.ApplyFuture, deadline time.Time) error {
	err, ok := awaitResult(ctx, &n.ticks, n.applies.wait(f), deadline)
	if !ok {
		return errApplyTimeout
	}
	return err
}

// awaitResult waits for a value on ch until deadline (checked on the
// coarse tick) or until ctx ends; ok is false when it gave up first.
func awaitResult[T any](ctx context.Context, ticks *coarseTicks, ch <-chan T, deadline time.Time) (v T, ok bool) {
	for {
		select {
		case v := <-ch:
			return v, true
		case <-ctx.Done():
			return v, false
		case <-ticks.next():
			if !time.Now().Before(deadline) {
				return v, false
			}
		}
	}
}
