package node_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/node/nodetest"
)

// snapshotConfig compacts the Raft log early and often (setKeys' pipelines
// of 1000 SETs become a few log entries each: up to 256 writes share one).
const snapshotConfig = `raft-snapshot-threshold : 100
raft-snapshot-interval : 1
raft-trailing-logs : 50
`

// setKeys writes keys prefix:0..n-1 through c, pipelined 1000 at a time.
func setKeys(t *testing.T, c *redis.Client, prefix string, from, to int) {
	t.Helper()
	ctx := context.Background()
	for i := from; i < to; i += 1000 {
		p := c.Pipeline()
		for k := i; k < min(i+1000, to); k++ {
			p.Set(ctx, fmt.Sprintf("%s:%d", prefix, k), k, 0)
		}
		cmds, err := p.Exec(ctx)
		require.NoError(t, err)
		for _, cmd := range cmds {
			require.NoError(t, cmd.Err())
		}
	}
}

// checkKeys reads every key prefix:from..to-1 on c (MGET, 1000 at a time).
func checkKeys(t *testing.T, c *redis.Client, prefix string, from, to int) {
	t.Helper()
	ctx := context.Background()
	for i := from; i < to; i += 1000 {
		keys := make([]string, 0, 1000)
		for k := i; k < min(i+1000, to); k++ {
			keys = append(keys, fmt.Sprintf("%s:%d", prefix, k))
		}
		vals, err := c.MGet(ctx, keys...).Result()
		require.NoError(t, err)
		for j, v := range vals {
			require.Equal(t, fmt.Sprint(i+j), v, "key %s", keys[j])
		}
	}
}

// A follower stopped while the others write 100k keys (and compact their
// logs far past it) catches up by a snapshot install and then the log.
// It restarts with no flags: node ID and peers come from its data dir.
func TestClusterFollowerCatchesUpBySnapshot(t *testing.T) {
	c, leader, lc, f := startSnapshotCluster(t)
	follower := c.Nodes[f]
	follower.Stop()
	t.Logf("stopped follower node %d; writing 100k keys on the leader (node %d)", f, leader)
	start := time.Now()
	setKeys(t, lc, "key", 0, 100_000)
	t.Logf("wrote 100k keys in %s", time.Since(start).Round(time.Millisecond))
	require.Eventually(t, func() bool {
		return strings.Contains(c.Nodes[leader].Log(), "compacting logs")
	}, 30*time.Second, 100*time.Millisecond, "the leader compacts its log")

	follower.SetArgs() // no --node-id, --join or --bootstrap-expect
	follower.Restart()
	t.Logf("restarted node %d", f)
	// Keep writing while it catches up: these come by log after the snapshot.
	setKeys(t, lc, "after", 0, 2000)
	fc := follower.Client()
	defer fc.Close()
	require.Eventually(t, func() bool {
		return strings.Contains(follower.Log(), "restore: snapshot installed")
	}, 60*time.Second, 100*time.Millisecond, "the follower installs a snapshot")
	t.Logf("node %d installed a snapshot; checking every key there", f)
	checkKeys(t, fc, "before", 0, 1000)
	checkKeys(t, fc, "key", 0, 100_000)
	checkKeys(t, fc, "after", 0, 2000)
	// And it keeps following by log: a write on it (forwarded) and a
	// linearizable read on it.
	require.NoError(t, fc.Set(context.Background(), "last", "x", 0).Err())
	require.Equal(t, "x", fc.Get(context.Background(), "last").Val())
	t.Logf("follower caught up in %s", time.Since(start).Round(time.Millisecond))
}

// A follower killed (SIGKILL) while it installs a snapshot — during the
// transfer, and just before the swap of its data directory — ends with the
// old data or the new, never a mix: restarted, it finishes or redoes the
// install and has every key.
func TestFollowerKilledDuringSnapshotInstall(t *testing.T) {
	c, leader, lc, f := startSnapshotCluster(t)
	follower := c.Nodes[f]
	follower.SetArgs()

	written := 0
	for _, point := range []string{"snapstore: creating snapshot", "restore: linking done"} {
		follower.Stop()
		compactions := strings.Count(c.Nodes[leader].Log(), "compacting logs")
		setKeys(t, lc, "key", written, written+30_000)
		written += 30_000
		require.Eventually(t, func() bool {
			return strings.Count(c.Nodes[leader].Log(), "compacting logs") > compactions
		}, 30*time.Second, 100*time.Millisecond, "the leader compacts its log past the follower")

		seen := strings.Count(follower.Log(), point)
		installed := strings.Count(follower.Log(), "restore: snapshot installed")
		follower.Restart()
		require.Eventually(t, func() bool { return strings.Count(follower.Log(), point) > seen },
			60*time.Second, 2*time.Millisecond, "the follower reaches %q", point)
		follower.Kill()
		done := strings.Count(follower.Log(), "restore: snapshot installed") > installed
		t.Logf("killed node %d at %q (install finished before the kill: %v)", f, point, done)

		follower.Restart()
		fc := follower.Client()
		want, err := lc.DBSize(context.Background()).Result()
		require.NoError(t, err)
		require.Eventually(t, func() bool {
			n, err := fc.DBSize(context.Background()).Result()
			return err == nil && n == want
		}, 60*time.Second, 100*time.Millisecond, "the restarted follower has as many keys as the leader (%d)", want)
		checkKeys(t, fc, "before", 0, 1000)
		checkKeys(t, fc, "key", 0, written)
		fc.Close()
	}
}

// startSnapshotCluster starts three nodes that compact their logs early
// (snapshotConfig), writes keys "before" 0..999 on the leader and returns
// the cluster, the leader's index, a client of it (closed at the end of the
// test) and the index of a follower.
func startSnapshotCluster(t *testing.T) (c *nodetest.Cluster, leader int, lc *redis.Client, follower int) {
	t.Helper()
	c = nodetest.StartCluster(t, 3, nodetest.Options{Config: snapshotConfig})
	leader = c.WaitLeader(10 * time.Second)
	lc = c.Nodes[leader].Client()
	t.Cleanup(func() { _ = lc.Close() })
	setKeys(t, lc, "before", 0, 1000)
	return c, leader, lc, (leader + 1) % 3
}
