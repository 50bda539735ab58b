package replication_test

import (
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/compat/binlog"
	"github.com/pikaraft/pikaraft/compat/replication"
	"github.com/pikaraft/pikaraft/compat/replication/replica"
	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/resp/command"
)

// testLogger discards logs unless REPL_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("REPL_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// settings is a run-time configuration (CONFIG SET in a test).
type settings struct {
	mu sync.Mutex
	m  map[string]string
}

func (s *settings) String(k string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[k]
}

func (s *settings) Int(k string, def int64) int64 {
	v, err := strconv.ParseInt(s.String(k), 10, 64)
	if err != nil {
		return def
	}
	return v
}

func (s *settings) set(k, v string) {
	s.mu.Lock()
	s.m[k] = v
	s.mu.Unlock()
}

// freeBase returns a port P with P, P+2000 and P+10001 free.
func freeBase(t *testing.T) int {
	t.Helper()
	for range 200 {
		p := 20000 + rand.IntN(25000)
		ok := true
		var lns []net.Listener
		for _, q := range []int{p, p + replication.PortShiftRepl, p + replication.PortShiftRsync} {
			ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(q))
			if err != nil {
				ok = false
				break
			}
			lns = append(lns, ln)
		}
		for _, ln := range lns {
			ln.Close()
		}
		if ok {
			return p
		}
	}
	t.Fatal("no free port triple")
	return 0
}

const (
	testRunID  = "351f84ff81540eeec5c805abdc6ee7c0b67ff8a7"
	testReplID = "e52621ec43ce732350be2eda3e87039980c1ff6449049d3eb1"
	baseMs     = int64(1795320000000)
)

// testMaster is an engine and its binlog written the way the FSM does,
// served by a replication Server.
type testMaster struct {
	t    *testing.T
	dir  string
	port int
	eng  *engine.Engine
	set  *binlog.Set
	srv  *replication.Server
	conf *settings

	mu    sync.Mutex
	index uint64
}

type masterOpts struct {
	conf     map[string]string
	replID   string
	fileSize uint64
	recv     time.Duration
}

func startMaster(t *testing.T, o masterOpts) *testMaster {
	t.Helper()
	dir := t.TempDir()
	m := &testMaster{t: t, dir: dir, port: freeBase(t), conf: &settings{m: map[string]string{}}}
	for k, v := range o.conf {
		m.conf.m[k] = v
	}
	if o.fileSize == 0 {
		o.fileSize = 100 << 20
	}
	m.conf.m["binlog-file-size"] = strconv.FormatUint(o.fileSize, 10)
	if o.replID == "" {
		o.replID = testReplID
	}
	var err error
	m.eng, err = engine.Open(filepath.Join(dir, "db"), engine.Options{Databases: 2})
	require.NoError(t, err)
	m.set, err = binlog.OpenSet(filepath.Join(dir, "log"), 2, binlog.Options{FileSize: o.fileSize})
	require.NoError(t, err)
	m.srv, err = replication.New(replication.Config{
		Host: "127.0.0.1", Port: m.port, Databases: 2, RunID: testRunID, ReplicationID: o.replID,
		DumpPath: filepath.Join(dir, "dump") + "/", Binlog: replication.SetBinlog(m.set),
		Checkpointer: lockedCheckpointer{m}, Settings: m.conf, Logger: testLogger(),
		SendKeepAlive: 200 * time.Millisecond, RecvTimeout: o.recv,
	})
	require.NoError(t, err)
	require.NoError(t, m.srv.Listen("127.0.0.1"))
	// The client port: replicas connect to it to learn their own ip.
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(m.port))
	require.NoError(t, err)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		require.NoError(t, m.srv.Close())
		require.NoError(t, m.set.Close())
		require.NoError(t, m.eng.Close())
	})
	return m
}

// lockedCheckpointer takes the dump between two writes, as the node does
// between apply batches.
type lockedCheckpointer struct{ m *testMaster }

func (c lockedCheckpointer) Checkpoint(dir string) ([]binlog.Position, error) {
	c.m.mu.Lock()
	defer c.m.mu.Unlock()
	return replication.EngineCheckpointer{Engine: func() *engine.Engine { return c.m.eng }, Binlog: replication.SetBinlog(c.m.set)}.Checkpoint(dir)
}

func argv(s ...string) [][]byte {
	out := make([][]byte, len(s))
	for i, x := range s {
		out[i] = []byte(x)
	}
	return out
}

// do applies one write command on db and appends its Pika form to the
// binlog (term 1, one Raft index per command, a second per 1000 commands).
func (m *testMaster) do(db int, args ...string) {
	m.t.Helper()
	m.doArgv(db, argv(args...), true)
}

