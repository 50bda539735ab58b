package node

import (
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/pikaraft/pikaraft/fsm"
	"github.com/pikaraft/pikaraft/resp/command"
)

// A follower forwards a blocking list command to the leader on a dedicated
// node RPC connection (opBlock) that stays open while the client waits:
// the follower closes it when its client goes away or when it sees another
// leader; the leader stops waiting when the connection closes.

// leaderPoll is how often a follower whose client waits on the leader
// checks that the leader is still the same.
const leaderPoll = 100 * time.Millisecond

// blockRemote waits on the leader for e's attempt to pop. Any failure that
// may hide an attempt in the log is errLeaderChanged (Block resolves it).
func (n *Node) blockRemote(ctx context.Context, e *fsm.Entry, deadline time.Time) (command.Reply, error) {
	addr, err := n.waitLeaderAddr(ctx)
	if err != nil {
		return command.Reply{}, err
	}
	c, err := n.mux.dialRPC(addr, 2*time.Second)
	if err != nil {
		return command.Reply{}, fmt.Errorf("%w: %v", errLeaderChanged, err)
	}
	_ = c.SetWriteDeadline(time.Time{})
	done := make(chan struct{})
	defer close(done)
	go func() {
		defer c.Close()
		t := time.NewTicker(leaderPoll)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-n.stop:
				return
			case <-t.C:
				if a, _ := n.raft.LeaderWithID(); string(a) != addr {
					return
				}
			}
		}
	}()
	req := &rpcRequest{Op: opBlock, DB: e.DB, Cmds: e.Cmds, ClientID: e.ClientID, Seq: e.Seq}
	if !deadline.IsZero() {
		req.TimeoutMs = max(time.Until(deadline).Milliseconds(), 1)
	}
	var resp rpcResponse
	if err = gob.NewEncoder(c).Encode(req); err == nil {
		err = gob.NewDecoder(c).Decode(&resp)
	}
	switch {
	case err != nil && ctx.Err() != nil:
		return command.Reply{}, ctx.Err()
	case err != nil:
		return command.Reply{}, fmt.Errorf("%w: %v", errLeaderChanged, err)
	case resp.NotLeader:
		return command.Reply{}, fmt.Errorf("%w: %s", errLeaderChanged, resp.Err)
	case resp.Err != "":
		return command.Reply{}, errors.New(resp.Err)
	case len(resp.Replies) != 1:
		return command.Reply{}, fmt.Errorf("ERR internal error: %d replies for a blocking command", len(resp.Replies))
	}
	return resp.Replies[0], nil
}

// waitLeaderAddr returns the leader's Raft address, waiting up to the
// write timeout for one.
func (n *Node) waitLeaderAddr(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, n.cfg.WriteTimeout)
	defer cancel()
	for {
		if a, _ := n.raft.LeaderWithID(); a != "" {
			return string(a), nil
		}
		select {
		case <-ctx.Done():
			return "", ErrNoLeader
		case <-n.stop:
			return "", ErrShuttingDown
		case <-time.After(retryPause):
		}
	}
}

// serveBlock answers an opBlock on its dedicated connection: it waits as
// the leader until the attempt pops, the timeout passes or the follower
// closes the connection.
func (n *Node) serveBlock(c net.Conn, enc *gob.Encoder, req *rpcRequest) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		// The follower sends nothing more: a read returns when it closes.
		_, _ = io.Copy(io.Discard, c)
		cancel()
	}()
	resp := &rpcResponse{}
	if len(req.Cmds) != 1 || len(req.Cmds[0]) == 0 {
		resp.Err = "ERR bad blocking request"
	} else if !n.IsLeader() {
		resp.NotLeader, resp.Err = true, ErrNoLeader.Error()
	} else {
		e := &fsm.Entry{DB: req.DB, Cmds: req.Cmds, ClientID: req.ClientID, Seq: req.Seq, HasClient: true}
		var deadline time.Time
		if req.TimeoutMs > 0 {
			deadline = time.Now().Add(time.Duration(req.TimeoutMs) * time.Millisecond)
		}
		n.mu.Lock()
		closing := n.closing
		if !closing {
			n.inflight.Add(1)
		}
		n.mu.Unlock()
		if closing {
			resp.NotLeader, resp.Err = true, ErrShuttingDown.Error()
		} else {
			r, err := n.blockHere(ctx, e, deadline)
			n.inflight.Done()
			switch {
			case errors.Is(err, errLeaderChanged):
				resp.NotLeader, resp.Err = true, err.Error()
			case err != nil:
				resp.Err = err.Error()
			default:
				resp.Replies = []command.Reply{r}
			}
		}
	}
	_ = c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_ = enc.Encode(resp)
}
