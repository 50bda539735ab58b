package node

import (
	"context"
	"fmt"
	"sync"

	"github.com/hashicorp/raft"
)

// ReadTime waits until this node may serve a read and returns the cluster
// time that decides expiry. A stale read is served at once from the local
// engine. A linearizable read follows ReadIndex: the node must be a ready
// leader; it notes the commit index, confirms leadership with a
// VerifyLeader round shared by every read waiting at that moment, and waits
// until the FSM has applied the noted index.
func (n *Node) ReadTime(ctx context.Context, stale bool) (int64, error) {
	if stale {
		return n.now(), nil
	}
	ctx, cancel := context.WithTimeout(ctx, n.cfg.ReadTimeout)
	defer cancel()
	if err := n.waitReady(ctx); err != nil {
		return 0, err
	}
	index := n.raft.CommitIndex()
	if err := n.verifier.verify(ctx); err != nil {
		return 0, fmt.Errorf("%w (%v)", ErrReadNotLeader, err)
	}
	for n.fsm.AppliedIndex() < index {
		advanced := n.fsm.Advanced()
		if n.fsm.AppliedIndex() >= index {
			break
		}
		select {
		case <-advanced:
		case <-ctx.Done():
			return 0, fmt.Errorf("TRYAGAIN timed out waiting for the node to apply index %d", index)
		case <-n.stop:
			return 0, ErrShuttingDown
		}
	}
	return n.now(), nil
}

// verifier shares VerifyLeader rounds between concurrent readers: a reader
// joins the next round that has not started yet, so every round it waits
// for begins after its request (which is what ReadIndex needs) and at most
// one round runs at a time.
type verifier struct {
	raft    *raft.Raft
	mu      sync.Mutex
	next    *round
	running bool
}

type round struct {
	done chan struct{}
	err  error
}

func newVerifier(r *raft.Raft) *verifier { return &verifier{raft: r} }

func (v *verifier) verify(ctx context.Context) error {
	v.mu.Lock()
	if v.next == nil {
		v.next = &round{done: make(chan struct{})}
	}
	r := v.next
	if !v.running {
		v.running = true
		go v.loop()
	}
	v.mu.Unlock()
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (v *verifier) loop() {
	for {
		v.mu.Lock()
		r := v.next
		v.next = nil
		if r == nil {
			v.running = false
			v.mu.Unlock()
			return
		}
		v.mu.Unlock()
		r.err = v.raft.VerifyLeader().Error()
		close(r.done)
	}
}
