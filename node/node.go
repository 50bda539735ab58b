// Package node runs one pikaraft server's replication: the Raft instance
// (hashicorp/raft with raft-wal or raft-boltdb/v2 and a file snapshot store), the FSM on
// the storage engine, proposal of writes and linearizable reads. It
// implements resp.Cluster for the RESP server.
package node

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/engine/trash"
	"github.com/pikaraft/pikaraft/fsm"
	"github.com/pikaraft/pikaraft/fsm/snapstore"
	"github.com/pikaraft/pikaraft/resp"
)

// Config configures a Node. Zero values take the defaults noted.
type Config struct {
	// ID is the Raft server ID (required, unique in the cluster).
	ID string
	// RaftDir holds the Raft log, stable store and snapshots.
	RaftDir string
	// DBPath is the engine's data directory (Pika's db-path).
	DBPath string
	// Engine configures the engine.
	Engine engine.Options
	// RaftBind is the Raft transport's listen address (host:port).
	RaftBind string
	// RaftAdvertise is the address other nodes reach this one at (default:
	// RaftBind, with 127.0.0.1 for an unspecified host).
	RaftAdvertise string
	// Bootstrap makes a node with no Raft state bootstrap a cluster: of
	// Peers when set (every node of a static cluster bootstraps the same
	// configuration, which is harmless), else of itself alone (the
	// single-node default).
	Bootstrap bool
	// Peers is the static bootstrap configuration (see ParsePeers); it
	// must include this node at its advertised Raft address.
	Peers []Peer
	// DialMap makes this node dial another address for a peer's Raft
	// address (test-only: fault-injecting proxies; see ParseDialMap).
	DialMap map[string]string
	// RaftTCPCongestion is the TCP congestion control algorithm of the
	// Raft-port connections this node opens (log replication, snapshots,
	// forwarded writes): a name the kernel knows, or "" for the system's
	// default (see CheckTCPCongestion).
	RaftTCPCongestion string
	// WriteTimeout bounds how long a write waits for leadership and then
	// for its entry to apply (default 10s).
	WriteTimeout time.Duration
	// ReadTimeout bounds how long a linearizable read waits (default 5s).
	ReadTimeout time.Duration
	// SnapshotThreshold, SnapshotInterval and TrailingLogs tune log
	// compaction (defaults 8192 entries, 2 min, 10240 entries).
	SnapshotThreshold uint64
	SnapshotInterval  time.Duration
	TrailingLogs      uint64
	// LogStore is the Raft log store of a new raft directory: "wal"
	// (default) or "bolt"; a directory that holds a log keeps its kind.
	LogStore string
	// HeartbeatTimeout and ElectionTimeout tune failure detection
	// (defaults 1s each, hashicorp/raft's).
	HeartbeatTimeout, ElectionTimeout time.Duration
	// ClientAddr is this node's client (RESP) address as other nodes and
	// clients reach it (MOVED redirects, Sentinel replies).
	ClientAddr string
	// RedirectWrites makes a follower answer writes with "MOVED 0
	// <leader client address>" instead of forwarding them (pika.conf
	// follower-writes redirect).
	RedirectWrites bool
	// StaleReads serves every read from the local engine at once (pika.conf
	// read-consistency stale).
	StaleReads bool
	// Membership configures discovery with memberlist (membership.go);
	// a zero GossipBind runs without it.
	Membership Membership
	// Observer, if set, sees every applied command (the Pika binlog,
	// compat/binlogsink; see binlog.go).
	Observer fsm.Observer
	// Logger receives every log line (default slog.Default()).
	Logger *slog.Logger
	// Clock returns the local time in Unix ms (default the system clock;
	// tests inject a skewed one).
	Clock func() int64
}

