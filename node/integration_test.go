package node_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/node/nodetest"
)

func TestSetGetAndRestartKeepsData(t *testing.T) {
	s := nodetest.Start(t, nodetest.Options{})
	ctx := context.Background()
	c := s.Client()
	require.NoError(t, c.Set(ctx, "greeting", "hello", 0).Err())
	require.Equal(t, "hello", c.Get(ctx, "greeting").Val())
	require.NoError(t, c.HSet(ctx, "greeting", "f", "hash too").Err()) // Pika: one namespace per type
	require.Equal(t, int64(1), c.Incr(ctx, "n").Val())
	c.Close()

	s.Stop()
	require.Equal(t, 0, s.ExitCode(), "clean shutdown exits 0")
	s.Restart()
	c = s.Client()
	defer c.Close()
	require.Equal(t, "hello", c.Get(ctx, "greeting").Val())
	require.Equal(t, "hash too", c.HGet(ctx, "greeting", "f").Val())
	require.Equal(t, "1", c.Get(ctx, "n").Val())
}

// crashConfig makes the server snapshot and truncate its log often, so
// the crash and the restarts also cover restart after log compaction.
const crashConfig = `raft-snapshot-threshold : 300
raft-snapshot-interval : 1
raft-trailing-logs : 100
`

// clientLog is what one writer saw: every acknowledged INCR reply on its
// own counter, and the SADD members acknowledged or left in doubt.
type clientLog struct {
	incrAcked   []int64
	incrUnknown int
	added       []string
	addUnknown  []string
}

// writer INCRs its own counter and SADDs unique members, one request at a
// time, until a request fails (the server was killed).
func writer(ctx context.Context, c *redis.Client, id int, out *clientLog) {
	counter := fmt.Sprintf("counter:%d", id)
	for i := 0; ctx.Err() == nil; i++ {
		v, err := c.Incr(ctx, counter).Result()
		if err != nil {
			out.incrUnknown++
			return
		}
		out.incrAcked = append(out.incrAcked, v)
		member := fmt.Sprintf("m-%d-%d", id, i)
		if err := c.SAdd(ctx, "members", member).Err(); err != nil {
			out.addUnknown = append(out.addUnknown, member)
			return
		}
		out.added = append(out.added, member)
	}
}

func TestCrashKeepsEveryAcknowledgedWriteExactlyOnce(t *testing.T) {
	s := nodetest.Start(t, nodetest.Options{Config: crashConfig})
	ctx := context.Background()
	const writers = 6
	logs := make([]clientLog, writers)
	var wg sync.WaitGroup
	var acked atomic.Int64
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := s.Client()
			defer c.Close()
			writer(ctx, c, i, &logs[i])
			acked.Add(int64(len(logs[i].incrAcked)))
		}(i)
	}
	// Kill -9 once enough writes went through and a snapshot compacted
	// the log.
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		c := s.Client()
		n, _ := c.SCard(ctx, "members").Result()
		c.Close()
		if n >= 1500 && strings.Contains(s.Log(), "compacting logs") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.Kill()
	wg.Wait()
	// The run covered log compaction: restarts below start from a snapshot.
	require.Contains(t, s.Log(), "snapshot: checkpoint taken")
	require.Contains(t, s.Log(), "compacting logs")

	check := func() {
		c := s.Client()
		defer c.Close()
		members, err := c.SMembers(ctx, "members").Result()
		require.NoError(t, err)
		have := map[string]bool{}
		for _, m := range members {
			have[m] = true
		}
		maybe := 0
		for id, l := range logs {
			// The replies of one client's INCRs are 1, 2, 3, ...: an entry
			// applied twice would skip a number.
			for i, v := range l.incrAcked {
				require.Equal(t, int64(i+1), v, "client %d reply %d", id, i)
			}
			got, err := c.Get(ctx, fmt.Sprintf("counter:%d", id)).Result()
			require.NoError(t, err)
			n, err := strconv.Atoi(got)
			require.NoError(t, err)
			require.GreaterOrEqual(t, n, len(l.incrAcked), "client %d lost acknowledged INCRs", id)
			require.LessOrEqual(t, n, len(l.incrAcked)+l.incrUnknown, "client %d: INCR applied twice", id)
			for _, m := range l.added {
				require.True(t, have[m], "acknowledged member %s lost", m)
			}
			maybe += len(l.addUnknown)
		}
		total := 0
		for _, l := range logs {
			total += len(l.added)
		}
		require.GreaterOrEqual(t, len(members), total)
		require.LessOrEqual(t, len(members), total+maybe, "members nobody added")
	}
	s.Restart()
	check()
	// Restart again, without load: replaying the log after the last
	// snapshot must not apply anything twice.
	s.Kill()
	s.Restart()
	check()
	require.Greater(t, acked.Load(), int64(1000))
	t.Logf("acknowledged INCRs: %d", acked.Load())
}
