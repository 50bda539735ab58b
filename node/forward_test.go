package node

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/resp/command"
)

// freeGossipAddr returns a 127.0.0.1 port free for TCP and UDP.
func freeGossipAddr(t *testing.T) string {
	t.Helper()
	for i := 0; i < 50; i++ {
		addr := freeAddr(t)
		if c, err := net.ListenPacket("udp", addr); err == nil {
			c.Close()
			return addr
		}
	}
	t.Fatal("no free gossip port")
	return ""
}

// openCluster starts n in-process nodes that form a cluster through gossip
// with BootstrapExpect n, and returns them once one of them leads.
func openCluster(t *testing.T, n int) []*Node {
	t.Helper()
	gossip := make([]string, n)
	for i := range gossip {
		gossip[i] = freeGossipAddr(t)
	}
	nodes := make([]*Node, n)
	for i := range nodes {
		dir := t.TempDir()
		cfg := Config{
			ID: "n" + strconv.Itoa(i+1), RaftDir: filepath.Join(dir, "raft"), DBPath: filepath.Join(dir, "db"),
			RaftBind: freeAddr(t), Logger: quiet, ClientAddr: "127.0.0.1:" + strconv.Itoa(7000+i),
			HeartbeatTimeout: 300 * time.Millisecond, ElectionTimeout: 300 * time.Millisecond,
			WriteTimeout: 5 * time.Second,
			Membership: Membership{GossipBind: gossip[i], BootstrapExpect: n, Join: []string{gossip[0]},
				ReconcileInterval: 100 * time.Millisecond},
		}
		nodes[i] = openNode(t, cfg)
	}
	require.Eventually(t, func() bool { return leaderOf(nodes) >= 0 }, 20*time.Second, 20*time.Millisecond)
	return nodes
}

func leaderOf(nodes []*Node) int {
	for i, n := range nodes {
		if n.IsLeader() {
			return i
		}
	}
	return -1
}

func incr(key string) [][][]byte { return [][][]byte{{[]byte("incr"), []byte(key)}} }

// linearizableGet reads key of database 0 on n after a linearizable read
// barrier.
func linearizableGet(t *testing.T, n *Node, key string) string {
	t.Helper()
	_, err := n.ReadTime(context.Background(), false)
	require.NoError(t, err)
	eng, release := n.AcquireEngine()
	defer release()
	db, err := eng.DB(0)
	require.NoError(t, err)
	v, err := db.Get([]byte(key), n.now())
	require.NoError(t, err)
	return string(v)
}

// A follower's forwarded write whose reply is lost is retried with the same
// (client ID, sequence): applied once, and the client gets the original
// reply. Without the FSM's dedup the counter would skip numbers.
func TestForwardedWriteRetriedAfterLostReplyAppliesOnce(t *testing.T) {
	nodes := openCluster(t, 3)
	l := leaderOf(nodes)
	follower := nodes[(l+1)%3]
	var forwards, dropped atomic.Int64
	nodes[l].faultDropReply = func() bool {
		// Drop every other reply.
		if forwards.Add(1)%2 == 1 {
			dropped.Add(1)
			return true
		}
		return false
	}
	ctx := context.Background()
	for i := 1; i <= 20; i++ {
		r, err := follower.Write(ctx, 0, incr("ctr"))
		require.NoError(t, err)
		require.Equal(t, []command.Reply{command.Int(int64(i))}, r, "INCR #%d", i)
	}
	require.GreaterOrEqual(t, dropped.Load(), int64(20), "replies were dropped")

	// Every node reads 20, linearizably, follower or not.
	for i, n := range nodes {
		require.Equal(t, "20", linearizableGet(t, n, "ctr"), "node %d", i)
	}
}

// With follower-writes redirect a follower answers MOVED with the leader's
// client address instead of forwarding.
func TestFollowerRedirectsWrites(t *testing.T) {
	nodes := openCluster(t, 3)
	l := leaderOf(nodes)
	follower := nodes[(l+1)%3]
	follower.SetFollowerWrites(true)
	_, err := follower.Write(context.Background(), 0, incr("x"))
	require.EqualError(t, err, fmt.Sprintf("MOVED 0 %s", nodes[l].cfg.ClientAddr))
}

// Without a leader a follower's write waits up to the write timeout and
// fails with TRYAGAIN (never silently); linearizable reads fail the same
// way while stale reads are served at once.
func TestNoQuorumWritesAndReadsFailWithTryAgain(t *testing.T) {
	nodes := openCluster(t, 3)
	l := leaderOf(nodes)
	f := nodes[(l+1)%3]
	require.NoError(t, nodes[l].Close())
	require.NoError(t, nodes[(l+2)%3].Close())
	// Close hands leadership off first, so f may have led for a moment:
	// wait until it steps down for lack of a quorum.
	require.Eventually(t, func() bool { return !f.IsLeader() }, 10*time.Second, 10*time.Millisecond)
	f.cfg.WriteTimeout, f.cfg.ReadTimeout = time.Second, time.Second

	start := time.Now()
	_, err := f.Write(context.Background(), 0, incr("x"))
	require.Error(t, err)
	require.True(t, strings.HasPrefix(err.Error(), "TRYAGAIN "), err.Error())
	require.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond)

	_, err = f.ReadTime(context.Background(), false)
	require.Error(t, err)
	require.True(t, strings.HasPrefix(err.Error(), "TRYAGAIN "), err.Error())
	_, err = f.ReadTime(context.Background(), true)
	require.NoError(t, err)
}
