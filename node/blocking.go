package node

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pikaraft/pikaraft/fsm"
	"github.com/pikaraft/pikaraft/resp"
	"github.com/pikaraft/pikaraft/resp/command"
)

// Blocking list commands (BLPOP, BRPOP, BRPOPLPUSH, BLMOVE).
//
// Every blocked client waits on the leader, in a FIFO queue per key (a
// client on a follower is forwarded there over node RPC, opBlock). When
// the leader's FSM applies a write to a key, the first waiter of the key
// proposes an attempt — the command itself, which the FSM runs as a
// non-blocking pop — and, if it popped, the next waiter gets its turn: so
// waiters are served in arrival order, and the pop is a Raft entry (never
// lost, never twice).
//
// All attempts of one blocked request carry the same forwarding identity
// (client ID, sequence). The FSM stores the reply of an attempt that popped
// in the dedup table and does NOT store an empty one (fsm.retryable), so
// the same identity can try again, and a retry of an attempt that did pop
// returns its element. When the leader changes while a client waits (or
// the node RPC to it breaks), the request is resolved with one more
// attempt under that identity on the new leader: the element of an attempt
// the old leader had already put in the log comes back, else the new
// leader pops if it can, else the client gets errUnblocked and may retry.

// errUnblocked is the reply of a client whose wait was ended by a leader change.
var errUnblocked = errors.New("UNBLOCKED the leader changed while the client was blocked: retry the command")

// errLeaderChanged ends a wait on a node that stopped leading.
var errLeaderChanged = errors.New("leader changed")

var _ resp.Blocker = (*Node)(nil)

// Block runs a blocking list command (see the package comment above).
func (n *Node) Block(ctx context.Context, db int, argv [][]byte, timeout time.Duration) (command.Reply, error) {
	n.mu.Lock()
	if n.closing {
		n.mu.Unlock()
		return command.Reply{}, ErrShuttingDown
	}
	n.inflight.Add(1)
	n.mu.Unlock()
	defer n.inflight.Done()

	s := n.sessions.get()
	defer n.sessions.put(s)
	s.seq++
	e := &fsm.Entry{DB: db, Cmds: [][][]byte{argv}, ClientID: s.id, Seq: s.seq, HasClient: true}
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	var r command.Reply
	var err error
	if n.IsLeader() {
		r, err = n.blockHere(ctx, e, deadline)
	} else {
		r, err = n.blockRemote(ctx, e, deadline)
	}
	if err == nil || !errors.Is(err, errLeaderChanged) {
		return r, err
	}
	n.log.Debug("blocked client woken by a leader change; resolving", "client", s.id, "seq", s.seq)
	rctx, cancel := context.WithTimeout(context.Background(), n.cfg.WriteTimeout)
	defer cancel()
	rs, err := n.forwardAs(rctx, e, s)
	if err != nil {
		return command.Reply{}, err
	}
	if len(rs) == 1 && !command.BlockedReplyIsEmpty(rs[0]) {
		return rs[0], nil
	}
	return command.Reply{}, errUnblocked
}

// emptyReply is a blocking command's answer when its timeout passed.
func emptyReply(argv [][]byte) command.Reply {
	if spec, ok := command.Commands.Lookup(argv[0]); ok && (spec.Name == "blpop" || spec.Name == "brpop") {
		return command.NilArray()
	}
	return command.Nil()
}

// blockHere waits on this node, the leader, until e's attempt pops, the
// deadline (zero: none) passes, ctx ends or leadership is lost
// (errLeaderChanged).
func (n *Node) blockHere(ctx context.Context, e *fsm.Entry, deadline time.Time) (command.Reply, error) {
	n.mu.Lock()
	changed := n.changed
	n.mu.Unlock()
	if !n.IsLeader() {
		return command.Reply{}, errLeaderChanged
	}
	w := n.blocks.register(e.DB, command.BlockingKeys(e.Cmds[0]))
	w.signal() // the first attempt: the list may hold data already
	var timer <-chan time.Time
	if !deadline.IsZero() {
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		timer = t.C
	}
	for {
		select {
		case <-w.wake:
			r, err := n.attempt(e)
			if err != nil {
				n.blocks.unregister(w, true)
				return command.Reply{}, fmt.Errorf("%w: %v", errLeaderChanged, err)
			}
			if !command.BlockedReplyIsEmpty(r) {
				n.blocks.unregister(w, true) // there may be more for the next waiter
				return r, nil
			}
		case <-timer:
			n.blocks.unregister(w, w.pending())
			return emptyReply(e.Cmds[0]), nil
		case <-ctx.Done():
			n.blocks.unregister(w, w.pending())
			return command.Reply{}, ctx.Err()
		case <-changed:
			n.blocks.unregister(w, false)
			return command.Reply{}, errLeaderChanged
		case <-n.stop:
			n.blocks.unregister(w, false)
			return command.Reply{}, errLeaderChanged
		}
	}
}

// attempt proposes one non-blocking attempt of e and returns its reply.
// It is not bound to the client: once proposed, it completes.
func (n *Node) attempt(e *fsm.Entry) (command.Reply, error) {
	ctx, cancel := context.WithTimeout(context.Background(), n.cfg.WriteTimeout)
	defer cancel()
	rs, err := n.propose(ctx, e)
	if err != nil {
		return command.Reply{}, err
	}
	if len(rs) != 1 {
		return command.Reply{}, fmt.Errorf("ERR internal error: %d replies for a blocking command", len(rs))
	}
	return rs[0], nil // an error reply is not empty: it is answered, not retried
}

// WaitKeys returns a channel closed at the next applied write to one of
// keys of db on this node (XREAD BLOCK waits with it).
func (n *Node) WaitKeys(db int, keys [][]byte) (<-chan struct{}, func()) {
	return n.blocks.watch(db, keys)
}

// onApply wakes the waiters of the keys an applied entry wrote.
func (n *Node) onApply(db int, cmds [][][]byte) {
	for _, argv := range cmds {
		if keys := command.WrittenKeys(argv); len(keys) > 0 {
			n.blocks.notify(db, keys)
		}
	}
}
