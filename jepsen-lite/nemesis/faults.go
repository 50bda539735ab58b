package nemesis

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// kill SIGKILLs one node (the leader half of the time) or, one time in
// five, a majority; the heal starts them again.
func (n *Nemesis) kill(ctx context.Context) (healFunc, string) {
	var victims []int
	var desc string
	if len(n.c.Nodes) > 1 && n.rng.IntN(5) == 0 {
		victims = n.rng.Perm(len(n.c.Nodes))[:len(n.c.Nodes)/2+1]
		desc = "majority " + n.ids(victims)
	} else {
		i, d := n.target(ctx)
		victims, desc = []int{i}, d
	}
	for _, i := range victims {
		if err := n.c.Nodes[i].Kill(); err != nil {
			desc += " (" + err.Error() + ")"
		}
	}
	return func(ctx context.Context) string {
		var errs []string
		for _, i := range victims {
			if err := n.c.Nodes[i].Start(ctx); err != nil {
				errs = append(errs, err.Error())
			}
		}
		return "restarted " + n.ids(victims) + errText(errs)
	}, desc
}

// pause SIGSTOPs one node; the heal SIGCONTs it.
func (n *Nemesis) pause(ctx context.Context) (healFunc, string) {
	i, desc := n.target(ctx)
	if err := n.c.Nodes[i].Pause(); err != nil {
		desc += " (" + err.Error() + ")"
	}
	return func(context.Context) string {
		if err := n.c.Nodes[i].Resume(); err != nil {
			return "resume " + n.c.Nodes[i].ID + ": " + err.Error()
		}
		return "resumed " + n.c.Nodes[i].ID
	}, desc
}

// partition cuts Raft links through the proxies: random halves, the
// leader (or one node) alone, a bridge (one node sees both halves, which
// do not see each other), a majority ring (N >= 5) or a one-way cut.
func (n *Nemesis) partition(ctx context.Context) (healFunc, string) {
	size := len(n.c.Nodes)
	if size < 2 {
		return nil, "skipped: one node"
	}
	perm := n.rng.Perm(size)
	var desc string
	switch v := n.rng.IntN(6); {
	case v == 0 && size >= 3:
		b, rest := perm[0], perm[1:]
		a, c := rest[:len(rest)/2], rest[len(rest)/2:]
		n.c.Partition([][]int{a, c})
		desc = fmt.Sprintf("bridge %s through %s to %s", n.ids(a), n.c.Nodes[b].ID, n.ids(c))
	case v == 1 && size >= 5:
		reach := (size/2 + 1 - 1) / 2 // neighbours seen on each side: a majority with itself
		for p := range perm {
			for q := range perm {
				if d := min((p-q+size)%size, (q-p+size)%size); p != q && d > reach {
					n.c.Cut(perm[p], perm[q])
				}
			}
		}
		desc = "majority ring " + n.ids(perm)
	case v == 2:
		l := n.c.Leader(ctx)
		if l < 0 {
			l = perm[0]
		}
		rest := without(perm, l)
		n.c.Partition([][]int{{l}, rest})
		desc = fmt.Sprintf("isolated %s from %s", n.c.Nodes[l].ID, n.ids(rest))
	case v == 3:
		i := perm[0]
		for j := range n.c.Nodes {
			if j != i {
				n.c.Cut(i, j)
			}
		}
		desc = fmt.Sprintf("one-way: %s cannot reach anyone, others reach it", n.c.Nodes[i].ID)
	case v == 4:
		i := perm[0]
		n.c.Partition([][]int{{i}, perm[1:]})
		desc = fmt.Sprintf("isolated %s from %s", n.c.Nodes[i].ID, n.ids(perm[1:]))
	default:
		a, b := perm[:size/2], perm[size/2:]
		n.c.Partition([][]int{a, b})
		desc = fmt.Sprintf("halves %s %s", n.ids(a), n.ids(b))
	}
	return func(context.Context) string { n.c.Heal(); return "healed" }, desc
}

