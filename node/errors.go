package node

import "errors"

// Errors a client sees, in Redis wording. A write that was never handed to
// Raft fails definitely; once proposed, any failure that does not prove the
// entry was dropped is reported as an unknown outcome, never as a failure.
var (
	// ErrNoLeader: no leader accepted the write in time; it was not proposed.
	ErrNoLeader = errors.New("TRYAGAIN no leader available, the write was not applied")
	// ErrShuttingDown: the node is closing; the write was not proposed.
	ErrShuttingDown = errors.New("TRYAGAIN server is shutting down, the write was not applied")
	// ErrOutcomeUnknown: the write was proposed but its fate is unknown.
	ErrOutcomeUnknown = errors.New("TRYAGAIN write outcome unknown")
	// ErrReadNotLeader: a linearizable read on a node that is not the leader.
	ErrReadNotLeader = errors.New("TRYAGAIN not the leader, cannot serve a linearizable read (use READONLY for stale reads)")
	// ErrReadNoLeader: a linearizable read on a follower that could not get
	// a read index from a leader in time.
	ErrReadNoLeader = errors.New("TRYAGAIN no leader confirmed a linearizable read in time (use READONLY for stale reads)")
)
