package node_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/node/nodetest"
)

// followers returns the indexes of the nodes that are not leader.
func followers(c *nodetest.StaticCluster, leader int) []int {
	var out []int
	for i := range c.Nodes {
		if i != leader {
			out = append(out, i)
		}
	}
	return out
}

// TestWatchAcrossNodes: a WATCH on one follower is decided by the FSM, so a
// modification made through another node aborts its EXEC, and an EXEC whose
// keys nobody touched runs — with WATCH and EXEC both forwarded.
func TestWatchAcrossNodes(t *testing.T) {
	c := nodetest.StartStatic(t, 3, nodetest.StaticOptions{})
	leader := c.WaitLeader(10 * time.Second)
	f := followers(c, leader)
	ctx := context.Background()
	a, b := c.Nodes[f[0]].Client(), c.Nodes[f[1]].Client()
	defer a.Close()
	defer b.Close()
	require.NoError(t, a.Set(ctx, "acct", "10", 0).Err())

	// Conflict: b modifies the key between a's WATCH and EXEC.
	err := a.Watch(ctx, func(tx *redis.Tx) error {
		v, err := tx.Get(ctx, "acct").Int()
		require.NoError(t, err)
		require.NoError(t, b.IncrBy(ctx, "acct", 5).Err())
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, "acct", strconv.Itoa(v*2), 0)
			return nil
		})
		return err
	}, "acct")
	require.ErrorIs(t, err, redis.TxFailedErr)
	require.Equal(t, "15", a.Get(ctx, "acct").Val())
	require.Equal(t, "15", c.Nodes[leader].Client().Get(ctx, "acct").Val())

	// No conflict (another key changes on the leader meanwhile): EXEC runs.
	err = a.Watch(ctx, func(tx *redis.Tx) error {
		v, err := tx.Get(ctx, "acct").Int()
		require.NoError(t, err)
		l := c.Nodes[leader].Client()
		defer l.Close()
		require.NoError(t, l.Set(ctx, "unrelated", "x", 0).Err())
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, "acct", strconv.Itoa(v*2), 0)
			return nil
		})
		return err
	}, "acct")
	require.NoError(t, err)
	require.Equal(t, "30", b.Get(ctx, "acct").Val())

	// A WATCH on the leader, the change on a follower, EXEC on the leader.
	l := c.Nodes[leader].Client()
	defer l.Close()
	err = l.Watch(ctx, func(tx *redis.Tx) error {
		require.NoError(t, b.Set(ctx, "acct", "0", 0).Err())
		_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, "acct", "999", 0)
			return nil
		})
		return err
	}, "acct")
	require.True(t, errors.Is(err, redis.TxFailedErr), "got %v", err)
	require.Equal(t, "0", a.Get(ctx, "acct").Val())
}

// TestPublishReachesEveryNode: PUBLISH on node A reaches subscribers on
// nodes B and C (and counts them); PUBSUB answers for the whole cluster.
func TestPublishReachesEveryNode(t *testing.T) {
	c := nodetest.StartStatic(t, 3, nodetest.StaticOptions{})
	c.WaitLeader(10 * time.Second)
	ctx := context.Background()
	var subs []*redis.PubSub
	for i := 1; i < 3; i++ {
		cl := c.Nodes[i].Client()
		defer cl.Close()
		ps := cl.Subscribe(ctx, "events")
		defer ps.Close()
		_, err := ps.Receive(ctx)
		require.NoError(t, err)
		subs = append(subs, ps)
	}
	pcl := c.Nodes[2].Client()
	defer pcl.Close()
	pps := pcl.PSubscribe(ctx, "ev*")
	defer pps.Close()
	_, err := pps.Receive(ctx)
	require.NoError(t, err)

	pub := c.Nodes[0].Client()
	defer pub.Close()
	for i := 0; i < 5; i++ {
		require.Equal(t, int64(3), pub.Publish(ctx, "events", "m"+strconv.Itoa(i)).Val())
	}
	for _, ps := range append(subs, pps) {
		for i := 0; i < 5; i++ {
			rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			m, err := ps.ReceiveMessage(rctx)
			cancel()
			require.NoError(t, err)
			require.Equal(t, "m"+strconv.Itoa(i), m.Payload, "in publishing order")
		}
	}
	require.Equal(t, []string{"events"}, pub.PubSubChannels(ctx, "*").Val())
	require.Equal(t, map[string]int64{"events": 2}, pub.PubSubNumSub(ctx, "events").Val())
	require.Equal(t, int64(1), pub.PubSubNumPat(ctx).Val())
}
