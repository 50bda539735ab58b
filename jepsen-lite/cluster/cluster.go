package cluster

import (
	"context"
	"errors"
	"fmt"
	"github.com/pikaraft/pikaraft/node/nodetest/ports"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pikaraft/pikaraft/jepsen-lite/faultproxy"
)

// Bootstrap modes: how the nodes form the cluster.
const (
	// BootstrapPeers gives every node the static peer list (`peers`).
	BootstrapPeers = "peers"
	// BootstrapGossip uses memberlist: `bootstrap-expect N`, every node
	// but the first joins the first one's gossip port.
	BootstrapGossip = "gossip"
)

// Options configure a cluster.
type Options struct {
	// Nodes is the number of nodes (default 3).
	Nodes int
	// Bin is the pikaraft binary.
	Bin string
	// Dir holds one sub-directory per node (n1, n2, ...).
	Dir string
	// Bootstrap is BootstrapPeers (default) or BootstrapGossip.
	Bootstrap string
	// Config is extra pika.conf content for every node.
	Config string
}

// Cluster is a running set of nodes and the proxies on their Raft links.
type Cluster struct {
	opts  Options
	Nodes []*Node
	// Links[i][j] carries node i's connections to node j's Raft port.
	Links [][]*faultproxy.Proxy

	mu  sync.Mutex
	cut map[[2]int]bool // directed links currently cut
}

// Start allocates ports, starts the proxies and every node, and waits
// until each answers PING (not until a leader exists: see WaitHealthy).
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.Nodes <= 0 {
		opts.Nodes = 3
	}
	if opts.Bootstrap == "" {
		opts.Bootstrap = BootstrapPeers
	}
	if opts.Bootstrap != BootstrapPeers && opts.Bootstrap != BootstrapGossip {
		return nil, fmt.Errorf("cluster: bootstrap %q: want %s or %s", opts.Bootstrap, BootstrapPeers, BootstrapGossip)
	}
	c := &Cluster{opts: opts, cut: map[[2]int]bool{}}
	clientPorts, err := ports.Pick(opts.Nodes)
	if err != nil {
		return nil, err
	}
	for i, p := range clientPorts {
		dir := filepath.Join(opts.Dir, fmt.Sprintf("n%d", i+1))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("cluster: %w", err)
		}
		c.Nodes = append(c.Nodes, &Node{Index: i, ID: fmt.Sprintf("n%d", i+1), Port: p, Dir: dir, bin: opts.Bin})
	}
	c.Links = make([][]*faultproxy.Proxy, len(c.Nodes))
	for i := range c.Nodes {
		c.Links[i] = make([]*faultproxy.Proxy, len(c.Nodes))
		for j, to := range c.Nodes {
			if i == j {
				continue
			}
			p, err := faultproxy.New("127.0.0.1:0", to.RaftAddr())
			if err != nil {
				c.Close()
				return nil, fmt.Errorf("cluster: proxy n%d->n%d: %w", i+1, j+1, err)
			}
			c.Links[i][j] = p
		}
	}
	for _, n := range c.Nodes {
		n.conf = c.confFor(n)
	}
	errs := make(chan error, len(c.Nodes))
	for _, n := range c.Nodes {
		go func() { errs <- n.Start(ctx) }()
	}
	for range c.Nodes {
		if e := <-errs; e != nil {
			err = errors.Join(err, e)
		}
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// confFor returns the pika.conf renderer of node n.
func (c *Cluster) confFor(n *Node) func(int64) string {
	return func(offsetMs int64) string {
		var b strings.Builder
		b.WriteString("# written by jepsen-lite\n")
		fmt.Fprintf(&b, "port : %d\n", n.Port)
		var dial, peers []string
		for j, p := range c.Links[n.Index] {
			if p != nil {
				dial = append(dial, c.Nodes[j].RaftAddr()+"="+p.Addr())
			}
		}
		for _, m := range c.Nodes {
			peers = append(peers, m.ID+"="+m.RaftAddr())
		}
		if len(dial) > 0 {
			fmt.Fprintf(&b, "raft-dial-map : %s\n", strings.Join(dial, ","))
		}
		if c.opts.Bootstrap == BootstrapPeers {
			fmt.Fprintf(&b, "peers : %s\n", strings.Join(peers, ","))
		} else {
			fmt.Fprintf(&b, "bootstrap-expect : %d\n", len(c.Nodes))
			if n.Index > 0 {
				fmt.Fprintf(&b, "join : %s\n", c.Nodes[0].GossipAddr())
			}
		}
		if offsetMs != 0 {
			fmt.Fprintf(&b, "clock-offset-ms : %d\n", offsetMs)
		}
		b.WriteString(c.opts.Config)
		b.WriteString("\n")
		return b.String()
	}
}

// Close kills every node and closes the proxies.
func (c *Cluster) Close() {
	for _, n := range c.Nodes {
		_ = n.Resume()
		_ = n.Kill()
	}
	for _, row := range c.Links {
		for _, p := range row {
			if p != nil {
				p.Close()
			}
		}
	}
}

// Cut cuts the directed link from node i to node j: i's connections to j
// are closed and new ones refused.
func (c *Cluster) Cut(i, j int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.Links[i][j]; p != nil {
		p.Cut()
		c.cut[[2]int{i, j}] = true
	}
}

// Heal restores every link.
func (c *Cluster) Heal() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, row := range c.Links {
		for _, p := range row {
			if p != nil {
				p.Heal()
			}
		}
	}
	c.cut = map[[2]int]bool{}
}

// Partition cuts both directions of every link between nodes of different
// groups. Nodes in no group keep all their links.
func (c *Cluster) Partition(groups [][]int) {
	group := map[int]int{}
	for g, members := range groups {
		for _, m := range members {
			group[m] = g
		}
	}
	for i := range c.Nodes {
		for j := range c.Nodes {
			gi, iok := group[i]
			gj, jok := group[j]
			if i != j && iok && jok && gi != gj {
				c.Cut(i, j)
			}
		}
	}
}

// Restart kills node i (if running) and starts it again.
func (c *Cluster) Restart(ctx context.Context, i int) error {
	n := c.Nodes[i]
	_ = n.Resume()
	if err := n.Kill(); err != nil {
		return err
	}
	return n.Start(ctx)
}

// WaitTimeout bounds the start-up waits.
const WaitTimeout = 60 * time.Second
