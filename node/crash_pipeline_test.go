package node_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/node/nodetest"
)

// pipeLog is what one pipelining writer saw: how many rounds were
// acknowledged, and whether the last one is in doubt.
type pipeLog struct {
	acked   int
	unknown int
}

// pipeRounds is how many INCR/HINCRBY/LPUSH triples one pipeline carries.
const pipeRounds = 5

// pipeWriter sends pipelines of INCR, HINCRBY and LPUSH on its own keys
// (three RocksDB instances per log entry), until a pipeline fails.
func pipeWriter(ctx context.Context, c *redis.Client, id int, out *pipeLog) error {
	counter, hash, list := fmt.Sprintf("pc:%d", id), fmt.Sprintf("ph:%d", id), fmt.Sprintf("pl:%d", id)
	for {
		cmds, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := 0; i < pipeRounds; i++ {
				p.Incr(ctx, counter)
				p.HIncrBy(ctx, hash, "f", 1)
				p.LPush(ctx, list, "x")
			}
			return nil
		})
		if err != nil {
			out.unknown++
			return nil
		}
		// Replies of the INCRs of one writer are 1, 2, 3, ... in order: an
		// entry applied twice or lost before an acknowledged one shows here.
		base := int64(out.acked * pipeRounds)
		for i := 0; i < pipeRounds; i++ {
			v, _ := cmds[3*i].(*redis.IntCmd).Result()
			if v != base+int64(i)+1 {
				return fmt.Errorf("writer %d: INCR replied %d, want %d", id, v, base+int64(i)+1)
			}
		}
		out.acked++
	}
}

// TestCrashKeepsPipelinedMixedWrites kills -9 a node under pipelined
// writes that touch three instances per log entry (the engine batches WAL
// writes per instance, engine/wal.go) and checks after each restart that
// every acknowledged pipeline is there exactly once, and that every entry
// is whole: the counter, the hash field and the list length agree.
func TestCrashKeepsPipelinedMixedWrites(t *testing.T) {
	s := nodetest.Start(t, nodetest.Options{Config: crashConfig})
	ctx := context.Background()
	const writers = 8
	logs := make([]pipeLog, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := s.Client()
			defer c.Close()
			errs[i] = pipeWriter(ctx, c, i, &logs[i])
		}(i)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		c := s.Client()
		v, _ := c.Get(ctx, "pc:0").Int()
		c.Close()
		if v >= 1500 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.Kill()
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}

	check := func() {
		c := s.Client()
		defer c.Close()
		total := 0
		for id, l := range logs {
			n, err := c.Get(ctx, fmt.Sprintf("pc:%d", id)).Result()
			require.NoError(t, err)
			counter, err := strconv.Atoi(n)
			require.NoError(t, err)
			require.Zero(t, counter%pipeRounds, "writer %d: a pipeline applied in part", id)
			rounds := counter / pipeRounds
			require.GreaterOrEqual(t, rounds, l.acked, "writer %d lost acknowledged pipelines", id)
			require.LessOrEqual(t, rounds, l.acked+l.unknown, "writer %d: a pipeline applied twice", id)
			h, err := c.HGet(ctx, fmt.Sprintf("ph:%d", id), "f").Int()
			require.NoError(t, err)
			require.Equal(t, counter, h, "writer %d: hash and counter disagree", id)
			llen, err := c.LLen(ctx, fmt.Sprintf("pl:%d", id)).Result()
			require.NoError(t, err)
			require.Equal(t, int64(counter), llen, "writer %d: list and counter disagree", id)
			total += l.acked
		}
		require.Greater(t, total, 100)
	}
	s.Restart()
	check()
	s.Kill()
	s.Restart()
	check()
}
