package node_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/node/nodetest"
)

type popResult struct {
	vals []string
	err  error
	at   time.Time
}

// blpop runs BLPOP on cl in the background.
func blpop(cl *redis.Client, timeout time.Duration, keys ...string) chan popResult {
	out := make(chan popResult, 1)
	go func() {
		v, err := cl.BLPop(context.Background(), timeout, keys...).Result()
		out <- popResult{v, err, time.Now()}
	}()
	return out
}

// waitBlocked waits until n clients of node s are blocked in cmd.
func waitBlocked(t *testing.T, s *nodetest.Server, cmd string, n int) {
	t.Helper()
	cl := s.Client()
	defer cl.Close()
	require.Eventually(t, func() bool {
		list, err := cl.ClientList(context.Background()).Result()
		return err == nil && strings.Count(list, "cmd="+cmd) >= n
	}, 5*time.Second, 20*time.Millisecond)
}

// waitFollowsLeader waits until node i's ROLE names the leader's client
// port with a connected link.
func waitFollowsLeader(t *testing.T, c *nodetest.StaticCluster, i, leader int) {
	t.Helper()
	cl := c.Nodes[i].Client()
	defer cl.Close()
	require.Eventually(t, func() bool {
		r, err := cl.Do(context.Background(), "role").Slice()
		return err == nil && len(r) == 5 && r[0] == "slave" &&
			r[2] == int64(c.Nodes[leader].Port) && r[3] == "connected"
	}, 10*time.Second, 20*time.Millisecond, "node %d does not follow node %d", i, leader)
}

func TestBlockingPopsAcrossNodes(t *testing.T) {
	c := nodetest.StartStatic(t, 3, nodetest.StaticOptions{})
	leader := c.WaitLeader(10 * time.Second)
	f := followers(c, leader)
	ctx := context.Background()
	a, b, l := c.Nodes[f[0]].Client(), c.Nodes[f[1]].Client(), c.Nodes[leader].Client()
	defer a.Close()
	defer b.Close()
	defer l.Close()

	// Data already there: served at once, from the first non-empty key.
	require.NoError(t, l.RPush(ctx, "q2", "ready").Err())
	require.Equal(t, []string{"q2", "ready"}, a.BLPop(ctx, time.Second, "q1", "q2").Val())

	// Timeout: a nil reply after the timeout.
	start := time.Now()
	_, err := a.BLPop(ctx, 300*time.Millisecond, "empty").Result()
	require.ErrorIs(t, err, redis.Nil)
	require.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond)

	// Arrival order across nodes: a (on a follower) blocked first, then b
	// (another follower), then the leader's own client; one push of three
	// elements serves them in that order.
	ra := blpop(a, 0, "q")
	waitBlocked(t, c.Nodes[f[0]], "blpop", 1)
	time.Sleep(50 * time.Millisecond)
	rb := blpop(b, 0, "q")
	waitBlocked(t, c.Nodes[f[1]], "blpop", 1)
	time.Sleep(50 * time.Millisecond)
	l2 := c.Nodes[leader].Client()
	defer l2.Close()
	rl := blpop(l2, 0, "q")
	waitBlocked(t, c.Nodes[leader], "blpop", 1)
	require.NoError(t, l.RPush(ctx, "q", "1", "2", "3").Err())
	for i, ch := range []chan popResult{ra, rb, rl} {
		select {
		case r := <-ch:
			require.NoError(t, r.err)
			require.Equal(t, []string{"q", string(rune('1' + i))}, r.vals, "waiter %d", i)
		case <-time.After(5 * time.Second):
			t.Fatalf("waiter %d not served", i)
		}
	}
	require.Equal(t, int64(0), l.LLen(ctx, "q").Val())

	// BRPOPLPUSH and BLMOVE wait the same way.
	done := make(chan string, 1)
	go func() { // the command itself, not go-redis's deprecated wrapper
		v, _ := b.Do(ctx, "brpoplpush", "src", "dst", 5).Text()
		done <- v
	}()
	waitBlocked(t, c.Nodes[f[1]], "brpoplpush", 1)
	require.NoError(t, a.RPush(ctx, "src", "m").Err())
	require.Equal(t, "m", <-done)
	require.Equal(t, []string{"m"}, l.LRange(ctx, "dst", 0, -1).Val())
	go func() { done <- a.BLMove(ctx, "src2", "dst", "LEFT", "RIGHT", 5*time.Second).Val() }()
	waitBlocked(t, c.Nodes[f[0]], "blmove", 1)
	require.NoError(t, b.LPush(ctx, "src2", "n").Err())
	require.Equal(t, "n", <-done)
	require.Equal(t, []string{"m", "n"}, l.LRange(ctx, "dst", 0, -1).Val())

	// XREAD BLOCK on a follower is woken by an XADD through another node.
	xr := make(chan []redis.XStream, 1)
	go func() {
		v, _ := a.XRead(ctx, &redis.XReadArgs{Streams: []string{"s", "$"}, Block: 5 * time.Second}).Result()
		xr <- v
	}()
	waitBlocked(t, c.Nodes[f[0]], "xread", 1)
	id := b.XAdd(ctx, &redis.XAddArgs{Stream: "s", Values: []string{"f", "v"}}).Val()
	select {
	case v := <-xr:
		require.Len(t, v, 1)
		require.Equal(t, id, v[0].Messages[0].ID)
	case <-time.After(5 * time.Second):
		t.Fatal("XREAD BLOCK not woken")
	}
	_, err = a.XRead(ctx, &redis.XReadArgs{Streams: []string{"s", "$"}, Block: 200 * time.Millisecond}).Result()
	require.ErrorIs(t, err, redis.Nil)
}

