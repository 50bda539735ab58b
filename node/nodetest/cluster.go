package nodetest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Cluster is a set of pikaraft processes forming one Raft cluster on
// 127.0.0.1, each with its own ports (P, P+3000 Raft, P+4000 gossip) and
// data directory.
type Cluster struct {
	t     testing.TB
	opts  Options
	Nodes []*Server
}

// StartCluster starts n servers with --bootstrap-expect n, each joining the
// first one's gossip, and waits until the cluster accepts a write on every
// node. opts.Config is every node's pika.conf; opts.Args are added to each.
func StartCluster(t testing.TB, n int, opts Options) *Cluster {
	t.Helper()
	c := &Cluster{t: t, opts: opts}
	for i := 0; i < n; i++ {
		args := []string{"--node-id", fmt.Sprintf("n%d", i+1), "--bootstrap-expect", strconv.Itoa(n)}
		if i > 0 {
			args = append(args, "--join", c.Nodes[0].GossipAddr())
		}
		o := opts
		o.Args = append(append([]string{}, args...), opts.Args...)
		c.Nodes = append(c.Nodes, Start(t, o))
	}
	start := time.Now()
	for i := range c.Nodes {
		c.WaitWritable(i, 30*time.Second)
	}
	t.Logf("nodetest: %d-node cluster formed in %s", n, time.Since(start).Round(time.Millisecond))
	return c
}

// Join starts one more server with --join and the given node ID and waits
// until it accepts writes. extraConfig is appended to the cluster's pika.conf.
func (c *Cluster) Join(id, extraConfig string) *Server {
	c.t.Helper()
	o := c.opts
	o.Config += extraConfig
	o.Args = append([]string{"--node-id", id, "--join", c.Nodes[0].GossipAddr()}, c.opts.Args...)
	s := Start(c.t, o)
	c.Nodes = append(c.Nodes, s)
	c.WaitWritable(len(c.Nodes)-1, 30*time.Second)
	return s
}

// WaitWritable waits until node i acknowledges a write (forwarded to the
// leader when it is a follower).
func (c *Cluster) WaitWritable(i int, timeout time.Duration) {
	c.t.Helper()
	cl := c.Nodes[i].Client()
	defer cl.Close()
	deadline := time.Now().Add(timeout)
	var err error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = cl.Set(ctx, "nodetest:probe", i, 0).Err()
		cancel()
		if err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.t.Fatalf("nodetest: node %d accepts no writes after %s: %v", i, timeout, err)
}

// Leader returns the index of a running node whose log says it is the
// leader (its last "leadership changed" line has leader=true), or -1.
func (c *Cluster) Leader() int {
	for i, s := range c.Nodes {
		if !s.Running() {
			continue
		}
		log := s.Log()
		if k := strings.LastIndex(log, `msg="leadership changed"`); k >= 0 {
			line := log[k:]
			if e := strings.IndexByte(line, '\n'); e >= 0 {
				line = line[:e]
			}
			if strings.Contains(line, "leader=true") {
				return i
			}
		}
	}
	return -1
}

// WaitLeader waits until some running node leads and returns its index.
func (c *Cluster) WaitLeader(timeout time.Duration) int {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if l := c.Leader(); l >= 0 {
			return l
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.t.Fatalf("nodetest: no leader after %s", timeout)
	return -1
}
