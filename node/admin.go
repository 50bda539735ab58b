package node

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/raft"

	"github.com/pikaraft/pikaraft/resp"
)

var _ resp.Admin = (*Node)(nil)

// adminTimeout bounds a membership change or a leadership transfer.
const adminTimeout = 10 * time.Second

// stateName is a Raft state as RAFT STATUS prints it.
func stateName(s raft.RaftState) string { return strings.ToLower(s.String()) }

func suffrageName(s raft.ServerSuffrage) string {
	switch s {
	case raft.Voter:
		return "voter"
	case raft.Nonvoter:
		return "nonvoter"
	}
	return "staging"
}

// Leader returns the current leader, or the last one this node saw while an
// election runs. Its client address is remembered, or asked for once.
func (n *Node) Leader(ctx context.Context) (resp.NodeStatus, bool) {
	addr, id := n.raft.LeaderWithID()
	if id == "" {
		n.leaderMu.Lock()
		addr, id = n.lastLeader.addr, n.lastLeader.id
		n.leaderMu.Unlock()
	}
	if id == "" {
		return resp.NodeStatus{}, false
	}
	st := resp.NodeStatus{ID: string(id), RaftAddr: string(addr), State: "leader", Suffrage: "voter"}
	if ca, err := n.clientAddrFor(ctx, string(addr)); err == nil {
		st.ClientAddr = ca
	} else {
		n.log.Debug("leader's client address unknown", "leader", id, "error", err)
	}
	return st, true
}

// Status returns this node's view of the cluster; every other server is
// asked for its progress (in parallel, peerInfoTimeout each).
func (n *Node) Status(ctx context.Context) resp.ClusterStatus {
	self := n.localInfo()
	var out resp.ClusterStatus
	out.Self = n.statusOf(self, string(n.trans.LocalAddr()), self.CommitIndex)
	out.Self.Reachable = true
	var servers []raft.Server
	if f := n.raft.GetConfiguration(); f.Error() == nil {
		servers = f.Configuration().Servers
	}
	out.Servers = make([]resp.NodeStatus, len(servers))
	var wg sync.WaitGroup
	for i, srv := range servers {
		if srv.ID == raft.ServerID(n.cfg.ID) {
			out.Servers[i] = out.Self
			out.Servers[i].Suffrage = suffrageName(srv.Suffrage)
			out.Self.Suffrage = out.Servers[i].Suffrage
			continue
		}
		wg.Add(1)
		go func(i int, srv raft.Server) {
			defer wg.Done()
			st := resp.NodeStatus{ID: string(srv.ID), RaftAddr: string(srv.Address)}
			if pi, err := n.queryPeer(ctx, string(srv.Address)); err == nil {
				st = n.statusOf(pi, string(srv.Address), self.CommitIndex)
				st.Reachable = true
			} else if ca, ok := n.knownClientAddr(string(srv.Address)); ok {
				st.ClientAddr = ca
			}
			st.Suffrage = suffrageName(srv.Suffrage)
			out.Servers[i] = st
		}(i, srv)
	}
	wg.Wait()
	if l, ok := n.Leader(ctx); ok {
		out.Leader = l
		for _, s := range out.Servers {
			if s.ID == l.ID {
				out.Leader = s
			}
		}
	}
	return out
}

func (n *Node) statusOf(pi PeerInfo, raftAddr string, commit uint64) resp.NodeStatus {
	st := resp.NodeStatus{ID: pi.ID, RaftAddr: raftAddr, ClientAddr: pi.ClientAddr, State: pi.State,
		Term: pi.Term, LastIndex: pi.LastIndex, CommitIndex: pi.CommitIndex, AppliedIndex: pi.AppliedIndex}
	if commit > pi.AppliedIndex {
		st.Lag = commit - pi.AppliedIndex
	}
	return st
}

// AddServer adds a voter or non-voter.
func (n *Node) AddServer(ctx context.Context, id, raftAddr string, voter bool) error {
	op := "add-nonvoter"
	if voter {
		op = "add-voter"
	}
	return n.adminOp(ctx, adminRequest{Op: op, ID: id, Addr: raftAddr})
}

// RemoveServer removes a server from the configuration.
func (n *Node) RemoveServer(ctx context.Context, id string) error {
	return n.adminOp(ctx, adminRequest{Op: "remove", ID: id})
}

// TransferLeadership hands leadership to id (any voter when empty).
func (n *Node) TransferLeadership(ctx context.Context, id string) error {
	return n.adminOp(ctx, adminRequest{Op: "transfer", ID: id})
}

// Snapshot takes a snapshot on this node.
func (n *Node) Snapshot(ctx context.Context) error {
	if err := n.takeSnapshot(); err != nil {
		if errors.Is(err, raft.ErrNothingNewToSnapshot) {
			return errors.New("ERR nothing new to snapshot since the last snapshot or the restart")
		}
		return fmt.Errorf("ERR snapshot failed: %w", err)
	}
	return nil
}

