package node

import (
	"strconv"
	"sync"
)

// blockQueues holds this node's waiters per key: the FIFO queues of
// blocked list pops and the one-shot watches of XREAD BLOCK.
type blockQueues struct {
	mu      sync.Mutex
	queues  map[string][]*popWaiter
	watches map[string]map[*keyWatch]bool
}

// popWaiter is one blocked list pop.
type popWaiter struct {
	keys []string
	wake chan struct{} // capacity 1: a pending turn
}

func (w *popWaiter) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// pending reports (and consumes) a turn that was given but not taken.
func (w *popWaiter) pending() bool {
	select {
	case <-w.wake:
		return true
	default:
		return false
	}
}

// keyWatch is one XREAD BLOCK wait.
type keyWatch struct {
	keys []string
	ch   chan struct{}
	done bool
}

func queueKey(db int, key []byte) string { return strconv.Itoa(db) + "\x00" + string(key) }

// register queues a new waiter at the end of every key's queue.
func (b *blockQueues) register(db int, keys [][]byte) *popWaiter {
	w := &popWaiter{wake: make(chan struct{}, 1)}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.queues == nil {
		b.queues = map[string][]*popWaiter{}
	}
	seen := map[string]bool{}
	for _, k := range keys {
		qk := queueKey(db, k)
		if seen[qk] {
			continue
		}
		seen[qk] = true
		w.keys = append(w.keys, qk)
		b.queues[qk] = append(b.queues[qk], w)
	}
	return w
}

// unregister removes w from its queues; with passOn, the new first waiter
// of each of its keys gets a turn (the data w was woken for, or what is
// left after w popped, may be theirs).
func (b *blockQueues) unregister(w *popWaiter, passOn bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, qk := range w.keys {
		q := b.queues[qk]
		for i, x := range q {
			if x == w {
				q = append(q[:i:i], q[i+1:]...)
				break
			}
		}
		if len(q) == 0 {
			delete(b.queues, qk)
			continue
		}
		b.queues[qk] = q
		if passOn {
			q[0].signal()
		}
	}
}

// notify gives the first waiter of each key a turn and fires the watches.
func (b *blockQueues) notify(db int, keys [][]byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, k := range keys {
		qk := queueKey(db, k)
		if q := b.queues[qk]; len(q) > 0 {
			q[0].signal()
		}
		for kw := range b.watches[qk] {
			b.fire(kw)
		}
	}
}

// watch returns a channel closed at the next notify of one of keys.
func (b *blockQueues) watch(db int, keys [][]byte) (<-chan struct{}, func()) {
	kw := &keyWatch{ch: make(chan struct{})}
	b.mu.Lock()
	if b.watches == nil {
		b.watches = map[string]map[*keyWatch]bool{}
	}
	for _, k := range keys {
		qk := queueKey(db, k)
		if b.watches[qk] == nil {
			b.watches[qk] = map[*keyWatch]bool{}
		}
		b.watches[qk][kw] = true
		kw.keys = append(kw.keys, qk)
	}
	b.mu.Unlock()
	return kw.ch, func() {
		b.mu.Lock()
		b.fire(kw)
		b.mu.Unlock()
	}
}

// fire closes kw and forgets it; b.mu must be held.
func (b *blockQueues) fire(kw *keyWatch) {
	if kw.done {
		return
	}
	kw.done = true
	close(kw.ch)
	for _, qk := range kw.keys {
		delete(b.watches[qk], kw)
		if len(b.watches[qk]) == 0 {
			delete(b.watches, qk)
		}
	}
}
