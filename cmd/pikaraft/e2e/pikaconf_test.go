package e2e_test

import (
	"bytes"
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

// sampleConf is Pika 3.5.5's sample pika.conf, unmodified.
const sampleConf = "../../../compat/pikaconf/testdata/pika-3.5.5.conf"

// TestPikaSampleConfStartsANode starts the real binary with Pika's sample
// pika.conf (only the port overridden on the command line), in a fresh
// directory since the sample's paths are relative: it serves, writes its
// data and binlog where the file says, and names once the keys that have
// no effect.
func TestPikaSampleConfStartsANode(t *testing.T) {
	dir := t.TempDir()
	raw, err := os.ReadFile(sampleConf)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pika.conf"), raw, 0o644))
	port := nodetest.FreePort(t)
	cmd := exec.Command(nodetest.Binary(t), "-c", "pika.conf", "--port", strconv.Itoa(port))
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("server log:\n%s", stderr.String())
		}
	}()
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port), MaxRetries: -1})
	defer c.Close()
	require.Eventually(t, func() bool { return c.Set(ctx, "k", "v", 0).Err() == nil }, 20*time.Second, 100*time.Millisecond)
	require.Equal(t, "v", c.Get(ctx, "k").Val())
	require.Equal(t, map[string]string{"instance-mode": "classic"}, c.ConfigGet(ctx, "instance-mode").Val())
	for _, sub := range []string{"db", "log/log_db0"} {
		_, err := os.Stat(filepath.Join(dir, sub))
		require.NoError(t, err, "%s under the sample's relative path", sub)
	}
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	require.NoError(t, cmd.Wait())
	log := stderr.String()
	require.Equal(t, 1, strings.Count(log, "parameters accepted without effect"), "logged once")
	require.Contains(t, log, "internal-used-unfinished-full-sync")
	require.Contains(t, log, "thread-pool-size")
}

// TestBadConfLineStopsStartUp: a bad line makes the binary exit 1 at once
// and name the file, the line and the reason.
func TestBadConfLineStopsStartUp(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "pika.conf")
	for _, tc := range []struct{ text, want string }{
		{"# comment\nport : 9221\nthis line has no separator\n", "line 3"},
		{"port : 9221\ndatabases : 99\n", "line 2: databases"},
		{"write-binlog : maybe\n", "line 1: write-binlog"},
	} {
		require.NoError(t, os.WriteFile(conf, []byte(tc.text), 0o644))
		cmd := exec.Command(nodetest.Binary(t), "-c", conf, "--data-dir", filepath.Join(dir, "data"))
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit, "%s", out)
		require.Equal(t, 1, exit.ExitCode())
		require.Contains(t, string(out), conf)
		require.Contains(t, string(out), tc.want)
	}
}
