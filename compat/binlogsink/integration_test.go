package binlogsink_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/compat/binlog"
	"github.com/pikaraft/pikaraft/node/nodetest"
)

// serverItems reads every item of a server's db0 binlog.
func serverItems(t *testing.T, s *nodetest.Server) []binlog.Located {
	t.Helper()
	dir := binlog.DBDir(filepath.Join(s.DataDir, "data", "log"), 0)
	files, err := binlog.ListFiles(dir)
	require.NoError(t, err)
	require.NotEmpty(t, files)
	r, err := binlog.OpenReader(dir, files[0], 0)
	require.NoError(t, err)
	defer r.Close()
	var out []binlog.Located
	for {
		it, err := r.Next()
		if errors.Is(err, io.EOF) {
			require.False(t, r.Torn(), "the binlog ends in a torn item after a clean stop")
			return out
		}
		require.NoError(t, err)
		it.Content = append([]byte(nil), it.Content...) // the reader reuses its buffer
		out = append(out, it)
	}
}

// load runs writers that pipeline INCRs of their own counter and SETs of
// keys unique to the round until ctx ends or the server goes away.
func load(ctx context.Context, s *nodetest.Server, round, writers int) *sync.WaitGroup {
	wg := &sync.WaitGroup{}
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := s.Client()
			defer c.Close()
			for i := 0; ctx.Err() == nil; i++ {
				p := c.Pipeline()
				for j := range 8 {
					p.Incr(ctx, fmt.Sprintf("counter:%d", w))
					p.Set(ctx, fmt.Sprintf("k:%d:%d:%d:%d", round, w, i, j), "v", 0)
				}
				if _, err := p.Exec(ctx); err != nil {
					return
				}
			}
		}()
	}
	return wg
}

// TestKill9UnderLoadBinlogHasNoGapOrDuplicate kills a server with -9 in the
// middle of a write load, restarts it, loads it again and stops it. The
// binlog must then hold every applied write exactly once, in Raft order:
// each counter's logged values are 1, 2, 3, ... up to its final value, and
// the SET items name exactly the keys the server has.
func TestKill9UnderLoadBinlogHasNoGapOrDuplicate(t *testing.T) {
	s := nodetest.Start(t, nodetest.Options{Config: "raft-snapshot-threshold : 300\nraft-snapshot-interval : 1\nraft-trailing-logs : 100\n"})
	for round := range 2 {
		ctx, cancel := context.WithCancel(context.Background())
		wg := load(ctx, s, round, 4)
		time.Sleep(2 * time.Second)
		s.Kill()
		cancel()
		wg.Wait()
		s.Restart()
		require.NotContains(t, s.Log(), "binlog: write failed", "round %d", round)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	load(ctx, s, 2, 4).Wait()
	cancel()

	c := s.Client()
	counters := map[string]int64{}
	for w := range 4 {
		key := fmt.Sprintf("counter:%d", w)
		n, err := c.Get(context.Background(), key).Int64()
		require.NoError(t, err)
		counters[key] = n
	}
	keys, err := c.Keys(context.Background(), "k:*").Result()
	require.NoError(t, err)
	c.Close()
	s.Stop()
	require.Equal(t, 0, s.ExitCode())

	if keep := os.Getenv("KEEP_DIR"); keep != "" {
		_ = exec.Command("cp", "-r", s.DataDir, keep).Run()
	}
	items := serverItems(t, s)
	logged := map[string][]int64{}
	var setKeys []string
	var lastIndex uint64
	seen := map[uint64]bool{}
	for _, it := range items {
		// Items of one entry are adjacent and entries come in Raft order.
		if it.Index != lastIndex {
			require.Greater(t, it.Index, lastIndex, "Raft order")
			require.False(t, seen[it.Index], "index %d appears twice", it.Index)
			seen[it.Index], lastIndex = true, it.Index
		}
		argv, err := binlog.ParseRESP(it.Content)
		require.NoError(t, err, "item %+v content %q", it.Start, it.Content)
		switch strings.ToLower(string(argv[0])) {
		case "pksetexat":
			v, err := strconv.ParseInt(string(argv[3]), 10, 64)
			require.NoError(t, err)
			logged[string(argv[1])] = append(logged[string(argv[1])], v)
		case "set":
			setKeys = append(setKeys, string(argv[1]))
		default:
			t.Fatalf("unexpected item %q", argv)
		}
	}
	for key, final := range counters {
		require.Greater(t, final, int64(100), "%s: the load ran", key)
		want := make([]int64, final)
		for i := range want {
			want[i] = int64(i + 1)
		}
		require.Equal(t, want, logged[key], "%s: every INCR logged once, in order", key)
	}
	sort.Strings(keys)
	sort.Strings(setKeys)
	require.Equal(t, keys, setKeys, "every SET logged once")
}

// binlogTool builds bin/pikaraft-binlog for the test.
func binlogTool(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "pikaraft-binlog")
	b, err := exec.Command("go", "build", "-o", out, "github.com/pikaraft/pikaraft/cmd/pikaraft-binlog").CombinedOutput()
	require.NoError(t, err, "%s", b)
	return out
}

