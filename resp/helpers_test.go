package resp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/resp/command"
	"github.com/stretchr/testify/require"
)

// testCluster is scaffolding for the protocol tests: it applies writes
// directly through command.Commands.Exec, one call at a time, on a temp
// engine. The real, Raft-backed Cluster lives in package node.
type testCluster struct {
	eng *engine.Engine

	mu         sync.Mutex
	writeCalls [][][][]byte // every Write's commands
	readStale  []bool       // the stale flag of every ReadTime
	writeErr   error        // when set, Write fails with it
	index      uint64       // log index of the last Write or Exec
}

// apply runs cmds as the FSM would at the next index, bumping the
// modification versions WATCH looks at. tc.mu must be held.
func (tc *testCluster) apply(db int, cmds [][][]byte) ([]command.Reply, error) {
	d, err := tc.eng.DB(db)
	if err != nil {
		return nil, err
	}
	tc.index++
	now := time.Now().UnixMilli()
	out := make([]command.Reply, len(cmds))
	for i, argv := range cmds {
		ctx := &command.Ctx{Engine: tc.eng, DB: d, W: engine.Writer{NowMs: now}, NowMs: now}
		out[i] = command.Commands.Exec(ctx, argv)
	}
	var b engine.VersionBumps
	command.AddVersionBumps(&b, db, cmds)
	tc.eng.BumpWatchVersions(tc.index, &b)
	return out, nil
}

func (tc *testCluster) Exec(_ context.Context, db int, cmds [][][]byte, watches []command.WatchedKey) (command.Reply, error) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	tc.writeCalls = append(tc.writeCalls, cmds)
	if tc.writeErr != nil {
		return command.Reply{}, tc.writeErr
	}
	if !command.WatchesHold(tc.eng, tc.index+1, watches, time.Now().UnixMilli()) {
		return command.NilArray(), nil
	}
	out, err := tc.apply(db, cmds)
	return command.Array(out...), err
}

func (tc *testCluster) Write(_ context.Context, db int, cmds [][][]byte) ([]command.Reply, error) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	tc.writeCalls = append(tc.writeCalls, cmds)
	if tc.writeErr != nil {
		return nil, tc.writeErr
	}
	return tc.apply(db, cmds)
}

func (tc *testCluster) ReadTime(_ context.Context, stale bool) (int64, error) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	tc.readStale = append(tc.readStale, stale)
	return time.Now().UnixMilli(), nil
}

func (tc *testCluster) Engine() *engine.Engine { return tc.eng }

func (tc *testCluster) AcquireEngine() (*engine.Engine, func()) { return tc.eng, func() {} }

func (tc *testCluster) calls() [][][][]byte {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	return append([][][][]byte(nil), tc.writeCalls...)
}

// memConfig is a ConfigStore in memory.
type memConfig struct {
	mu       sync.Mutex
	vals     map[string]string
	rewrites int
}

func newMemConfig() *memConfig {
	return &memConfig{vals: map[string]string{
		"timeout": "0", "maxclients": "10000", "requirepass": "", "userpass": "",
		"userblacklist": "", "proto-max-bulk-len": "536870912", "databases": "2",
	}}
}

func (m *memConfig) Get(pattern string) [][2]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out [][2]string
	for k, v := range m.vals {
		if ok, _ := path.Match(strings.ToLower(pattern), k); ok {
			out = append(out, [2]string{k, v})
		}
	}
	return out
}

func (m *memConfig) Set(name, value string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.vals[name]; !ok {
		return fmt.Errorf("ERR Unknown option or number of arguments for CONFIG SET - '%s'", name)
	}
	m.vals[name] = value
	return nil
}

func (m *memConfig) Rewrite() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rewrites++
	return nil
}

// Test-only data commands (tset/tget/tincr) backed by a map, so the
// protocol tests do not depend on the data-command packages.
var testStore = struct {
	sync.Mutex
	m map[string]string
}{m: map[string]string{}}

func testKey(c *command.Ctx, key []byte) string {
	return fmt.Sprintf("%p/%d/%s", c.Engine, c.DB.Index(), key)
}

