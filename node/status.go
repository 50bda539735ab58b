package node

import (
	"net"
	"strconv"
	"time"

	"github.com/hashicorp/raft"

	"github.com/pikaraft/pikaraft/compat/info"
)

// raftPortOffset is the distance between a member's client port and its
// Raft port (the Raft transport listens on port+3000).
const raftPortOffset = 3000

var _ info.RaftSource = (*Node)(nil)

// RaftStatus reports the Raft member's state for INFO and /metrics.
// Peers' client addresses are derived from their Raft addresses (Raft port
// minus 3000); per-follower lag is not exposed by hashicorp/raft and is 0.
func (n *Node) RaftStatus() info.RaftStatus {
	r := n.raft
	stats := r.Stats()
	num := func(k string) uint64 {
		v, _ := strconv.ParseUint(stats[k], 10, 64)
		return v
	}
	st := info.RaftStatus{
		State:        stateName(r.State()),
		Term:         num("term"),
		CommitIndex:  num("commit_index"),
		AppliedIndex: n.fsm.AppliedIndex(),
		LastLogIndex: num("last_log_index"),
	}
	addr, id := r.LeaderWithID()
	st.LeaderID, st.LeaderAddr = string(id), string(addr)
	st.LeaderHost, st.LeaderPort = clientAddr(string(addr))
	if st.State != "leader" {
		if lc := r.LastContact(); !lc.IsZero() {
			st.LastContact = time.Since(lc)
		} else {
			st.LastContact = -1 // never heard from a leader
		}
	}
	if f := r.GetConfiguration(); f.Error() == nil {
		for _, s := range f.Configuration().Servers {
			host, port := clientAddr(string(s.Address))
			st.Peers = append(st.Peers, info.RaftPeer{
				ID: string(s.ID), Addr: string(s.Address), Host: host, Port: port,
				Voter: s.Suffrage == raft.Voter, Self: s.ID == raft.ServerID(n.cfg.ID),
			})
		}
	}
	return st
}

// stateName is a Raft state in lower case.
func stateName(s raft.RaftState) string {
	switch s {
	case raft.Leader:
		return "leader"
	case raft.Follower:
		return "follower"
	case raft.Candidate:
		return "candidate"
	}
	return "shutdown"
}

// clientAddr derives a member's RESP host and port from its Raft address.
func clientAddr(raftAddr string) (string, int) {
	host, p, err := net.SplitHostPort(raftAddr)
	if err != nil {
		return "", 0
	}
	port, err := strconv.Atoi(p)
	if err != nil || port <= raftPortOffset {
		return host, 0
	}
	return host, port - raftPortOffset
}
