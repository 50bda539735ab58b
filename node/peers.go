package node

import (
	"fmt"
	"net"
	"strings"

	"github.com/hashicorp/raft"
)

// Peer is a member of a static bootstrap configuration.
type Peer struct {
	ID       string
	RaftAddr string
}

// ParsePeers parses a static peer list "id1=host:port,id2=host:port" (the
// `peers` setting, Raft addresses). Blanks around items are ignored.
func ParsePeers(s string) ([]Peer, error) {
	var out []Peer
	seen := map[string]bool{}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		id, addr, ok := strings.Cut(item, "=")
		id, addr = strings.TrimSpace(id), strings.TrimSpace(addr)
		if !ok || id == "" || addr == "" {
			return nil, fmt.Errorf("peer %q: want id=host:port", item)
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return nil, fmt.Errorf("peer %q: %w", item, err)
		}
		if seen[id] {
			return nil, fmt.Errorf("peer id %q listed twice", id)
		}
		seen[id] = true
		out = append(out, Peer{ID: id, RaftAddr: addr})
	}
	return out, nil
}

// ParseDialMap parses `raft-dial-map` "peerRaftAddr=dialAddr,...": this
// node dials dialAddr whenever it connects to the peer at peerRaftAddr.
// It exists for tests and jepsen-lite, which put a fault-injecting proxy
// on each directed link; production configurations leave it empty.
func ParseDialMap(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		from, to, ok := strings.Cut(item, "=")
		from, to = strings.TrimSpace(from), strings.TrimSpace(to)
		if !ok || from == "" || to == "" {
			return nil, fmt.Errorf("raft-dial-map entry %q: want peerRaftAddr=dialAddr", item)
		}
		for _, a := range []string{from, to} {
			if _, _, err := net.SplitHostPort(a); err != nil {
				return nil, fmt.Errorf("raft-dial-map entry %q: %w", item, err)
			}
		}
		out[from] = to
	}
	return out, nil
}

// bootstrapConfiguration is the configuration a new node bootstraps with:
// the static peers (which must include this node), or this node alone.
func (n *Node) bootstrapConfiguration() (raft.Configuration, error) {
	self := raft.Server{Suffrage: raft.Voter, ID: raft.ServerID(n.cfg.ID), Address: n.trans.LocalAddr()}
	if len(n.cfg.Peers) == 0 {
		return raft.Configuration{Servers: []raft.Server{self}}, nil
	}
	var conf raft.Configuration
	found := false
	for _, p := range n.cfg.Peers {
		s := raft.Server{Suffrage: raft.Voter, ID: raft.ServerID(p.ID), Address: raft.ServerAddress(p.RaftAddr)}
		if p.ID == n.cfg.ID {
			found = true
			if s.Address != self.Address {
				return raft.Configuration{}, fmt.Errorf("node: peers list this node (%s) at %s but it advertises %s",
					p.ID, p.RaftAddr, self.Address)
			}
		}
		conf.Servers = append(conf.Servers, s)
	}
	if !found {
		return raft.Configuration{}, fmt.Errorf("node: this node's id %q is not in the peers list", n.cfg.ID)
	}
	return conf, nil
}
