package e2e_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestStrings(t *testing.T) {
	t.Parallel()
	c, p := client(t), prefix(t)
	k := p + "k"
	require.Equal(t, "OK", do(t, c, "SET", k, "hello"))
	require.Equal(t, "hello", do(t, c, "GET", k))
	isNil(t, c, "GET", p+"missing")
	require.Equal(t, int64(5), do(t, c, "STRLEN", k))
	require.Equal(t, int64(11), do(t, c, "APPEND", k, " world"))
	require.Equal(t, "world", do(t, c, "GETRANGE", k, "-5", "-1"))
	require.Equal(t, int64(11), do(t, c, "SETRANGE", k, "0", "J"))
	require.Equal(t, "Jello world", do(t, c, "GET", k))
	require.Equal(t, "Jello world", do(t, c, "GETSET", k, "v2"))
	isNil(t, c, "SET", k, "v3", "NX")
	require.Equal(t, "v2", do(t, c, "SET", k, "v3", "XX", "GET"))
	isNil(t, c, "SET", p+"none", "x", "XX")
	require.Equal(t, int64(0), do(t, c, "SETNX", k, "other"))
	require.Equal(t, int64(1), do(t, c, "SETNX", p+"nx", "first"))
	require.Equal(t, "OK", do(t, c, "MSET", p+"a", "1", p+"b", "2"))
	require.Equal(t, []any{"1", "2", nil}, do(t, c, "MGET", p+"a", p+"b", p+"c"))
	require.Equal(t, int64(0), do(t, c, "MSETNX", p+"a", "9", p+"c", "3"))
	require.Equal(t, int64(1), do(t, c, "MSETNX", p+"c", "3", p+"d", "4"))
	require.Equal(t, "3", do(t, c, "GETDEL", p+"c"))
	isNil(t, c, "GET", p+"c")

	n := p + "n"
	require.Equal(t, int64(1), do(t, c, "INCR", n))
	require.Equal(t, int64(11), do(t, c, "INCRBY", n, "10"))
	require.Equal(t, int64(10), do(t, c, "DECR", n))
	require.Equal(t, int64(-5), do(t, c, "DECRBY", n, "15"))
	require.Equal(t, "-4.5", do(t, c, "INCRBYFLOAT", n, "0.5"))
	require.Equal(t, "3", do(t, c, "INCRBYFLOAT", p+"f", "3"))
	require.Equal(t, "OK", do(t, c, "SET", p+"e", "5.0e3"))
	require.Equal(t, "5200", do(t, c, "INCRBYFLOAT", p+"e", "200"))

	big := p + "big"
	value := strings.Repeat("x", 1<<20)
	require.Equal(t, "OK", do(t, c, "SET", big, value))
	require.Equal(t, value, do(t, c, "GET", big))
}

func TestBitmapsAndHyperLogLog(t *testing.T) {
	t.Parallel()
	c, p := client(t), prefix(t)
	b := p + "bits"
	require.Equal(t, int64(0), do(t, c, "SETBIT", b, "7", "1"))
	require.Equal(t, int64(1), do(t, c, "SETBIT", b, "7", "1"))
	require.Equal(t, int64(0), do(t, c, "SETBIT", b, "9", "1"))
	require.Equal(t, int64(1), do(t, c, "GETBIT", b, "7"))
	require.Equal(t, int64(0), do(t, c, "GETBIT", b, "1000"))
	require.Equal(t, "\x01\x40", do(t, c, "GET", b))
	require.Equal(t, int64(2), do(t, c, "BITCOUNT", b))
	require.Equal(t, int64(1), do(t, c, "BITCOUNT", b, "1", "1"))
	require.Equal(t, int64(7), do(t, c, "BITPOS", b, "1"))
	require.Equal(t, int64(0), do(t, c, "BITPOS", b, "0"))
	require.Equal(t, "OK", do(t, c, "SET", p+"x", "\xff\x0f"))
	require.Equal(t, int64(2), do(t, c, "BITOP", "AND", p+"and", b, p+"x"))
	require.Equal(t, "\x01\x00", do(t, c, "GET", p+"and"))
	require.Equal(t, int64(2), do(t, c, "BITOP", "NOT", p+"not", p+"x"))
	require.Equal(t, "\x00\xf0", do(t, c, "GET", p+"not"))

	h := p + "hll"
	require.Equal(t, int64(1), do(t, c, "PFADD", h, "a", "b", "c"))
	require.Equal(t, int64(0), do(t, c, "PFADD", h, "a"))
	require.Equal(t, int64(3), do(t, c, "PFCOUNT", h))
	require.Equal(t, int64(1), do(t, c, "PFADD", p+"hll2", "c", "d"))
	require.Equal(t, int64(4), do(t, c, "PFCOUNT", h, p+"hll2"))
	require.Equal(t, "OK", do(t, c, "PFMERGE", p+"merged", h, p+"hll2"))
	require.Equal(t, int64(4), do(t, c, "PFCOUNT", p+"merged"))
	require.Equal(t, int64(0), do(t, c, "PFCOUNT", p+"missing"))
}

