package resp

import (
	"context"
	"strings"
	"time"
)

// infoReplicationTimeout bounds the peer queries of INFO replication on
// the leader.
const infoReplicationTimeout = time.Second

// infoReplication prints the node's role as Redis does (role:master on the
// Raft leader, role:slave with master_host/master_port elsewhere), with the
// applied Raft index as the replication offset, and pikaraft's Raft fields.
func infoReplication(s *Server, b *strings.Builder) {
	infoLine(b, "# Replication")
	a := s.admin()
	if a == nil {
		infoLine(b, "role:master")
		infoLine(b, "connected_slaves:0")
		return
	}
	ctx, cancel := context.WithTimeout(s.ctx, infoReplicationTimeout)
	defer cancel()
	self := a.Self()
	var leader NodeStatus
	var servers []NodeStatus
	if self.State == "leader" {
		st := a.Status(ctx)
		leader, servers = st.Self, st.Servers
		infoLine(b, "role:master")
		n := 0
		for _, p := range servers {
			if p.ID != self.ID && p.Reachable {
				n++
			}
		}
		infoLine(b, "connected_slaves:%d", n)
		i := 0
		for _, p := range servers {
			if p.ID == self.ID || !p.Reachable {
				continue
			}
			host, port := hostPort(p.ClientAddr)
			infoLine(b, "slave%d:ip=%s,port=%s,state=online,offset=%d,lag=%d", i, host, port, p.AppliedIndex, p.Lag)
			i++
		}
	} else {
		leader, _ = a.Leader(ctx)
		host, port := hostPort(leader.ClientAddr)
		infoLine(b, "role:slave")
		infoLine(b, "master_host:%s", host)
		infoLine(b, "master_port:%s", port)
		link := "up"
		if self.State != "follower" || leader.ID == "" {
			link = "down"
		}
		infoLine(b, "master_link_status:%s", link)
		infoLine(b, "slave_repl_offset:%d", self.AppliedIndex)
		infoLine(b, "slave_priority:100")
		infoLine(b, "slave_read_only:1")
	}
	infoLine(b, "master_repl_offset:%d", self.AppliedIndex)
	infoLine(b, "raft_node_id:%s", self.ID)
	infoLine(b, "raft_state:%s", self.State)
	infoLine(b, "raft_term:%d", self.Term)
	infoLine(b, "raft_leader_id:%s", leader.ID)
	infoLine(b, "raft_commit_index:%d", self.CommitIndex)
	infoLine(b, "raft_applied_index:%d", self.AppliedIndex)
	infoLine(b, "raft_last_index:%d", self.LastIndex)
}
