package node

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// PeerInfo is what a node tells a peer about itself over the Raft port
// (selector MuxPeerInfo): its client address, which is how a node learns
// where the leader's clients connect (SENTINEL, ROLE, INFO replication),
// and its Raft progress, which is how RAFT STATUS shows a follower's lag.
type PeerInfo struct {
	ID           string `json:"id"`
	ClientAddr   string `json:"client_addr"`
	State        string `json:"state"`
	Term         uint64 `json:"term"`
	LastIndex    uint64 `json:"last_index"`
	CommitIndex  uint64 `json:"commit_index"`
	AppliedIndex uint64 `json:"applied_index"`
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

// servePeerInfo answers one PeerInfo request: the reply is one JSON object.
func (n *Node) servePeerInfo(c net.Conn) {
	defer c.Close()
	_ = c.SetWriteDeadline(time.Now().Add(peerInfoTimeout))
	if err := json.NewEncoder(c).Encode(n.localInfo()); err != nil {
		n.log.Debug("peer info: reply failed", "to", c.RemoteAddr(), "error", err)
	}
}

// queryPeer asks the node at raftAddr for its PeerInfo and remembers its
// client address.
func (n *Node) queryPeer(raftAddr string) (PeerInfo, error) {
	c, err := n.mux.DialProtocol(raftAddr, MuxPeerInfo, peerInfoTimeout)
	if err != nil {
		return PeerInfo{}, fmt.Errorf("peer info from %s: %w", raftAddr, err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(peerInfoTimeout))
	var pi PeerInfo
	if err := json.NewDecoder(io.LimitReader(c, 64<<10)).Decode(&pi); err != nil {
		return PeerInfo{}, fmt.Errorf("peer info from %s: %w", raftAddr, err)
	}
	n.clientAddrs.put(raftAddr, pi.ClientAddr)
	return pi, nil
}

// clientAddrOf returns the client address of the node at raftAddr: this
// node's own, a remembered one, or one asked for now.
func (n *Node) clientAddrOf(raftAddr string) (string, error) {
	if raftAddr == string(n.trans.LocalAddr()) {
		return n.cfg.ClientAddr, nil
	}
	if a, ok := n.clientAddrs.get(raftAddr); ok {
		return a, nil
	}
	pi, err := n.queryPeer(raftAddr)
	if err != nil {
		return "", err
	}
	return pi.ClientAddr, nil
}

// addrBook remembers peers' client addresses by Raft address. A node keeps
// its client address across restarts in practice, and a stale entry is
// replaced by the next successful query.
type addrBook struct {
	mu sync.Mutex
	m  map[string]string
}

func (b *addrBook) get(raftAddr string) (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	a, ok := b.m[raftAddr]
	return a, ok
}

func (b *addrBook) put(raftAddr, clientAddr string) {
	if clientAddr == "" {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = map[string]string{}
	}
	b.m[raftAddr] = clientAddr
}
