package node

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// ReadTime waits until this node may serve a read and returns the cluster
// time that decides expiry. A stale read (READONLY connection, or
// StaleReads) is served at once from the local engine. A linearizable read
// follows ReadIndex: the leader notes its commit index and confirms its
// leadership with a VerifyLeader round shared by every read waiting at that
// moment (readIndex); a follower asks the leader for that index over node
// RPC. Either then waits until its own FSM has applied the index.
func (n *Node) ReadTime(ctx context.Context, stale bool) (int64, error) {
	if stale || n.staleReads.Load() {
		return n.now(), nil
	}
	ctx, cancel := context.WithTimeout(ctx, n.cfg.ReadTimeout)
	defer cancel()
	var index uint64
	var err error
	if n.IsLeader() {
		index, err = n.readIndex(ctx)
	} else {
		index, err = n.remoteReadIndex(ctx)
	}
	if err != nil {
		return 0, err
	}
	if err := n.waitApplied(ctx, index); err != nil {
		return 0, err
	}
	return n.now(), nil
}

// readIndex returns an index that every write acknowledged before the call
// is at or below, after confirming that this node is still the leader. The
// node must be a ready leader (an entry of its term applied).
func (n *Node) readIndex(ctx context.Context) (uint64, error) {
	if err := n.waitReady(ctx); err != nil {
		return 0, err
	}
	index := n.raft.CommitIndex()
	if err := n.verifier.verify(ctx); err != nil {
		return 0, fmt.Errorf("%w (%v)", ErrReadNotLeader, err)
	}
	return index, nil
}

// remoteReadIndex asks the leader for a read index, retrying while the
// leader is unknown or changing, until ctx ends.
func (n *Node) remoteReadIndex(ctx context.Context) (uint64, error) {
	var last error = ErrReadNoLeader
	for {
		if n.IsLeader() {
			return n.readIndex(ctx)
		}
		if addr, _ := n.raft.LeaderWithID(); addr != "" {
			resp, err := n.rpc.call(ctx, string(addr), &rpcRequest{Op: opReadIndex})
			switch {
			case err != nil:
				last = err
			case resp.Err == "":
				return resp.Index, nil
			default:
				last = errors.New(resp.Err)
			}
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("%w (%v)", ErrReadNoLeader, last)
		case <-n.stop:
			return 0, ErrShuttingDown
		case <-time.After(retryPause):
		}
	}
}

// waitApplied waits until the FSM has applied index.
func (n *Node) waitApplied(ctx context.Context, index uint64) error {
	for n.fsm.AppliedIndex() < index {
		advanced := n.fsm.Advanced()
		if n.fsm.AppliedIndex() >= index {
			break
		}
		select {
		case <-advanced:
		case <-ctx.Done():
			return fmt.Errorf("TRYAGAIN timed out waiting for the node to apply index %d", index)
		case <-n.stop:
			return ErrShuttingDown
		}
	}
	return nil
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
