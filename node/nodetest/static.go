package nodetest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/pikaraft/pikaraft/jepsen-lite/faultproxy"
	portset "github.com/pikaraft/pikaraft/node/nodetest/ports"
)

// StaticCluster is a Raft cluster of real processes formed from a static
// peer list (--peers), optionally with a fault-injecting proxy on every
// directed Raft link so a test can partition it.
type StaticCluster struct {
	t     testing.TB
	Nodes []*Server
	// Links[i][j] carries node i's connections to node j's Raft port (Raft
	// and node-to-node traffic); nil without proxies and on the diagonal.
	Links [][]*faultproxy.Proxy
}

// StaticOptions configure StartStatic.
type StaticOptions struct {
	// Config is every node's pika.conf (node-id, peers and the dial map are
	// passed as flags and config lines added to it).
	Config string
	// Args are extra flags for every node.
	Args []string
	// Proxies puts a faultproxy on each directed Raft link (raft-dial-map).
	Proxies bool
}

// StartStatic starts n nodes n1..nN with a static peer list and waits
// until they answer PING (not until a leader is elected: see WaitLeader).
func StartStatic(t testing.TB, n int, opts StaticOptions) *StaticCluster {
	t.Helper()
	c := &StaticCluster{t: t}
	// ports.Pick keeps every node's whole port set (client, replication,
	// Raft, gossip, metrics, full-sync transfer) apart from the others'.
	ports, err := portset.Pick(n)
	if err != nil {
		t.Fatalf("nodetest: %v", err)
	}
	raftAddr := func(i int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[i]+3000)) }
	var peers []string
	for i := range ports {
		peers = append(peers, fmt.Sprintf("n%d=%s", i+1, raftAddr(i)))
	}
	if opts.Proxies {
		c.Links = make([][]*faultproxy.Proxy, n)
		for i := range c.Links {
			c.Links[i] = make([]*faultproxy.Proxy, n)
			for j := range c.Links[i] {
				if i == j {
					continue
				}
				p, err := faultproxy.New("127.0.0.1:0", raftAddr(j))
				if err != nil {
					t.Fatalf("nodetest: proxy %d->%d: %v", i, j, err)
				}
				t.Cleanup(func() { p.Close() })
				c.Links[i][j] = p
			}
		}
	}
	for i := range ports {
		conf := opts.Config
		if opts.Proxies {
			var m []string
			for j, p := range c.Links[i] {
				if p != nil {
					m = append(m, raftAddr(j)+"="+p.Addr())
				}
			}
			conf += "\nraft-dial-map : " + strings.Join(m, ",") + "\n"
		}
		args := append([]string{"--node-id", fmt.Sprintf("n%d", i+1), "--peers", strings.Join(peers, ",")}, opts.Args...)
		c.Nodes = append(c.Nodes, Start(t, Options{Config: conf, Args: args, Port: ports[i]}))
	}
	return c
}

// Isolate cuts every Raft link to and from node i (both directions).
func (c *StaticCluster) Isolate(i int) {
	for j := range c.Nodes {
		if j != i {
			c.Links[i][j].Cut()
			c.Links[j][i].Cut()
		}
	}
}

// Heal restores every link.
func (c *StaticCluster) Heal() {
	for _, row := range c.Links {
		for _, p := range row {
			if p != nil {
				p.Heal()
			}
		}
	}
}

// Role returns node i's ROLE ("master", "slave") or "" when it does not
// answer within a second.
func (c *StaticCluster) Role(i int) string {
	cl := c.Nodes[i].Client()
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	r, err := cl.Do(ctx, "role").Slice()
	if err != nil || len(r) == 0 {
		return ""
	}
	s, _ := r[0].(string)
	return s
}

// Leader returns the index of the one running node (among those not in
// exclude) whose ROLE is master, or -1.
func (c *StaticCluster) Leader(exclude ...int) int {
	leader := -1
	for i, s := range c.Nodes {
		if !s.Running() || contains(exclude, i) {
			continue
		}
		if c.Role(i) == "master" {
			if leader >= 0 {
				return -1 // two claim it: an old leader has not noticed yet
			}
			leader = i
		}
	}
	return leader
}

// WaitLeader waits until exactly one running node outside exclude leads.
func (c *StaticCluster) WaitLeader(timeout time.Duration, exclude ...int) int {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if l := c.Leader(exclude...); l >= 0 {
			return l
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.t.Fatalf("nodetest: no leader after %s", timeout)
	return -1
}

// Checksums waits until every running node reports the same applied index
// from RAFT CHECKSUM (so writes must have stopped) and returns the
// checksum of each running node, by index.
func (c *StaticCluster) Checksums(timeout time.Duration) map[int]string {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		sums, applied, err := c.checksums()
		if err == nil && len(applied) == 1 {
			return sums
		}
		last = fmt.Sprint(applied, err)
		time.Sleep(200 * time.Millisecond)
	}
	c.t.Fatalf("nodetest: nodes did not converge within %s: %s", timeout, last)
	return nil
}

func (c *StaticCluster) checksums() (map[int]string, map[int64]bool, error) {
	sums, applied := map[int]string{}, map[int64]bool{}
	for i, s := range c.Nodes {
		if !s.Running() {
			continue
		}
		cl := s.Client()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		r, err := cl.Do(ctx, "raft", "checksum").Slice()
		cancel()
		cl.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("node %d: %w", i, err)
		}
		if len(r) != 2 {
			return nil, nil, errors.New("RAFT CHECKSUM: want 2 elements")
		}
		idx, _ := r[0].(int64)
		sum, _ := r[1].(string)
		applied[idx] = true
		sums[i] = sum
	}
	return sums, applied, nil
}

// LeaderAddr asks the running nodes, in order, for the leader's client
// address the way a Sentinel client does (SENTINEL
// get-master-addr-by-name); "" if none answers.
func (c *StaticCluster) LeaderAddr(ctx context.Context, name string) string {
	for _, s := range c.Nodes {
		if !s.Running() {
			continue
		}
		sc := redis.NewSentinelClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, DialTimeout: time.Second})
		r, err := sc.GetMasterAddrByName(ctx, name).Result()
		sc.Close()
		if err == nil && len(r) == 2 {
			return net.JoinHostPort(r[0], r[1])
		}
	}
	return ""
}

// Index returns the index of the node with client address addr, or -1.
func (c *StaticCluster) Index(addr string) int {
	for i, s := range c.Nodes {
		if s.Addr() == addr {
			return i
		}
	}
	return -1
}

func contains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
