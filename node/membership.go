package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
	"github.com/hashicorp/raft"
)

// Membership configures discovery and membership through memberlist gossip.
//
// Gossip only proposes changes; the leader decides them, one at a time,
// through the Raft log (reconcile):
//   - bootstrap: with BootstrapExpect N > 1, a node with no Raft state waits
//     until N nodes of the cluster (same name, same N) see each other, then
//     each calls BootstrapCluster with the same configuration (every one of
//     them as a voter, sorted by ID); the second call and later ones are
//     refused by Raft as harmless no-ops, as in Consul;
//   - join: a live member unknown to the configuration is added as a
//     non-voter, and promoted to voter once its applied index is within
//     PromoteLag of the leader's commit index;
//   - leave: a member that announced it is leaving (Leave) and then left the
//     gossip is removed at once (Leave also asks the leader directly);
//   - dead: a server that is not a live member for DeadServerTimeout is
//     removed, unless that would leave fewer than MinVoters voters.
type Membership struct {
	// GossipBind is memberlist's address (host:port, TCP and UDP); empty
	// disables gossip.
	GossipBind string
	// GossipAdvertise is the address other nodes reach the gossip at
	// (default: GossipBind, 127.0.0.1 for an unspecified host).
	GossipAdvertise string
	// ClusterName keeps clusters apart (memberlist label; default "pikaraft").
	ClusterName string
	// BootstrapExpect is the number of servers that form a new cluster.
	BootstrapExpect int
	// Join lists gossip addresses of members to join at start-up. The node
	// also remembers every member it has seen (raft-path/gossip-peers) and
	// rejoins them after a restart.
	Join []string
	// DeadServerTimeout is how long a server may be absent from the gossip
	// before the leader removes it (default 5 min).
	DeadServerTimeout time.Duration
	// MinVoters is the size below which dead servers are not removed
	// (default BootstrapExpect).
	MinVoters int
	// PromoteLag is how many entries a non-voter may lag behind the
	// leader's commit index and still be promoted (default 1000).
	PromoteLag uint64
	// ReconcileInterval is how often the leader reconciles (default 1s).
	ReconcileInterval time.Duration
}

func (m *Membership) fill() {
	if m.ClusterName == "" {
		m.ClusterName = "pikaraft"
	}
	if m.DeadServerTimeout <= 0 {
		m.DeadServerTimeout = 5 * time.Minute
	}
	if m.MinVoters <= 0 {
		m.MinVoters = max(m.BootstrapExpect, 1)
	}
	if m.PromoteLag == 0 {
		m.PromoteLag = 1000
	}
	if m.ReconcileInterval <= 0 {
		m.ReconcileInterval = time.Second
	}
}

// memberMeta is what a node gossips about itself (memberlist node meta).
type memberMeta struct {
	Raft    string `json:"raft"`
	Client  string `json:"client"`
	Cluster string `json:"cluster"`
	Expect  int    `json:"expect"`
	Leaving bool   `json:"leaving,omitempty"`
}

// member is what this node knows of another member.
type member struct {
	meta   memberMeta
	gossip string // gossip address
	alive  bool
}

// membership runs memberlist and the reconciliation loop.
type membership struct {
	n    *Node
	cfg  Membership
	ml   *memberlist.Memberlist
	file string // remembered gossip peers

	mu      sync.Mutex
	self    memberMeta
	members map[string]*member // by node ID (memberlist name)

	kick chan struct{}
	stop chan struct{}
	done sync.WaitGroup

	// Used by the loop goroutine only.
	bootstrapped bool
	absentSince  map[raft.ServerID]time.Time
	blocked      map[raft.ServerID]bool // removal refused by MinVoters (logged once)
	savedPeers   string
}

func (n *Node) startMembership() (*membership, error) {
	cfg := n.cfg.Membership
	cfg.fill()
	m := &membership{n: n, cfg: cfg, file: filepath.Join(n.cfg.RaftDir, "gossip-peers"),
		members: map[string]*member{}, kick: make(chan struct{}, 1), stop: make(chan struct{}),
		absentSince: map[raft.ServerID]time.Time{}, blocked: map[raft.ServerID]bool{},
		self: memberMeta{Raft: string(n.trans.LocalAddr()), Client: n.cfg.ClientAddr,
			Cluster: cfg.ClusterName, Expect: cfg.BootstrapExpect}}
	mc, err := m.memberlistConfig()
	if err != nil {
		return nil, err
	}
	if m.ml, err = memberlist.Create(mc); err != nil {
		return nil, fmt.Errorf("node: start gossip on %s: %w", cfg.GossipBind, err)
	}
	m.bootstrapped = n.hasConfiguration()
	m.done.Add(2)
	go m.joinLoop(m.joinTargets())
	go m.loop()
	n.log.Info("gossip started", "addr", cfg.GossipBind, "cluster", cfg.ClusterName,
		"bootstrap_expect", cfg.BootstrapExpect)
	return m, nil
}

