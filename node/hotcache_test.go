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

// cacheConfig turns the hot-key cache on.
const cacheConfig = "cache-model : 1\ncache-maxmemory : 16777216\ncache-type : string, list\ndatabases : 2\n"

// cacheInfo returns INFO cache's fields.
func cacheInfo(t *testing.T, c *redis.Client) map[string]string {
	t.Helper()
	out, err := c.Info(context.Background(), "cache").Result()
	require.NoError(t, err)
	kv := map[string]string{}
	for _, l := range strings.Split(out, "\r\n") {
		if k, v, ok := strings.Cut(l, ":"); ok {
			kv[k] = v
		}
	}
	return kv
}

// With the cache on, every write is visible to the next read: SET, DEL,
// EXPIRE, FLUSHDB, FLUSHALL, list writes, and in another database.
func TestHotCacheNeverServesOverwrittenValues(t *testing.T) {
	ctx := context.Background()
	s := nodetest.Start(t, nodetest.Options{Config: cacheConfig})
	c := s.Client()
	defer c.Close()
	get := func(key string) string {
		for i := 0; i < 2; i++ { // the second read is served by the cache
			v, err := c.Get(ctx, key).Result()
			if err == redis.Nil {
				v = "(nil)"
			} else {
				require.NoError(t, err)
			}
			if i == 1 {
				return v
			}
		}
		return ""
	}
	lrange := func(key string) []string {
		c.LRange(ctx, key, 0, -1)
		v, err := c.LRange(ctx, key, 0, -1).Result()
		require.NoError(t, err)
		return v
	}
	require.Equal(t, "Ok", cacheInfo(t, c)["cache_status"])

	require.NoError(t, c.Set(ctx, "k", "v1", 0).Err())
	require.Equal(t, "v1", get("k"))
	require.NoError(t, c.Set(ctx, "k", "v2", 0).Err())
	require.Equal(t, "v2", get("k"))
	require.NoError(t, c.Append(ctx, "k", "+").Err())
	require.Equal(t, "v2+", get("k"))
	require.NoError(t, c.Del(ctx, "k").Err())
	require.Equal(t, "(nil)", get("k"))

	require.NoError(t, c.Set(ctx, "k", "v3", 0).Err())
	require.Equal(t, "v3", get("k"))
	require.NoError(t, c.Expire(ctx, "k", time.Second).Err())
	require.Equal(t, "v3", get("k"))
	require.Eventually(t, func() bool { return get("k") == "(nil)" }, 5*time.Second, 100*time.Millisecond,
		"a cached value honours the TTL set after it was cached")

	require.NoError(t, c.RPush(ctx, "l", "a", "b").Err())
	require.Equal(t, []string{"a", "b"}, lrange("l"))
	require.NoError(t, c.LPush(ctx, "l", "z").Err())
	require.Equal(t, []string{"z", "a", "b"}, lrange("l"))
	require.NoError(t, c.Del(ctx, "l").Err())
	require.Equal(t, []string{}, lrange("l"))

	require.NoError(t, c.Set(ctx, "k", "v4", 0).Err())
	require.Equal(t, "v4", get("k"))
	require.NoError(t, c.Do(ctx, "flushdb").Err())
	require.Equal(t, "(nil)", get("k"))

	// Database 1 has its own values; FLUSHALL clears both.
	c1 := redis.NewClient(&redis.Options{Addr: s.Addr(), DB: 1, Protocol: 2})
	defer c1.Close()
	require.NoError(t, c.Set(ctx, "k", "db0", 0).Err())
	require.NoError(t, c1.Set(ctx, "k", "db1", 0).Err())
	require.Equal(t, "db0", get("k"))
	require.Equal(t, "db1", c1.Get(ctx, "k").Val())
	require.Equal(t, "db1", c1.Get(ctx, "k").Val())
	require.NoError(t, c1.Do(ctx, "flushall").Err())
	require.Equal(t, "(nil)", get("k"))
	require.Equal(t, redis.Nil, c1.Get(ctx, "k").Err())

	kv := cacheInfo(t, c)
	hits, err := strconv.Atoi(kv["hits"])
	require.NoError(t, err)
	require.Greater(t, hits, 10, "the reads went through the cache: %v", kv)

	// CACHE DEL and CACHE CLEAR drop entries, never data.
	require.NoError(t, c.Set(ctx, "k", "kept", 0).Err())
	require.NoError(t, c.Set(ctx, "k2", "kept2", 0).Err())
	require.Equal(t, "kept", get("k"))
	require.Equal(t, "kept2", get("k2"))
	require.Equal(t, "2", cacheInfo(t, c)["cache_keys"])
	require.NoError(t, c.Do(ctx, "cache", "del", "k").Err())
	require.Equal(t, "1", cacheInfo(t, c)["cache_keys"])
	require.NoError(t, c.Do(ctx, "cache", "clear", "all").Err())
	require.Equal(t, "0", cacheInfo(t, c)["cache_keys"])
	require.Equal(t, "kept", get("k"))

	// CONFIG SET cache-model 0 turns it off at run time.
	require.NoError(t, c.ConfigSet(ctx, "cache-model", "0").Err())
	require.Equal(t, "Disable", cacheInfo(t, c)["cache_status"])
	require.Equal(t, "kept2", get("k2"))
}