func without(s []int, x int) []int {
	var out []int
	for _, v := range s {
		if v != x {
			out = append(out, v)
		}
	}
	return out
}

// membership removes one node with RAFT REMOVE (sent to another node,
// which relays it to the leader); the heal adds it back with RAFT ADD.
func (n *Nemesis) membership(ctx context.Context) (healFunc, string) {
	if len(n.c.Nodes) < 3 {
		return nil, "skipped: fewer than three nodes"
	}
	i, desc := n.target(ctx)
	via := n.via(ctx, i)
	// Even a failed or timed-out REMOVE may have been applied, so the node
	// is always added back (adding a current voter changes nothing).
	n.mu.Lock()
	n.removed[i] = true
	n.mu.Unlock()
	heal := func(ctx context.Context) string {
		if out := n.readd(ctx, i); out != "" {
			return out
		}
		return "added " + n.c.Nodes[i].ID + " back"
	}
	if _, err := n.c.Do(ctx, via, 15*time.Second, "raft", "remove", n.c.Nodes[i].ID); err != nil {
		return heal, "remove " + desc + " (outcome unknown: " + err.Error() + ")"
	}
	return heal, "removed " + desc
}

// via returns a node other than i to send an admin command to, the
// leader when known.
func (n *Nemesis) via(ctx context.Context, i int) int {
	if l := n.c.Leader(ctx); l >= 0 && l != i {
		return l
	}
	for j := range n.c.Nodes {
		if j != i && n.c.Nodes[j].Running() && !n.c.Nodes[j].Paused() {
			return j
		}
	}
	return (i + 1) % len(n.c.Nodes)
}

// readd adds node i back as a voter, retrying for up to 30 s; it returns
// "" on success.
func (n *Nemesis) readd(ctx context.Context, i int) string {
	deadline := time.Now().Add(30 * time.Second)
	var err error
	for time.Now().Before(deadline) {
		via := n.via(ctx, i)
		if _, err = n.c.Do(ctx, via, 15*time.Second, "raft", "add", n.c.Nodes[i].ID, n.c.Nodes[i].RaftAddr(), "voter"); err == nil {
			n.mu.Lock()
			delete(n.removed, i)
			n.mu.Unlock()
			return ""
		}
		time.Sleep(time.Second)
	}
	return fmt.Sprintf("add %s back failed: %v", n.c.Nodes[i].ID, err)
}

// clock restarts one node with its clock 5 s to 2 min ahead or behind;
// the heal restarts it with the true clock.
func (n *Nemesis) clock(ctx context.Context) (healFunc, string) {
	i, desc := n.target(ctx)
	ms := 5000 + n.rng.Int64N(115000)
	if n.rng.IntN(2) == 0 {
		ms = -ms
	}
	node := n.c.Nodes[i]
	node.SetClockOffset(ms)
	desc = fmt.Sprintf("%s clock %+dms", desc, ms)
	if err := n.c.Restart(ctx, i); err != nil {
		desc += " (" + err.Error() + ")"
	}
	return func(ctx context.Context) string {
		node.SetClockOffset(0)
		if err := n.c.Restart(ctx, i); err != nil {
			return "restart " + node.ID + " with the true clock: " + err.Error()
		}
		return node.ID + " restarted with the true clock"
	}, desc
}

// snapshot runs RAFT SNAPSHOT on every running node (the log is compacted
// down to raft-trailing-logs entries).
func (n *Nemesis) snapshot(ctx context.Context) string {
	var out []string
	for i, node := range n.c.Nodes {
		if !node.Running() || node.Paused() {
			continue
		}
		if _, err := n.c.Do(ctx, i, 30*time.Second, "raft", "snapshot"); err != nil {
			out = append(out, err.Error())
		} else {
			out = append(out, node.ID+" ok")
		}
	}
	return strings.Join(out, "; ")
}

func errText(errs []string) string {
	if len(errs) == 0 {
		return ""
	}
	return " (errors: " + strings.Join(errs, "; ") + ")"
}