// doArgv applies argv; logged=false writes the engine only (data that
// predates the binlog).
func (m *testMaster) doArgv(db int, a [][]byte, logged bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.index++
	now := baseMs + int64(m.index)
	d, err := m.eng.DB(db)
	require.NoError(m.t, err)
	r := command.Commands.Exec(&command.Ctx{Engine: m.eng, DB: d, W: engine.Writer{Pos: engine.Pos{Index: m.index}, NowMs: now}, NowMs: now}, a)
	require.NotEqual(m.t, command.TypeError, r.Type, "%q: %s", a, r.Str)
	if !logged {
		return
	}
	cs, err := binlog.Canonical(binlog.Applied{Argv: a, DB: db, Databases: 2, NowMs: now})
	require.NoError(m.t, err)
	require.NoError(m.t, m.set.AppendEntry(1, m.index, uint32(now/1000), cs))
	require.NoError(m.t, m.set.Flush())
}

// appendContent appends a raw item content to db's binlog (and applies it).
func (m *testMaster) appendContent(db int, content []byte) {
	a, err := binlog.ParseRESP(content)
	require.NoError(m.t, err)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.index++
	now := baseMs + int64(m.index)
	d, err := m.eng.DB(db)
	require.NoError(m.t, err)
	command.Commands.Exec(&command.Ctx{Engine: m.eng, DB: d, W: engine.Writer{Pos: engine.Pos{Index: m.index}, NowMs: now}, NowMs: now}, a)
	require.NoError(m.t, m.set.AppendEntry(1, m.index, uint32(now/1000), []binlog.Content{{DB: db, Bytes: content}}))
	require.NoError(m.t, m.set.Flush())
}

// fill writes n keys of every type over both dbs; logged says whether
// they go to the binlog too.
func (m *testMaster) fill(prefix string, n int, logged bool) {
	for i := 0; i < n; i++ {
		db := i % 2
		k := fmt.Sprintf("%s:%d", prefix, i)
		var a [][]byte
		switch i % 5 {
		case 0:
			a = argv("set", "s:"+k, strings.Repeat("v", i%40)+k)
		case 1:
			a = argv("hset", "h:"+k, "f1", k, "f2", "x")
		case 2:
			a = argv("sadd", "set:"+k, "a", "b", k)
		case 3:
			a = argv("rpush", "l:"+k, "1", "2", k)
		case 4:
			a = argv("zadd", "z:"+k, "1.5", "m1", strconv.Itoa(i), k)
		}
		m.doArgv(db, a, logged)
	}
}

func (m *testMaster) addr() string { return "127.0.0.1:" + strconv.Itoa(m.port) }

type replicaOpts struct {
	master   string
	dir      string
	auth     string
	replID   string
	parallel int
	throttle func() int64
	fileSize uint64
}

func openReplica(t *testing.T, o replicaOpts) *replica.Replica {
	t.Helper()
	if o.dir == "" {
		o.dir = t.TempDir()
	}
	if o.fileSize == 0 {
		o.fileSize = 100 << 20
	}
	par := o.parallel
	r, err := replica.Open(replica.Config{
		Master: o.master, LocalPort: 9510, MasterAuth: o.auth, Databases: 2, Dir: o.dir,
		BinlogFileSize: o.fileSize, ReplicationID: o.replID, Throttle: o.throttle,
		Parallel: func() int {
			if par == 0 {
				return 4
			}
			return par
		},
		RecvTimeout: 5 * time.Second, Logger: testLogger(),
	})
	require.NoError(t, err)
	return r
}

// waitCaughtUp waits until every db streams and the replica's binlog ends
// where the master's does.
func waitCaughtUp(t *testing.T, r *replica.Replica, m *testMaster, timeout time.Duration) {
	t.Helper()
	require.Eventually(t, func() bool {
		for db, st := range r.States() {
			if st != replica.Connected || r.Producer(db) != m.set.DB(db).Producer() {
				return false
			}
		}
		return true
	}, timeout, 20*time.Millisecond, "replica states %v, err %v", r.States(), r.Err())
}

// requireSameData compares the replica's data with the master's.
func requireSameData(t *testing.T, r *replica.Replica, m *testMaster) {
	t.Helper()
	now := time.Now().UnixMilli()
	m.mu.Lock()
	want, err := replica.LogicalDump(m.eng, now)
	m.mu.Unlock()
	require.NoError(t, err)
	var got map[string]string
	require.NoError(t, r.View(func(e *engine.Engine) error {
		var err error
		got, err = replica.LogicalDump(e, now)
		return err
	}))
	require.Equal(t, len(want), len(got))
	require.Equal(t, want, got)
}
