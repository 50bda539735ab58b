package e2e_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLists(t *testing.T) {
	t.Parallel()
	c, p := client(t), prefix(t)
	l := p + "l"
	require.Equal(t, int64(3), do(t, c, "RPUSH", l, "b", "c", "d"))
	require.Equal(t, int64(5), do(t, c, "LPUSH", l, "a", "z"))
	require.Equal(t, []any{"z", "a", "b", "c", "d"}, do(t, c, "LRANGE", l, "0", "-1"))
	require.Equal(t, []any{"c", "d"}, do(t, c, "LRANGE", l, "-2", "100"))
	require.Equal(t, []any{}, do(t, c, "LRANGE", l, "10", "20"))
	require.Equal(t, int64(5), do(t, c, "LLEN", l))
	require.Equal(t, "a", do(t, c, "LINDEX", l, "1"))
	require.Equal(t, "d", do(t, c, "LINDEX", l, "-1"))
	isNil(t, c, "LINDEX", l, "99")
	require.Equal(t, "OK", do(t, c, "LSET", l, "0", "y"))
	require.Equal(t, int64(6), do(t, c, "LINSERT", l, "BEFORE", "b", "x"))
	require.Equal(t, int64(7), do(t, c, "LINSERT", l, "AFTER", "b", "x"))
	require.Equal(t, int64(-1), do(t, c, "LINSERT", l, "AFTER", "nope", "x"))
	require.Equal(t, []any{"y", "a", "x", "b", "x", "c", "d"}, do(t, c, "LRANGE", l, "0", "-1"))
	require.Equal(t, int64(4), do(t, c, "LPOS", l, "x", "RANK", "2"))
	require.Equal(t, []any{int64(2), int64(4)}, do(t, c, "LPOS", l, "x", "COUNT", "0"))
	require.Equal(t, int64(2), do(t, c, "LREM", l, "0", "x"))
	require.Equal(t, "OK", do(t, c, "LTRIM", l, "1", "-2"))
	require.Equal(t, []any{"a", "b", "c"}, do(t, c, "LRANGE", l, "0", "-1"))
	require.Equal(t, "a", do(t, c, "LPOP", l))
	require.Equal(t, "c", do(t, c, "RPOP", l))
	require.Equal(t, int64(3), do(t, c, "RPUSH", l, "1", "2"))
	require.Equal(t, []any{"b", "1"}, do(t, c, "LPOP", l, "2"))
	require.Equal(t, []any{"2"}, do(t, c, "RPOP", l, "5"))
	isNil(t, c, "LPOP", l)
	require.Equal(t, int64(0), do(t, c, "EXISTS", l), "an emptied list does not exist")

	require.Equal(t, int64(0), do(t, c, "LPUSHX", l, "v"))
	require.Equal(t, int64(0), do(t, c, "RPUSHX", l, "v"))
	require.Equal(t, int64(3), do(t, c, "RPUSH", l, "1", "2", "3"))
	require.Equal(t, int64(5), do(t, c, "RPUSHX", l, "4", "5"))
	require.Equal(t, "5", do(t, c, "RPOPLPUSH", l, l), "rotation")
	require.Equal(t, "4", do(t, c, "RPOPLPUSH", l, p+"dst"))
	require.Equal(t, "5", do(t, c, "LMOVE", l, p+"dst", "LEFT", "RIGHT"))
	require.Equal(t, []any{"1", "2", "3"}, do(t, c, "LRANGE", l, "0", "-1"))
	require.Equal(t, []any{"4", "5"}, do(t, c, "LRANGE", p+"dst", "0", "-1"))
	isNil(t, c, "RPOPLPUSH", p+"missing", l)
}

func TestListsErrorsAndExpiry(t *testing.T) {
	t.Parallel()
	c, p := client(t), prefix(t)
	l := p + "l"
	wrongArity(t, c, line("LPUSH", l), line("RPUSH", l), line("LPUSHX", l), line("LPOP"),
		line("LPOP", l, "1", "2"), line("RPOP"), line("LLEN"), line("LINDEX", l), line("LRANGE", l, "0"),
		line("LSET", l, "0"), line("LINSERT", l, "BEFORE", "x"), line("LREM", l, "0"),
		line("LTRIM", l, "0"), line("RPOPLPUSH", l), line("LMOVE", l, l, "LEFT"), line("LPOS", l))
	require.Equal(t, int64(2), do(t, c, "RPUSH", l, "a", "b"))
	fails(t, c, "ERR no such key", "LSET", p+"missing", "0", "x")
	fails(t, c, "ERR index out of range", "LSET", l, "5", "x")
	fails(t, c, notInt, "LSET", l, "x", "x")
	fails(t, c, notInt, "LINDEX", l, "one")
	fails(t, c, notInt, "LRANGE", l, "0", "end")
	fails(t, c, notInt, "LREM", l, "all", "a")
	fails(t, c, notInt, "LTRIM", l, "0", "1.0")
	fails(t, c, "ERR value is out of range, must be positive", "LPOP", l, "-1")
	fails(t, c, "ERR value is out of range, must be positive", "RPOP", l, "x")
	fails(t, c, "ERR syntax error", "LINSERT", l, "MIDDLE", "a", "x")
	fails(t, c, "ERR syntax error", "LMOVE", l, l, "UP", "DOWN")
	fails(t, c, "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
		"LPOS", l, "a", "RANK", "0")
	require.Equal(t, []any{"a", "b"}, do(t, c, "LRANGE", l, "0", "-1"))

	require.Equal(t, int64(1), do(t, c, "PEXPIREAT", l, time.Now().Add(-time.Second).UnixMilli()))
	require.Equal(t, int64(0), do(t, c, "LLEN", l))
	isNil(t, c, "LPOP", l)
	require.Equal(t, int64(1), do(t, c, "RPUSH", l, "new"))
	require.Equal(t, []any{"new"}, do(t, c, "LRANGE", l, "0", "-1"), "old elements never come back")
	require.Equal(t, int64(1), do(t, c, "EXPIRE", l, "1"))
	waitGone(t, c, l)
	require.Equal(t, []any{}, do(t, c, "LRANGE", l, "0", "-1"))
}
