package node

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/raft"
)

// ReadTime waits until this node may serve a read and returns the cluster
// time that decides expiry. A stale read (READONLY connection, or
// StaleReads) is served at once from the local engine. A linearizable read
// follows ReadIndex: the leader takes its commit index and confirms its
// leadership with a quorum of voters (leadercheck.go, or a VerifyLeader
// round when that fails); a follower asks the leader for that index over
// node RPC. Either way one round serves
// every read waiting when it starts (readindex.go); the leader of a
// one-voter cluster needs no round (soleVoterIndex). The node then waits
// until its own FSM has applied the index.
func (n *Node) ReadTime(ctx context.Context, stale bool) (int64, error) {
	if stale || n.staleReads.Load() {
		return n.now(), nil
	}
	if index, ok := n.soleVoterIndex(); ok {
		if n.fsm.AppliedIndex() < index {
			wctx, cancel := context.WithTimeout(ctx, n.cfg.ReadTimeout)
			defer cancel()
			if err := n.waitApplied(wctx, index); err != nil {
				return 0, err
			}
		}
		return n.now(), nil
	}
	// Fast path, the common case on a ready leader: no timeout of its own
	// (a leadership check ends within leaderCheckTimeout, and a
	// VerifyLeader round always ends: with a quorum's answer, or with
	// ErrNotLeader when the leader steps down for want of one) and usually
	// nothing to wait for after it.
	fast := n.readyLeader()
	var index uint64
	var err error
	if fast {
		index, err = n.leaderReads.wait(ctx)
		if err == nil && n.fsm.AppliedIndex() >= index {
			return n.now(), nil
		}
	}
	ctx, cancel := context.WithTimeout(ctx, n.cfg.ReadTimeout)
	defer cancel()
	switch {
	case fast && err == nil:
	case n.IsLeader():
		index, err = n.readIndex(ctx)
	default:
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
	index, err := n.leaderReads.wait(ctx)
	if err != nil && !errors.Is(err, ErrReadNotLeader) {
		return 0, fmt.Errorf("%w (%v)", ErrReadNotLeader, err)
	}
	return index, err
}

// readyLeader reports whether this node is a ready leader now (the
// non-blocking form of waitReady).
func (n *Node) readyLeader() bool {
	if !n.IsLeader() {
		return false
	}
	select {
	case <-n.readyChan():
		return true
	default:
		return false
	}
}

// soleVoterIndex returns a read index without a VerifyLeader round and
// without leaving the caller's goroutine, when this node is a ready leader
// and the only voter of the latest Raft configuration (a single-node
// cluster). No other node can then be elected, so the leadership needs no
// confirmation: hashicorp/raft's VerifyLeader answers at once in that case
// too (quorum size 1), after a hop through its main loop. ok is false
// whenever that cannot be shown, and the caller takes the ReadIndex round.
//
// The term is read first and last: the node was leader of that one term
// the whole time in between (a node that stops leading a term never leads
// it again), its marker entry of that term was applied (readyTerm, so the
// commit index covers every earlier term's entries), and the configuration
// was read in between (while leading, only this node appends configuration
// entries, and the latest one — committed or not — is the one raft counts
// votes in).
func (n *Node) soleVoterIndex() (index uint64, ok bool) {
	term := n.raft.CurrentTerm()
	if term == 0 || n.readyTerm.Load() != term || n.raft.State() != raft.Leader {
		return 0, false
	}
	if !n.soleVoterAt(term, n.raft.LastIndex()) {
		return 0, false
	}
	index = n.raft.CommitIndex()
	if n.raft.State() != raft.Leader || n.raft.CurrentTerm() != term {
		return 0, false
	}
	return index, true
}

// voterCheck is votersAt's answer for one term and last log index.
type voterCheck struct {
	term, last uint64
	self       bool          // this node is a voter
	peers      []raft.Server // the other voters
}

// sole reports whether this node is the one and only voter.
func (c *voterCheck) sole() bool { return c.self && len(c.peers) == 0 }

// soleVoterAt reports whether this node is the only voter of the latest
// configuration, read after the log's last index was last (votersAt).
//
// Why a kept "sole" is safe: hashicorp/raft changes the configuration one
// server per log entry, and may publish the new last index a moment before
// the new configuration, so a "sole" answer kept for index L can be one
// configuration entry behind: {self} → {self, X} (or a non-voter added, or
// self removed or demoted: no voter at all). Any later entry moves the
// last index and the check is redone. In {self, X} no node can be elected
// without this node's vote, and voting moves this node's term, which
// soleVoterIndex checks after taking the commit index. A kept "not sole"
// only costs a ReadIndex round.
func (n *Node) soleVoterAt(term, last uint64) bool {
	return n.votersAt(term, last).sole()
}

// votersAt returns the voters of the latest configuration, read after the
// log's last index was last. The answer is kept until the term or the last
// index moves: GetConfiguration allocates and a read-only load would
// otherwise pay for it on every read. Like soleVoterAt's, a kept answer can
// be one configuration entry behind.
func (n *Node) votersAt(term, last uint64) *voterCheck {
	if c := n.voterCache.Load(); c != nil && c.term == term && c.last == last {
		return c
	}
	self, peers := voters(n.raft.GetConfiguration().Configuration(), raft.ServerID(n.cfg.ID))
	c := &voterCheck{term: term, last: last, self: self, peers: peers}
	n.voterCache.Store(c)
	return c
}

// voters reports whether id is a voter of c and returns the other voters.
func voters(c raft.Configuration, id raft.ServerID) (self bool, others []raft.Server) {
	for _, s := range c.Servers {
		if s.Suffrage != raft.Voter {
			continue
		}
		if s.ID == id {
			self = true
		} else {
			others = append(others, s)
		}
	}
	return self, others
}

// soleVoter reports whether id is the one and only voter of c.
func soleVoter(c raft.Configuration, id raft.ServerID) bool {
	self, others := voters(c, id)
	return self && len(others) == 0
}

// leaderRound is one leader ReadIndex round, started after every read of
// the round arrived: the commit index and a leadership check of this
// node's own (quorumIndex), or when that cannot confirm the leadership the
// commit index and a hashicorp/raft VerifyLeader.
func (n *Node) leaderRound() (uint64, error) {
	if index, ok := n.quorumIndex(); ok {
		n.checkedRounds.Add(1)
		return index, nil
	}
	index := n.raft.CommitIndex()
	if err := n.raft.VerifyLeader().Error(); err != nil {
		return 0, fmt.Errorf("%w (%v)", ErrReadNotLeader, err)
	}
	return index, nil
}

// quorumIndex returns a read index confirmed by the leadership check of
// leadercheck.go (whose comment argues why it is safe): this node leads
// term T from before the commit index is read until after a quorum of the
// voters answered that they are at T and follow it, and it applied its
// marker entry of T. ok is false whenever that is not shown.
func (n *Node) quorumIndex() (index uint64, ok bool) {
	term := n.raft.CurrentTerm()
	if term == 0 || n.readyTerm.Load() != term || n.raft.State() != raft.Leader {
		return 0, false
	}
	vs := n.votersAt(term, n.raft.LastIndex())
	if !vs.self || len(vs.peers) == 0 {
		return 0, false
	}
	index = n.raft.CommitIndex()
	// A quorum of 1+len(peers) voters, this node being one of them.
	if !n.checker.confirm(term, vs.peers, (len(vs.peers)+1)/2) {
		return 0, false
	}
	if n.raft.State() != raft.Leader || n.raft.CurrentTerm() != term {
		return 0, false
	}
	return index, true
}

// remoteReadIndex gets a read index from the leader (or from this node once
// it leads), retrying while the leader is unknown or changing, until ctx ends.
func (n *Node) remoteReadIndex(ctx context.Context) (uint64, error) {
	var last error = ErrReadNoLeader
	for {
		if n.IsLeader() {
			return n.readIndex(ctx)
		}
		index, err := n.followerReads.wait(ctx)
		if err == nil {
			return index, nil
		}
		if ctx.Err() == nil {
			last = err
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

// followerRound is one follower ReadIndex round: one node RPC asking the
// leader for its read index, made after every read of the round arrived.
func (n *Node) followerRound() (uint64, error) {
	addr, _ := n.raft.LeaderWithID()
	if addr == "" {
		return 0, ErrReadNoLeader
	}
	// The RPC is bounded by this deadline only: rpcClient.call does not
	// watch cancellation. Readers that give up earlier leave it running.
	ctx, cancel := context.WithTimeout(context.Background(), n.cfg.ReadTimeout)
	defer cancel()
	resp, err := n.rpc.call(ctx, string(addr), &rpcRequest{Op: opReadIndex})
	switch {
	case err != nil:
		return 0, err
	case resp.Err != "":
		return 0, errors.New(resp.Err)
	}
	return resp.Index, nil
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

// ReadsReady reports whether a read at the given consistency would be
// served now, without a round or a wait: stale reads, or this node being
// the only voter and having applied what it committed.
func (n *Node) ReadsReady(stale bool) bool {
	if stale || n.staleReads.Load() {
		return true
	}
	index, ok := n.soleVoterIndex()
	return ok && n.fsm.AppliedIndex() >= index
}
