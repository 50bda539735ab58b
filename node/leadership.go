package node

import (
	"context"

	"github.com/pikaraft/pikaraft/fsm"
)

// watchLeadership follows leadership changes. On becoming leader it
// applies an empty marker entry of the new term; once that is applied, the
// FSM holds every entry of earlier terms and the commit index is this
// leader's own, so linearizable reads may be served (the "ready" state).
func (n *Node) watchLeadership() {
	defer close(n.done)
	for {
		select {
		case <-n.stop:
			return
		case leader := <-n.raft.LeaderCh():
			n.log.Info("leadership changed", "leader", leader, "term", n.raft.CurrentTerm())
			n.mu.Lock()
			select {
			case <-n.ready:
				n.ready = make(chan struct{})
			default:
			}
			close(n.changed)
			n.changed = make(chan struct{})
			n.mu.Unlock()
			if leader {
				n.markReady()
			}
		}
	}
}

// markReady applies the marker entry and opens reads when it is applied.
func (n *Node) markReady() {
	term := n.raft.CurrentTerm()
	e := fsm.Entry{LeaderTimeMs: n.now()}
	f := n.raft.Apply(e.Encode(), n.cfg.WriteTimeout)
	if err := f.Error(); err != nil {
		n.log.Warn("leader marker entry failed", "error", err)
		return
	}
	// The term did not move from before the Apply to after its entry was
	// applied, so the marker is an entry of that term (soleVoterIndex).
	if n.raft.CurrentTerm() == term {
		n.readyTerm.Store(term)
	}
	n.mu.Lock()
	close(n.ready)
	n.mu.Unlock()
	n.log.Info("leader ready", "index", f.Index())
}

// waitLeader waits until this node leads or ctx ends.
func (n *Node) waitLeader(ctx context.Context) error {
	for {
		n.mu.Lock()
		changed := n.changed
		n.mu.Unlock()
		if n.IsLeader() {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ErrNoLeader
		case <-n.stop:
			return ErrShuttingDown
		}
	}
}

// readyChan returns the channel closed once this node is a ready leader
// of its current term (see watchLeadership).
func (n *Node) readyChan() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.ready
}

// waitReady waits until this node is a ready leader (see watchLeadership).
func (n *Node) waitReady(ctx context.Context) error {
	if err := n.waitLeader(ctx); err != nil {
		return ErrReadNotLeader
	}
	select {
	case <-n.readyChan():
		return nil
	case <-ctx.Done():
		return ErrReadNotLeader
	case <-n.stop:
		return ErrShuttingDown
	}
}
