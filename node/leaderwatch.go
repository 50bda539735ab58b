package node

import (
	"context"

	"github.com/hashicorp/raft"

	"github.com/pikaraft/pikaraft/resp"
)

// knownLeader is the last leader this node saw.
type knownLeader struct {
	id         raft.ServerID
	addr       raft.ServerAddress
	clientAddr string
}

// OnLeaderChange registers fn to be called, on a goroutine of the node,
// each time this node learns of a new leader (including itself). old is
// the previous leader (zero before the first). Register before traffic
// starts; callbacks must not block for long.
func (n *Node) OnLeaderChange(fn func(old, new resp.NodeStatus)) {
	n.leaderMu.Lock()
	n.leaderFns = append(n.leaderFns, fn)
	n.leaderMu.Unlock()
}

// watchLeader follows raft's leader observations (every node sees them,
// not only the leader) and reports each change of leader once.
func (n *Node) watchLeader(ch chan raft.Observation, obs *raft.Observer) {
	defer n.raft.DeregisterObserver(obs)
	for {
		select {
		case <-n.stop:
			return
		case o := <-ch:
			lo, ok := o.Data.(raft.LeaderObservation)
			if !ok || lo.LeaderID == "" {
				continue
			}
			n.leaderMu.Lock()
			old := n.lastLeader
			n.leaderMu.Unlock()
			if old.id == lo.LeaderID && old.addr == lo.LeaderAddr {
				continue
			}
			ca, err := n.clientAddrFor(context.Background(), string(lo.LeaderAddr))
			if err != nil {
				n.log.Warn("new leader's client address unknown", "leader", lo.LeaderID, "error", err)
			}
			cur := knownLeader{id: lo.LeaderID, addr: lo.LeaderAddr, clientAddr: ca}
			n.leaderMu.Lock()
			n.lastLeader = cur
			fns := append([]func(old, new resp.NodeStatus){}, n.leaderFns...)
			n.leaderMu.Unlock()
			n.log.Info("leader observed", "leader", lo.LeaderID, "raft", lo.LeaderAddr, "client", ca)
			for _, fn := range fns {
				fn(old.status(), cur.status())
			}
		}
	}
}

func (k knownLeader) status() resp.NodeStatus {
	if k.id == "" {
		return resp.NodeStatus{}
	}
	return resp.NodeStatus{ID: string(k.id), RaftAddr: string(k.addr), ClientAddr: k.clientAddr,
		State: "leader", Suffrage: "voter"}
}
