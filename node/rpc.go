package node

import (
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/pikaraft/pikaraft/resp"
	"github.com/pikaraft/pikaraft/resp/command"
)

// Node RPC: a small request/response protocol between the nodes of a
// cluster, on the Raft port (see muxLayer). After the rpcMagic byte a
// connection carries gob-encoded rpcRequest / rpcResponse pairs, one at a
// time; connections are pooled per peer.
const (
	opForward   uint8 = iota + 1 // propose a forwarded write (leader)
	opReadIndex                  // confirm leadership, return the commit index (leader)
	opStatus                     // return this node's applied index
	opRemove                     // remove server ID from the configuration (leader)
	opPeerInfo                   // return this node's PeerInfo (peerinfo.go)
	opAdmin                      // run an admin request (leader; adminrpc.go)
	opPublish                    // deliver a PUBLISH to local subscribers (pubsub.go)
	opPubSub                     // answer a PUBSUB query from local subscriptions
	opBlock                      // wait for a blocking list pop (leader; blocking_rpc.go)
)

// rpcRequest is one node RPC call.
type rpcRequest struct {
	Op uint8
	// Forward: the write and its dedup identity.
	DB            int
	Cmds          [][][]byte
	ClientID, Seq uint64
	// Txn and Watches make the forwarded write a WATCHed EXEC (fsm.Entry).
	Txn     bool
	Watches []command.WatchedKey
	// TimeoutMs bounds the work on the callee.
	TimeoutMs int64
	// ID is the server to remove (opRemove).
	ID string
	// Admin is the membership or leadership request (opAdmin).
	Admin *adminRequest
	// Channel and Message are a PUBLISH (opPublish); Query a PUBSUB (opPubSub).
	Channel string
	Message []byte
	Query   *resp.PubSubQuery
}

// rpcResponse is the answer to an rpcRequest.
type rpcResponse struct {
	Replies []command.Reply
	// Err is a Redis error text; empty on success.
	Err string
	// NotLeader: the callee is not the leader; nothing was done.
	NotLeader bool
	// Index is the read index (opReadIndex) or the applied index (opStatus).
	Index uint64
	// Addr is the callee's client address (opStatus).
	Addr string
	// Info is the callee's PeerInfo (opPeerInfo).
	Info *PeerInfo
	// Count is the number of receivers (opPublish); Answer the PUBSUB
	// answer (opPubSub).
	Count  int64
	Answer *resp.PubSubAnswer
}

// serveRPC answers node RPC calls on c until it fails or the node stops.
func (n *Node) serveRPC(c net.Conn) {
	defer c.Close()
	select {
	case <-n.started:
	case <-time.After(n.cfg.WriteTimeout):
		return // Open failed or is stuck: the peer retries elsewhere
	}
	dec, enc := gob.NewDecoder(c), gob.NewEncoder(c)
	for {
		var req rpcRequest
		if err := dec.Decode(&req); err != nil {
			return
		}
		if req.Op == opBlock {
			n.serveBlock(c, enc, &req) // the connection is the wait's own
			return
		}
		resp := n.handleRPC(&req)
		if req.Op == opForward && n.faultDropReply != nil && n.faultDropReply() {
			n.log.Warn("fault injection: dropping the reply to a forwarded write", "client", req.ClientID, "seq", req.Seq)
			return
		}
		_ = c.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if err := enc.Encode(resp); err != nil {
			return
		}
		_ = c.SetWriteDeadline(time.Time{})
	}
}

