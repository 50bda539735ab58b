package runner

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pikaraft/pikaraft/jepsen-lite/cluster"
)

// Convergence is what the nodes looked like after healing.
type Convergence struct {
	// OK is false when the nodes provably disagree (different checksums at
	// the same applied index) or never caught up.
	OK bool `json:"ok"`
	// Applied is each node's applied index once converged.
	Applied map[string]int64 `json:"applied,omitempty"`
	// Checksums is each node's RAFT CHECKSUM (empty when unavailable).
	Checksums map[string]string `json:"checksums,omitempty"`
	// Took is how long the nodes took to converge.
	Took  string   `json:"took"`
	Notes []string `json:"notes,omitempty"`
}

// converge waits (up to a minute) until every node reports the same
// applied index, then compares the nodes' data checksums.
func converge(ctx context.Context, c *cluster.Cluster, logf func(string, ...any)) Convergence {
	start := time.Now()
	conv := Convergence{OK: true, Applied: map[string]int64{}}
	deadline := start.Add(time.Minute)
	for {
		applied := map[string]int64{}
		var err error
		same := true
		var first int64 = -1
		for i, n := range c.Nodes {
			var st cluster.Status
			if st, err = c.RaftStatus(ctx, i); err != nil {
				break
			}
			applied[n.ID] = st.AppliedIndex
			if first < 0 {
				first = st.AppliedIndex
			}
			same = same && st.AppliedIndex == first && st.CommitIndex <= st.AppliedIndex
		}
		if err != nil && (time.Now().After(deadline) || strings.Contains(err.Error(), "not available")) {
			conv.Notes = append(conv.Notes, "RAFT STATUS unavailable, convergence judged by the final reads only: "+err.Error())
			break
		}
		if err == nil && same {
			conv.Applied = applied
			break
		}
		if time.Now().After(deadline) {
			conv.OK = false
			conv.Applied = applied
			conv.Notes = append(conv.Notes, fmt.Sprintf("nodes did not reach the same applied index within a minute: %v", applied))
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	conv.Took = time.Since(start).Round(time.Millisecond).String()
	if conv.OK && len(conv.Applied) == len(c.Nodes) {
		conv.Checksums = map[string]string{}
		var sum string
		for i, n := range c.Nodes {
			applied, s, err := c.Checksum(ctx, i)
			if err != nil {
				conv.Notes = append(conv.Notes, "RAFT CHECKSUM: "+err.Error())
				conv.Checksums = nil
				break
			}
			conv.Checksums[n.ID] = fmt.Sprintf("%d:%s", applied, s)
			if i == 0 {
				sum = conv.Checksums[n.ID]
			} else if conv.Checksums[n.ID] != sum {
				conv.OK = false
				conv.Notes = append(conv.Notes, fmt.Sprintf("%s's data differs from %s's", n.ID, c.Nodes[0].ID))
			}
		}
	}
	logf("converged: ok=%v applied=%v took %s", conv.OK, conv.Applied, conv.Took)
	return conv
}