// TestBlockingPopAfterFailover: clients blocked on followers while the
// leader is killed get UNBLOCKED (or an element, never a lost one); the
// retried BLPOP is served by the new leader.
func TestBlockingPopAfterFailover(t *testing.T) {
	c := nodetest.StartStatic(t, 3, nodetest.StaticOptions{})
	leader := c.WaitLeader(10 * time.Second)
	f := followers(c, leader)
	ctx := context.Background()
	a, b := c.Nodes[f[0]].Client(), c.Nodes[f[1]].Client()
	defer a.Close()
	defer b.Close()
	// A follower that has not heard from the first leader yet would send
	// its BLPOP to whichever leader it learns of next, possibly the one
	// elected after the kill: then no leader change ends the wait.
	waitFollowsLeader(t, c, f[0], leader)
	waitFollowsLeader(t, c, f[1], leader)
	ra, rb := blpop(a, 0, "jobs"), blpop(b, 0, "jobs")
	waitBlocked(t, c.Nodes[f[0]], "blpop", 1)
	waitBlocked(t, c.Nodes[f[1]], "blpop", 1)

	c.Nodes[leader].Kill()
	for _, ch := range []chan popResult{ra, rb} {
		select {
		case r := <-ch:
			require.Error(t, r.err)
			require.True(t, strings.HasPrefix(r.err.Error(), "UNBLOCKED"), "got %v", r.err)
		case <-time.After(15 * time.Second):
			t.Fatal("blocked client not woken by the leader change")
		}
	}
	c.WaitLeader(10*time.Second, leader)
	// Retry: served in order after a push on either survivor.
	ra, rb = blpop(a, 10*time.Second, "jobs"), nil
	waitBlocked(t, c.Nodes[f[0]], "blpop", 1)
	require.NoError(t, b.RPush(ctx, "jobs", "j1", "j2").Err())
	r := <-ra
	require.NoError(t, r.err)
	require.Equal(t, []string{"jobs", "j1"}, r.vals)
	require.Equal(t, []string{"j2"}, b.LRange(ctx, "jobs", 0, -1).Val(), "nothing lost, nothing popped twice")
	require.NoError(t, b.Del(ctx, "jobs").Err())

	// Under load across another leader kill: every acknowledged push is
	// popped exactly once or still in the list.
	c.Nodes[leader].Restart()
	leader = c.WaitLeader(10 * time.Second)
	var consumers []*redis.Client
	for i := range c.Nodes {
		if i != leader {
			consumers = append(consumers, c.Nodes[i].Client())
		}
	}
	producer := consumers[0]
	stop := make(chan struct{})
	popped := make(chan string, 10000)
	var wg sync.WaitGroup
	for _, cl := range consumers {
		defer cl.Close()
		for k := 0; k < 2; k++ {
			wg.Add(1)
			go func(cl *redis.Client) {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					v, err := cl.BLPop(ctx, 200*time.Millisecond, "work").Result()
					if err == nil {
						popped <- v[1]
					} else if err != redis.Nil {
						time.Sleep(20 * time.Millisecond)
					}
				}
			}(cl)
		}
	}
	acked := map[string]bool{}
	deadline := time.Now().Add(time.Hour)
	killed := false
	for i := 0; time.Now().Before(deadline); i++ {
		if !killed && i == 100 {
			c.Nodes[leader].Kill()
			killed = true
			deadline = time.Now().Add(5 * time.Second)
		}
		v := "e" + strconv.Itoa(i)
		if producer.RPush(ctx, "work", v).Err() == nil {
			acked[v] = true
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	close(popped)
	seen := map[string]bool{}
	for v := range popped {
		require.False(t, seen[v], "%s popped twice", v)
		seen[v] = true
	}
	for _, v := range producer.LRange(ctx, "work", 0, -1).Val() {
		require.False(t, seen[v], "%s popped and still listed", v)
		seen[v] = true
	}
	for v := range acked {
		require.True(t, seen[v], "acknowledged %s lost", v)
	}
	require.True(t, killed)
	t.Logf("pushed %d (acked), popped or left %d", len(acked), len(seen))
}
