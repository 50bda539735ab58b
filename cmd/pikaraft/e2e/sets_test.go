package e2e_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSets(t *testing.T) {
	t.Parallel()
	c, p := client(t), prefix(t)
	a, b := p+"a", p+"b"
	require.Equal(t, int64(3), do(t, c, "SADD", a, "1", "2", "3", "3"))
	require.Equal(t, int64(1), do(t, c, "SADD", a, "3", "4"))
	require.Equal(t, int64(3), do(t, c, "SADD", b, "3", "4", "5"))
	require.Equal(t, int64(4), do(t, c, "SCARD", a))
	require.Equal(t, int64(1), do(t, c, "SISMEMBER", a, "2"))
	require.Equal(t, int64(0), do(t, c, "SISMEMBER", a, "9"))
	require.Equal(t, []any{int64(1), int64(0)}, do(t, c, "SMISMEMBER", a, "1", "9"))
	require.Equal(t, []string{"1", "2", "3", "4"}, sorted(do(t, c, "SMEMBERS", a)))
	require.Equal(t, []string{"1", "2", "3", "4", "5"}, sorted(do(t, c, "SUNION", a, b)))
	require.Equal(t, []string{"3", "4"}, sorted(do(t, c, "SINTER", a, b)))
	require.Equal(t, []string{"1", "2"}, sorted(do(t, c, "SDIFF", a, b)))
	require.Equal(t, int64(5), do(t, c, "SUNIONSTORE", p+"u", a, b))
	require.Equal(t, int64(2), do(t, c, "SINTERSTORE", p+"i", a, b))
	require.Equal(t, int64(1), do(t, c, "SDIFFSTORE", p+"d", b, a))
	require.Equal(t, []any{"5"}, do(t, c, "SMEMBERS", p+"d"))
	require.Equal(t, int64(1), do(t, c, "SMOVE", a, b, "1"))
	require.Equal(t, int64(0), do(t, c, "SMOVE", a, b, "1"))
	require.Equal(t, int64(2), do(t, c, "SREM", a, "2", "3", "9"))
	require.Equal(t, []any{"4"}, do(t, c, "SMEMBERS", a))

	u := p + "u"
	require.Contains(t, []any{"1", "2", "3", "4", "5"}, do(t, c, "SRANDMEMBER", u))
	require.Len(t, do(t, c, "SRANDMEMBER", u, "3"), 3)
	require.Len(t, do(t, c, "SRANDMEMBER", u, "10"), 5)
	require.Len(t, do(t, c, "SRANDMEMBER", u, "-10"), 10)
	popped := do(t, c, "SPOP", u).(string)
	require.Contains(t, []string{"1", "2", "3", "4", "5"}, popped)
	require.Equal(t, int64(0), do(t, c, "SISMEMBER", u, popped))
	require.Len(t, do(t, c, "SPOP", u, "2"), 2)
	require.Equal(t, int64(2), do(t, c, "SCARD", u))
	require.Len(t, do(t, c, "SPOP", u, "10"), 2)
	require.Equal(t, int64(0), do(t, c, "EXISTS", u))
	isNil(t, c, "SPOP", u)
	isNil(t, c, "SRANDMEMBER", u)

	members := map[string]bool{}
	for i := 0; i < 50; i++ {
		require.Equal(t, int64(1), do(t, c, "SADD", p+"big", i))
	}
	cursor := "0"
	for i := 0; ; i++ {
		require.Less(t, i, 100)
		r := do(t, c, "SSCAN", p+"big", cursor, "COUNT", "7").([]any)
		for _, m := range r[1].([]any) {
			members[m.(string)] = true
		}
		if cursor = r[0].(string); cursor == "0" {
			break
		}
	}
	require.Len(t, members, 50)
	r := do(t, c, "SSCAN", p+"big", "0", "MATCH", "4?", "COUNT", "100").([]any)
	require.Equal(t, []string{"40", "41", "42", "43", "44", "45", "46", "47", "48", "49"}, sorted(r[1]))
}

func TestSetsErrorsAndExpiry(t *testing.T) {
	t.Parallel()
	c, p := client(t), prefix(t)
	s := p + "s"
	wrongArity(t, c, line("SADD", s), line("SREM", s), line("SCARD"), line("SISMEMBER", s),
		line("SMISMEMBER", s), line("SMEMBERS"), line("SPOP"),
		line("SRANDMEMBER"), line("SMOVE", s, s), line("SUNION"), line("SINTER"), line("SDIFF"),
		line("SUNIONSTORE", s), line("SINTERSTORE", s), line("SDIFFSTORE", s), line("SSCAN", s))
	require.Equal(t, int64(2), do(t, c, "SADD", s, "a", "b"))
	fails(t, c, "ERR value is out of range, must be positive", "SPOP", s, "-1")
	fails(t, c, "ERR value is out of range, must be positive", "SPOP", s, "x")
	fails(t, c, "ERR syntax error", "SPOP", s, "1", "2")
	fails(t, c, notInt, "SRANDMEMBER", s, "x")
	fails(t, c, "ERR invalid cursor", "SSCAN", s, "x")
	fails(t, c, "ERR syntax error", "SSCAN", s, "0", "COUNT", "0")
	require.Equal(t, int64(2), do(t, c, "SCARD", s))

	require.Equal(t, int64(1), do(t, c, "EXPIREAT", s, time.Now().Add(-time.Minute).Unix()))
	require.Equal(t, int64(0), do(t, c, "SCARD", s))
	require.Equal(t, []any{}, do(t, c, "SMEMBERS", s))
	require.Equal(t, int64(1), do(t, c, "SADD", s, "c"))
	require.Equal(t, []any{"c"}, do(t, c, "SMEMBERS", s))
	require.Equal(t, int64(1), do(t, c, "PEXPIRE", s, "1000"))
	waitGone(t, c, s)
	require.Equal(t, int64(0), do(t, c, "SISMEMBER", s, "c"))
}
