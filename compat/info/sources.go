package info

import (
	"time"

	"github.com/pikaraft/pikaraft/engine"
)

// Config is the server configuration as CONFIG GET sees it.
type Config interface {
	// Get returns name/value pairs of every parameter matching the glob pattern.
	Get(pattern string) [][2]string
}

// ServerStats is a snapshot of the RESP server's counters.
type ServerStats struct {
	TCPPort             int
	ConfigFile          string
	RunID               string
	Started             time.Time
	ConnectedClients    int
	ConnectionsReceived int64
	CommandsProcessed   int64
	OpsPerSec           int64
	NetInputBytes       int64
	NetOutputBytes      int64
	InputKbps           float64
	OutputKbps          float64
}

// RaftPeer is one member of the Raft configuration.
type RaftPeer struct {
	ID string
	// Addr is the member's Raft address (host:port).
	Addr string
	// Host and Port are where the member serves RESP clients.
	Host string
	Port int
	// Voter is false for non-voting members.
	Voter bool
	// Self marks this node.
	Self bool
	// Connected is true when the member answers (the leader lists the
	// connected ones as its slaves).
	Connected bool
	// Lag is how many log entries the member is known to be behind the
	// leader (0 when unknown or caught up).
	Lag uint64
}

// RaftStatus is the state of this node's Raft member.
type RaftStatus struct {
	// State is "leader", "follower", "candidate" or "shutdown".
	State        string
	Term         uint64
	LeaderID     string
	LeaderAddr   string // Raft address of the leader
	LeaderHost   string // where the leader serves RESP clients
	LeaderPort   int
	CommitIndex  uint64
	AppliedIndex uint64
	LastLogIndex uint64
	// LastContact is how long ago a follower last heard from the leader
	// (0 on the leader, negative if never).
	LastContact time.Duration
	Peers       []RaftPeer
}

// RaftSource reports the Raft member's state (the RESP server adapts its
// cluster's Admin interface). INFO raft and INFO replication are built
// from it.
type RaftSource interface {
	RaftStatus() RaftStatus
}

// BinlogOffset is the producer position of one database's binlog.
type BinlogOffset struct {
	Filenum uint32
	Offset  uint64
	// SafetyPurge is Pika's safety_purge value: "write2file<N>", "none"
	// or "error".
	SafetyPurge string
}

// BinlogSource is implemented by whatever owns the Pika binlog writers:
// one offset per database, in database order.
type BinlogSource interface {
	BinlogOffsets() []BinlogOffset
}

// Sources is everything INFO reads. Nil members print Pika's zero forms.
type Sources struct {
	// Engine returns the storage engine (it may change after a snapshot
	// restore, so it is asked for on every INFO).
	Engine func() *engine.Engine
	// Config is the running configuration.
	Config Config
	// Server returns the RESP server's counters.
	Server func() ServerStats
	// Commands holds per-command calls and latencies.
	Commands *CommandStats
	// Raft reports the Raft member; nil prints a single master.
	Raft RaftSource
	// Binlog reports binlog positions; nil prints "0 0" for every db.
	Binlog BinlogSource
	// Now returns the local time (default time.Now). It stamps keyspace
	// scans and decides expiry while counting keys.
	Now func() time.Time
}