func init() {
	command.Commands.Register(
		&command.Spec{Name: "tset", Arity: 3, Flags: command.FlagWrite, FirstKey: 1, LastKey: 1, Step: 1,
			Run: func(c *command.Ctx, argv [][]byte) command.Reply {
				testStore.Lock()
				defer testStore.Unlock()
				testStore.m[testKey(c, argv[1])] = string(argv[2])
				return command.OK()
			}},
		&command.Spec{Name: "tget", Arity: 2, Flags: command.FlagReadOnly | command.FlagFast, FirstKey: 1, LastKey: 1, Step: 1,
			Categories: []string{"string"},
			Run: func(c *command.Ctx, argv [][]byte) command.Reply {
				testStore.Lock()
				defer testStore.Unlock()
				v, ok := testStore.m[testKey(c, argv[1])]
				if !ok {
					return command.Nil()
				}
				return command.BulkString(v)
			}},
		&command.Spec{Name: "tincr", Arity: 2, Flags: command.FlagWrite, FirstKey: 1, LastKey: 1, Step: 1,
			Run: func(c *command.Ctx, argv [][]byte) command.Reply {
				testStore.Lock()
				defer testStore.Unlock()
				k := testKey(c, argv[1])
				n, _ := strconv.ParseInt(testStore.m[k], 10, 64)
				n++
				testStore.m[k] = strconv.FormatInt(n, 10)
				return command.Int(n)
			}},
	)
}

// testServer is a running Server on 127.0.0.1:0.
type testServer struct {
	srv  *Server
	tc   *testCluster
	conf *memConfig
	addr string
}

// sharedEngine is one two-database engine for the whole package (opening
// twelve RocksDB instances per test would dominate the run time); the test
// commands keep their data in testStore, which startServer clears.
var sharedEngine *engine.Engine

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "resp-test-")
	if err != nil {
		panic(err)
	}
	sharedEngine, err = engine.Open(filepath.Join(dir, "db"), engine.Options{Databases: 2})
	if err != nil {
		panic(err)
	}
	code := m.Run()
	sharedEngine.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

// startServer starts a server with cfg on the shared engine, with empty data.
func startServer(t *testing.T, cfg ServerConfig) *testServer {
	t.Helper()
	testStore.Lock()
	clear(testStore.m)
	testStore.Unlock()
	tc := &testCluster{eng: sharedEngine}
	return serveTest(t, cfg, tc, tc)
}

// serveTest starts a server with cfg on cluster (tc is the testCluster in
// it) and a fresh configuration store, closed when the test ends.
func serveTest(t *testing.T, cfg ServerConfig, cluster Cluster, tc *testCluster) *testServer {
	t.Helper()
	conf := newMemConfig()
	srv, err := NewServer(cfg, cluster, conf)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		require.NoError(t, srv.Close())
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Fatal("Serve did not return after Close")
		}
	})
	return &testServer{srv: srv, tc: tc, conf: conf, addr: ln.Addr().String()}
}

// rawClient speaks raw RESP bytes to the server.
type rawClient struct {
	t  *testing.T
	nc net.Conn
	br *bufio.Reader
}

func (ts *testServer) dial(t *testing.T) *rawClient {
	t.Helper()
	nc, err := net.Dial("tcp", ts.addr)
	require.NoError(t, err)
	t.Cleanup(func() { nc.Close() })
	return &rawClient{t: t, nc: nc, br: bufio.NewReader(nc)}
}

// send writes raw bytes.
func (c *rawClient) send(s string) {
	c.t.Helper()
	_, err := c.nc.Write([]byte(s))
	require.NoError(c.t, err)
}

// do sends a command in multibulk form and reads one reply.
func (c *rawClient) do(args ...string) string {
	c.t.Helper()
	c.send(encodeCommand(args...))
	return c.read()
}

func encodeCommand(args ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.String()
}

// read reads one complete reply and returns its raw bytes.
func (c *rawClient) read() string {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	s, err := readRaw(c.br)
	require.NoError(c.t, err)
	return s
}

// readEOF asserts that the server closed the connection.
func (c *rawClient) readEOF() {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := c.br.ReadByte()
	require.Error(c.t, err, "expected the connection to be closed, got byte %q", b)
	var ne net.Error
	require.False(c.t, errors.As(err, &ne) && ne.Timeout(), "connection still open")
}

// readRaw reads one RESP2/RESP3 value and returns it verbatim.
func readRaw(br *bufio.Reader) (string, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return "", err
	}
	if len(line) < 3 {
		return "", fmt.Errorf("short line %q", line)
	}
	switch line[0] {
	case '+', '-', ':', '_', ',', '#':
		return line, nil
	case '$':
		n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
		if err != nil || n < 0 {
			return line, err
		}
		buf := make([]byte, n+2)
		if _, err := ioReadFull(br, buf); err != nil {
			return "", err
		}
		return line + string(buf), nil
	case '*', '%', '~':
		n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
		if err != nil || n < 0 {
			return line, err
		}
		if line[0] == '%' {
			n *= 2
		}
		out := line
		for i := 0; i < n; i++ {
			s, err := readRaw(br)
			if err != nil {
				return "", err
			}
			out += s
		}
		return out, nil
	}
	return "", fmt.Errorf("unexpected reply line %q", line)
}

func ioReadFull(br *bufio.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := br.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