// Concurrent writers and readers on a few hot keys: a GET that starts
// after a SET was acknowledged never returns an older value.
func TestHotCacheConcurrentReadersAndWriters(t *testing.T) {
	s := nodetest.Start(t, nodetest.Options{Config: cacheConfig})
	checkNoStaleReads(t, []*nodetest.Server{s}, 0, 4*time.Second)
	c := s.Client()
	defer c.Close()
	kv := cacheInfo(t, c)
	hits, _ := strconv.Atoi(kv["hits"])
	require.Positive(t, hits, "%v", kv)
}

// On a 3-node cluster with the cache on, a read on any node (ReadIndex,
// then the cache) sees every write the leader acknowledged before it.
func TestHotCacheFollowerReadsSeeLeaderWrites(t *testing.T) {
	c := nodetest.StartCluster(t, 3, nodetest.Options{Config: cacheConfig})
	leader := c.WaitLeader(10 * time.Second)
	ctx := context.Background()
	lc := c.Nodes[leader].Client()
	defer lc.Close()
	var clients []*redis.Client
	for _, n := range c.Nodes {
		cl := n.Client()
		defer cl.Close()
		clients = append(clients, cl)
	}
	for i := 0; i < 30; i++ {
		want := fmt.Sprint(i)
		require.NoError(t, lc.Set(ctx, "hot", want, 0).Err())
		require.NoError(t, lc.RPush(ctx, "hotlist", want).Err())
		for j, cl := range clients {
			for r := 0; r < 2; r++ { // a miss, then a hit
				require.Equal(t, want, cl.Get(ctx, "hot").Val(), "node %d, write %d", j, i)
				l := cl.LRange(ctx, "hotlist", -1, -1).Val()
				require.Equal(t, []string{want}, l, "node %d, write %d", j, i)
			}
		}
	}
	for j, cl := range clients {
		hits, _ := strconv.Atoi(cacheInfo(t, cl)["hits"])
		require.Positive(t, hits, "node %d served reads from its cache", j)
	}
	checkNoStaleReads(t, c.Nodes, leader, 3*time.Second)
}

// checkNoStaleReads runs writers on nodes[writer] and readers on every
// node for d: each key has one writer that SETs increasing numbers and
// publishes each once acknowledged; a reader notes the published number
// before its GET and fails if the GET returns less.
func checkNoStaleReads(t *testing.T, nodes []*nodetest.Server, writer int, d time.Duration) {
	t.Helper()
	ctx := context.Background()
	const keys = 4
	var acked [keys]atomic.Int64
	stop := make(chan struct{})
	errs := make(chan error, 64)
	var wg sync.WaitGroup
	for k := 0; k < keys; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := nodes[writer].Client()
			defer cl.Close()
			for i := int64(1); ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if err := cl.Set(ctx, fmt.Sprintf("race:%d", k), i, 0).Err(); err != nil {
					errs <- fmt.Errorf("set: %w", err)
					return
				}
				acked[k].Store(i)
			}
		}()
	}
	for _, n := range nodes {
		for r := 0; r < 3; r++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cl := n.Client()
				defer cl.Close()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					k := i % keys
					floor := acked[k].Load()
					v, err := cl.Get(ctx, fmt.Sprintf("race:%d", k)).Int64()
					if err == redis.Nil {
						v, err = 0, nil
					}
					if err != nil {
						errs <- fmt.Errorf("get: %w", err)
						return
					}
					if v < floor {
						errs <- fmt.Errorf("node %s: GET race:%d = %d after %d was acknowledged", n.Addr(), k, v, floor)
						return
					}
				}
			}()
		}
	}
	time.Sleep(d)
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	for k := range acked {
		require.Positive(t, acked[k].Load(), "writer %d made progress", k)
	}
}