func (m *membership) memberlistConfig() (*memberlist.Config, error) {
	host, port, err := splitHostPort(m.cfg.GossipBind)
	if err != nil {
		return nil, fmt.Errorf("node: gossip address %q: %w", m.cfg.GossipBind, err)
	}
	mc := memberlist.DefaultLANConfig()
	mc.Name = m.n.cfg.ID
	mc.BindAddr, mc.BindPort = host, port
	adv := m.cfg.GossipAdvertise
	if adv == "" {
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			host = "127.0.0.1"
		}
		adv = net.JoinHostPort(host, strconv.Itoa(port))
	}
	if mc.AdvertiseAddr, mc.AdvertisePort, err = splitHostPort(adv); err != nil {
		return nil, fmt.Errorf("node: gossip advertise address %q: %w", adv, err)
	}
	mc.Label = m.cfg.ClusterName
	mc.Delegate = m
	mc.Events = m
	mc.Logger = log.New(&gossipLog{log: m.n.log}, "", 0)
	return mc, nil
}

func splitHostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("bad port %q", p)
	}
	return host, port, nil
}

// joinTargets returns the configured join addresses and the remembered peers.
func (m *membership) joinTargets() []string {
	targets := slices.Clone(m.cfg.Join)
	if raw, err := os.ReadFile(m.file); err == nil {
		for _, l := range strings.Split(string(raw), "\n") {
			if l = strings.TrimSpace(l); l != "" && !slices.Contains(targets, l) {
				targets = append(targets, l)
			}
		}
	}
	return targets
}

// joinLoop joins the gossip through targets, retrying until one answers.
func (m *membership) joinLoop(targets []string) {
	defer m.done.Done()
	if len(targets) == 0 {
		return
	}
	for {
		n, err := m.ml.Join(targets)
		if n > 0 {
			m.n.log.Info("joined gossip", "contacted", n, "targets", targets)
			return
		}
		m.n.log.Warn("join gossip failed, retrying", "targets", targets, "error", err)
		select {
		case <-m.stop:
			return
		case <-time.After(2 * time.Second):
		}
	}
}

// NodeMeta is memberlist's delegate: this node's gossiped metadata.
func (m *membership) NodeMeta(limit int) []byte {
	m.mu.Lock()
	raw, _ := json.Marshal(m.self)
	m.mu.Unlock()
	if len(raw) > limit {
		return nil
	}
	return raw
}

// NotifyMsg, GetBroadcasts, LocalState and MergeRemoteState complete
// memberlist.Delegate; pikaraft gossips nothing beyond node metadata.
func (m *membership) NotifyMsg([]byte) {}

// GetBroadcasts implements memberlist.Delegate.
func (m *membership) GetBroadcasts(int, int) [][]byte { return nil }

// LocalState implements memberlist.Delegate.
func (m *membership) LocalState(bool) []byte { return nil }

// MergeRemoteState implements memberlist.Delegate.
func (m *membership) MergeRemoteState([]byte, bool) {}

// NotifyJoin records a live member.
func (m *membership) NotifyJoin(node *memberlist.Node) { m.note(node, true) }

// NotifyUpdate records a member's new metadata.
func (m *membership) NotifyUpdate(node *memberlist.Node) { m.note(node, true) }

// NotifyLeave records that a member left or died (memberlist v0.5.4 does
// not say which in the event: a leaving node announces it in its metadata).
func (m *membership) NotifyLeave(node *memberlist.Node) { m.note(node, false) }

func (m *membership) note(node *memberlist.Node, alive bool) {
	var meta memberMeta
	if err := json.Unmarshal(node.Meta, &meta); err != nil && alive {
		m.n.log.Warn("gossip: member without pikaraft metadata", "name", node.Name, "addr", node.Address())
		return
	}
	m.mu.Lock()
	prev := m.members[node.Name]
	if prev != nil && len(node.Meta) == 0 {
		meta = prev.meta
	}
	m.members[node.Name] = &member{meta: meta, gossip: node.Address(), alive: alive}
	m.mu.Unlock()
	m.n.log.Info("gossip: member", "id", node.Name, "addr", node.Address(), "alive", alive, "raft", meta.Raft)
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

// snapshot returns a copy of the member table (this node excluded).
func (m *membership) snapshot() map[string]member {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]member, len(m.members))
	for id, mb := range m.members {
		if id != m.n.cfg.ID {
			out[id] = *mb
		}
	}
	return out
}

