// Package replica is a Go implementation of the replica side of Pika
// 3.5.5's replication (spec/pika-replication.md §2.5–2.9), byte for byte
// what a classic Pika replica sends: MetaSync, TrySync, DBSync with the
// file transfer of the dump (resumable, throttled, parallel), then
// BinlogSync streaming with acks computed from its own binlog, which it
// writes with the same offsets as the master's. Received items are applied
// to a pikaraft engine. Tests use it against pikaraft's master side; it is
// also the base of a migration tool.
package replica

import (
	"fmt"
	"log/slog"
	"time"
)

// Config configures a Replica.
type Config struct {
	// Master is the master's client address host:P; replication uses
	// P+2000 and P+10001.
	Master string
	// LocalIP is the ip this replica announces; by default it is learned
	// by connecting to the master's port P, as Pika does.
	LocalIP string
	// LocalPort is this replica's own client port (its identity).
	LocalPort int
	// MasterAuth is sent in MetaSync when not empty (masterauth).
	MasterAuth string
	// Databases is the number of databases; it must match the master's.
	Databases int
	// Dir holds db/ (the engine), log/ (the binlog) and dbsync/.
	Dir string
	// BinlogFileSize must equal the master's binlog-file-size.
	BinlogFileSize uint64
	// Parallel is max-rsync-parallel-num (read at each transfer, default 4).
	Parallel func() int
	// Throttle is throttle-bytes-per-second (read continuously, default
	// 200 MiB/s).
	Throttle func() int64
	// ReplicationID is the replica's replication-id: empty adopts the
	// master's and forces a full sync; a different one is refused.
	ReplicationID string
	// ForceFullSync makes every database full sync (SLAVEOF ... force).
	ForceFullSync bool
	// RecvTimeout drops a streaming database back to TrySync when nothing
	// arrives for it (default 20 s, Pika's kRecvKeepAliveTimeout).
	RecvTimeout time.Duration
	// RequestTimeout bounds one file transfer request (default 10 s).
	RequestTimeout time.Duration
	// Logger receives progress (default slog.Default()).
	Logger *slog.Logger
}

func (c *Config) fill() error {
	if c.Databases < 1 || c.Databases > 8 {
		return fmt.Errorf("replica: %d databases", c.Databases)
	}
	if c.Dir == "" || c.Master == "" || c.LocalPort == 0 {
		return fmt.Errorf("replica: Dir, Master and LocalPort are required")
	}
	if c.Parallel == nil {
		c.Parallel = func() int { return 4 }
	}
	if c.Throttle == nil {
		c.Throttle = func() int64 { return 200 << 20 }
	}
	if c.RecvTimeout <= 0 {
		c.RecvTimeout = 20 * time.Second
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 10 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}

// State is a database's replication state (Pika's ReplState).
type State int

// The states, with Pika's numbering.
const (
	NoConnect State = iota
	TryConnect
	TryDBSync
	WaitDBSync
	WaitReply
	Connected
	Error
)

var stateNames = []string{"NoConnect", "TryConnect", "TryDBSync", "WaitDBSync", "WaitReply", "Connected", "Error"}

// String returns Pika's name of the state.
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Stats counts what the replica did.
type Stats struct {
	FullSyncs     int   // dumps installed
	Transfers     int   // file transfer attempts (a resume is a new attempt)
	FilesFetched  int   // files received completely
	FilesResumed  int   // files skipped on a resume (already received)
	BytesFetched  int64 // file bytes received
	ItemsApplied  int64 // binlog items applied
	Acks          int64 // non-keepalive acks sent
	KeepaliveAcks int64
}
