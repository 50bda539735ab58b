package node

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// gatedRounds is a round function whose rounds block until released; each
// round returns its own number as the index.
type gatedRounds struct {
	mu      sync.Mutex
	started chan int // round numbers, as they start
	release chan struct{}
	n       int
}

func newGatedRounds() *gatedRounds {
	return &gatedRounds{started: make(chan int, 16), release: make(chan struct{})}
}

func (g *gatedRounds) round() (uint64, error) {
	g.mu.Lock()
	g.n++
	n := g.n
	g.mu.Unlock()
	g.started <- n
	<-g.release
	return uint64(n), nil
}

// waitAsync starts a wait on b and returns the channel of its index.
func waitAsync(ctx context.Context, b *readBatcher) chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		index, err := b.wait(ctx)
		if err != nil {
			index = 0
		}
		out <- index
	}()
	return out
}

func TestReadBatcherReadsArrivingDuringARoundShareTheNextOne(t *testing.T) {
	g := newGatedRounds()
	b := newReadBatcher(g.round)
	ctx := context.Background()

	first := waitAsync(ctx, b)
	require.Equal(t, 1, <-g.started)

	// Round 1 is in flight: these reads must not be answered by it.
	var later []chan uint64
	for range 5 {
		later = append(later, waitAsync(ctx, b))
	}
	require.Eventually(t, func() bool { return b.reads.Load() == 6 }, 5*time.Second, time.Millisecond)

	g.release <- struct{}{}
	require.Equal(t, uint64(1), <-first)
	require.Equal(t, 2, <-g.started, "one round for the five waiting reads")
	g.release <- struct{}{}
	for _, c := range later {
		require.Equal(t, uint64(2), <-c)
	}
	require.Equal(t, uint64(2), b.rounds.Load())

	// Idle again: the next read starts a fresh round of its own.
	next := waitAsync(ctx, b)
	require.Equal(t, 3, <-g.started)
	g.release <- struct{}{}
	require.Equal(t, uint64(3), <-next)
}

func TestReadBatcherWaitEndsWithItsContext(t *testing.T) {
	g := newGatedRounds()
	b := newReadBatcher(g.round)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := b.wait(ctx)
		done <- err
	}()
	<-g.started
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	g.release <- struct{}{}

	// The batcher still serves later reads.
	out := waitAsync(context.Background(), b)
	<-g.started
	g.release <- struct{}{}
	require.Equal(t, uint64(2), <-out)
}

func TestReadBatcherRoundErrorReachesEveryReadOfTheRound(t *testing.T) {
	boom := errors.New("not the leader")
	b := newReadBatcher(func() (uint64, error) { return 0, boom })
	_, err := b.wait(context.Background())
	require.ErrorIs(t, err, boom)
}

func TestReadBatcherStuckRoundLetsTheNextOneStart(t *testing.T) {
	g := newGatedRounds()
	b := newReadBatcher(g.round)
	b.overlapAfter = 20 * time.Millisecond
	ctx := context.Background()

	stuck := waitAsync(ctx, b)
	require.Equal(t, 1, <-g.started)
	later := waitAsync(ctx, b)
	// Round 1 never ends by itself: round 2 starts anyway and answers the later read.
	select {
	case n := <-g.started:
		require.Equal(t, 2, n)
	case <-time.After(5 * time.Second):
		t.Fatal("no second round while the first is stuck")
	}
	g.release <- struct{}{} // one of the two rounds ends
	g.release <- struct{}{} // and the other
	require.Equal(t, uint64(1), <-stuck, "a read is answered by the round it joined")
	require.Equal(t, uint64(2), <-later)
}
