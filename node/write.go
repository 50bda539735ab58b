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

// Write proposes cmds against database db as one log entry stamped with the
// cluster time and a random seed, waits until the FSM applied it and
// returns its replies.
func (n *Node) Write(ctx context.Context, db int, cmds [][][]byte) ([]command.Reply, error) {
	n.mu.Lock()
	if n.closing {
		n.mu.Unlock()
		return nil, ErrShuttingDown
	}
	n.inflight.Add(1)
	n.mu.Unlock()
	defer n.inflight.Done()

	ctx, cancel := context.WithTimeout(ctx, n.cfg.WriteTimeout)
	defer cancel()
	if err := n.waitLeader(ctx); err != nil {
		return nil, err
	}
	e := fsm.Entry{DB: db, Cmds: cmds, LeaderTimeMs: n.now(), Seed: rand.Uint64()}
	enqueue := n.cfg.WriteTimeout
	if dl, ok := ctx.Deadline(); ok {
		enqueue = time.Until(dl)
	}
	f := n.raft.Apply(e.Encode(), enqueue)
	done := make(chan error, 1)
	go func() { done <- f.Error() }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: timed out waiting for the entry to apply", ErrOutcomeUnknown)
	}
	switch {
	case err == nil:
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
