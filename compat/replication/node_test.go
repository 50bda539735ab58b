package replication_test

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/compat/binlog"
	"github.com/pikaraft/pikaraft/compat/replication/replica"
	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/node/nodetest"
)

// model is what the test wrote, in LogicalDump's form.
type model map[string]string

// write sends n writes of every type to c, keys named by prefix, and
// records them.
func (m model) write(t *testing.T, c *redis.Client, prefix string, n int) {
	ctx := context.Background()
	for start := 0; start < n; start += 100 {
		p := c.Pipeline()
		for i := start; i < min(start+100, n); i++ {
			k := fmt.Sprintf("%s:%d", prefix, i)
			switch i % 5 {
			case 0:
				p.Set(ctx, "s:"+k, k, 0)
				m["db0|strings|s:"+k] = k
			case 1:
				p.HSet(ctx, "h:"+k, "f", k)
				m["db0|hashes|h:"+k] = "f=" + k
			case 2:
				p.SAdd(ctx, "set:"+k, "a", "b")
				m["db0|sets|set:"+k] = "a\x00b"
			case 3:
				p.RPush(ctx, "l:"+k, "x", k)
				m["db0|lists|l:"+k] = "x\x00" + k
			case 4:
				p.ZAdd(ctx, "z:"+k, redis.Z{Score: 2.5, Member: k})
				m["db0|zsets|z:"+k] = k + "@2.5"
			}
		}
		_, err := p.Exec(ctx)
		require.NoError(t, err)
	}
}

var offsetRe = regexp.MustCompile(`db(\d+):binlog_offset=(\d+) (\d+)`)

// nodeOffsets reads the binlog producer positions from INFO replication.
func nodeOffsets(t *testing.T, c *redis.Client) map[int]binlog.Position {
	s, err := c.Info(context.Background(), "replication").Result()
	require.NoError(t, err)
	out := map[int]binlog.Position{}
	for _, m := range offsetRe.FindAllStringSubmatch(s, -1) {
		db, _ := strconv.Atoi(m[1])
		f, _ := strconv.ParseUint(m[2], 10, 32)
		o, _ := strconv.ParseUint(m[3], 10, 64)
		out[db] = binlog.Position{Filenum: uint32(f), Offset: o}
	}
	return out
}

func waitNode(t *testing.T, r *replica.Replica, c *redis.Client, timeout time.Duration) {
	t.Helper()
	require.Eventually(t, func() bool {
		want := nodeOffsets(t, c)
		for db, st := range r.States() {
			if st != replica.Connected || r.Producer(db) != want[db] {
				return false
			}
		}
		return true
	}, timeout, 50*time.Millisecond, "replica states %v err %v", r.States(), r.Err())
}

func requireModel(t *testing.T, r *replica.Replica, want model) {
	t.Helper()
	var got map[string]string
	require.NoError(t, r.View(func(e *engine.Engine) error {
		var err error
		got, err = replica.LogicalDump(e, time.Now().UnixMilli())
		return err
	}))
	var diff []string
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			diff = append(diff, fmt.Sprintf("%s: want %q, got %q (present %v)", k, v, g, ok))
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			diff = append(diff, fmt.Sprintf("%s: unexpected %q", k, v))
		}
	}
	sort.Strings(diff)
	require.Empty(t, diff[:min(len(diff), 20)], "%d differences", len(diff))
}

func nodeReplica(t *testing.T, addr string) *replica.Replica {
	r, err := replica.Open(replica.Config{Master: addr, LocalPort: 9510, Databases: 2, Dir: t.TempDir(),
		BinlogFileSize: 100 << 20, Logger: testLogger()})
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	return r
}

// TestNodeServesClassicReplica: a pikaraft process with data; the replica
// full-syncs from it, then follows 1000 more writes; INFO lists it.
func TestNodeServesClassicReplica(t *testing.T) {
	s := nodetest.Start(t, nodetest.Options{Config: "databases : 2\n"})
	c := s.Client()
	defer c.Close()
	want := model{}
	want.write(t, c, "pre", 3000)
	r := nodeReplica(t, s.Addr())
	r.Start()
	waitNode(t, r, c, 60*time.Second)
	require.Equal(t, 2, r.Stats().FullSyncs)
	requireModel(t, r, want)

	want.write(t, c, "after", 1000)
	waitNode(t, r, c, 60*time.Second)
	requireModel(t, r, want)
	require.EqualValues(t, 1000, r.Stats().ItemsApplied)
	info, err := c.Info(context.Background(), "replication").Result()
	require.NoError(t, err)
	require.Regexp(t, `slave0:ip=127\.0\.0\.1,port=9510,conn_fd=\d+,lag=\(db0:0\)\(db1:0\)`, info)
	require.Contains(t, s.Log(), "replication: dump ready")
}

// TestClusterReplicaSurvivesLeaderChangeAndMoves: a replica of a follower
// keeps receiving writes after the leader dies, then moves to another
// node with SLAVEOF-like SetMaster and continues without a full sync.
func TestClusterReplicaSurvivesLeaderChangeAndMoves(t *testing.T) {
	cl := nodetest.StartCluster(t, 3, nodetest.Options{Config: "databases : 2\n"})
	leader := cl.Leader()
	f, g := (leader+1)%3, (leader+2)%3
	cf, cg := cl.Nodes[f].Client(), cl.Nodes[g].Client()
	defer cf.Close()
	defer cg.Close()
	want := model{}
	// The key nodetest writes to see that the cluster accepts writes.
	if v, err := cf.Get(context.Background(), "nodetest:probe").Result(); err == nil {
		want["db0|strings|nodetest:probe"] = v
	}
	want.write(t, cf, "pre", 1000)
	r := nodeReplica(t, cl.Nodes[f].Addr())
	r.Start()
	waitNode(t, r, cf, 60*time.Second)
	requireModel(t, r, want)

	cl.Nodes[leader].Kill()
	require.Eventually(t, func() bool {
		return cf.Set(context.Background(), "probe", "1", 0).Err() == nil
	}, 30*time.Second, 100*time.Millisecond)
	want["db0|strings|probe"] = "1"
	want.write(t, cf, "afterkill", 500)
	waitNode(t, r, cf, 60*time.Second)
	requireModel(t, r, want)

	r.SetMaster(cl.Nodes[g].Addr())
	want.write(t, cg, "moved", 500)
	waitNode(t, r, cg, 60*time.Second)
	requireModel(t, r, want)
	require.Equal(t, 2, r.Stats().FullSyncs, "moving to another node needed no full sync")
}
