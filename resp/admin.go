package resp

import (
	"context"
	"errors"
)

// Admin is the cluster administration and topology the server exposes
// through RAFT, SENTINEL, ROLE, SLAVEOF/REPLICAOF, INFO replication and a
// leader's SHUTDOWN. A Cluster that also implements Admin gets these
// commands; on one that does not, they reply with errNoAdmin.
type Admin interface {
	// Leader returns the leader as this node knows it, without asking the
	// network when the answer is already known. ok is false when no leader
	// is known (an election is running and none was seen before).
	Leader(ctx context.Context) (leader NodeStatus, ok bool)
	// Self returns this node's own state, without asking peers.
	Self() NodeStatus
	// Status returns this node's Raft state and every server in the
	// configuration with its progress (peers are asked; a peer that does
	// not answer has Reachable false).
	Status(ctx context.Context) ClusterStatus
	// AddServer adds a server as a voter or non-voter (relayed to the
	// leader when this node does not lead).
	AddServer(ctx context.Context, id, raftAddr string, voter bool) error
	// RemoveServer removes a server (relayed to the leader).
	RemoveServer(ctx context.Context, id string) error
	// TransferLeadership hands leadership to the server id, or to the most
	// up-to-date voter when id is empty (relayed to the leader).
	TransferLeadership(ctx context.Context, id string) error
	// Snapshot takes a Raft snapshot on this node (and compacts its log).
	Snapshot(ctx context.Context) error
	// Checksum compacts this node's engine fully and returns the SHA-256
	// of every record (engine.Checksum) and the applied index it covers.
	// Nodes at the same applied index must return the same sum.
	Checksum(ctx context.Context) (applied uint64, sum string, err error)
}

// NodeStatus is one server as seen by the node answering.
type NodeStatus struct {
	ID         string
	RaftAddr   string
	ClientAddr string // host:port of the RESP port; empty if unknown
	// State is "leader", "follower", "candidate" or "shutdown"; empty when
	// the server did not answer.
	State string
	// Suffrage is "voter" or "nonvoter" (empty for a server not in the
	// configuration).
	Suffrage  string
	Reachable bool
	Term      uint64
	// LastIndex, CommitIndex and AppliedIndex are the server's own Raft
	// log, commit and FSM positions.
	LastIndex, CommitIndex, AppliedIndex uint64
	// Lag is how many committed entries (as the answering node knows the
	// commit index) the server has not applied yet.
	Lag uint64
}

// ClusterStatus is RAFT STATUS: this node and the configuration.
type ClusterStatus struct {
	Self NodeStatus
	// Leader is the current leader (ID empty when unknown).
	Leader NodeStatus
	// Servers is every server in the Raft configuration, this one included.
	Servers []NodeStatus
}

// errNoAdmin is the reply of a cluster command on a node without Admin.
var errNoAdmin = errors.New("ERR cluster administration is not available on this server")

// admin returns the server's Admin, or nil.
func (s *Server) admin() Admin {
	a, _ := s.cluster.(Admin)
	return a
}
