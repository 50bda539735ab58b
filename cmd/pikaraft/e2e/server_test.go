package e2e_test

import (
	"bufio"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/node/nodetest"
)

func TestConnectionCommands(t *testing.T) {
	t.Parallel()
	c, p := client(t), prefix(t)
	require.Equal(t, "PONG", do(t, c, "PING"))
	require.Equal(t, "hi", do(t, c, "PING", "hi"))
	require.Equal(t, "hello world", do(t, c, "ECHO", "hello world"))
	tm := do(t, c, "TIME").([]any)
	require.Len(t, tm, 2)
	sec, err := strconv.ParseInt(tm[0].(string), 10, 64)
	require.NoError(t, err)
	require.InDelta(t, time.Now().Unix(), sec, 5)
	require.IsType(t, int64(0), do(t, c, "LASTSAVE"))
	fails(t, c, "ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' 'b' ", "NOSUCHCMD", "a", "b")
	wrongArity(t, c, line("PING", "a", "b"), line("ECHO"), line("SELECT"), line("ECHO", "a", "b"))

	// SELECT on one connection (a pipeline of one client keeps its db).
	conn := c.Conn()
	defer conn.Close()
	require.NoError(t, conn.Select(ctx, 2).Err())
	require.NoError(t, conn.Set(ctx, p+"db2", "v", 0).Err())
	require.Equal(t, int64(0), do(t, c, "EXISTS", p+"db2"), "db 0 does not see db 2")
	require.Equal(t, "ERR DB index is out of range", conn.Select(ctx, 4).Err().Error())
	require.Equal(t, notInt, conn.Do(ctx, "SELECT", "x").Err().Error())
	require.Equal(t, "v", conn.Get(ctx, p+"db2").Val(), "a failed SELECT keeps the db")

	// CLIENT.
	require.NoError(t, conn.ClientSetName(ctx, "e2e-conn").Err())
	require.Equal(t, "e2e-conn", conn.ClientGetName(ctx).Val())
	id, err := conn.ClientID(ctx).Result()
	require.NoError(t, err)
	list := do(t, c, "CLIENT", "LIST").(string)
	require.Contains(t, list, "id="+strconv.FormatInt(id, 10)+" ")
	require.Contains(t, list, "name=e2e-conn")
	fails(t, c, "ERR Client names cannot contain spaces, newlines or special characters.", "CLIENT", "SETNAME", "a b")
	fails(t, c, "ERR No such client", "CLIENT", "KILL", "1.2.3.4:5")
	require.Equal(t, int64(1), do(t, c, "CLIENT", "KILL", "ID", id))
	require.Error(t, conn.Ping(ctx).Err(), "the killed connection is closed")

	// INFO and COMMAND.
	info := do(t, c, "INFO").(string)
	require.Contains(t, info, "# Server\r\n")
	require.Contains(t, info, "pika_version:3.5.5")
	require.Contains(t, info, "# Keyspace")
	require.Contains(t, do(t, c, "INFO", "clients").(string), "connected_clients:")
	n := do(t, c, "COMMAND", "COUNT").(int64)
	require.Greater(t, n, int64(150))
	cmds, err := c.Command(ctx).Result()
	require.NoError(t, err)
	require.Len(t, cmds, int(n))
	require.Equal(t, int8(-3), cmds["set"].Arity)
	require.True(t, cmds["get"].ReadOnly)
	require.Equal(t, []any{[]any{"get", int64(2), []any{"readonly", "fast"}, int64(1), int64(1), int64(1),
		[]any{"@read", "@string", "@fast"}, []any{}, []any{}, []any{}}}, do(t, c, "COMMAND", "INFO", "get"))
}

func TestRESP3AndInline(t *testing.T) {
	t.Parallel()
	p := prefix(t)
	c3 := redis.NewClient(&redis.Options{Addr: srv.Addr(), Protocol: 3, MaxRetries: -1})
	defer c3.Close()
	hello, err := c3.Do(ctx, "HELLO", "3").Result()
	require.NoError(t, err)
	require.Equal(t, int64(3), hello.(map[any]any)["proto"])
	require.NoError(t, c3.HSet(ctx, p+"h", "a", "1", "b", "2").Err())
	v, err := c3.Do(ctx, "HGETALL", p+"h").Result()
	require.NoError(t, err)
	require.Equal(t, map[any]any{"a": "1", "b": "2"}, v, "a RESP3 map")

	// Inline commands, as typed in telnet.
	nc, err := net.Dial("tcp", srv.Addr())
	require.NoError(t, err)
	defer nc.Close()
	_, err = nc.Write([]byte("SET " + p + "inline \"two words\"\r\nGET " + p + "inline\r\nPING\r\n"))
	require.NoError(t, err)
	r := bufio.NewReader(nc)
	require.NoError(t, nc.SetReadDeadline(time.Now().Add(10*time.Second)))
	for _, want := range []string{"+OK\r\n", "$9\r\n", "two words\r\n", "+PONG\r\n"} {
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		require.Equal(t, want, line)
	}
}

