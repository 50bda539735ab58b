package node

import (
	"context"
	"fmt"
	"time"
)

// PeerInfo is what a node tells a peer about itself over node RPC
// (opPeerInfo): its client address, which is how a node learns where the
// leader's clients connect (SENTINEL, ROLE, INFO replication), and its Raft
// progress, which is how RAFT STATUS shows a follower's lag.
type PeerInfo struct {
	ID           string
	ClientAddr   string
	State        string
	Term         uint64
	LastIndex    uint64
	CommitIndex  uint64
	AppliedIndex uint64
}

// peerInfoTimeout bounds one PeerInfo exchange.
const peerInfoTimeout = 500 * time.Millisecond

// localInfo returns this node's PeerInfo.
func (n *Node) localInfo() PeerInfo {
	return PeerInfo{
		ID:           n.cfg.ID,
		ClientAddr:   n.cfg.ClientAddr,
		State:        stateName(n.raft.State()),
		Term:         n.raft.CurrentTerm(),
		LastIndex:    n.raft.LastIndex(),
		CommitIndex:  n.raft.CommitIndex(),
		AppliedIndex: n.fsm.AppliedIndex(),
	}
}

// queryPeer asks the node at raftAddr for its PeerInfo and remembers its
// client address.
func (n *Node) queryPeer(ctx context.Context, raftAddr string) (PeerInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, peerInfoTimeout)
	defer cancel()
	resp, err := n.rpc.call(ctx, raftAddr, &rpcRequest{Op: opPeerInfo})
	if err != nil {
		return PeerInfo{}, fmt.Errorf("peer info from %s: %w", raftAddr, err)
	}
	if resp.Info == nil {
		return PeerInfo{}, fmt.Errorf("peer info from %s: %s", raftAddr, resp.Err)
	}
	if resp.Info.ClientAddr != "" {
		n.mu.Lock()
		n.clientAddrs[raftAddr] = resp.Info.ClientAddr
		n.mu.Unlock()
	}
	return *resp.Info, nil
}

// knownClientAddr returns the remembered client address of the node at
// raftAddr without asking it.
func (n *Node) knownClientAddr(raftAddr string) (string, bool) {
	if raftAddr == string(n.trans.LocalAddr()) {
		return n.cfg.ClientAddr, true
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	a, ok := n.clientAddrs[raftAddr]
	return a, ok
}

// clientAddrFor returns the client address of the node at raftAddr: this
// node's own, a remembered one, or one asked for now (peerInfoTimeout).
func (n *Node) clientAddrFor(ctx context.Context, raftAddr string) (string, error) {
	if a, ok := n.knownClientAddr(raftAddr); ok && a != "" {
		return a, nil
	}
	ctx, cancel := context.WithTimeout(ctx, peerInfoTimeout)
	defer cancel()
	return n.clientAddrOf(ctx, raftAddr)
}