func TestStringsErrors(t *testing.T) {
	t.Parallel()
	c, p := client(t), prefix(t)
	k := p + "k"
	wrongArity(t, c,
		line("GET"), line("get", k, "x"), line("SET", k), line("SETNX", k), line("SETEX", k, "1"),
		line("PSETEX", k, "1"), line("MSET", k), line("MSET", k, "v", p+"b"), line("MSETNX", k),
		line("MGET"), line("INCR"), line("INCRBY", k), line("DECRBY", k), line("INCRBYFLOAT", k),
		line("APPEND", k), line("STRLEN"), line("GETRANGE", k, "0"), line("SETRANGE", k, "0"),
		line("GETSET", k), line("GETDEL"), line("GETEX"), line("PKSETEXAT", k, "1"),
		line("SETBIT", k, "1"), line("GETBIT", k), line("BITCOUNT"), line("BITPOS", k),
		line("BITOP", "AND", k), line("PFADD"), line("PFCOUNT"), line("PFMERGE"), line("DELVX", k))

	require.Equal(t, "OK", do(t, c, "SET", k, "abc"))
	fails(t, c, notInt, "INCR", k)
	fails(t, c, notInt, "INCRBY", p+"n", "ten")
	fails(t, c, notInt, "INCRBY", p+"n", "1.5")
	fails(t, c, notInt, "DECRBY", p+"n", "99999999999999999999")
	fails(t, c, notFloat, "INCRBYFLOAT", k, "1")
	fails(t, c, notFloat, "INCRBYFLOAT", p+"n", "x")
	require.Equal(t, "OK", do(t, c, "SET", p+"max", "9223372036854775807"))
	fails(t, c, "ERR increment or decrement would overflow", "INCR", p+"max")
	fails(t, c, notInt, "SETEX", k, "soon", "v")
	fails(t, c, "ERR invalid expire time in 'setex' command", "SETEX", k, "0", "v")
	fails(t, c, "ERR invalid expire time in 'psetex' command", "PSETEX", k, "-5", "v")
	fails(t, c, "ERR invalid expire time in 'set' command", "SET", k, "v", "EX", "0")
	fails(t, c, notInt, "SET", k, "v", "EX", "x")
	fails(t, c, "ERR syntax error", "SET", k, "v", "NX", "XX")
	fails(t, c, "ERR syntax error", "SET", k, "v", "EX")
	fails(t, c, notInt, "GETRANGE", k, "a", "1")
	fails(t, c, "ERR offset is out of range", "SETRANGE", k, "-1", "x")
	fails(t, c, "ERR bit offset is not an integer or out of range", "SETBIT", k, "-1", "1")
	fails(t, c, "ERR bit is not an integer or out of range", "SETBIT", k, "1", "2")
	fails(t, c, "ERR bit offset is not an integer or out of range", "GETBIT", k, "x")
	fails(t, c, "ERR syntax error", "BITOP", "NAND", p+"d", k)
	fails(t, c, "ERR BITOP NOT must be called with a single source key.", "BITOP", "NOT", p+"d", k, k)
	fails(t, c, "WRONGTYPE Key is not a valid HyperLogLog string value.", "PFCOUNT", k)
	// The value is unchanged by all of that.
	require.Equal(t, "abc", do(t, c, "GET", k))
}

