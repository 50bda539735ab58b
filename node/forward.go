package node

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/pikaraft/pikaraft/fsm"
	"github.com/pikaraft/pikaraft/resp/command"
)

// Forwarding writes from a follower to the leader.
//
// A follower sends the write to the leader over node RPC (opForward) and
// relays the leader's replies. Every forwarded write carries a session's
// client ID and the session's next sequence number; the FSM remembers the
// last sequence and replies per client ID as replicated state (fsm/dedup.go),
// so the follower can retry the same (client ID, sequence) after a lost
// answer, a broken connection or a leader change — to the old leader, a new
// one, or itself if it was elected — and the write is still applied once,
// with the original replies. A session carries one request at a time (the
// FSM keeps only the last sequence), so the follower keeps a pool of them,
// one per concurrent write.
//
// The follower gives up at the write deadline: with ErrNoLeader if no
// attempt can have reached a log, else with ErrOutcomeUnknown.

// session is one forwarding identity.
type session struct {
	id  uint64
	seq uint64
}

// sessionPool hands out idle sessions, creating new ones on demand.
type sessionPool struct {
	mu   sync.Mutex
	free []*session
}

func (p *sessionPool) get() *session {
	p.mu.Lock()
	defer p.mu.Unlock()
	if k := len(p.free); k > 0 {
		s := p.free[k-1]
		p.free = p.free[:k-1]
		return s
	}
	id := rand.Uint64()
	for id == 0 {
		id = rand.Uint64()
	}
	return &session{id: id}
}

func (p *sessionPool) put(s *session) {
	p.mu.Lock()
	p.free = append(p.free, s)
	p.mu.Unlock()
}

// retryPause is how long a forwarder waits before trying again after the
// leader was unknown, unreachable or not the leader any more.
const retryPause = 25 * time.Millisecond

// forward sends entry e (its DB, commands and watched keys) to the leader
// under a fresh sequence of a forwarding session and returns its replies.
func (n *Node) forward(ctx context.Context, e *fsm.Entry) ([]command.Reply, error) {
	s := n.sessions.get()
	defer n.sessions.put(s)
	s.seq++
	return n.forwardAs(ctx, e, s)
}

// forwardAs forwards e with session s's current sequence, retrying the
// same (client ID, sequence) until it gets an answer or ctx ends.
func (n *Node) forwardAs(ctx context.Context, e *fsm.Entry, s *session) ([]command.Reply, error) {
	e.ClientID, e.Seq, e.HasClient = s.id, s.seq, true
	req := &rpcRequest{Op: opForward, DB: e.DB, Cmds: e.Cmds, ClientID: s.id, Seq: s.seq, Txn: e.Txn, Watches: e.Watches}
	attempted := false
	var last error
	for {
		var err error
		if n.IsLeader() {
			var r []command.Reply
			if r, err = n.propose(ctx, e); err == nil {
				return r, nil
			}
			if errors.Is(err, ErrShuttingDown) {
				return nil, err
			}
			attempted = attempted || !errors.Is(err, ErrNoLeader)
		} else if addr, _ := n.raft.LeaderWithID(); addr != "" {
			req.TimeoutMs = 0
			resp, cerr := n.rpc.call(ctx, string(addr), req)
			switch {
			case cerr != nil:
				err, attempted = cerr, true
			case resp.Err == "":
				return resp.Replies, nil
			case resp.NotLeader:
				err = errors.New(resp.Err)
			case strings.HasPrefix(resp.Err, ErrOutcomeUnknown.Error()):
				err, attempted = errors.New(resp.Err), true
			case strings.HasPrefix(resp.Err, "TRYAGAIN"):
				err = errors.New(resp.Err) // not applied: no leader or leader shutting down
			default:
				return nil, errors.New(resp.Err)
			}
		} else {
			err = ErrNoLeader
		}
		last = err
		select {
		case <-ctx.Done():
			n.log.Debug("forwarded write gave up", "client", s.id, "seq", s.seq, "last_error", last)
			if attempted {
				return nil, fmt.Errorf("%w: no answer from the leader in time", ErrOutcomeUnknown)
			}
			return nil, ErrNoLeader
		case <-n.stop:
			if attempted {
				return nil, fmt.Errorf("%w: server shutting down", ErrOutcomeUnknown)
			}
			return nil, ErrShuttingDown
		case <-time.After(retryPause):
		}
	}
}

// handleForward proposes a forwarded write on the leader.
func (n *Node) handleForward(ctx context.Context, req *rpcRequest) *rpcResponse {
	if !n.IsLeader() {
		return &rpcResponse{NotLeader: true, Err: ErrNoLeader.Error()}
	}
	n.mu.Lock()
	if n.closing {
		n.mu.Unlock()
		return &rpcResponse{Err: ErrShuttingDown.Error()}
	}
	n.inflight.Add(1)
	n.mu.Unlock()
	defer n.inflight.Done()
	e := &fsm.Entry{DB: req.DB, Cmds: req.Cmds, ClientID: req.ClientID, Seq: req.Seq, HasClient: true,
		Txn: req.Txn, Watches: req.Watches}
	r, err := n.propose(ctx, e)
	if err != nil {
		return &rpcResponse{Err: err.Error(), NotLeader: errors.Is(err, ErrNoLeader)}
	}
	return &rpcResponse{Replies: r}
}

// redirect returns the MOVED error that sends a client to the leader's
// client address (Redis Cluster style: slot 0), or TRYAGAIN when there is
// no leader or its address is unknown in time.
func (n *Node) redirect(ctx context.Context) error {
	for {
		if addr, _ := n.raft.LeaderWithID(); addr != "" {
			if client, err := n.clientAddrOf(ctx, string(addr)); err == nil && client != "" {
				return fmt.Errorf("MOVED 0 %s", client)
			}
		}
		select {
		case <-ctx.Done():
			return ErrNoLeader
		case <-n.stop:
			return ErrShuttingDown
		case <-time.After(retryPause):
		}
	}
}

// clientAddrOf returns the client address of the node at Raft address
// raftAddr (asked once over node RPC, then cached).
func (n *Node) clientAddrOf(ctx context.Context, raftAddr string) (string, error) {
	n.mu.Lock()
	addr, ok := n.clientAddrs[raftAddr]
	n.mu.Unlock()
	if ok {
		return addr, nil
	}
	resp, err := n.rpc.call(ctx, raftAddr, &rpcRequest{Op: opStatus})
	if err != nil {
		return "", err
	}
	n.mu.Lock()
	n.clientAddrs[raftAddr] = resp.Addr
	n.mu.Unlock()
	return resp.Addr, nil
}
