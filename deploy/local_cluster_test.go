package deploy_test

import (
	"context"
	"github.com/pikaraft/pikaraft/node/nodetest/ports"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/node/nodetest"
)

// script runs deploy/local-cluster.sh with args and returns its output.
func script(t *testing.T, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("bash", append([]string{"local-cluster.sh"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "local-cluster.sh %v:\n%s", args, out)
	return string(out)
}

// freeBase returns a BASE_PORT such that nodes BASE+1..BASE+3 have free
// port sets.
func freeBase(t *testing.T) int {
	b, err := ports.PickConsecutive(3)
	require.NoError(t, err)
	return b - 1
}

func leaderPort(ctx context.Context, base int) int {
	for n := 1; n <= 3; n++ {
		sc := redis.NewSentinelClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(base+n), MaxRetries: -1, DialTimeout: time.Second})
		r, err := sc.GetMasterAddrByName(ctx, "pikaraft").Result()
		sc.Close()
		if err != nil || len(r) != 2 {
			continue
		}
		p, _ := strconv.Atoi(r[1])
		c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + r[1], MaxRetries: -1, DialTimeout: time.Second})
		err = c.Set(ctx, "probe", "1", 0).Err()
		c.Close()
		if err == nil {
			return p
		}
	}
	return 0
}

// TestLocalClusterScript drives deploy/local-cluster.sh: start three
// nodes, find the leader, kill -9 it, see another take over, restart the
// killed node, stop everything.
func TestLocalClusterScript(t *testing.T) {
	base := freeBase(t)
	dir := t.TempDir()
	env := []string{"PIKARAFT_BIN=" + nodetest.Binary(t), "CLUSTER_DIR=" + dir, "BASE_PORT=" + strconv.Itoa(base)}
	t.Cleanup(func() {
		cmd := exec.Command("bash", "local-cluster.sh", "stop")
		cmd.Env = append(os.Environ(), env...)
		_ = cmd.Run()
		if t.Failed() {
			for n := 1; n <= 3; n++ {
				if out, err := os.ReadFile(filepath.Join(dir, "n"+strconv.Itoa(n), "server.log")); err == nil {
					t.Logf("n%d log tail:\n%s", n, tailLines(string(out), 30))
				}
			}
		}
	})
	require.Contains(t, script(t, env, "start"), "cluster 'pikaraft' up")
	ctx := context.Background()
	var leader int
	require.Eventually(t, func() bool { leader = leaderPort(ctx, base); return leader != 0 }, 20*time.Second, 100*time.Millisecond)
	status := script(t, env, "status")
	require.Equal(t, 3, strings.Count(status, " running pid="), status)
	require.Contains(t, status, "port="+strconv.Itoa(leader)+" role=master")
	require.FileExists(t, filepath.Join(dir, "n1", "pikaraft.pid"))

	n := strconv.Itoa(leader - base)
	require.Contains(t, script(t, env, "kill", n), "n"+n+" killed")
	require.Contains(t, script(t, env, "status"), "n"+n+" stopped")
	var next int
	require.Eventually(t, func() bool { next = leaderPort(ctx, base); return next != 0 && next != leader },
		20*time.Second, 100*time.Millisecond, "no new leader after the kill")

	require.Contains(t, script(t, env, "restart", n), "n"+n+" started")
	require.Equal(t, 3, strings.Count(script(t, env, "status"), " running pid="))
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(leader), MaxRetries: -1})
	defer c.Close()
	require.Eventually(t, func() bool { return c.Get(ctx, "probe").Val() == "1" },
		20*time.Second, 100*time.Millisecond, "the restarted node serves the data (a linearizable read on a follower)")

	out := script(t, env, "stop")
	require.Equal(t, 3, strings.Count(out, " stopped"), out)
	require.Equal(t, 3, strings.Count(script(t, env, "status"), " stopped port="))
}

func tailLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
