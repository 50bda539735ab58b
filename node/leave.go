package node

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/raft"
)

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// Leave removes this node from the cluster before it stops (pika.conf
// leave-on-terminate): it announces the leave in the gossip, has the
// leader remove it from the Raft configuration (it removes itself when it
// is the leader) and leaves the gossip. Call it before Close.
func (n *Node) Leave(timeout time.Duration) {
	if n.members != nil {
		n.members.leave(timeout)
		return
	}
	if err := n.leaveRaft(timeout); err != nil {
		n.log.Warn("leave: remove from the configuration", "error", err)
	}
}

// leaveRaft removes this node from the Raft configuration.
func (n *Node) leaveRaft(timeout time.Duration) error {
	ctx, cancel := contextWithTimeout(timeout)
	defer cancel()
	id := n.cfg.ID
	for {
		if n.IsLeader() {
			if err := n.raft.RemoveServer(raft.ServerID(id), 0, timeout).Error(); err != nil {
				return fmt.Errorf("remove myself: %w", err)
			}
			n.log.Info("leave: removed myself from the configuration")
			return nil
		}
		if addr, _ := n.raft.LeaderWithID(); addr != "" {
			resp, err := n.rpc.call(ctx, string(addr), &rpcRequest{Op: opRemove, ID: id})
			if err == nil && resp.Err == "" {
				n.log.Info("leave: the leader removed me from the configuration")
				return nil
			}
			if err == nil && !resp.NotLeader {
				return errors.New(resp.Err)
			}
		}
		select {
		case <-ctx.Done():
			return errors.New("no leader removed this node in time")
		case <-time.After(retryPause):
		}
	}
}