// Checksum fully compacts the engine and returns engine.Checksum as hex,
// with the applied index it covers. It fails if entries were applied
// meanwhile (run it when writes have stopped).
func (n *Node) Checksum(ctx context.Context) (uint64, string, error) {
	before := n.fsm.AppliedIndex()
	eng := n.fsm.Engine()
	if err := eng.CompactAll(); err != nil {
		return 0, "", fmt.Errorf("ERR compaction failed: %w", err)
	}
	sum, err := eng.Checksum()
	if err != nil {
		return 0, "", fmt.Errorf("ERR checksum failed: %w", err)
	}
	if after := n.fsm.AppliedIndex(); after != before {
		return 0, "", fmt.Errorf("ERR entries %d..%d were applied during the checksum; retry when writes stop", before+1, after)
	}
	return before, hex.EncodeToString(sum[:]), nil
}

// adminOp runs a membership or leadership operation on the leader: here,
// or relayed to it over the Raft port.
func (n *Node) adminOp(ctx context.Context, req adminRequest) error {
	if n.IsLeader() {
		return n.runAdmin(req)
	}
	addr, id := n.raft.LeaderWithID()
	if id == "" {
		return errors.New("TRYAGAIN no leader available, try again after the election")
	}
	return n.relayAdmin(ctx, string(addr), req)
}

// runAdmin executes an admin request on this node, which must lead.
func (n *Node) runAdmin(req adminRequest) error {
	if !n.IsLeader() {
		return errors.New("TRYAGAIN leadership changed, try again")
	}
	switch req.Op {
	case "add-voter", "add-nonvoter":
		if req.ID == "" || req.Addr == "" {
			return errors.New("ERR a server needs an id and an address")
		}
		add := n.raft.AddVoter
		if req.Op == "add-nonvoter" {
			add = n.raft.AddNonvoter
		}
		if err := add(raft.ServerID(req.ID), raft.ServerAddress(req.Addr), 0, adminTimeout).Error(); err != nil {
			return fmt.Errorf("ERR add server %s: %w", req.ID, err)
		}
		n.log.Info("server added", "id", req.ID, "addr", req.Addr, "voter", req.Op == "add-voter")
	case "remove":
		if _, ok := n.serverAddr(req.ID); !ok {
			return fmt.Errorf("ERR no server %q in the configuration", req.ID)
		}
		if err := n.raft.RemoveServer(raft.ServerID(req.ID), 0, adminTimeout).Error(); err != nil {
			return fmt.Errorf("ERR remove server %s: %w", req.ID, err)
		}
		n.log.Info("server removed", "id", req.ID)
	case "transfer":
		return n.transfer(req.ID)
	default:
		return fmt.Errorf("ERR unknown admin operation %q", req.Op)
	}
	return nil
}

// transfer hands leadership over and waits for it to complete.
func (n *Node) transfer(id string) error {
	var f raft.Future
	switch {
	case id == "":
		f = n.raft.LeadershipTransfer()
	case id == n.cfg.ID:
		return nil // already the leader
	default:
		addr, ok := n.serverAddr(id)
		if !ok {
			return fmt.Errorf("ERR no server %q in the configuration", id)
		}
		f = n.raft.LeadershipTransferToServer(raft.ServerID(id), addr)
	}
	if err := f.Error(); err != nil {
		return fmt.Errorf("ERR leadership transfer failed: %w", err)
	}
	n.log.Info("leadership transferred", "to", id)
	return nil
}

// serverAddr returns the Raft address of a server in the configuration.
func (n *Node) serverAddr(id string) (raft.ServerAddress, bool) {
	f := n.raft.GetConfiguration()
	if f.Error() != nil {
		return "", false
	}
	for _, s := range f.Configuration().Servers {
		if s.ID == raft.ServerID(id) {
			return s.Address, true
		}
	}
	return "", false
}

// handOffLeadership transfers leadership before this node stops, when it
// leads and another voter exists, so clients fail over at once instead of
// after an election timeout.
func (n *Node) handOffLeadership() {
	if !n.IsLeader() {
		return
	}
	f := n.raft.GetConfiguration()
	if f.Error() != nil {
		return
	}
	others := 0
	for _, s := range f.Configuration().Servers {
		if s.Suffrage == raft.Voter && s.ID != raft.ServerID(n.cfg.ID) {
			others++
		}
	}
	if others == 0 {
		return
	}
	if err := n.raft.LeadershipTransfer().Error(); err != nil {
		n.log.Warn("shutdown: leadership transfer failed", "error", err)
		return
	}
	n.log.Info("shutdown: leadership handed off")
}

// Self returns this node's own state.
func (n *Node) Self() resp.NodeStatus {
	pi := n.localInfo()
	st := n.statusOf(pi, string(n.trans.LocalAddr()), pi.CommitIndex)
	st.Reachable = true
	if f := n.raft.GetConfiguration(); f.Error() == nil {
		for _, s := range f.Configuration().Servers {
			if s.ID == raft.ServerID(n.cfg.ID) {
				st.Suffrage = suffrageName(s.Suffrage)
			}
		}
	}
	return st
}
