package node

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/hashicorp/raft"

	"github.com/pikaraft/pikaraft/fsm"
	"github.com/pikaraft/pikaraft/resp/command"
)

// Write proposes cmds against database db as one log entry and returns
// their replies. On the leader the entry is proposed at once; on a
// follower it is forwarded to the leader (forward.go) or, with
// FollowerWrites "redirect", refused with a MOVED error naming the leader.
// While there is no leader the write waits up to WriteTimeout.
func (n *Node) Write(ctx context.Context, db int, cmds [][][]byte) ([]command.Reply, error) {
	return n.write(ctx, &fsm.Entry{DB: db, Cmds: cmds})
}

// Exec proposes a MULTI/EXEC block with WATCHed keys as one log entry: the
// FSM runs it only if no watched key was modified or expired since it was
// watched, and answers the EXEC reply (an array, or a nil array when the
// transaction aborted).
func (n *Node) Exec(ctx context.Context, db int, cmds [][][]byte, watches []command.WatchedKey) (command.Reply, error) {
	r, err := n.write(ctx, &fsm.Entry{DB: db, Cmds: cmds, Txn: true, Watches: watches})
	if err != nil {
		return command.Reply{}, err
	}
	if len(r) != 1 {
		return command.Reply{}, fmt.Errorf("ERR internal error: %d replies for a transaction", len(r))
	}
	return r[0], nil
}

// write proposes e on the leader or forwards it from a follower.
func (n *Node) write(ctx context.Context, e *fsm.Entry) ([]command.Reply, error) {
	n.mu.Lock()
	if n.closing {
		n.mu.Unlock()
		return nil, ErrShuttingDown
	}
	n.inflight.Add(1)
	n.mu.Unlock()
	defer n.inflight.Done()

	if n.IsLeader() {
		if coalescable(e) {
			return n.proposeCoalesced(ctx, e)
		}
		return n.propose(ctx, e) // bounded by WriteTimeout itself
	}
	ctx, cancel := context.WithTimeout(ctx, n.cfg.WriteTimeout)
	defer cancel()
	if n.redirectWrites.Load() {
		return nil, n.redirect(ctx)
	}
	return n.forward(ctx, e)
}

// errApplyTimeout: a write stopped waiting for its entry (deadline or
// context), not knowing whether it was applied.
var errApplyTimeout = errors.New("timed out waiting for the entry to apply")

// propose stamps e with the cluster time and a random seed, hands it to
// Raft, waits until the FSM applied it and returns its replies. It fails
// with ErrNoLeader when the entry certainly did not reach the log (this
// node is not the leader), and with ErrOutcomeUnknown once it may have.
func (n *Node) propose(ctx context.Context, e *fsm.Entry) ([]command.Reply, error) {
	f, deadline, err := n.startProposal(ctx, e)
	if err != nil {
		return nil, err
	}
	return applyOutcome(f, n.awaitApply(ctx, f, deadline))
}

// startProposal stamps e with the cluster time and a random seed and hands
// it to Raft; the deadline is the write timeout or ctx's, whichever is
// first. It fails with ErrNoLeader when this node is not the leader.
func (n *Node) startProposal(ctx context.Context, e *fsm.Entry) (raft.ApplyFuture, time.Time, error) {
	if !n.IsLeader() {
		return nil, time.Time{}, ErrNoLeader
	}
	e.LeaderTimeMs, e.Seed = n.now(), rand.Uint64()
	deadline := n.writeDeadline(ctx)
	return n.raft.Apply(e.Encode(), time.Until(deadline)), deadline, nil
}

// writeDeadline is when a write on this leader gives up: WriteTimeout from
// now, or ctx's deadline if that comes first.
func (n *Node) writeDeadline(ctx context.Context) time.Time {
	deadline := time.Now().Add(n.cfg.WriteTimeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	return deadline
}

// applyOutcome turns the result of waiting for a proposed entry into its
// replies, or ErrNoLeader when the entry certainly did not reach the log
// and ErrOutcomeUnknown once it may have.
func applyOutcome(f raft.ApplyFuture, err error) ([]command.Reply, error) {
	switch {
	case err == nil:
	case errors.Is(err, errApplyTimeout):
		return nil, fmt.Errorf("%w: timed out waiting for the entry to apply", ErrOutcomeUnknown)
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrEnqueueTimeout):
		// Refused before it reached the log.
		return nil, ErrNoLeader
	case errors.Is(err, raft.ErrLeadershipLost):
		return nil, fmt.Errorf("%w: leadership lost", ErrOutcomeUnknown)
	case errors.Is(err, raft.ErrRaftShutdown):
		return nil, fmt.Errorf("%w: server shutting down", ErrOutcomeUnknown)
	default:
		return nil, fmt.Errorf("%w: %v", ErrOutcomeUnknown, err)
	}
	switch r := f.Response().(type) {
	case []command.Reply:
		return r, nil
	case error:
		return nil, fmt.Errorf("ERR %v", r)
	default:
		return nil, fmt.Errorf("ERR unexpected apply response %T", r)
	}
}
