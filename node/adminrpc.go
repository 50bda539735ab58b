package node

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// adminRequest is a membership or leadership change, run on the leader
// (relayed there by node RPC opAdmin when another node receives it).
type adminRequest struct {
	Op   string // add-voter, add-nonvoter, remove, transfer
	ID   string
	Addr string
}

// relayAdmin sends req to the leader at raftAddr and waits for its answer.
func (n *Node) relayAdmin(ctx context.Context, raftAddr string, req adminRequest) error {
	ctx, cancel := context.WithTimeout(ctx, adminTimeout+time.Second)
	defer cancel()
	resp, err := n.rpc.call(ctx, raftAddr, &rpcRequest{Op: opAdmin, Admin: &req})
	if err != nil {
		return fmt.Errorf("TRYAGAIN the leader did not answer, the outcome is unknown: %v", err)
	}
	if resp.Err != "" {
		return errors.New(resp.Err)
	}
	return nil
}
