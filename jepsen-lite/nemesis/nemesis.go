// Package nemesis injects faults into a jepsen-lite cluster on a
// schedule: process kills and pauses, network partitions through the
// Raft-link proxies, membership changes, clock skew and forced snapshots.
// Every fault and heal is recorded in the history.
package nemesis

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pikaraft/pikaraft/jepsen-lite/cluster"
	"github.com/pikaraft/pikaraft/jepsen-lite/history"
)

// Names lists the nemeses.
var Names = []string{"kill", "pause", "partition", "membership", "clock", "snapshot"}

// Parse splits a comma-separated --nemesis value ("none" or empty for no
// faults) and rejects unknown names.
func Parse(s string) ([]string, error) {
	var out []string
	for _, k := range strings.Split(s, ",") {
		k = strings.TrimSpace(k)
		if k == "" || k == "none" {
			continue
		}
		if !slices.Contains(Names, k) {
			return nil, fmt.Errorf("unknown nemesis %q (want some of %s)", k, strings.Join(Names, ","))
		}
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out, nil
}

// Nemesis runs faults against a cluster.
type Nemesis struct {
	c     *cluster.Cluster
	kinds []string
	rng   *rand.Rand
	rec   *history.Recorder
	logf  func(format string, args ...any)

	mu      sync.Mutex
	current string
	removed map[int]bool
	counts  map[string]int
}

// New returns a nemesis running the given kinds, seeded for reproducible
// choices.
func New(c *cluster.Cluster, kinds []string, seed uint64, rec *history.Recorder, logf func(string, ...any)) *Nemesis {
	return &Nemesis{c: c, kinds: kinds, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), rec: rec, logf: logf,
		removed: map[int]bool{}, counts: map[string]int{}}
}

// Current describes the fault in force ("" when none).
func (n *Nemesis) Current() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.current
}

// Counts returns how many faults of each kind were started.
func (n *Nemesis) Counts() map[string]int {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := map[string]int{}
	for k, v := range n.counts {
		out[k] = v
	}
	return out
}

func (n *Nemesis) event(f, desc string) {
	n.rec.Add(history.Op{Type: history.Info, Process: history.NemesisProcess, F: f, Node: -1, Error: desc})
	n.logf("nemesis: %s %s", f, desc)
}

// Run alternates quiet periods and faults (each lasting about interval,
// ±50%) until ctx ends; the fault in force then is healed. The kinds take
// turns in an order shuffled by the seed, so a run of k fault periods
// covers min(k, kinds) of them.
func (n *Nemesis) Run(ctx context.Context, interval time.Duration) {
	if len(n.kinds) == 0 {
		return
	}
	order := append([]string(nil), n.kinds...)
	n.rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	for cycle := 0; ; cycle++ {
		if !sleep(ctx, n.jitter(interval)) {
			return
		}
		kind := order[cycle%len(order)]
		heal, desc := n.start(ctx, kind)
		n.mu.Lock()
		n.current = kind + " " + desc
		n.counts[kind]++
		n.mu.Unlock()
		n.event("start-"+kind, desc)
		sleep(ctx, n.jitter(interval))
		if heal != nil {
			out := heal(context.WithoutCancel(ctx))
			n.event("stop-"+kind, out)
		}
		n.mu.Lock()
		n.current = ""
		n.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
	}
}

func (n *Nemesis) jitter(d time.Duration) time.Duration {
	return d/2 + time.Duration(n.rng.Int64N(int64(d)+1))
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// healFunc undoes a fault and describes what it did.
type healFunc func(ctx context.Context) string

// start begins a fault of the given kind.
func (n *Nemesis) start(ctx context.Context, kind string) (healFunc, string) {
	switch kind {
	case "kill":
		return n.kill(ctx)
	case "pause":
		return n.pause(ctx)
	case "partition":
		return n.partition(ctx)
	case "membership":
		return n.membership(ctx)
	case "clock":
		return n.clock(ctx)
	case "snapshot":
		return nil, n.snapshot(ctx)
	}
	return nil, "unknown nemesis " + kind
}

// target picks the leader half of the time (when one is known), else a
// random node.
func (n *Nemesis) target(ctx context.Context) (int, string) {
	if n.rng.IntN(2) == 0 {
		if l := n.c.Leader(ctx); l >= 0 {
			return l, n.c.Nodes[l].ID + " (leader)"
		}
	}
	i := n.rng.IntN(len(n.c.Nodes))
	return i, n.c.Nodes[i].ID
}

func (n *Nemesis) ids(idx []int) string {
	var s []string
	for _, i := range idx {
		s = append(s, n.c.Nodes[i].ID)
	}
	return "[" + strings.Join(s, " ") + "]"
}

// HealAll ends every fault: links healed, paused nodes resumed, dead nodes
// started (with no clock offset), removed nodes added back.
func (n *Nemesis) HealAll(ctx context.Context) error {
	n.c.Heal()
	var errs []string
	for _, node := range n.c.Nodes {
		if err := node.Resume(); err != nil {
			errs = append(errs, err.Error())
		}
		if node.ClockOffset() != 0 {
			node.SetClockOffset(0)
			_ = node.Kill()
		}
		if err := node.Start(ctx); err != nil {
			errs = append(errs, err.Error())
		}
	}
	n.mu.Lock()
	removed := make([]int, 0, len(n.removed))
	for i := range n.removed {
		removed = append(removed, i)
	}
	n.mu.Unlock()
	for _, i := range removed {
		if out := n.readd(ctx, i); out != "" {
			errs = append(errs, out)
		}
	}
	desc := "all links healed, all nodes running"
	if len(errs) > 0 {
		desc += "; errors: " + strings.Join(errs, "; ")
	}
	n.event("heal-all", desc)
	if len(errs) > 0 {
		return fmt.Errorf("heal: %s", strings.Join(errs, "; "))
	}
	return nil
}
