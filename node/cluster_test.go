package node_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/node/nodetest"
)

// TestClusterWritesAnywhereReadsEverywhere: a 3-node cluster formed with
// --bootstrap-expect 3; writes on every node (forwarded by followers) are
// read back linearizably on every node, including a read issued on a
// follower right after a write acknowledged on another node.
func TestClusterWritesAnywhereReadsEverywhere(t *testing.T) {
	c := nodetest.StartCluster(t, 3, nodetest.Options{})
	ctx := context.Background()
	leader := c.WaitLeader(10 * time.Second)
	t.Logf("leader is node %d", leader)
	clients := make([]interface{ Close() error }, 0, 3)
	for i := range c.Nodes {
		cl := c.Nodes[i].Client()
		clients = append(clients, cl)
		for k := 0; k < 50; k++ {
			key := fmt.Sprintf("k:%d:%d", i, k)
			require.NoError(t, cl.Set(ctx, key, fmt.Sprint(k), 0).Err(), "SET on node %d", i)
			// Read right away on the next node: linearizable, so it must see it.
			other := c.Nodes[(i+1)%3].Client()
			require.Equal(t, fmt.Sprint(k), other.Get(ctx, key).Val(), "GET %s on node %d", key, (i+1)%3)
			other.Close()
		}
		require.Equal(t, int64(1), cl.Incr(ctx, fmt.Sprintf("ctr:%d", i)).Val())
	}
	for _, cl := range clients {
		cl.Close()
	}
	for i := range c.Nodes {
		cl := c.Nodes[i].Client()
		for j := range c.Nodes {
			for k := 0; k < 50; k += 7 {
				require.Equal(t, fmt.Sprint(k), cl.Get(ctx, fmt.Sprintf("k:%d:%d", j, k)).Val())
			}
			require.Equal(t, "1", cl.Get(ctx, fmt.Sprintf("ctr:%d", j)).Val())
		}
		cl.Close()
	}
}
