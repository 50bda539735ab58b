package deploy_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/compat/pikaconf"
	"github.com/pikaraft/pikaraft/node/nodetest"
	portset "github.com/pikaraft/pikaraft/node/nodetest/ports"
)

// unitFile is a parsed systemd unit: section → key → values (a key may
// repeat).
type unitFile map[string]map[string][]string

func parseUnit(t *testing.T, path string) unitFile {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	u := unitFile{}
	section := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			u[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			require.True(t, ok, "%s:%d: not key=value: %q", path, n, line)
			require.NotEmpty(t, section, "%s:%d: key outside a section", path, n)
			u[section][strings.TrimSpace(k)] = append(u[section][strings.TrimSpace(k)], strings.TrimSpace(v))
		}
	}
	require.NoError(t, sc.Err())
	return u
}

func (u unitFile) one(t *testing.T, section, key string) string {
	t.Helper()
	vs := u[section][key]
	require.Len(t, vs, 1, "[%s] %s", section, key)
	return vs[0]
}

// TestSystemdUnit checks the unit's required settings and the three
// example configs.
func TestSystemdUnit(t *testing.T) {
	u := parseUnit(t, "systemd/pikaraft@.service")
	require.Equal(t, "on-failure", u.one(t, "Service", "Restart"))
	nofile, err := strconv.Atoi(u.one(t, "Service", "LimitNOFILE"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, nofile, 65536, "RocksDB keeps many files open (max-cache-files)")
	require.Equal(t, "SIGTERM", u.one(t, "Service", "KillSignal"), "SIGTERM is the clean shutdown (and the leave, with leave-on-terminate)")
	require.Equal(t, "multi-user.target", u.one(t, "Install", "WantedBy"))
	exec := strings.Fields(u.one(t, "Service", "ExecStart"))
	require.Equal(t, "pikaraft", filepath.Base(exec[0]))
	require.Equal(t, "/etc/pikaraft/%i.conf", flagValue(t, exec, "-c"))

	for i := 1; i <= 3; i++ {
		c, err := pikaconf.Load(fmt.Sprintf("systemd/conf/node%d.conf", i))
		require.NoError(t, err)
		port := int(c.Int("port", 0))
		require.Equal(t, fmt.Sprintf("node%d", i), c.String("node-id"))
		require.Equal(t, fmt.Sprintf("10.0.0.%d:%d", i, port+3000), c.String("raft-advertise"))
		require.Equal(t, int64(3), c.Int("bootstrap-expect", 0))
		var want []string
		for j := 1; j <= 3; j++ {
			if j != i {
				want = append(want, fmt.Sprintf("10.0.0.%d:%d", j, port+4000))
			}
		}
		require.Equal(t, strings.Join(want, ","), c.String("join"))
		_, set := c.Value("leave-on-terminate")
		require.True(t, set && c.IsSet("leave-on-terminate"), "node%d.conf states leave-on-terminate", i)
	}
}

// flagValue returns the argument after flag in args.
func flagValue(t *testing.T, args []string, flag string) string {
	t.Helper()
	for i, a := range args {
		if a == flag && i+1 < len(args) {
			return args[i+1]
		}
	}
	t.Fatalf("%s not in %v", flag, args)
	return ""
}

// rewriteConf rewrites the values of keys in a pika.conf text.
func rewriteConf(t *testing.T, text string, values map[string]string) string {
	t.Helper()
	var out []string
	seen := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		k, _, ok := strings.Cut(line, ":")
		k = strings.TrimSpace(k)
		if v, want := values[k]; ok && want && !strings.HasPrefix(k, "#") {
			line = k + " : " + v
			seen[k] = true
		}
		out = append(out, line)
	}
	for k := range values {
		require.True(t, seen[k], "key %s not in the config", k)
	}
	return strings.Join(out, "\n")
}

