package node_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/node/nodetest"
)

// TestRemovedLeaderServesAgainWhenAddedBack: RAFT REMOVE the leader
// itself, let the others elect a new one and take writes, then RAFT ADD
// the old leader back. It must catch up and serve linearizable reads again
// without a restart. (Found by jepsen-lite's membership nemesis: with
// hashicorp/raft's default ShutdownOnRemove the removed leader shut its
// Raft down for good while the process kept answering clients with "no
// leader available", and the run never converged.)
func TestRemovedLeaderServesAgainWhenAddedBack(t *testing.T) {
	c := nodetest.StartStatic(t, 3, nodetest.StaticOptions{})
	f := c.WaitLeader(20 * time.Second)
	fc := c.Nodes[f].Client()
	defer fc.Close()
	ctx := context.Background()
	id := fmt.Sprintf("n%d", f+1)

	require.NoError(t, fc.Set(ctx, "before", "1", 0).Err())
	// Remove the leader only once both others follow it: with one of them
	// still starting, the two voters left would have no quorum.
	for _, o := range followers(c, f) {
		waitFollowsLeader(t, c, o, f)
	}
	require.NoError(t, fc.Do(ctx, "raft", "remove", id).Err())
	leader := c.WaitLeader(20*time.Second, f)
	lc := c.Nodes[leader].Client()
	defer lc.Close()
	for i := 0; i < 50; i++ {
		require.NoError(t, lc.Set(ctx, fmt.Sprintf("during:%d", i), i, 0).Err())
	}
	time.Sleep(2 * time.Second)
	require.NoError(t, lc.Do(ctx, "raft", "add", id, fmt.Sprintf("127.0.0.1:%d", c.Nodes[f].Port+3000), "voter").Err())
	require.NoError(t, lc.Set(ctx, "after", "2", 0).Err())

	deadline := time.Now().Add(20 * time.Second)
	var got string
	var err error
	for time.Now().Before(deadline) {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		got, err = fc.Get(cctx, "after").Result()
		cancel()
		if err == nil && got == "2" {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	require.NoError(t, err, "the re-added node never served a linearizable read")
	require.Equal(t, "2", got)
	require.Equal(t, "49", fc.Get(ctx, "during:49").Val())
	st, err := fc.Do(ctx, "raft", "status").Slice()
	require.NoError(t, err)
	require.Equal(t, "follower", st[3], "RAFT STATUS state of the re-added node")
}