func (c *Config) fill() error {
	if c.ID == "" {
		return errors.New("node: ID is required")
	}
	if c.RaftDir == "" || c.DBPath == "" {
		return errors.New("node: RaftDir and DBPath are required")
	}
	if c.RaftBind == "" {
		return errors.New("node: RaftBind is required")
	}
	if err := CheckTCPCongestion(c.RaftTCPCongestion); err != nil {
		return fmt.Errorf("node: RaftTCPCongestion: %w", err)
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.ReadTimeout == 0 {
		c.ReadTimeout = 5 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Clock == nil {
		c.Clock = func() int64 { return time.Now().UnixMilli() }
	}
	return nil
}

// Node is one server's Raft member with its FSM and engine.
type Node struct {
	cfg   Config
	log   *slog.Logger
	fsm   *fsm.FSM
	raft  *raft.Raft
	trans *raft.NetworkTransport
	mux   *muxLayer
	// started is closed once raft and the fields node RPCs use are set:
	// the mux accepts peer connections before that (the transport must
	// exist to start Raft), and a forwarded write handled earlier would
	// dereference a nil Raft.
	started chan struct{}
	rpc     *rpcClient
	store   raftStore // Raft log and stable store (logstore.go)
	// appends is the log in front of store that lets the leader write in
	// parallel with replicating (parallellog.go).
	appends *parallelLog
	trash   *trash.Bin // deletes dropped log segments and old snapshots a chunk at a time

	leaderMu   sync.Mutex
	lastLeader knownLeader // guarded by leaderMu
	leaderFns  []func(old, new resp.NodeStatus)

	// ready is closed once this node, as leader, has applied an entry of
	// its own term; it is replaced on every leadership change.
	mu      sync.Mutex
	ready   chan struct{}
	changed chan struct{} // closed and replaced on every leadership change
	// readyTerm is the last term whose leader marker entry this node
	// applied as that term's leader (0: none yet); see soleVoterIndex.
	readyTerm atomic.Uint64
	// voterCache is the last voter set read (votersAt).
	voterCache atomic.Pointer[voterCheck]

	// leaderReads and followerReads batch ReadIndex rounds (readindex.go).
	leaderReads, followerReads *readBatcher
	// checker confirms the leadership for leader rounds (leadercheck.go);
	// checkedRounds counts the rounds it confirmed.
	checker       *leaderChecker
	checkedRounds atomic.Uint64

	sessions    sessionPool       // forwarding identities (forward.go)
	clientAddrs map[string]string // raft address -> client address, guarded by mu
	members     *membership       // nil without gossip
	closing     bool              // guarded by mu
	pubsub      resp.PubSubLocal  // guarded by mu (pubsub.go)
	blocks      blockQueues       // blocked clients per key (blocking.go)

	// faultDropReply, set by tests before traffic starts, makes the node
	// drop the reply to a forwarded write (after applying it) when it
	// returns true.
	faultDropReply func() bool

	// Settings CONFIG SET may change at run time (initialised from cfg).
	redirectWrites atomic.Bool
	staleReads     atomic.Bool
	deadTimeout    atomic.Int64 // nanoseconds
	inflight       sync.WaitGroup
	applies        applyWaiter // waits for proposed entries (applywait.go)
	coalesce       coalescer   // plain writes sharing entries (coalesce.go)
	ticks          coarseTicks // deadline checks of waiting writes
	stop           chan struct{}
	done           chan struct{}
	snapDone       chan struct{} // closed when snapshotLoop returns (snapshots.go)
}

var _ resp.Cluster = (*Node)(nil)

// Open starts the node: it opens the engine, checks it against the newest
// snapshot, opens the Raft stores and transport, starts Raft and, with
// cfg.Bootstrap and no previous state, bootstraps a one-voter cluster.
func Open(cfg Config) (*Node, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.RaftDir, 0o755); err != nil {
		return nil, fmt.Errorf("node: create raft dir: %w", err)
	}
	n := &Node{cfg: cfg, log: cfg.Logger, ready: make(chan struct{}), changed: make(chan struct{}),
		stop: make(chan struct{}), done: make(chan struct{}), snapDone: make(chan struct{}), clientAddrs: map[string]string{},
		started: make(chan struct{})}
	ok := false
	defer func() {
		if !ok {
			n.closeStores()
		}
	}()
	eng, err := fsm.OpenEngine(cfg.DBPath, cfg.Engine)
	if err != nil {
		return nil, fmt.Errorf("node: %w", err)
	}
	snaps, err := snapstore.New(cfg.RaftDir, 2, n.log)
	if err != nil {
		_ = eng.Close()
		return nil, fmt.Errorf("node: snapshot store: %w", err)
	}
	n.trash = trash.New(n.log)
	if err := snaps.SetTrash(n.trash); err != nil {
		n.log.Warn("snapshot store: cannot look for old snapshots left to delete", "error", err)
	}
	n.fsm = fsm.New(eng, fsm.Config{Path: cfg.DBPath, Options: cfg.Engine, Logger: n.log, Trash: n.trash})
	n.fsm.SetSnapshotFiles(snaps)
	n.fsm.SetOnApply(n.onApply)
	if cfg.Observer != nil {
		n.fsm.SetObserver(cfg.Observer)
	}
	var storeKind string
	snapIndex, err := n.catchUpWithSnapshot(snaps)
	if err != nil {
		return nil, err
	}
	n.store, storeKind, err = n.openRaftStore()
	if err != nil {
		return nil, err
	}
	if err := n.checkEngineNotAhead(snapIndex); err != nil {
		return nil, err
	}
	n.appends = newParallelLog(countingLogStore{n.store}, func(err error) {
		n.log.Error("raft log: a write failed; this node stops taking part until it is restarted", "error", err)
	})
	logs, err := newLogCache(n.appends, logCacheEntries, logCacheBytes)
	if err != nil {
		return nil, fmt.Errorf("node: log cache: %w", err)
	}
	if n.trans, err = n.newTransport(); err != nil {
		return nil, err
	}
	n.rpc = newRPCClient(n.mux.dialRPC)
	n.checker = newLeaderChecker(cfg.ID, n.mux.dialLeaderCheck)
	gated := gateTransport{NetworkTransport: n.trans, log: n.appends}
	if n.raft, err = raft.NewRaft(n.raftConfig(), gateFSM{FSM: n.fsm, log: n.appends}, logs, n.store, snaps, gated); err != nil {
		return nil, fmt.Errorf("node: start raft: %w", err)
	}
	n.appends.startParallel(n.raft)
	n.leaderReads = newReadBatcher(n.leaderRound)
	n.followerReads = newReadBatcher(n.followerRound)
	n.followerReads.overlapAfter = n.raftConfig().HeartbeatTimeout
	n.redirectWrites.Store(cfg.RedirectWrites)
	n.staleReads.Store(cfg.StaleReads)
	n.deadTimeout.Store(int64(cfg.Membership.DeadServerTimeout))
	close(n.started) // node RPCs may be served from now on
	obsCh := make(chan raft.Observation, 16)
	obs := raft.NewObserver(obsCh, false, func(o *raft.Observation) bool {
		_, ok := o.Data.(raft.LeaderObservation)
		return ok
	})
	n.raft.RegisterObserver(obs)
	go n.watchLeader(obsCh, obs)
	adopt, err := n.needsAdoption(logs, snaps)
	if err != nil {
		_ = n.raft.Shutdown().Error()
		return nil, err
	}
	if err := n.bootstrap(logs, snaps); err != nil {
		_ = n.raft.Shutdown().Error()
		return nil, err
	}
	go n.watchLeadership()
	if adopt {
		if err := n.adoptData(30 * time.Second); err != nil {
			close(n.stop)
			<-n.done
			_ = n.raft.Shutdown().Error()
			return nil, err
		}
	}
	if n.cfg.Membership.GossipBind != "" {
		if n.members, err = n.startMembership(); err != nil {
			close(n.stop)
			<-n.done
			_ = n.raft.Shutdown().Error()
			return nil, err
		}
	}
	ok = true
	go n.snapshotLoop()
	n.log.Info("node started", "id", cfg.ID, "raft", n.trans.LocalAddr(), "applied", eng.Applied().Index, "log_store", storeKind)
	return n, nil
}

// raftConfig returns the hashicorp/raft configuration.
//
// NoSnapshotRestoreOnStart: the engine is persistent, so at start-up Raft
// must not restore the newest snapshot into it. In hashicorp/raft v1.7.3
// (api.go, NewRaft → restoreSnapshot → tryRestoreSingleSnapshot) the option
// makes the restore a no-op that "succeeds" for the newest snapshot, after
// which NewRaft still calls setLastApplied(snapshot.Index) and
// setLastSnapshot(...), and takes the configuration from the snapshot's
// metadata. So Raft resumes applying at snapshot.Index+1: compacted entries
// (≤ snapshot index) are never asked for, and entries after it that the
// engine already holds are replayed and skipped by the engine's per-instance
// applied positions. This is only correct if the engine is at least at the
// snapshot's position, which Open checks first (catchUpWithSnapshot).
func (n *Node) raftConfig() *raft.Config {
	c := raft.DefaultConfig()
	c.LocalID = raft.ServerID(n.cfg.ID)
	c.Logger = newHCLog(n.log, "raft")
	c.NoSnapshotRestoreOnStart = true
	// A removed server keeps its Raft running as a follower outside the
	// configuration (it starts no elections), so RAFT ADD can bring it back
	// without a restart; hashicorp/raft's default would shut its Raft down
	// for good while the process keeps serving clients.
	c.ShutdownOnRemove = false
	c.PreVoteDisabled = false // pre-vote is on (NetworkTransport supports it)
	c.BatchApplyCh = true
	c.MaxAppendEntries = 256                    // bigger batches per fsync under load (raft allows up to 1024)
	c.SnapshotThreshold = raftSnapshotThreshold // snapshotLoop takes them (snapshots.go)
	c.SnapshotInterval = n.snapshotInterval()
	if n.cfg.TrailingLogs > 0 {
		c.TrailingLogs = n.cfg.TrailingLogs
	}
	if n.cfg.HeartbeatTimeout > 0 {
		c.HeartbeatTimeout = n.cfg.HeartbeatTimeout
		if c.LeaderLeaseTimeout > c.HeartbeatTimeout {
			c.LeaderLeaseTimeout = c.HeartbeatTimeout
		}
	}
	if n.cfg.ElectionTimeout > 0 {
		c.ElectionTimeout = n.cfg.ElectionTimeout
	}
	return c
}

// catchUpWithSnapshot makes sure the engine holds at least what the newest
// snapshot holds (Raft will not replay entries below it, see raftConfig):
// if the engine is behind (a restore interrupted by a crash), it restores
// the snapshot. It also seeds the FSM's cluster time from the snapshot.
// It returns the snapshot's Raft index (0 without snapshots).
func (n *Node) catchUpWithSnapshot(snaps raft.SnapshotStore) (uint64, error) {
	list, err := snaps.List()
	if err != nil {
		return 0, fmt.Errorf("node: list snapshots: %w", err)
	}
	if len(list) == 0 {
		return 0, nil
	}
	meta, rc, err := snaps.Open(list[0].ID)
	if err != nil {
		return 0, fmt.Errorf("node: open snapshot %s: %w", list[0].ID, err)
	}
	m, err := fsm.ReadManifest(rc)
	_ = rc.Close()
	if err != nil {
		return 0, fmt.Errorf("node: snapshot %s: %w", meta.ID, err)
	}
	n.fsm.SeedLeaderTime(m.LeaderTimeMs)
	if applied := n.fsm.Engine().Applied(); applied.Less(m.Applied) {
		n.log.Warn("engine is behind the newest snapshot; restoring it",
			"engine", applied.Index, "snapshot", m.Applied.Index, "id", meta.ID)
		_, rc, err := snaps.Open(meta.ID)
		if err != nil {
			return 0, fmt.Errorf("node: open snapshot %s: %w", meta.ID, err)
		}
		if err := n.fsm.Restore(rc); err != nil {
			return 0, fmt.Errorf("node: %w", err)
		}
	}
	n.fsm.SeedApplied(meta.Index)
	return meta.Index, nil
}

// checkEngineNotAhead refuses to start when the engine has applied entries
// the Raft log does not have (its raft directory was lost or replaced):
// new entries would reuse those indexes and the engine would skip them.
func (n *Node) checkEngineNotAhead(snapIndex uint64) error {
	last, err := n.store.LastIndex()
	if err != nil {
		return fmt.Errorf("node: read raft log: %w", err)
	}
	if snapIndex > last {
		last = snapIndex
	}
	if applied := n.fsm.Engine().Applied(); applied.Index > last {
		return fmt.Errorf("node: the engine at %s has applied log index %d but the raft log in %s ends at %d: "+
			"the raft state was lost or belongs to another data directory; restore it, or move the data away",
			n.cfg.DBPath, applied.Index, n.cfg.RaftDir, last)
	}
	return nil
}

// newTransport listens on the Raft port and returns the Raft transport on
// a muxLayer that also serves node RPC (rpc.go).
func (n *Node) newTransport() (*raft.NetworkTransport, error) {
	cfg := n.cfg
	adv := cfg.RaftAdvertise
	if adv == "" {
		host, port, err := net.SplitHostPort(cfg.RaftBind)
		if err != nil {
			return nil, fmt.Errorf("node: raft bind address %q: %w", cfg.RaftBind, err)
		}
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			host = "127.0.0.1"
		}
		adv = net.JoinHostPort(host, port)
	}
	addr, err := net.ResolveTCPAddr("tcp", adv)
	if err != nil {
		return nil, fmt.Errorf("node: raft advertise address %q: %w", adv, err)
	}
	if addr.IP == nil || addr.IP.IsUnspecified() {
		return nil, fmt.Errorf("node: raft advertise address %q is not an address peers can dial", adv)
	}
	ln, err := net.Listen("tcp", cfg.RaftBind)
	if err != nil {
		return nil, fmt.Errorf("node: raft transport on %s: %w", cfg.RaftBind, err)
	}
	n.mux = newMuxLayer(ln, addr, n.log, map[byte]func(net.Conn){rpcMagic: n.serveRPC, leaderCheckMagic: n.serveLeaderCheck})
	n.mux.dialMap = cfg.DialMap
	n.mux.congestion = cfg.RaftTCPCongestion
	return raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream:  n.mux,
		MaxPool: 3,
		Timeout: 10 * time.Second,
		Logger:  newHCLog(n.log, "raft-net"),
	}), nil
}

