package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// adminRequest is a membership or leadership change relayed to the leader
// over the Raft port (selector MuxAdmin): one JSON request, one JSON reply.
type adminRequest struct {
	Op   string `json:"op"` // add-voter, add-nonvoter, remove, transfer
	ID   string `json:"id,omitempty"`
	Addr string `json:"addr,omitempty"`
}

type adminReply struct {
	Err string `json:"err,omitempty"` // a Redis error text; empty on success
}

// relayAdmin sends req to the leader at raftAddr and waits for its answer.
func (n *Node) relayAdmin(ctx context.Context, raftAddr string, req adminRequest) error {
	c, err := n.mux.DialProtocol(raftAddr, MuxAdmin, peerInfoTimeout)
	if err != nil {
		return fmt.Errorf("TRYAGAIN cannot reach the leader: %v", err)
	}
	defer c.Close()
	deadline := time.Now().Add(adminTimeout + time.Second)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = c.SetDeadline(deadline)
	if err := json.NewEncoder(c).Encode(req); err != nil {
		return fmt.Errorf("TRYAGAIN cannot reach the leader: %v", err)
	}
	var rep adminReply
	if err := json.NewDecoder(io.LimitReader(c, 64<<10)).Decode(&rep); err != nil {
		return fmt.Errorf("TRYAGAIN no answer from the leader, the outcome is unknown: %v", err)
	}
	if rep.Err != "" {
		return errors.New(rep.Err)
	}
	return nil
}

// serveAdmin runs one relayed admin request on this node.
func (n *Node) serveAdmin(c net.Conn) {
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(peerInfoTimeout))
	var req adminRequest
	if err := json.NewDecoder(io.LimitReader(c, 64<<10)).Decode(&req); err != nil {
		n.log.Debug("admin relay: bad request", "from", c.RemoteAddr(), "error", err)
		return
	}
	var rep adminReply
	if err := n.runAdmin(req); err != nil {
		rep.Err = err.Error()
	}
	_ = c.SetWriteDeadline(time.Now().Add(peerInfoTimeout))
	_ = json.NewEncoder(c).Encode(rep)
}
