package resp

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pikaraft/pikaraft/resp/command"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

func newGoRedis(t *testing.T, ts *testServer, opt *redis.Options) *redis.Client {
	t.Helper()
	if opt == nil {
		opt = &redis.Options{}
	}
	opt.Addr = ts.addr
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	return c
}

func TestGoRedisBasics(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		c := newGoRedis(t, ts, &redis.Options{Protocol: proto, ClientName: "app"})
		require.Equal(t, "PONG", c.Ping(ctx).Val())
		require.Equal(t, "hi", c.Echo(ctx, "hi").Val())
		require.Equal(t, "OK", c.Do(ctx, "tset", "k", "v").Val())
		require.Equal(t, "v", c.Do(ctx, "tget", "k").Val())
		_, err := c.Do(ctx, "tget", "missing").Result()
		require.ErrorIs(t, err, redis.Nil)
		require.Equal(t, "app", c.ClientGetName(ctx).Val())
		_, err = c.Do(ctx, "nosuch", "a").Result()
		require.EqualError(t, err, "ERR unknown command 'nosuch', with args beginning with: 'a' ")
		_, err = c.Do(ctx, "tget").Result()
		require.EqualError(t, err, "ERR wrong number of arguments for 'tget' command")
	}
}

func TestPipelineRepliesInOrder(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	c := ts.dial(t)
	var req strings.Builder
	for i := 0; i < 50; i++ {
		req.WriteString(encodeCommand("tincr", "ctr"))
		req.WriteString(encodeCommand("tget", "ctr"))
		req.WriteString(encodeCommand("PING"))
	}
	c.send(req.String())
	for i := 1; i <= 50; i++ {
		n := itoa(i)
		require.Equal(t, ":"+n+"\r\n", c.read())
		require.Equal(t, "$"+itoa(len(n))+"\r\n"+n+"\r\n", c.read())
		require.Equal(t, "+PONG\r\n", c.read())
	}
	// Without write batching every write is its own Write call.
	require.Len(t, ts.tc.calls(), 50)
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestPipelineWritesBatched(t *testing.T) {
	ts := startServer(t, ServerConfig{PipelineWrites: 4})
	c := ts.dial(t)
	var req strings.Builder
	for i := 0; i < 10; i++ {
		req.WriteString(encodeCommand("tset", "k"+itoa(i), "v"))
	}
	req.WriteString(encodeCommand("tget", "k9"))
	req.WriteString(encodeCommand("tincr", "n"))
	c.send(req.String())
	for i := 0; i < 10; i++ {
		require.Equal(t, "+OK\r\n", c.read())
	}
	require.Equal(t, "$1\r\nv\r\n", c.read())
	require.Equal(t, ":1\r\n", c.read())
	var sizes []int
	for _, call := range ts.tc.calls() {
		sizes = append(sizes, len(call))
	}
	// 10 consecutive writes in groups of 4, then the write after the read.
	require.Equal(t, []int{4, 4, 2, 1}, sizes)
}

func TestInlineCommands(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	c := ts.dial(t)
	c.send("PING\r\n")
	require.Equal(t, "+PONG\r\n", c.read())
	c.send("tset greeting \"hello \\x41\\n\" \r\n\r\n  tget   greeting\n")
	require.Equal(t, "+OK\r\n", c.read())
	require.Equal(t, "$8\r\nhello A\n\r\n", c.read())
	c.send("echo 'it\\'s'\r\n")
	require.Equal(t, "$4\r\nit's\r\n", c.read())
	c.send("echo \"unbalanced\r\n")
	require.Equal(t, "-ERR Protocol error: unbalanced quotes in request\r\n", c.read())
	c.readEOF()
}

func TestRESP3AfterHello(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	c := ts.dial(t)
	require.Equal(t, "$-1\r\n", c.do("tget", "nope"))
	hello := c.do("HELLO", "3")
	require.True(t, strings.HasPrefix(hello, "%8\r\n"), hello)
	require.Contains(t, hello, "$6\r\nserver\r\n$5\r\nredis\r\n")
	require.Contains(t, hello, "$5\r\nproto\r\n:3\r\n")
	require.Equal(t, "_\r\n", c.do("tget", "nope"))
	require.Equal(t, "%1\r\n$7\r\ntimeout\r\n$1\r\n0\r\n", c.do("CONFIG", "GET", "timeout"))
	require.Equal(t, "-NOPROTO unsupported protocol version\r\n", c.do("HELLO", "4"))
	require.True(t, strings.HasPrefix(c.do("HELLO", "2"), "*16\r\n"))
	require.Equal(t, "*2\r\n$7\r\ntimeout\r\n$1\r\n0\r\n", c.do("CONFIG", "GET", "timeout"))
}

func TestProtocolErrorClosesOnlyThatConnection(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	other := ts.dial(t)
	require.Equal(t, "+PONG\r\n", other.do("PING"))
	cases := []struct{ in, want string }{
		{"*3000000000\r\n", "invalid multibulk length"},
		{"*99999999999999999999999\r\n", "invalid multibulk length"},
		{"*1\r\n$999999999999\r\n", "invalid bulk length"},
		{"*1\r\n$9223372036854775807\r\n", "invalid bulk length"},
		{"*1\r\n$-5\r\n", "invalid bulk length"},
		{"*1\r\nfoo\r\n", "expected '$', got 'f'"},
		{"*x\r\n", "invalid multibulk length"},
		{"*1\r\n$" + strings.Repeat("1", 70000), "too big bulk count string"},
		{strings.Repeat("a", 70000), "too big inline request"},
	}
	for _, tc := range cases {
		c := ts.dial(t)
		// A command before the bad one in the same packet still runs.
		c.send(encodeCommand("PING") + tc.in)
		require.Equal(t, "+PONG\r\n", c.read())
		require.Equal(t, "-ERR Protocol error: "+tc.want+"\r\n", c.read(), tc.in[:min(len(tc.in), 40)])
		c.readEOF()
		require.Equal(t, "+PONG\r\n", other.do("PING"))
	}
}

func TestHugeHeadersAllocateNothing(t *testing.T) {
	// Headers within the limits announce up to 1G arguments and a 512 MB
	// value; until the bytes arrive the reader must hold almost nothing.
	for _, in := range []string{"*1073741824\r\n", "*1\r\n$536870912\r\n", "*2\r\n$3\r\nfoo\r\n$536870912\r\nabc"} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		const runs = 100
		for i := 0; i < runs; i++ {
			r := newRequestReader(readerLimits{})
			r.Feed([]byte(in))
			_, ok, err := r.Next()
			require.NoError(t, err)
			require.False(t, ok)
		}
		runtime.ReadMemStats(&after)
		require.Less(t, (after.TotalAlloc-before.TotalAlloc)/runs, uint64(64*1024), in)
	}
}