// bootstrap forms a one-voter cluster when asked to and there is no state.
func (n *Node) bootstrap(logs raft.LogStore, snaps raft.SnapshotStore) error {
	if !n.cfg.Bootstrap {
		return nil
	}
	has, err := raft.HasExistingState(logs, n.store, snaps)
	if err != nil {
		return fmt.Errorf("node: check raft state: %w", err)
	}
	if has {
		return nil
	}
	conf, err := n.bootstrapConfiguration()
	if err != nil {
		return err
	}
	if err := n.raft.BootstrapCluster(conf).Error(); err != nil && !errors.Is(err, raft.ErrCantBootstrap) {
		return fmt.Errorf("node: bootstrap: %w", err)
	}
	n.log.Info("bootstrapped a cluster", "id", n.cfg.ID, "voters", len(conf.Servers))
	return nil
}

// Engine returns the storage engine (a snapshot install replaces it: use
// AcquireEngine to read data).
func (n *Node) Engine() *engine.Engine { return n.fsm.Engine() }

// AcquireEngine returns the engine and its release function; a snapshot
// install waits until it is released (see fsm.FSM.AcquireEngine).
func (n *Node) AcquireEngine() (*engine.Engine, func()) { return n.fsm.AcquireEngine() }

// Raft returns the Raft instance (admin commands, tests).
func (n *Node) Raft() *raft.Raft { return n.raft }

