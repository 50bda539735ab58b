package node

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// readBatcher shares ReadIndex rounds between concurrent linearizable
// reads. A read joins the next round that has not started yet, so the round
// that answers it begins after it arrived (which is what ReadIndex needs:
// the index and the leadership check are both taken after the read began),
// and at most one round runs at a time (unless one is stuck, see
// overlapAfter): the reads that arrive while a round is in flight all wait
// for the next one, which starts as soon as the current one ends.
type readBatcher struct {
	round func() (uint64, error) // one round: a read index or an error
	// overlapAfter, when not zero, lets the next round start once the
	// running one has taken this long (a read-index RPC to a leader that
	// died or was cut off must not hold back reads that could go to the
	// new leader); the slow round still answers its own reads when it ends.
	overlapAfter time.Duration

	mu      sync.Mutex
	next    *readRound // the round readers join; nil when none is waiting
	running bool       // a loop goroutine is running rounds

	reads  atomic.Uint64 // reads that joined a round
	rounds atomic.Uint64 // rounds run
}

// readRound is one round and its outcome, set before done is closed.
type readRound struct {
	done  chan struct{}
	index uint64
	err   error
}

func newReadBatcher(round func() (uint64, error)) *readBatcher {
	return &readBatcher{round: round}
}

// wait joins the next round and returns its read index, or ctx's error if
// ctx ends first (the round still runs for the others).
func (b *readBatcher) wait(ctx context.Context) (uint64, error) {
	b.mu.Lock()
	if b.next == nil {
		b.next = &readRound{done: make(chan struct{})}
	}
	r := b.next
	if !b.running {
		b.running = true
		go b.loop()
	}
	b.mu.Unlock()
	b.reads.Add(1)
	select {
	case <-r.done:
		return r.index, r.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// maxJoinYields bounds the yields before a round (see loop).
const maxJoinYields = 4

// loop runs rounds back to back while reads are waiting for one.
//
// Before a round starts, the loop yields the processor (runtime.Gosched)
// while that lets more reads join: goroutines that are already runnable —
// connections whose requests arrived and are on their way here, and the
// readers of the last round writing their replies (which then often read
// the client's next request) — run first. A round costs the same however
// many reads share it (a message to a voter and its answer, each waking a
// process), so fewer, fuller rounds cost less CPU per read. It never waits
// for a read that has not arrived: as soon as a yield brings no new read,
// or after maxJoinYields, the round starts.
func (b *readBatcher) loop() {
	for {
		for range maxJoinYields {
			before := b.reads.Load()
			runtime.Gosched()
			if b.reads.Load() == before {
				break
			}
		}
		b.mu.Lock()
		r := b.next
		b.next = nil
		if r == nil {
			b.running = false
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		b.rounds.Add(1)
		if b.overlapAfter == 0 {
			r.index, r.err = b.round()
			close(r.done)
			continue
		}
		go func() {
			r.index, r.err = b.round()
			close(r.done)
		}()
		t := time.NewTimer(b.overlapAfter)
		select {
		case <-r.done:
		case <-t.C:
		}
		t.Stop()
	}
}

// ReadIndexStats reports, since the node started, the linearizable reads
// that joined a ReadIndex round and the rounds run, on this node as the
// leader (leadership checks or VerifyLeader rounds, including those of
// followers' reads) and as a follower (read-index RPCs to the leader).
type ReadIndexStats struct {
	LeaderReads, LeaderRounds uint64
	// LeaderChecked counts the leader rounds confirmed by the node's own
	// leadership check (leadercheck.go), not by a VerifyLeader round.
	LeaderChecked                 uint64
	FollowerReads, FollowerRounds uint64
}

// ReadIndexStats returns the node's ReadIndex batching counters.
func (n *Node) ReadIndexStats() ReadIndexStats {
	return ReadIndexStats{
		LeaderReads: n.leaderReads.reads.Load(), LeaderRounds: n.leaderReads.rounds.Load(),
		LeaderChecked: n.checkedRounds.Load(),
		FollowerReads: n.followerReads.reads.Load(), FollowerRounds: n.followerReads.rounds.Load(),
	}
}