func TestStringsExpiry(t *testing.T) {
	t.Parallel()
	c, p := client(t), prefix(t)
	require.Equal(t, "OK", do(t, c, "SET", p+"ex", "v", "EX", "1"))
	require.Equal(t, "OK", do(t, c, "SETEX", p+"setex", "1", "v"))
	require.Equal(t, "OK", do(t, c, "PSETEX", p+"psetex", "1500", "v"))
	require.Equal(t, "OK", do(t, c, "SET", p+"keep", "v", "EX", "100"))
	require.Equal(t, "OK", do(t, c, "SET", p+"keep", "w", "KEEPTTL"))
	require.Equal(t, "OK", do(t, c, "SET", p+"cleared", "v", "EX", "100"))
	require.Equal(t, "OK", do(t, c, "SET", p+"cleared", "w"))
	// Pika keeps whole seconds: "EX 1" stores now+1 s, and TTL is 1 until
	// the clock's second ticks over (a loaded machine may cross it between
	// the SET and the TTL), then 0 for the key's last second.
	require.Contains(t, []any{int64(0), int64(1)}, do(t, c, "TTL", p+"ex"))
	require.InDelta(t, 100, do(t, c, "TTL", p+"keep"), 1)
	require.Equal(t, int64(-1), do(t, c, "TTL", p+"cleared"))
	require.Equal(t, int64(-2), do(t, c, "TTL", p+"missing"))

	// Absolute times in the past: the key is gone at once.
	past := time.Now().Add(-time.Hour)
	require.Equal(t, "OK", do(t, c, "SET", p+"exat", "v", "EXAT", past.Unix()))
	isNil(t, c, "GET", p+"exat")
	require.Equal(t, "OK", do(t, c, "SET", p+"pxat", "v", "PXAT", past.UnixMilli()))
	isNil(t, c, "GET", p+"pxat")
	require.Equal(t, "OK", do(t, c, "PKSETEXAT", p+"pk", past.Unix(), "v"))
	isNil(t, c, "GET", p+"pk")
	require.Equal(t, "OK", do(t, c, "PKSETEXAT", p+"pk2", time.Now().Add(time.Hour).Unix(), "v"))
	require.InDelta(t, 3600, do(t, c, "TTL", p+"pk2"), 2)

	// GETEX sets and removes a TTL.
	require.Equal(t, "OK", do(t, c, "SET", p+"getex", "v"))
	require.Equal(t, "v", do(t, c, "GETEX", p+"getex", "EX", "50"))
	require.InDelta(t, 50, do(t, c, "TTL", p+"getex"), 1)
	require.Equal(t, "v", do(t, c, "GETEX", p+"getex", "PERSIST"))
	require.Equal(t, int64(-1), do(t, c, "TTL", p+"getex"))

	// INCR keeps the TTL (Pika), and an expired counter starts again from 0.
	require.Equal(t, "OK", do(t, c, "SET", p+"ctr", "10", "EX", "1"))
	require.Equal(t, int64(11), do(t, c, "INCR", p+"ctr"))
	require.Equal(t, int64(1), do(t, c, "TTL", p+"ctr"))

	waitGone(t, c, p+"ex")
	waitGone(t, c, p+"setex")
	waitGone(t, c, p+"psetex")
	waitGone(t, c, p+"ctr")
	require.Equal(t, int64(1), do(t, c, "INCR", p+"ctr"))
	require.Equal(t, "w", do(t, c, "GET", p+"keep"))
}