// IsLeader reports whether this node is the leader.
func (n *Node) IsLeader() bool { return n.raft.State() == raft.Leader }

// now returns the cluster time: the local clock, never behind the last
// applied leader time.
func (n *Node) now() int64 {
	now := n.cfg.Clock()
	if last := n.fsm.LeaderTimeMs(); now < last {
		return last
	}
	return now
}

// Close shuts the node down: new writes are refused, in-flight ones get up
// to WriteTimeout to finish, a leader hands leadership to another voter,
// then Raft stops (and with it the FSM), then
// the stores and the engine close.
func (n *Node) Close() error {
	n.mu.Lock()
	if n.closing {
		n.mu.Unlock()
		return nil
	}
	n.closing = true
	close(n.stop)
	n.mu.Unlock()
	waited := make(chan struct{})
	go func() { n.inflight.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(n.cfg.WriteTimeout):
		n.log.Warn("shutdown: in-flight writes did not finish in time")
	}
	n.handOffLeadership()
	var errs []error
	if n.members != nil {
		n.members.shutdown()
	}
	if err := n.raft.Shutdown().Error(); err != nil {
		errs = append(errs, fmt.Errorf("raft shutdown: %w", err))
	}
	<-n.done
	<-n.snapDone
	errs = append(errs, n.closeStores())
	n.log.Info("node stopped", "id", n.cfg.ID)
	return errors.Join(errs...)
}