func TestMaxClients(t *testing.T) {
	ts := startServer(t, ServerConfig{MaxClients: 2})
	a, b := ts.dial(t), ts.dial(t)
	require.Equal(t, "+PONG\r\n", a.do("PING"))
	require.Equal(t, "+PONG\r\n", b.do("PING"))
	c := ts.dial(t)
	require.Equal(t, "-ERR max number of clients reached\r\n", c.read())
	c.readEOF()
	a.nc.Close()
	require.Eventually(t, func() bool { return ts.srv.numClients() == 1 }, 5*time.Second, 10*time.Millisecond)
	d := ts.dial(t)
	require.Equal(t, "+PONG\r\n", d.do("PING"))
	// CONFIG SET maxclients takes effect at once.
	require.Equal(t, "+OK\r\n", d.do("CONFIG", "SET", "maxclients", "3"))
	e := ts.dial(t)
	require.Equal(t, "+PONG\r\n", e.do("PING"))
}

func TestIdleTimeout(t *testing.T) {
	ts := startServer(t, ServerConfig{Timeout: time.Second})
	idle, busy := ts.dial(t), ts.dial(t)
	require.Equal(t, "+PONG\r\n", idle.do("PING"))
	deadline := time.Now().Add(2500 * time.Millisecond)
	for time.Now().Before(deadline) {
		require.Equal(t, "+PONG\r\n", busy.do("PING"))
		time.Sleep(200 * time.Millisecond)
	}
	idle.readEOF()
	require.Equal(t, "+PONG\r\n", busy.do("PING"))
	// timeout 0 disables it at run time.
	require.Equal(t, "+OK\r\n", busy.do("CONFIG", "SET", "timeout", "0"))
	time.Sleep(1500 * time.Millisecond)
	require.Equal(t, "+PONG\r\n", busy.do("PING"))
}