func TestTransactions(t *testing.T) {
	t.Parallel()
	c, p := client(t), prefix(t)
	cmds, err := c.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.Set(ctx, p+"a", "1", 0)
		pipe.Incr(ctx, p+"a")
		pipe.Get(ctx, p+"a")
		pipe.LPush(ctx, p+"l", "x")
		return nil
	})
	require.NoError(t, err)
	require.Len(t, cmds, 4)
	require.Equal(t, "2", cmds[2].(*redis.StringCmd).Val())

	conn := c.Conn()
	defer conn.Close()
	require.Equal(t, "OK", conn.Do(ctx, "MULTI").Val())
	require.Equal(t, "QUEUED", conn.Do(ctx, "SET", p+"b", "1").Val())
	require.Equal(t, "ERR wrong number of arguments for 'get' command", conn.Do(ctx, "GET").Err().Error())
	require.Equal(t, "EXECABORT Transaction discarded because of previous errors.", conn.Do(ctx, "EXEC").Err().Error())
	require.Equal(t, int64(0), do(t, c, "EXISTS", p+"b"), "nothing of an aborted transaction ran")
	require.Equal(t, "OK", conn.Do(ctx, "MULTI").Val())
	require.Equal(t, "QUEUED", conn.Do(ctx, "SET", p+"b", "1").Val())
	require.Equal(t, "OK", conn.Do(ctx, "DISCARD").Val())
	require.Equal(t, int64(0), do(t, c, "EXISTS", p+"b"))
	require.Equal(t, "ERR EXEC without MULTI", conn.Do(ctx, "EXEC").Err().Error())
	// A runtime error inside EXEC does not stop the other commands.
	require.Equal(t, "OK", conn.Do(ctx, "MULTI").Val())
	conn.Do(ctx, "SET", p+"c", "x")
	conn.Do(ctx, "INCR", p+"c")
	conn.Do(ctx, "SET", p+"d", "y")
	res, err := conn.Do(ctx, "EXEC").Result()
	require.NoError(t, err)
	require.Len(t, res, 3)
	require.Equal(t, "OK", res.([]any)[0])
	require.Equal(t, notInt, res.([]any)[1].(redis.Error).Error())
	require.Equal(t, "y", do(t, c, "GET", p+"d"))
}

// TestAuthFlushAllAndShutdown uses its own server (requirepass, and the
// commands would disturb the shared one).
func TestAuthFlushAllAndShutdown(t *testing.T) {
	t.Parallel()
	s := nodetest.Start(t, nodetest.Options{Config: "requirepass : secret\ndatabases : 2\n"})
	anon := clientOf(t, s)
	fails(t, anon, "NOAUTH Authentication required.", "GET", "k")
	fails(t, anon, "WRONGPASS invalid username-password pair or user is disabled.", "AUTH", "wrong")
	wrongArity(t, anon, line("AUTH"))
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), Password: "secret", MaxRetries: -1})
	defer c.Close()
	c1 := redis.NewClient(&redis.Options{Addr: s.Addr(), Password: "secret", DB: 1, MaxRetries: -1})
	defer c1.Close()
	require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
	require.NoError(t, c1.SAdd(ctx, "k", "m").Err())
	require.Equal(t, int64(1), c.DBSize(ctx).Val())
	require.Equal(t, "OK", c.FlushAll(ctx).Val())
	require.Equal(t, int64(0), c.DBSize(ctx).Val())
	require.Equal(t, int64(0), c1.DBSize(ctx).Val())

	// SHUTDOWN stops the process cleanly.
	err := c.Do(ctx, "SHUTDOWN").Err()
	require.Error(t, err, "SHUTDOWN closes the connection without a reply")
	require.Eventually(t, func() bool { return s.ExitCode() == 0 }, 15*time.Second, 50*time.Millisecond)
	require.True(t, strings.Contains(s.Log(), "shutdown") || strings.Contains(s.Log(), "SHUTDOWN"), "the log mentions the shutdown")
}
