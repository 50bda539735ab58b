package node_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/node/nodetest"
)

// anyLogContains reports whether some node's log contains all of parts on
// one line.
func anyLogContains(c *nodetest.Cluster, parts ...string) bool {
	for _, s := range c.Nodes {
		for _, line := range strings.Split(s.Log(), "\n") {
			ok := true
			for _, p := range parts {
				ok = ok && strings.Contains(line, p)
			}
			if ok {
				return true
			}
		}
	}
	return false
}

// writeOn sets key=val on node i (forwarded if it is a follower).
func writeOn(t *testing.T, c *nodetest.Cluster, i int, key, val string) {
	t.Helper()
	cl := c.Nodes[i].Client()
	defer cl.Close()
	require.NoError(t, cl.Set(context.Background(), key, val, 0).Err(), "SET %s on node %d", key, i)
}

// Grow 3→5 with --join (non-voter, then promoted), shrink by a graceful
// leave (leave-on-terminate) and by the dead-server timeout, never below
// bootstrap-expect; the cluster serves writes throughout.
func TestClusterMembershipGrowAndShrink(t *testing.T) {
	c := nodetest.StartCluster(t, 3, nodetest.Options{Config: "raft-dead-server-timeout : 2\n"})
	for k := 0; k < 100; k++ {
		writeOn(t, c, k%3, fmt.Sprintf("k%d", k), fmt.Sprint(k))
	}
	start := time.Now()
	c.Join("n4", "")
	c.Join("n5", "leave-on-terminate : yes\n")
	for _, id := range []string{"n4", "n5"} {
		require.Eventually(t, func() bool {
			return anyLogContains(c, `msg="membership: promoting to voter"`, "id="+id)
		}, 30*time.Second, 100*time.Millisecond, "%s promoted", id)
	}
	t.Logf("grew to 5 voters in %s", time.Since(start).Round(time.Millisecond))
	// The new nodes hold everything written before they joined.
	for _, i := range []int{3, 4} {
		cl := c.Nodes[i].Client()
		for k := 0; k < 100; k += 9 {
			require.Equal(t, fmt.Sprint(k), cl.Get(context.Background(), fmt.Sprintf("k%d", k)).Val())
		}
		cl.Close()
	}

	// Graceful leave: removed at once, long before a failure detector
	// plus the dead-server timeout could have.
	start = time.Now()
	c.Nodes[4].Stop()
	require.Equal(t, 0, c.Nodes[4].ExitCode())
	require.True(t, anyLogContains(c, `msg="membership: server removed"`, "id=n5") ||
		anyLogContains(c, `msg="leave: removed myself from the configuration"`),
		"n5 was removed before it exited")
	t.Logf("n5 left in %s", time.Since(start).Round(time.Millisecond))
	writeOn(t, c, 0, "after-leave", "1")

	// Dead server: kill -9 a non-leader; removed after the timeout.
	start = time.Now()
	victim := 3
	if c.WaitLeader(10*time.Second) == victim {
		victim = 2
	}
	c.Nodes[victim].Kill()
	id := fmt.Sprintf("n%d", victim+1)
	for k := 0; !anyLogContains(c, `msg="membership: server removed"`, "id="+id); k++ {
		require.Less(t, time.Since(start), 40*time.Second, "%s not removed", id)
		writeOn(t, c, c.WaitLeader(10*time.Second), fmt.Sprintf("during-%d", k), "1") // serving throughout
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("dead %s removed after %s", id, time.Since(start).Round(time.Millisecond))

	// Now 3 voters remain. Killing one more leaves 2 of 3 (a quorum: with
	// the 5 voters of before, 2 would not be one); it is never removed,
	// because 3 is bootstrap-expect.
	leader := c.WaitLeader(10 * time.Second)
	var alive []int
	for i, s := range c.Nodes {
		if s.Running() {
			alive = append(alive, i)
		}
	}
	require.Len(t, alive, 3)
	victim = alive[0]
	if victim == leader {
		victim = alive[1]
	}
	c.Nodes[victim].Kill()
	writeOn(t, c, leader, "two-of-three", "1")
	id = fmt.Sprintf("n%d", victim+1)
	require.Eventually(t, func() bool {
		return anyLogContains(c, `msg="membership: not removing dead server: too few voters would remain"`, "id="+id)
	}, 30*time.Second, 200*time.Millisecond)
	for _, i := range alive {
		if i != victim {
			cl := c.Nodes[i].Client()
			require.Equal(t, "1", cl.Get(context.Background(), "two-of-three").Val(), "node %d", i)
			cl.Close()
		}
	}
}