func TestAuthAdminAndLimitedUser(t *testing.T) {
	ts := startServer(t, ServerConfig{RequirePass: "adminpw", UserPass: "userpw", UserBlacklist: "tset, CONFIG"})
	c := ts.dial(t)
	require.Equal(t, "-NOAUTH Authentication required.\r\n", c.do("PING"))
	require.Equal(t, "-NOAUTH Authentication required.\r\n", c.do("tget", "k"))
	require.Equal(t, "-WRONGPASS invalid username-password pair or user is disabled.\r\n", c.do("AUTH", "nope"))
	require.Equal(t, "+OK\r\n", c.do("AUTH", "userpw"))
	require.Equal(t, "-NOPERM User limit has no permissions to run the 'tset' command\r\n", c.do("tset", "k", "v"))
	require.Equal(t, "-NOPERM User limit has no permissions to run the 'config' command\r\n", c.do("CONFIG", "GET", "timeout"))
	require.Equal(t, "$-1\r\n", c.do("tget", "k"))
	require.Contains(t, c.do("CLIENT", "INFO"), " user=limit ")
	require.Equal(t, "+OK\r\n", c.do("AUTH", "default", "adminpw"))
	require.Equal(t, "+OK\r\n", c.do("tset", "k", "v"))

	// An unauthenticated client may not send big requests.
	u := ts.dial(t)
	u.send(encodeCommand("a", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"))
	require.Equal(t, "-ERR Protocol error: unauthenticated multibulk length\r\n", u.read())
	u.readEOF()

	// HELLO with AUTH authenticates and switches protocol at once.
	h := ts.dial(t)
	require.True(t, strings.HasPrefix(h.do("HELLO", "3"), "-NOAUTH HELLO must be called"))
	require.True(t, strings.HasPrefix(h.do("HELLO", "3", "AUTH", "default", "adminpw", "SETNAME", "x"), "%"))
	require.Equal(t, "$1\r\nv\r\n", h.do("tget", "k"))

	ctx := context.Background()
	g := newGoRedis(t, ts, &redis.Options{Password: "adminpw"})
	require.Equal(t, "v", g.Do(ctx, "tget", "k").Val())
	bad := newGoRedis(t, ts, &redis.Options{Password: "wrong"})
	require.Error(t, bad.Ping(ctx).Err())

	// CONFIG SET requirepass "" turns auth off for new connections.
	require.Equal(t, "+OK\r\n", c.do("CONFIG", "SET", "requirepass", ""))
	n := ts.dial(t)
	require.Equal(t, "+PONG\r\n", n.do("PING"))
}

func TestAuthWithoutPassword(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	c := ts.dial(t)
	require.Equal(t, "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n", c.do("AUTH", "x"))
}

func TestMultiExec(t *testing.T) {
	shutdowns := make(chan struct{}, 1)
	ts := startServer(t, ServerConfig{Shutdown: func() { shutdowns <- struct{}{} }})
	c := ts.dial(t)
	require.Equal(t, "+OK\r\n", c.do("MULTI"))
	require.Equal(t, "-ERR MULTI calls can not be nested\r\n", c.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", c.do("tset", "a", "1"))
	require.Equal(t, "+QUEUED\r\n", c.do("PING"))
	require.Equal(t, "+QUEUED\r\n", c.do("tincr", "a"))
	require.Equal(t, "+QUEUED\r\n", c.do("tget", "a"))
	before := len(ts.tc.calls())
	require.Equal(t, "*4\r\n+OK\r\n+PONG\r\n:2\r\n$1\r\n2\r\n", c.do("EXEC"))
	calls := ts.tc.calls()
	require.Len(t, calls, before+1, "EXEC must be one Cluster.Write")
	require.Len(t, calls[len(calls)-1], 3)

	require.Equal(t, "-ERR EXEC without MULTI\r\n", c.do("EXEC"))
	require.Equal(t, "-ERR DISCARD without MULTI\r\n", c.do("DISCARD"))

	require.Equal(t, "+OK\r\n", c.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", c.do("tset", "a", "x"))
	require.Equal(t, "+OK\r\n", c.do("DISCARD"))
	require.Equal(t, "$1\r\n2\r\n", c.do("tget", "a"))

	// Queue-time errors abort EXEC.
	require.Equal(t, "+OK\r\n", c.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", c.do("tset", "a", "y"))
	require.True(t, strings.HasPrefix(c.do("nosuch"), "-ERR unknown command"))
	require.Equal(t, "-EXECABORT Transaction discarded because of previous errors.\r\n", c.do("EXEC"))
	require.Equal(t, "$1\r\n2\r\n", c.do("tget", "a"))

	// SHUTDOWN inside MULTI is refused and aborts the transaction.
	require.Equal(t, "+OK\r\n", c.do("MULTI"))
	require.Equal(t, "-ERR Command not allowed inside a transaction\r\n", c.do("SHUTDOWN"))
	require.Equal(t, "-ERR WATCH inside MULTI is not allowed\r\n", c.do("WATCH", "a"))
	require.Equal(t, "-EXECABORT Transaction discarded because of previous errors.\r\n", c.do("EXEC"))
	require.Empty(t, shutdowns)
	require.Equal(t, "+PONG\r\n", c.do("PING"))
	require.Equal(t, "+OK\r\n", c.do("WATCH", "a"))
	require.Equal(t, "+OK\r\n", c.do("UNWATCH"))

	// An empty transaction proposes nothing.
	before = len(ts.tc.calls())
	require.Equal(t, "+OK\r\n", c.do("MULTI"))
	require.Equal(t, "*0\r\n", c.do("EXEC"))
	require.Len(t, ts.tc.calls(), before)
}

func TestWriteErrorIsRedisError(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	ts.tc.mu.Lock()
	ts.tc.writeErr = errors.New("TRYAGAIN write outcome unknown")
	ts.tc.mu.Unlock()
	c := ts.dial(t)
	require.Equal(t, "-TRYAGAIN write outcome unknown\r\n", c.do("tset", "a", "1"))
	require.Equal(t, "+OK\r\n", c.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", c.do("tset", "a", "1"))
	require.Equal(t, "-TRYAGAIN write outcome unknown\r\n", c.do("EXEC"))
	ts.tc.mu.Lock()
	ts.tc.writeErr = errors.New("leadership lost")
	ts.tc.mu.Unlock()
	require.Equal(t, "-ERR leadership lost\r\n", c.do("tset", "a", "1"))
}

func TestSelect(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	c := ts.dial(t)
	require.Equal(t, "+OK\r\n", c.do("tset", "k", "db0"))
	require.Equal(t, "+OK\r\n", c.do("SELECT", "1"))
	require.Equal(t, "$-1\r\n", c.do("tget", "k"))
	require.Equal(t, "+OK\r\n", c.do("tset", "k", "db1"))
	require.Equal(t, "-ERR DB index is out of range\r\n", c.do("SELECT", "2"))
	require.Equal(t, "-ERR DB index is out of range\r\n", c.do("SELECT", "-1"))
	require.Equal(t, "-ERR value is not an integer or out of range\r\n", c.do("SELECT", "x"))
	require.Equal(t, "$3\r\ndb1\r\n", c.do("tget", "k"))
	require.Equal(t, "+OK\r\n", c.do("SELECT", "0"))
	require.Equal(t, "$3\r\ndb0\r\n", c.do("tget", "k"))
}

func TestQuitAndReset(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	c := ts.dial(t)
	require.Equal(t, "+OK\r\n", c.do("SELECT", "1"))
	require.Equal(t, "+RESET\r\n", c.do("RESET"))
	require.Contains(t, c.do("CLIENT", "INFO"), " db=0 ")
	c.send(encodeCommand("QUIT") + encodeCommand("PING"))
	require.Equal(t, "+OK\r\n", c.read())
	c.readEOF()
}

func TestClientCommands(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	a, b := ts.dial(t), ts.dial(t)
	require.Equal(t, "$-1\r\n", a.do("CLIENT", "GETNAME"))
	require.Equal(t, "+OK\r\n", a.do("CLIENT", "SETNAME", "alpha"))
	require.Equal(t, "-ERR Client names cannot contain spaces, newlines or special characters.\r\n", a.do("CLIENT", "SETNAME", "a b"))
	require.Equal(t, "$5\r\nalpha\r\n", a.do("CLIENT", "GETNAME"))
	idA := strings.TrimSpace(strings.TrimPrefix(a.do("CLIENT", "ID"), ":"))
	idB := strings.TrimSpace(strings.TrimPrefix(b.do("CLIENT", "ID"), ":"))
	require.NotEqual(t, idA, idB)
	list := b.do("CLIENT", "LIST")
	require.Contains(t, list, "id="+idA+" ")
	require.Contains(t, list, " name=alpha ")
	require.Contains(t, list, "cmd=client")
	require.Contains(t, b.do("CLIENT", "LIST", "ID", idA), "name=alpha")
	require.NotContains(t, b.do("CLIENT", "LIST", "ID", idB), "name=alpha")
	require.Equal(t, ":0\r\n", b.do("CLIENT", "KILL", "ID", idB)) // SKIPME yes by default
	require.Equal(t, ":1\r\n", b.do("CLIENT", "KILL", "ID", idA))
	a.readEOF()
	require.Equal(t, "-ERR No such client\r\n", b.do("CLIENT", "KILL", "1.2.3.4:5"))
	c := ts.dial(t)
	require.Equal(t, "+PONG\r\n", c.do("PING")) // registered by the server before it is killed
	require.Equal(t, "+OK\r\n", b.do("CLIENT", "KILL", c.nc.LocalAddr().String()))
	c.readEOF()
	require.Equal(t, "+OK\r\n", b.do("CLIENT", "SETINFO", "lib-name", "x"))
	require.Equal(t, "-ERR unknown subcommand 'NOPE'. Try CLIENT HELP.\r\n", b.do("CLIENT", "NOPE"))
	// Killing yourself: the reply comes first, then the connection closes.
	require.Equal(t, ":1\r\n", b.do("CLIENT", "KILL", "ID", idB, "SKIPME", "no"))
	b.readEOF()
}

func TestReadonlyMakesReadsStale(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	c := ts.dial(t)
	c.do("tget", "a")
	require.Equal(t, "+OK\r\n", c.do("READONLY"))
	c.do("tget", "a")
	require.Equal(t, "+OK\r\n", c.do("READWRITE"))
	c.do("tget", "a")
	ts.tc.mu.Lock()
	defer ts.tc.mu.Unlock()
	require.Equal(t, []bool{false, true, false}, ts.tc.readStale)
}

func TestConfigCommands(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	c := ts.dial(t)
	require.Equal(t, "*2\r\n$7\r\ntimeout\r\n$1\r\n0\r\n", c.do("CONFIG", "GET", "timeout"))
	require.Equal(t, "-ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer\r\n",
		c.do("CONFIG", "SET", "timeout", "abc"))
	require.Equal(t, "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n", c.do("CONFIG", "SET", "nosuch", "1"))
	require.Equal(t, "+OK\r\n", c.do("CONFIG", "SET", "timeout", "30", "proto-max-bulk-len", "2mb"))
	require.Equal(t, 30*time.Second, ts.srv.rt.getTimeout())
	require.Equal(t, int64(2<<20), ts.srv.rt.getMaxBulk())
	require.Equal(t, "*2\r\n$7\r\ntimeout\r\n$2\r\n30\r\n", c.do("CONFIG", "GET", "timeout"))
	// The new bulk limit applies to requests read from now on.
	c.send("*2\r\n$4\r\necho\r\n$3000000\r\n")
	require.Equal(t, "-ERR Protocol error: invalid bulk length\r\n", c.read())
	c.readEOF()

	d := ts.dial(t)
	require.Equal(t, "+OK\r\n", d.do("CONFIG", "REWRITE"))
	require.Equal(t, 1, ts.conf.rewrites)
	d.do("PING")
	require.Contains(t, d.do("INFO", "stats"), "total_commands_processed:")
	require.Equal(t, "+OK\r\n", d.do("CONFIG", "RESETSTAT"))
	require.Contains(t, d.do("INFO", "stats"), "total_commands_processed:1\r\n")
}

func TestInfo(t *testing.T) {
	ts := startServer(t, ServerConfig{ConfigFile: "/etc/pika.conf"})
	c := ts.dial(t)
	all := c.do("INFO")
	for _, want := range []string{"# Server\r\n", "pika_version:3.5.5\r\n", "config_file:/etc/pika.conf\r\n",
		"# Clients\r\nconnected_clients:1\r\n", "# Stats\r\n", "# Keyspace\r\n", "tcp_port:"} {
		require.Contains(t, all, want)
	}
	only := c.do("INFO", "clients")
	require.Contains(t, only, "# Clients")
	require.NotContains(t, only, "# Server")
}

func TestCommandCommand(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	ctx := context.Background()
	g := newGoRedis(t, ts, nil)
	require.Equal(t, int64(command.Commands.Len()), g.Do(ctx, "COMMAND", "COUNT").Val())
	infos, err := g.Command(ctx).Result()
	require.NoError(t, err)
	require.Len(t, infos, command.Commands.Len())
	tget := infos["tget"]
	require.NotNil(t, tget)
	require.Equal(t, int8(2), tget.Arity)
	require.Equal(t, []string{"readonly", "fast"}, tget.Flags)
	require.Equal(t, []string{"@read", "@string", "@fast"}, tget.ACLFlags)
	require.Equal(t, int8(1), tget.FirstKeyPos)

	c := ts.dial(t)
	require.Equal(t, "*2\r\n*10\r\n$4\r\nping\r\n:-1\r\n*1\r\n+fast\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@fast\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n*-1\r\n",
		c.do("COMMAND", "INFO", "ping", "nosuch"))
	require.Equal(t, "*1\r\n$1\r\nk\r\n", c.do("COMMAND", "GETKEYS", "tset", "k", "v"))
	require.Equal(t, "-ERR The command has no key arguments\r\n", c.do("COMMAND", "GETKEYS", "ping"))
	require.Contains(t, c.do("COMMAND", "DOCS", "ping"), "Returns the server's liveliness response.")
	require.Equal(t, "*2\r\n$4\r\ntget\r\n$4\r\ntime\r\n", c.do("COMMAND", "LIST", "FILTERBY", "PATTERN", "t[gi]*e*"))
}

func TestShutdown(t *testing.T) {
	called := make(chan struct{}, 1)
	ts := startServer(t, ServerConfig{Shutdown: func() { called <- struct{}{} }})
	c := ts.dial(t)
	require.Equal(t, "-ERR syntax error\r\n", c.do("SHUTDOWN", "BOGUS"))
	c.send(encodeCommand("SHUTDOWN", "NOSAVE"))
	c.readEOF()
	select {
	case <-called:
	case <-time.After(5 * time.Second):
		t.Fatal("shutdown callback not called")
	}
}

func TestTimeAndLastsave(t *testing.T) {
	ts := startServer(t, ServerConfig{LastSave: func() int64 { return 1234 }})
	c := ts.dial(t)
	require.Equal(t, ":1234\r\n", c.do("LASTSAVE"))
	tm := c.do("TIME")
	require.True(t, strings.HasPrefix(tm, "*2\r\n$10\r\n"), tm)
}

// TestDataCommandsEndToEnd runs the real data commands of package command
// through the server: pipelines, MULTI/EXEC and RESP3 maps.
func TestDataCommandsEndToEnd(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		g := newGoRedis(t, ts, &redis.Options{Protocol: proto})
		p := "e2e" + itoa(proto) + ":"
		cmds, err := g.Pipelined(ctx, func(pipe redis.Pipeliner) error {
			pipe.Set(ctx, p+"s", "v", 0)
			pipe.Incr(ctx, p+"n")
			pipe.Incr(ctx, p+"n")
			pipe.HSet(ctx, p+"h", "f1", "a", "f2", "b")
			pipe.Get(ctx, p+"s")
			pipe.HGetAll(ctx, p+"h")
			return nil
		})
		require.NoError(t, err)
		require.Equal(t, int64(2), cmds[2].(*redis.IntCmd).Val())
		require.Equal(t, "v", cmds[4].(*redis.StringCmd).Val())
		require.Equal(t, map[string]string{"f1": "a", "f2": "b"}, cmds[5].(*redis.MapStringStringCmd).Val())

		var incr *redis.IntCmd
		_, err = g.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
			pipe.Set(ctx, p+"t", "1", 0)
			incr = pipe.Incr(ctx, p+"t")
			return nil
		})
		require.NoError(t, err)
		require.Equal(t, int64(2), incr.Val())
		_, err = g.Incr(ctx, p+"s").Result()
		require.EqualError(t, err, "ERR value is not an integer or out of range")
	}
}

func TestBigValueRoundTrip(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	c := ts.dial(t)
	big := strings.Repeat("0123456789", 300_000) // 3 MB: several reads, the big-argument path
	c.send(encodeCommand("ECHO", big) + encodeCommand("PING"))
	require.Equal(t, "$3000000\r\n"+big+"\r\n", c.read())
	require.Equal(t, "+PONG\r\n", c.read())
}

// TestPipelineWritesBoundedByBytes: a group of pipelined writes also ends
// before it would exceed PipelineBytes; a bigger single write is its own group.
func TestPipelineWritesBoundedByBytes(t *testing.T) {
	ts := startServer(t, ServerConfig{PipelineWrites: 8, PipelineBytes: 100})
	c := ts.dial(t)
	var req strings.Builder
	for i := 0; i < 5; i++ { // 4+2+40 = 46 bytes each: two fit in 100
		req.WriteString(encodeCommand("tset", "k"+itoa(i), strings.Repeat("v", 40)))
	}
	req.WriteString(encodeCommand("tset", "big", strings.Repeat("v", 300)))
	req.WriteString(encodeCommand("tset", "k9", "v"))
	c.send(req.String())
	for i := 0; i < 7; i++ {
		require.Equal(t, "+OK\r\n", c.read())
	}
	var sizes []int
	for _, call := range ts.tc.calls() {
		sizes = append(sizes, len(call))
	}
	require.Equal(t, []int{2, 2, 1, 1, 1}, sizes)
}
