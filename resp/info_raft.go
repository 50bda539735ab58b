package resp

import (
	"context"
	"net"
	"strconv"
	"time"

	"github.com/pikaraft/pikaraft/compat/info"
)

// infoRaftTimeout bounds the peer queries behind INFO replication/raft.
const infoRaftTimeout = time.Second

// adminRaft reports the node's Raft state to compat/info through Admin.
type adminRaft struct{ s *Server }

// RaftStatus implements info.RaftSource.
func (a adminRaft) RaftStatus() info.RaftStatus {
	ad := a.s.admin()
	ctx, cancel := context.WithTimeout(a.s.ctx, infoRaftTimeout)
	defer cancel()
	cs := ad.Status(ctx)
	self := cs.Self
	if self.ID == "" {
		self = ad.Self()
	}
	leader := cs.Leader
	if leader.ID == "" {
		leader, _ = ad.Leader(ctx)
	}
	st := info.RaftStatus{
		State: self.State, Term: self.Term, CommitIndex: self.CommitIndex,
		AppliedIndex: self.AppliedIndex, LastLogIndex: self.LastIndex,
		LeaderID: leader.ID, LeaderAddr: leader.RaftAddr, LastContact: -1,
	}
	st.LeaderHost, st.LeaderPort = splitClientAddr(leader.ClientAddr)
	if leader.ID != "" {
		st.LastContact = 0 // Admin does not report contact age; a known leader counts as heard
	}
	for _, p := range cs.Servers {
		host, port := splitClientAddr(p.ClientAddr)
		st.Peers = append(st.Peers, info.RaftPeer{
			ID: p.ID, Addr: p.RaftAddr, Host: host, Port: port, Voter: p.Suffrage != "nonvoter",
			Self: p.ID == self.ID, Connected: p.Reachable, Lag: p.Lag,
		})
	}
	return st
}

// splitClientAddr splits "host:port" ("" and 0 when unknown).
func splitClientAddr(addr string) (string, int) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0
	}
	port, _ := strconv.Atoi(p)
	return host, port
}