// dataSet reads every key of db0 in every type (Pika keeps one namespace
// per type) with its TTL, in a comparable form.
func dataSet(t *testing.T, c *redis.Client) map[string]string {
	t.Helper()
	ctx := context.Background()
	keys, err := c.Keys(ctx, "*").Result()
	require.NoError(t, err)
	out := map[string]string{}
	for _, k := range keys {
		if v, err := c.Get(ctx, k).Result(); err == nil {
			out["string "+k] = v
		}
		if v, _ := c.HGetAll(ctx, k).Result(); len(v) > 0 {
			out["hash "+k] = fmt.Sprint(v)
		}
		if v, _ := c.LRange(ctx, k, 0, -1).Result(); len(v) > 0 {
			out["list "+k] = fmt.Sprint(v)
		}
		if v, _ := c.SMembers(ctx, k).Result(); len(v) > 0 {
			sort.Strings(v)
			out["set "+k] = fmt.Sprint(v)
		}
		if v, _ := c.ZRangeWithScores(ctx, k, 0, -1).Result(); len(v) > 0 {
			out["zset "+k] = fmt.Sprint(v)
		}
		if v, _ := c.XRange(ctx, k, "-", "+").Result(); len(v) > 0 {
			out["stream "+k] = fmt.Sprint(v)
		}
		ttl, err := c.TTL(ctx, k).Result()
		require.NoError(t, err)
		out["ttl "+k] = strconv.FormatBool(ttl > 0)
	}
	return out
}

// TestSendReplaysIntoAFreshServer writes a mixed workload to a node, then
// replays its binlog with `pikaraft-binlog send` into a fresh node: the
// data sets are the same.
func TestSendReplaysIntoAFreshServer(t *testing.T) {
	tool := binlogTool(t)
	a := nodetest.Start(t, nodetest.Options{})
	ctx := context.Background()
	c := a.Client()
	cmds := [][]any{
		{"SET", "s1", "v1"}, {"SET", "s2", "v2", "EX", "1000"}, {"INCR", "n"}, {"INCRBY", "n", "41"},
		{"APPEND", "s1", "-more"}, {"SETNX", "s1", "ignored"}, {"MSET", "m1", "a", "m2", "b"}, {"DEL", "m2"},
		{"INCRBYFLOAT", "f", "1.5"}, {"EXPIRE", "s1", "500"}, {"SET", "gone", "x"}, {"DEL", "gone"},
		{"HSET", "h", "f1", "1", "f2", "2"}, {"HINCRBY", "h", "f1", "10"}, {"HDEL", "h", "f2"},
		{"RPUSH", "l", "a", "b", "c", "d"}, {"LPOP", "l"}, {"RPOPLPUSH", "l", "l2"}, {"LSET", "l", "0", "B"},
		{"SADD", "set", "x", "y", "z"}, {"SREM", "set", "y"}, {"SPOP", "set"},
		{"SADD", "set2", "x", "q"}, {"SUNIONSTORE", "set3", "set", "set2"},
		{"ZADD", "z", "1", "a", "2.5", "b"}, {"ZINCRBY", "z", "3", "a"}, {"ZREM", "z", "b"},
		{"XADD", "st", "*", "f", "v"}, {"XADD", "st", "*", "g", "w"},
		{"SET", "s1", "shared"}, {"HSET", "s1", "f", "v"}, // one key, two types
		{"PEXPIRE", "h", "900000"}, {"SET", "kt", "v", "EX", "100"}, {"SET", "kt", "w", "KEEPTTL"},
	}
	for _, cmd := range cmds {
		require.NoError(t, c.Do(ctx, cmd...).Err(), "%v", cmd)
	}
	want := dataSet(t, c)
	c.Close()

	b := nodetest.Start(t, nodetest.Options{})
	dir := binlog.DBDir(filepath.Join(a.DataDir, "data", "log"), 0)
	out, err := exec.Command(tool, "send", "-n", dir, "-f", "0", "-i", "127.0.0.1", "-p", strconv.Itoa(b.Port)).CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "fail: 0")
	cb := b.Client()
	defer cb.Close()
	require.Equal(t, want, dataSet(t, cb))
}