// loop bootstraps when enough members are seen, then reconciles the Raft
// configuration with the gossip on the leader, and remembers peers.
func (m *membership) loop() {
	defer m.done.Done()
	t := time.NewTicker(m.cfg.ReconcileInterval)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-m.kick:
		case <-t.C:
		}
		members := m.snapshot()
		m.savePeers(members)
		if !m.bootstrapped {
			m.tryBootstrap(members)
			continue
		}
		if m.n.IsLeader() {
			if err := m.reconcile(members); err != nil {
				m.n.log.Warn("membership: reconcile", "error", err)
			}
		}
	}
}

// hasConfiguration reports whether Raft knows any server.
func (n *Node) hasConfiguration() bool {
	f := n.raft.GetConfiguration()
	return f.Error() == nil && len(f.Configuration().Servers) > 0
}

// tryBootstrap forms the cluster once BootstrapExpect members are seen.
func (m *membership) tryBootstrap(members map[string]member) {
	if m.n.hasConfiguration() {
		m.bootstrapped = true
		return
	}
	if m.cfg.BootstrapExpect <= 1 {
		return // joins an existing cluster: the leader adds it
	}
	servers := []raft.Server{{Suffrage: raft.Voter, ID: raft.ServerID(m.n.cfg.ID), Address: m.n.trans.LocalAddr()}}
	for id, mb := range members {
		if mb.alive && mb.meta.Cluster == m.cfg.ClusterName && mb.meta.Expect == m.cfg.BootstrapExpect && mb.meta.Raft != "" {
			servers = append(servers, raft.Server{Suffrage: raft.Voter, ID: raft.ServerID(id), Address: raft.ServerAddress(mb.meta.Raft)})
		}
	}
	if len(servers) < m.cfg.BootstrapExpect {
		return
	}
	sort.Slice(servers, func(i, j int) bool { return servers[i].ID < servers[j].ID })
	err := m.n.raft.BootstrapCluster(raft.Configuration{Servers: servers}).Error()
	if err != nil && !errors.Is(err, raft.ErrCantBootstrap) {
		m.n.log.Error("membership: bootstrap failed", "error", err)
		return
	}
	m.bootstrapped = true
	m.n.log.Info("membership: bootstrapped the cluster", "servers", len(servers), "already_had_state", err != nil)
}

// reconcile makes at most one configuration change on the leader.
func (m *membership) reconcile(members map[string]member) error {
	f := m.n.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return err
	}
	servers := f.Configuration().Servers
	inConf := map[raft.ServerID]raft.Server{}
	voters := 0
	for _, s := range servers {
		inConf[s.ID] = s
		if s.Suffrage == raft.Voter {
			voters++
		}
	}
	// Add live members the configuration lacks (or whose address changed).
	for id, mb := range members {
		if !mb.alive || mb.meta.Leaving || mb.meta.Cluster != m.cfg.ClusterName || mb.meta.Raft == "" {
			continue
		}
		s, ok := inConf[raft.ServerID(id)]
		switch {
		case !ok:
			m.n.log.Info("membership: adding non-voter", "id", id, "raft", mb.meta.Raft)
			return m.n.raft.AddNonvoter(raft.ServerID(id), raft.ServerAddress(mb.meta.Raft), 0, 10*time.Second).Error()
		case string(s.Address) != mb.meta.Raft:
			m.n.log.Info("membership: server address changed", "id", id, "old", s.Address, "new", mb.meta.Raft)
			if s.Suffrage == raft.Voter {
				return m.n.raft.AddVoter(s.ID, raft.ServerAddress(mb.meta.Raft), 0, 10*time.Second).Error()
			}
			return m.n.raft.AddNonvoter(s.ID, raft.ServerAddress(mb.meta.Raft), 0, 10*time.Second).Error()
		}
	}
	// Promote caught-up non-voters.
	for _, s := range servers {
		if s.Suffrage != raft.Nonvoter {
			continue
		}
		if mb, ok := members[string(s.ID)]; !ok || !mb.alive {
			continue
		}
		if m.caughtUp(s) {
			m.n.log.Info("membership: promoting to voter", "id", s.ID)
			return m.n.raft.AddVoter(s.ID, s.Address, 0, 10*time.Second).Error()
		}
	}
	// Remove servers that left or stayed dead too long.
	now := time.Now()
	for _, s := range servers {
		if s.ID == raft.ServerID(m.n.cfg.ID) {
			continue
		}
		mb, known := members[string(s.ID)]
		if known && mb.alive {
			delete(m.absentSince, s.ID)
			delete(m.blocked, s.ID)
			continue
		}
		since, ok := m.absentSince[s.ID]
		if !ok {
			since = now
			m.absentSince[s.ID] = now
		}
		left := known && mb.meta.Leaving
		if !left && now.Sub(since) < m.deadTimeout() {
			continue
		}
		if !left && s.Suffrage == raft.Voter && voters-1 < m.cfg.MinVoters {
			if !m.blocked[s.ID] {
				m.blocked[s.ID] = true
				m.n.log.Warn("membership: not removing dead server: too few voters would remain",
					"id", s.ID, "voters", voters, "min_voters", m.cfg.MinVoters)
			}
			continue
		}
		m.n.log.Info("membership: removing server", "id", s.ID, "left", left, "absent", now.Sub(since).Round(time.Second).String())
		delete(m.absentSince, s.ID)
		return m.n.removeServer(string(s.ID))
	}
	return nil
}