// TestSystemdExecStart runs the unit's ExecStart line for node1..node3, on
// this host: the same binary and flags, with the instance name filled in
// and only the paths, the bind address and the hosts/ports of the example
// configs rewritten. The three form a cluster, serve, report healthy, and
// stop cleanly on the unit's KillSignal.
func TestSystemdExecStart(t *testing.T) {
	u := parseUnit(t, "systemd/pikaraft@.service")
	execStart := u.one(t, "Service", "ExecStart")
	root := t.TempDir()
	etc, lib := filepath.Join(root, "etc"), filepath.Join(root, "lib")
	require.NoError(t, os.MkdirAll(etc, 0o755))

	ports, err := portset.Pick(3) // three whole port sets, apart from each other
	require.NoError(t, err)
	type proc struct {
		cmd  *exec.Cmd
		exit chan error
		log  string
	}
	var procs []*proc
	t.Cleanup(func() {
		for _, p := range procs {
			_ = p.cmd.Process.Kill()
			<-p.exit
			if t.Failed() {
				out, _ := os.ReadFile(p.log)
				t.Logf("%s:\n%s", p.log, tailLines(string(out), 30))
			}
		}
	})
	for i := 1; i <= 3; i++ {
		name := fmt.Sprintf("node%d", i)
		text, err := os.ReadFile(filepath.Join("systemd", "conf", name+".conf"))
		require.NoError(t, err)
		var join []string
		for j := 1; j <= 3; j++ {
			if j != i {
				join = append(join, "127.0.0.1:"+strconv.Itoa(ports[j-1]+4000))
			}
		}
		conf := rewriteConf(t, string(text), map[string]string{
			"port":           strconv.Itoa(ports[i-1]),
			"raft-advertise": "127.0.0.1:" + strconv.Itoa(ports[i-1]+3000),
			"join":           strings.Join(join, ","),
		})
		require.NoError(t, os.WriteFile(filepath.Join(etc, name+".conf"), []byte(conf), 0o644))

		line := strings.ReplaceAll(execStart, "%i", name)
		line = strings.ReplaceAll(line, "/etc/pikaraft/", etc+"/")
		line = strings.ReplaceAll(line, "/var/lib/pikaraft/", lib+"/")
		args := strings.Fields(line)
		require.Equal(t, "0.0.0.0", flagValue(t, args, "--bind"))
		for k, a := range args {
			if a == "--bind" {
				args[k+1] = "127.0.0.1"
			}
		}
		require.NoError(t, os.MkdirAll(filepath.Join(lib, name), 0o750)) // StateDirectory=
		logPath := filepath.Join(root, name+".log")
		logf, err := os.Create(logPath)
		require.NoError(t, err)
		cmd := exec.Command(nodetest.Binary(t), args[1:]...)
		cmd.Stdout, cmd.Stderr = logf, logf
		require.NoError(t, cmd.Start())
		logf.Close()
		p := &proc{cmd: cmd, exit: make(chan error, 1), log: logPath}
		go func() { p.exit <- cmd.Wait() }()
		procs = append(procs, p)
	}

	ctx := context.Background()
	for i, port := range ports {
		c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port), MaxRetries: -1})
		require.Eventually(t, func() bool {
			return c.Set(ctx, "from:node"+strconv.Itoa(i+1), "ok", 0).Err() == nil
		}, 30*time.Second, 100*time.Millisecond, "node%d accepts writes (bootstrap-expect 3 + join)", i+1)
		c.Close()
		require.Eventually(t, func() bool { return httpStatus("127.0.0.1", port+5000, "/health") == 200 },
			10*time.Second, 100*time.Millisecond, "node%d /health", i+1)
	}
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(ports[2]), MaxRetries: -1})
	for i := 1; i <= 3; i++ {
		require.Equal(t, "ok", c.Get(ctx, "from:node"+strconv.Itoa(i)).Val())
	}
	c.Close()

	// systemctl stop: KillSignal, then a clean exit (no restart on-failure).
	for i, p := range procs {
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
		select {
		case err := <-p.exit:
			require.NoError(t, err, "node%d exits 0 on SIGTERM", i+1)
			p.exit <- err
		case <-time.After(60 * time.Second): // TimeoutStopSec
			t.Fatalf("node%d did not stop within TimeoutStopSec", i+1)
		}
	}
}

func httpStatus(host string, port int, path string) int {
	cl := http.Client{Timeout: 2 * time.Second}
	resp, err := cl.Get("http://" + host + ":" + strconv.Itoa(port) + path)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}
