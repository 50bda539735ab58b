package e2e_test

import (
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// sorted returns the strings of an array reply in byte order.
func sorted(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	sort.Strings(out)
	return out
}

func TestHashes(t *testing.T) {
	t.Parallel()
	c, p := client(t), prefix(t)
	h := p + "h"
	require.Equal(t, int64(2), do(t, c, "HSET", h, "a", "1", "b", "2"))
	require.Equal(t, int64(1), do(t, c, "HSET", h, "a", "10", "c", "3"))
	require.Equal(t, "OK", do(t, c, "HMSET", h, "d", "4"))
	require.Equal(t, int64(0), do(t, c, "HSETNX", h, "a", "x"))
	require.Equal(t, int64(1), do(t, c, "HSETNX", h, "e", "5"))
	require.Equal(t, "10", do(t, c, "HGET", h, "a"))
	isNil(t, c, "HGET", h, "zz")
	isNil(t, c, "HGET", p+"missing", "a")
	require.Equal(t, int64(5), do(t, c, "HLEN", h))
	require.Equal(t, int64(2), do(t, c, "HSTRLEN", h, "a"))
	require.Equal(t, int64(1), do(t, c, "HEXISTS", h, "b"))
	require.Equal(t, int64(0), do(t, c, "HEXISTS", h, "zz"))
	require.Equal(t, []any{"10", nil, "2"}, do(t, c, "HMGET", h, "a", "zz", "b"))
	require.Equal(t, []string{"a", "b", "c", "d", "e"}, sorted(do(t, c, "HKEYS", h)))
	require.Equal(t, []string{"10", "2", "3", "4", "5"}, sorted(do(t, c, "HVALS", h)))
	all, err := c.HGetAll(ctx, h).Result()
	require.NoError(t, err)
	require.Equal(t, map[string]string{"a": "10", "b": "2", "c": "3", "d": "4", "e": "5"}, all)
	require.Equal(t, int64(2), do(t, c, "HDEL", h, "d", "e", "zz"))
	require.Equal(t, int64(13), do(t, c, "HINCRBY", h, "c", "10"))
	require.Equal(t, int64(-1), do(t, c, "HINCRBY", h, "new", "-1"))
	require.Equal(t, "2.5", do(t, c, "HINCRBYFLOAT", h, "b", "0.5"))
	require.Equal(t, "0.3", do(t, c, "HINCRBYFLOAT", h, "f", "0.3"))
	require.Contains(t, []any{"a", "b", "c", "new", "f"}, do(t, c, "HRANDFIELD", h))
	require.Len(t, do(t, c, "HRANDFIELD", h, "3"), 3)
	require.Len(t, do(t, c, "HRANDFIELD", h, "-8"), 8)
	require.Len(t, do(t, c, "HRANDFIELD", h, "2", "WITHVALUES"), 4)

	// HSCAN to the end returns every field once.
	fields := map[string]string{}
	cursor := "0"
	for i := 0; ; i++ {
		require.Less(t, i, 100)
		r := do(t, c, "HSCAN", h, cursor, "COUNT", "2").([]any)
		kv := r[1].([]any)
		for j := 0; j+1 < len(kv); j += 2 {
			fields[kv[j].(string)] = kv[j+1].(string)
		}
		if cursor = r[0].(string); cursor == "0" {
			break
		}
	}
	require.Equal(t, map[string]string{"a": "10", "b": "2.5", "c": "13", "new": "-1", "f": "0.3"}, fields)
	r := do(t, c, "HSCAN", h, "0", "MATCH", "[ab]", "COUNT", "100").([]any)
	require.Equal(t, []string{"10", "2.5", "a", "b"}, sorted(r[1]))
	// Pika's range scans.
	r = do(t, c, "PKHSCANRANGE", h, "a", "b").([]any)
	require.Equal(t, []any{"", []any{"a", "10", "b", "2.5"}}, r)
	r = do(t, c, "HSCANX", h, "", "COUNT", "2").([]any)
	require.Equal(t, []any{"c", []any{"a", "10", "b", "2.5"}}, r)

	require.Equal(t, int64(5), do(t, c, "HDEL", h, "a", "b", "c", "new", "f"))
	require.Equal(t, int64(0), do(t, c, "EXISTS", h))
	require.Equal(t, []any{}, do(t, c, "HKEYS", h))
}

func TestHashesErrorsAndExpiry(t *testing.T) {
	t.Parallel()
	c, p := client(t), prefix(t)
	h := p + "h"
	wrongArity(t, c, line("HSET", h), line("HSET", h, "f"), line("HSET", h, "f", "v", "g"),
		line("HMSET", h, "f"), line("HSETNX", h, "f"), line("HGET", h), line("HDEL", h),
		line("HLEN"), line("HINCRBY", h, "f"), line("HINCRBYFLOAT", h, "f"), line("HGETALL"),
		line("HKEYS"), line("HVALS"), line("HMGET", h), line("HEXISTS", h), line("HSTRLEN", h),
		line("HRANDFIELD"), line("HSCAN", h), line("HSCANX", h), line("PKHSCANRANGE", h, "a"))
	require.Equal(t, int64(2), do(t, c, "HSET", h, "s", "abc", "max", "9223372036854775807"))
	fails(t, c, "ERR hash value is not an integer", "HINCRBY", h, "s", "1")
	fails(t, c, "ERR hash value is not a float", "HINCRBYFLOAT", h, "s", "1")
	fails(t, c, notInt, "HINCRBY", h, "n", "one")
	fails(t, c, notFloat, "HINCRBYFLOAT", h, "n", "one")
	fails(t, c, "ERR increment or decrement would overflow", "HINCRBY", h, "max", "1")
	fails(t, c, notInt, "HRANDFIELD", h, "x")
	fails(t, c, "ERR invalid cursor", "HSCAN", h, "x")
	require.Equal(t, "9223372036854775807", do(t, c, "HGET", h, "max"))
	isNil(t, c, "HGET", h, "n")

	// Expiry: in the past at once, and a real 1 s TTL.
	require.Equal(t, int64(1), do(t, c, "HSET", p+"past", "f", "v"))
	require.Equal(t, int64(1), do(t, c, "EXPIREAT", p+"past", time.Now().Add(-time.Minute).Unix()))
	isNil(t, c, "HGET", p+"past", "f")
	require.Equal(t, int64(0), do(t, c, "HLEN", p+"past"))
	require.Equal(t, int64(1), do(t, c, "HSET", p+"past", "g", "w"), "a new hash after expiry")
	require.Equal(t, []any{"g"}, do(t, c, "HKEYS", p+"past"))
	require.Equal(t, int64(-1), do(t, c, "TTL", p+"past"))

	require.Equal(t, int64(1), do(t, c, "EXPIRE", h, "1"))
	require.Equal(t, int64(1), do(t, c, "TTL", h))
	waitGone(t, c, h)
	isNil(t, c, "HGET", h, "s")
}
