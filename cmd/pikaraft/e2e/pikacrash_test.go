package e2e_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// Inputs that crash or hang Pika 3.5.5 get a clean reply here, and the
// server keeps serving.

func TestHugeSetRangeOffset(t *testing.T) {
	t.Parallel()
	c, p := client(t), prefix(t)
	k := p + "k"
	require.Equal(t, "OK", do(t, c, "SET", k, "v"))
	tooBig := "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
	fails(t, c, tooBig, "SETRANGE", k, "536870912", "x")
	fails(t, c, tooBig, "SETRANGE", k, "9223372036854775807", "x")
	fails(t, c, tooBig, "SETRANGE", p+"new", "4294967296", "xyz")
	fails(t, c, "ERR offset is out of range", "SETRANGE", k, "-1", "x")
	require.Equal(t, "v", do(t, c, "GET", k))
	require.Equal(t, int64(0), do(t, c, "EXISTS", p+"new"))
	require.Equal(t, "PONG", do(t, c, "PING"))
}

func TestPFAddOnPlainString(t *testing.T) {
	t.Parallel()
	c, p := client(t), prefix(t)
	k := p + "k"
	require.Equal(t, "OK", do(t, c, "SET", k, "not a hyperloglog"))
	wrong := "WRONGTYPE Key is not a valid HyperLogLog string value."
	fails(t, c, wrong, "PFADD", k, "a", "b")
	fails(t, c, wrong, "PFCOUNT", k)
	fails(t, c, wrong, "PFMERGE", p+"dst", k)
	require.Equal(t, "not a hyperloglog", do(t, c, "GET", k))
	require.Equal(t, "PONG", do(t, c, "PING"))
}

func TestZAddNaN(t *testing.T) {
	t.Parallel()
	c, p := client(t), prefix(t)
	z := p + "z"
	for _, nan := range []string{"nan", "NaN", "-nan"} {
		fails(t, c, notFloat, "ZADD", z, nan, "x")
		fails(t, c, notFloat, "ZINCRBY", z, nan, "x")
	}
	require.Equal(t, int64(0), do(t, c, "EXISTS", z))
	require.Equal(t, "PONG", do(t, c, "PING"))
}

func TestShutdownInsideMulti(t *testing.T) {
	t.Parallel()
	c := client(t)
	conn := c.Conn()
	defer conn.Close()
	require.Equal(t, "OK", conn.Do(ctx, "MULTI").Val())
	require.Equal(t, "ERR Command not allowed inside a transaction", conn.Do(ctx, "SHUTDOWN").Err().Error())
	require.Equal(t, "EXECABORT Transaction discarded because of previous errors.", conn.Do(ctx, "EXEC").Err().Error())
	require.Equal(t, "PONG", conn.Ping(ctx).Val())
	require.Equal(t, "PONG", do(t, c, "PING"), "the server is still running")
}

func TestLPopCounts(t *testing.T) {
	t.Parallel()
	c, p := client(t), prefix(t)
	l := p + "l"
	require.Equal(t, int64(3), do(t, c, "RPUSH", l, "a", "b", "c"))
	require.Equal(t, []any{}, do(t, c, "LPOP", l, "0"))
	require.Equal(t, []any{}, do(t, c, "RPOP", l, "0"))
	require.Equal(t, []any{"a"}, do(t, c, "LPOP", l, "1"))
	require.Equal(t, []any{"b", "c"}, do(t, c, "LPOP", l, "9223372036854775807"))
	require.Equal(t, int64(0), do(t, c, "EXISTS", l))
	isNil(t, c, "LPOP", l, "0")
	isNil(t, c, "LPOP", l, "5")
	isNil(t, c, "LPOP", l)
	require.Equal(t, int64(2), do(t, c, "RPUSH", l, "x", "y"))
	require.Equal(t, []any{"y", "x"}, do(t, c, "RPOP", l, "10"))
	require.Equal(t, "PONG", do(t, c, "PING"))
}

// TestPathologicalKeysGlob loads 20000 keys made of 'a's into db 3 and runs
// a glob that takes exponential time in a backtracking matcher (Pika,
// Redis). The reply must be exact and the server must answer afterwards.
func TestPathologicalKeysGlob(t *testing.T) {
	c := client(t, 3)
	require.Equal(t, "OK", do(t, c, "FLUSHDB"))
	const total, matching, perMSet = 20000, 10, 500
	a := strings.Repeat("a", 40)
	var want []string
	var keys []string
	for i := 0; i < total; i++ {
		k := fmt.Sprintf("%s%05d", a, i) // no 'b': never matches, worst case for backtracking
		if i%(total/matching) == 0 {
			k += "b"
			want = append(want, k)
		}
		keys = append(keys, k)
	}
	_, err := c.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i := 0; i < total; i += perMSet {
			args := []any{}
			for _, k := range keys[i : i+perMSet] {
				args = append(args, k, "v")
			}
			pipe.MSet(ctx, args...)
		}
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, int64(total), do(t, c, "DBSIZE"))

	got := sorted(do(t, c, "KEYS", "a*a*a*a*a*a*a*a*a*a*b"))
	sort.Strings(want)
	require.Equal(t, want, got)
	require.Equal(t, "PONG", do(t, c, "PING"))
	r := do(t, c, "SCAN", "0", "MATCH", "a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", "COUNT", "100000").([]any)
	require.Equal(t, want, sorted(r[1]))
	require.Equal(t, "OK", do(t, c, "FLUSHDB"))
	require.Equal(t, "PONG", do(t, client(t), "PING"))
}

// TestHugeMultibulkHeader sends *3000000000 on a raw connection: Redis's
// protocol error, that connection closed, other clients unaffected.
func TestHugeMultibulkHeader(t *testing.T) {
	t.Parallel()
	other := client(t)
	require.Equal(t, "PONG", do(t, other, "PING"))
	for _, header := range []string{"*3000000000\r\n", "*1\r\n$-5\r\n", "*1\r\n$9223372036854775807\r\n"} {
		nc, err := net.Dial("tcp", srv.Addr())
		require.NoError(t, err)
		require.NoError(t, nc.SetDeadline(time.Now().Add(10*time.Second)))
		_, err = nc.Write([]byte(header))
		require.NoError(t, err)
		r := bufio.NewReader(nc)
		line, err := r.ReadString('\n')
		require.NoError(t, err, "header %q", header)
		require.True(t, strings.HasPrefix(line, "-ERR Protocol error: invalid "), "header %q: %q", header, line)
		_, err = r.ReadByte()
		require.ErrorIs(t, err, io.EOF, "the server closes the connection after a protocol error")
		nc.Close()
		require.Equal(t, "PONG", do(t, other, "PING"), "other clients are served")
	}
	nc, err := net.Dial("tcp", srv.Addr())
	require.NoError(t, err)
	defer nc.Close()
	require.NoError(t, nc.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = nc.Write([]byte("*3000000000\r\n"))
	require.NoError(t, err)
	line, err := bufio.NewReader(nc).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "-ERR Protocol error: invalid multibulk length\r\n", line)
}
