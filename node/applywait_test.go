package node

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeFuture is a raft.ApplyFuture that completes when finish is called.
type fakeFuture struct {
	done chan struct{}
	err  error
}

func newFakeFuture() *fakeFuture { return &fakeFuture{done: make(chan struct{})} }

func (f *fakeFuture) finish(err error) { f.err = err; close(f.done) }

func (f *fakeFuture) Error() error          { <-f.done; return f.err }
func (f *fakeFuture) Index() uint64         { return 0 }
func (f *fakeFuture) Response() interface{} { return nil }

// Every writer gets its own future's result, whatever order the futures
// complete in, and the waiter goroutine ends once nothing is queued.
func TestAwaitApplyDeliversEachResult(t *testing.T) {
	n := &Node{}
	const writers = 200
	futures := make([]*fakeFuture, writers)
	for i := range futures {
		futures[i] = newFakeFuture()
	}
	var wg sync.WaitGroup
	got := make([]error, writers)
	for i := range futures {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			got[i] = n.awaitApply(context.Background(), futures[i], time.Now().Add(10*time.Second))
		}(i)
	}
	// Complete them back to front: the waiter is stuck on the first one
	// it queued until that one finishes, then delivers the rest.
	for i := writers - 1; i >= 0; i-- {
		futures[i].finish(fmt.Errorf("entry %d", i))
	}
	wg.Wait()
	for i, err := range got {
		require.EqualError(t, err, fmt.Sprintf("entry %d", i))
	}
	require.Eventually(t, func() bool {
		n.applies.mu.Lock()
		defer n.applies.mu.Unlock()
		return !n.applies.running
	}, 2*time.Second, 10*time.Millisecond, "the waiter goroutine must end when the queue is empty")
}

// A writer whose entry never completes gives up at its deadline (within a
// tick), or when its context ends, and the tick goroutine stops once no
// writer waits.
func TestAwaitApplyGivesUpAtDeadline(t *testing.T) {
	n := &Node{}
	stuck := newFakeFuture()
	start := time.Now()
	err := n.awaitApply(context.Background(), stuck, start.Add(150*time.Millisecond))
	require.True(t, errors.Is(err, errApplyTimeout), "got %v", err)
	took := time.Since(start)
	require.GreaterOrEqual(t, took, 150*time.Millisecond)
	require.Less(t, took, 150*time.Millisecond+3*tickPeriod)

	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	stuck2 := newFakeFuture()
	err = n.awaitApply(ctx, stuck2, time.Now().Add(10*time.Second))
	require.True(t, errors.Is(err, errApplyTimeout), "got %v", err)

	// The waiter is still blocked on the stuck futures; finishing them
	// lets it end (their results go to buffered channels nobody reads).
	stuck.finish(nil)
	stuck2.finish(nil)
	require.Eventually(t, func() bool {
		n.ticks.mu.Lock()
		defer n.ticks.mu.Unlock()
		return !n.ticks.running
	}, 2*time.Second, 10*time.Millisecond, "the tick goroutine must stop when nobody waits")
	require.Eventually(t, func() bool {
		n.applies.mu.Lock()
		defer n.applies.mu.Unlock()
		return !n.applies.running
	}, 2*time.Second, 10*time.Millisecond, "the waiter goroutine must end when the queue is empty")
}