// caughtUp asks a non-voter for its applied index.
func (m *membership) caughtUp(s raft.Server) bool {
	ctx, cancel := contextWithTimeout(2 * time.Second)
	defer cancel()
	resp, err := m.n.rpc.call(ctx, string(s.Address), &rpcRequest{Op: opStatus})
	if err != nil {
		m.n.log.Debug("membership: status of non-voter", "id", s.ID, "error", err)
		return false
	}
	commit := m.n.raft.CommitIndex()
	return resp.Index+m.cfg.PromoteLag >= commit
}

// removeServer removes id from the configuration (leader only).
func (n *Node) removeServer(id string) error {
	if err := n.raft.RemoveServer(raft.ServerID(id), 0, 10*time.Second).Error(); err != nil {
		return fmt.Errorf("remove server %s: %w", id, err)
	}
	n.log.Info("membership: server removed", "id", id)
	return nil
}

// savePeers remembers the gossip addresses of live members so that a
// restarted node rejoins without --join.
func (m *membership) savePeers(members map[string]member) {
	var addrs []string
	for _, mb := range members {
		if mb.alive {
			addrs = append(addrs, mb.gossip)
		}
	}
	if len(addrs) == 0 {
		return
	}
	sort.Strings(addrs)
	content := strings.Join(addrs, "\n") + "\n"
	if content == m.savedPeers {
		return
	}
	tmp := m.file + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		m.n.log.Warn("membership: save peers", "error", err)
		return
	}
	if err := os.Rename(tmp, m.file); err != nil {
		m.n.log.Warn("membership: save peers", "error", err)
		return
	}
	m.savedPeers = content
}

// leave announces that this node is leaving, asks the leader to remove it
// (or removes itself when it leads) and leaves the gossip.
func (m *membership) leave(timeout time.Duration) {
	m.mu.Lock()
	m.self.Leaving = true
	m.mu.Unlock()
	if err := m.ml.UpdateNode(timeout); err != nil {
		m.n.log.Warn("leave: announce", "error", err)
	}
	if err := m.n.leaveRaft(timeout); err != nil {
		m.n.log.Warn("leave: remove from the configuration", "error", err)
	}
	if err := m.ml.Leave(timeout); err != nil {
		m.n.log.Warn("leave: gossip", "error", err)
	}
}

// shutdown stops the loop and memberlist.
func (m *membership) shutdown() {
	select {
	case <-m.stop:
		return
	default:
	}
	close(m.stop)
	m.done.Wait()
	if err := m.ml.Shutdown(); err != nil {
		m.n.log.Warn("gossip shutdown", "error", err)
	}
}

// gossipLog turns memberlist's log lines ("[DEBUG] memberlist: ...") into
// slog records.
type gossipLog struct{ log *slog.Logger }

func (g *gossipLog) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	level := slog.LevelDebug
	switch {
	case strings.Contains(msg, "[ERR]"), strings.Contains(msg, "[WARN]"):
		level = slog.LevelWarn
	case strings.Contains(msg, "[INFO]"):
		level = slog.LevelInfo
	}
	g.log.Log(context.Background(), level, "gossip: "+msg)
	return len(p), nil
}

// deadTimeout is the current dead-server timeout (CONFIG SET may change it).
func (m *membership) deadTimeout() time.Duration {
	if d := time.Duration(m.n.deadTimeout.Load()); d > 0 {
		return d
	}
	return m.cfg.DeadServerTimeout
}
