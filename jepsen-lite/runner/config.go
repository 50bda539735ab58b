// Package runner runs one jepsen-lite test: it starts the cluster, drives
// the workloads' clients while the nemesis injects faults, heals, waits
// for the nodes to converge, does the final reads, checks the history and
// writes the report.
package runner

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/pikaraft/pikaraft/jepsen-lite/cluster"
	"github.com/pikaraft/pikaraft/jepsen-lite/nemesis"
	"github.com/pikaraft/pikaraft/jepsen-lite/workload"
)

// Config describes a run.
type Config struct {
	// Workloads and Nemeses are names from workload.Names and
	// nemesis.Names.
	Workloads []string
	Nemeses   []string
	// Nodes is the cluster size (default 3).
	Nodes int
	// Concurrency is the number of clients, spread over workloads and
	// nodes (default 3 per workload).
	Concurrency int
	// TimeLimit bounds the client phase (default 60s); Ops bounds the
	// number of client operations (0: no bound).
	TimeLimit time.Duration
	Ops       int
	// Rate caps client operations per second over all clients (0: no cap).
	Rate float64
	// Seed makes the generators and the nemesis reproducible.
	Seed uint64
	// Interval is the nemesis period: quiet and fault phases each last
	// about this long (default 5s).
	Interval time.Duration
	// OpTimeout bounds one client operation (default 3s); a write still
	// running then has an unknown outcome.
	OpTimeout time.Duration
	// Workload tunes keys and the linearizability search.
	Workload workload.Options
	// Out is the report directory (created).
	Out string
	// Bin is the pikaraft binary.
	Bin string
	// Bootstrap is cluster.BootstrapPeers (default) or BootstrapGossip.
	Bootstrap string
	// ServerConfig is extra pika.conf content for every node.
	ServerConfig string
	// UnsafeStaleReads runs the nodes with read-consistency stale: reads
	// skip ReadIndex. It is broken on purpose; the checker must notice.
	UnsafeStaleReads bool
	// Progress receives progress lines (nil: discarded).
	Progress io.Writer
	// Command is the command line, for the report.
	Command string
}

func (c *Config) fill() error {
	if len(c.Workloads) == 0 {
		return errors.New("no workload")
	}
	for _, w := range c.Workloads {
		if !slices.Contains(workload.Names, w) {
			return fmt.Errorf("unknown workload %q", w)
		}
	}
	if _, err := nemesis.Parse(joinComma(c.Nemeses)); err != nil {
		return err
	}
	if c.Nodes <= 0 {
		c.Nodes = 3
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 3 * len(c.Workloads)
	}
	if c.Concurrency < len(c.Workloads) {
		return fmt.Errorf("concurrency %d is less than the number of workloads (%d)", c.Concurrency, len(c.Workloads))
	}
	if c.TimeLimit <= 0 {
		c.TimeLimit = time.Minute
	}
	if c.Interval <= 0 {
		c.Interval = 5 * time.Second
	}
	if c.OpTimeout <= 0 {
		c.OpTimeout = 3 * time.Second
	}
	if c.Out == "" {
		return errors.New("no output directory")
	}
	if c.Bin == "" {
		return errors.New("no pikaraft binary")
	}
	if c.Bootstrap == "" {
		c.Bootstrap = cluster.BootstrapPeers
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	return nil
}

func joinComma(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}

// serverConfig is the pika.conf content every node gets: short Raft
// timeouts are not configurable, but snapshots are made frequent (and the
// log short) when the snapshot nemesis runs, so lagging nodes need
// InstallSnapshot.
func (c *Config) serverConfig() string {
	conf := "write-timeout-ms : 5000\n"
	if slices.Contains(c.Nemeses, "snapshot") {
		conf += "raft-snapshot-threshold : 200\nraft-trailing-logs : 50\nraft-snapshot-interval : 5\n"
	}
	if c.UnsafeStaleReads {
		conf += "read-consistency : stale\n"
	}
	return conf + c.ServerConfig
}