// closeStores closes the transport, the log store and the engine, then stops
// the trash bin (what it had not deleted yet is deleted after a restart).
func (n *Node) closeStores() error {
	var errs []error
	if n.rpc != nil {
		n.rpc.close()
	}
	if n.checker != nil {
		n.checker.close()
	}
	if n.trans != nil {
		if err := n.trans.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close transport: %w", err))
		}
	}
	if n.appends != nil {
		if err := n.appends.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close raft log writer: %w", err))
		}
	}
	if n.store != nil {
		if err := n.store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close raft log: %w", err))
		}
	}
	if n.fsm != nil {
		if err := n.fsm.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close engine: %w", err))
		}
	}
	if n.trash != nil {
		n.trash.Close()
	}
	return errors.Join(errs...)
}

// SetFollowerWrites switches between forwarding (false) and redirecting
// (true) writes received by a follower (pika.conf follower-writes).
func (n *Node) SetFollowerWrites(redirect bool) { n.redirectWrites.Store(redirect) }

// SetStaleReads makes every read stale (true) or linearizable unless the
// connection is READONLY (false) (pika.conf read-consistency).
func (n *Node) SetStaleReads(stale bool) { n.staleReads.Store(stale) }

// SetDeadServerTimeout changes how long a server may be absent from the
// gossip before the leader removes it (pika.conf raft-dead-server-timeout).
func (n *Node) SetDeadServerTimeout(d time.Duration) {
	if d > 0 {
		n.deadTimeout.Store(int64(d))
	}
}