func (n *Node) handleRPC(req *rpcRequest) *rpcResponse {
	timeout := time.Duration(req.TimeoutMs) * time.Millisecond
	if timeout <= 0 || timeout > n.cfg.WriteTimeout {
		timeout = n.cfg.WriteTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	switch req.Op {
	case opForward:
		return n.handleForward(ctx, req)
	case opReadIndex:
		if !n.IsLeader() {
			return &rpcResponse{NotLeader: true, Err: ErrReadNotLeader.Error()}
		}
		index, err := n.readIndex(ctx)
		if err != nil {
			return &rpcResponse{Err: err.Error()}
		}
		return &rpcResponse{Index: index}
	case opStatus:
		return &rpcResponse{Index: n.fsm.AppliedIndex(), Addr: n.cfg.ClientAddr}
	case opRemove:
		if !n.IsLeader() {
			return &rpcResponse{NotLeader: true, Err: "ERR not the leader"}
		}
		if err := n.removeServer(req.ID); err != nil {
			return &rpcResponse{Err: "ERR " + err.Error()}
		}
		return &rpcResponse{}
	case opPeerInfo:
		info := n.localInfo()
		return &rpcResponse{Info: &info}
	case opPublish:
		return n.handlePublish(req)
	case opPubSub:
		return n.handlePubSub(req)
	case opAdmin:
		if req.Admin == nil {
			return &rpcResponse{Err: "ERR empty admin request"}
		}
		if err := n.runAdmin(*req.Admin); err != nil {
			return &rpcResponse{Err: err.Error()}
		}
		return &rpcResponse{}
	}
	return &rpcResponse{Err: fmt.Sprintf("ERR unknown node RPC %d", req.Op)}
}

// rpcClient calls other nodes, keeping idle connections per address.
type rpcClient struct {
	dial func(addr string, timeout time.Duration) (net.Conn, error)
	mu   sync.Mutex
	idle map[string][]*rpcConn
}

type rpcConn struct {
	c   net.Conn
	enc *gob.Encoder
	dec *gob.Decoder
}

const maxIdleRPCConns = 512

func newRPCClient(dial func(string, time.Duration) (net.Conn, error)) *rpcClient {
	return &rpcClient{dial: dial, idle: map[string][]*rpcConn{}}
}

// errRPCTransport marks failures to reach the peer or to read its answer:
// the call may or may not have been executed.
var errRPCTransport = errors.New("node RPC failed")

// call sends req to the node at addr and waits for its answer until ctx ends.
func (rc *rpcClient) call(ctx context.Context, addr string, req *rpcRequest) (*rpcResponse, error) {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(10 * time.Second)
	}
	if req.TimeoutMs == 0 {
		req.TimeoutMs = max(time.Until(deadline).Milliseconds(), 1)
	}
	conn, err := rc.get(addr, min(time.Until(deadline), 2*time.Second))
	if err != nil {
		return nil, fmt.Errorf("%w: connect to %s: %v", errRPCTransport, addr, err)
	}
	_ = conn.c.SetDeadline(deadline)
	var resp rpcResponse
	if err := conn.enc.Encode(req); err != nil {
		_ = conn.c.Close()
		return nil, fmt.Errorf("%w: send to %s: %v", errRPCTransport, addr, err)
	}
	if err := conn.dec.Decode(&resp); err != nil {
		_ = conn.c.Close()
		return nil, fmt.Errorf("%w: answer from %s: %v", errRPCTransport, addr, err)
	}
	_ = conn.c.SetDeadline(time.Time{})
	rc.put(addr, conn)
	return &resp, nil
}

func (rc *rpcClient) get(addr string, timeout time.Duration) (*rpcConn, error) {
	rc.mu.Lock()
	if l := rc.idle[addr]; len(l) > 0 {
		c := l[len(l)-1]
		rc.idle[addr] = l[:len(l)-1]
		rc.mu.Unlock()
		return c, nil
	}
	rc.mu.Unlock()
	if timeout <= 0 {
		return nil, context.DeadlineExceeded
	}
	c, err := rc.dial(addr, timeout)
	if err != nil {
		return nil, err
	}
	return &rpcConn{c: c, enc: gob.NewEncoder(c), dec: gob.NewDecoder(c)}, nil
}

func (rc *rpcClient) put(addr string, c *rpcConn) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.idle == nil || len(rc.idle[addr]) >= maxIdleRPCConns {
		_ = c.c.Close()
		return
	}
	rc.idle[addr] = append(rc.idle[addr], c)
}

// close drops every idle connection; later calls dial again.
func (rc *rpcClient) close() {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, l := range rc.idle {
		for _, c := range l {
			_ = c.c.Close()
		}
	}
	rc.idle = nil
}
