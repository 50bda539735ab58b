package e2e_test

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSameKeyInEveryType(t *testing.T) {
	t.Parallel()
	c, p := client(t), prefix(t)
	k := p + "k"
	require.Equal(t, int64(1), do(t, c, "HSET", k, "f", "v"))
	require.Equal(t, int64(1), do(t, c, "RPUSH", k, "a"))
	require.Equal(t, int64(1), do(t, c, "SADD", k, "m"))
	require.Equal(t, int64(1), do(t, c, "ZADD", k, "1", "m"))
	require.Equal(t, "hash", do(t, c, "TYPE", k))
	require.Equal(t, "OK", do(t, c, "SET", k, "s"))
	// Pika: one namespace per type, no WRONGTYPE; TYPE reports the string.
	require.Equal(t, "string", do(t, c, "TYPE", k))
	require.Equal(t, []any{"string", "hash", "list", "zset", "set"}, do(t, c, "PTYPE", k))
	require.Equal(t, "s", do(t, c, "GET", k))
	require.Equal(t, "v", do(t, c, "HGET", k, "f"))
	require.Equal(t, []any{"a"}, do(t, c, "LRANGE", k, "0", "-1"))
	require.Equal(t, []any{"m"}, do(t, c, "SMEMBERS", k))
	require.Equal(t, "1", do(t, c, "ZSCORE", k, "m"))
	require.Equal(t, int64(5), do(t, c, "EXISTS", k))
	keys := do(t, c, "KEYS", k)
	require.Len(t, keys, 5, "KEYS lists the name once per type")

	// Deleting the string leaves the others; DEL counts types.
	require.Equal(t, "s", do(t, c, "GETDEL", k))
	require.Equal(t, "hash", do(t, c, "TYPE", k))
	require.Equal(t, int64(4), do(t, c, "DEL", k))
	require.Equal(t, "none", do(t, c, "TYPE", k))
	require.Equal(t, int64(0), do(t, c, "DEL", k))

	// The brief's example: SET + HSET, DEL returns 2.
	require.Equal(t, "OK", do(t, c, "SET", p+"two", "v"))
	require.Equal(t, int64(1), do(t, c, "HSET", p+"two", "f", "v"))
	require.Equal(t, "string", do(t, c, "TYPE", p+"two"))
	require.Equal(t, int64(2), do(t, c, "DEL", p+"two"))
	require.Equal(t, int64(0), do(t, c, "EXISTS", p+"two"))

	// Expiry applies to every type of the name.
	require.Equal(t, "OK", do(t, c, "SET", p+"x", "v"))
	require.Equal(t, int64(1), do(t, c, "SADD", p+"x", "m"))
	require.Equal(t, int64(2), do(t, c, "EXPIRE", p+"x", "100"))
	require.InDelta(t, 100, do(t, c, "TTL", p+"x"), 1)
	require.Equal(t, int64(2), do(t, c, "PERSIST", p+"x"))
	require.Equal(t, int64(-1), do(t, c, "TTL", p+"x"))
	require.Equal(t, int64(2), do(t, c, "EXPIREAT", p+"x", time.Now().Add(-time.Hour).Unix()))
	require.Equal(t, int64(0), do(t, c, "EXISTS", p+"x"))
	require.Equal(t, int64(0), do(t, c, "SISMEMBER", p+"x", "m"))
	require.Equal(t, "none", do(t, c, "TYPE", p+"x"))
}

func TestKeyspace(t *testing.T) {
	t.Parallel()
	c, p := client(t), prefix(t)
	for i := 0; i < 5; i++ {
		require.Equal(t, "OK", do(t, c, "SET", fmt.Sprintf("%sk%d", p, i), i))
	}
	require.Equal(t, int64(1), do(t, c, "HSET", p+"h", "f", "v"))
	require.Equal(t, int64(3), do(t, c, "EXISTS", p+"k0", p+"k0", p+"k1", p+"nope"))
	require.Equal(t, int64(2), do(t, c, "DEL", p+"k0", p+"k1", p+"nope"))
	require.Equal(t, int64(1), do(t, c, "UNLINK", p+"k2"))
	got := do(t, c, "KEYS", p+"k*").([]any)
	sort.Slice(got, func(i, j int) bool { return got[i].(string) < got[j].(string) })
	require.Equal(t, []any{p + "k3", p + "k4"}, got)
	require.Equal(t, []any{p + "h"}, do(t, c, "KEYS", p+"[gh]"))

	// SCAN with MATCH walks to the end and returns every live key once
	// per type.
	var seen []string
	cursor := "0"
	for i := 0; ; i++ {
		require.Less(t, i, 10000, "SCAN does not terminate")
		r := do(t, c, "SCAN", cursor, "MATCH", p+"*", "COUNT", "3").([]any)
		cursor = r[0].(string)
		for _, k := range r[1].([]any) {
			seen = append(seen, k.(string))
		}
		if cursor == "0" {
			break
		}
	}
	sort.Strings(seen)
	require.Equal(t, []string{p + "h", p + "k3", p + "k4"}, seen)
	r := do(t, c, "SCAN", "0", "MATCH", p+"*", "TYPE", "hash", "COUNT", "1000000").([]any)
	require.Equal(t, []any{p + "h"}, r[1])

	// TTL family.
	k := p + "k3"
	require.Equal(t, int64(-1), do(t, c, "TTL", k))
	require.Equal(t, int64(1), do(t, c, "EXPIRE", k, "100"))
	require.InDelta(t, 100, do(t, c, "TTL", k), 1)
	require.InDelta(t, 100000, do(t, c, "PTTL", k), 1000)
	require.Equal(t, int64(1), do(t, c, "PEXPIRE", k, "200000"))
	require.InDelta(t, 200, do(t, c, "TTL", k), 1)
	require.Equal(t, int64(0), do(t, c, "EXPIRE", k, "50", "GT"))
	require.Equal(t, int64(1), do(t, c, "EXPIRE", k, "50", "LT"))
	require.Equal(t, int64(0), do(t, c, "EXPIRE", k, "50", "NX"))
	at := time.Now().Add(time.Hour).Unix()
	require.Equal(t, int64(1), do(t, c, "EXPIREAT", k, at))
	require.InDelta(t, 3600, do(t, c, "TTL", k), 2)
	require.Equal(t, int64(1), do(t, c, "PEXPIREAT", k, at*1000))
	require.Equal(t, int64(1), do(t, c, "PERSIST", k))
	require.Equal(t, int64(0), do(t, c, "PERSIST", k))
	require.Equal(t, int64(0), do(t, c, "EXPIRE", p+"nope", "10"))
	require.Equal(t, int64(-2), do(t, c, "PTTL", p+"nope"))
	// A non-positive TTL deletes (PEXPIRE 999 rounds down to 0 s).
	require.Equal(t, int64(1), do(t, c, "PEXPIRE", k, "999"))
	require.Equal(t, int64(0), do(t, c, "EXISTS", k))
	require.Equal(t, int64(1), do(t, c, "PEXPIREAT", p+"k4", time.Now().Add(-time.Second).UnixMilli()))
	isNil(t, c, "GET", p+"k4")

	// Real expiry of a hash through EXPIRE.
	require.Equal(t, int64(1), do(t, c, "EXPIRE", p+"h", "1"))
	waitGone(t, c, p+"h")
	require.Equal(t, int64(0), do(t, c, "HLEN", p+"h"))

	// OBJECT says something truthful about what is stored.
	require.Equal(t, "OK", do(t, c, "SET", p+"int", "12345"))
	require.Equal(t, "OK", do(t, c, "SET", p+"str", "short"))
	require.Equal(t, int64(1), do(t, c, "HSET", p+"hash", "f", "v"))
	require.Equal(t, "int", do(t, c, "OBJECT", "ENCODING", p+"int"))
	require.Equal(t, "embstr", do(t, c, "OBJECT", "ENCODING", p+"str"))
	require.Equal(t, "hashtable", do(t, c, "OBJECT", "ENCODING", p+"hash"))
	require.Equal(t, int64(1), do(t, c, "OBJECT", "REFCOUNT", p+"str"))
	require.Equal(t, int64(0), do(t, c, "OBJECT", "IDLETIME", p+"str"))
	isNil(t, c, "OBJECT", "ENCODING", p+"nope")
	fails(t, c, "ERR An LFU maxmemory policy is not selected, access frequency not tracked. "+
		"Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
		"OBJECT", "FREQ", p+"str")
}

func TestKeyspacePikaExtensions(t *testing.T) {
	t.Parallel()
	c, p := client(t), prefix(t)
	for _, s := range []string{"a", "b", "c", "d"} {
		require.Equal(t, "OK", do(t, c, "SET", p+s, s))
	}
	r := do(t, c, "PKSCANRANGE", "string", p+"b", p+"c").([]any)
	require.Equal(t, []any{"", []any{p + "b", p + "c"}}, r)
	r = do(t, c, "PKSCANRANGE", "string_with_value", p+"a", p+"b").([]any)
	require.Equal(t, []any{"", []any{p + "a", "a", p + "b", "b"}}, r)
	r = do(t, c, "PKRSCANRANGE", "string", p+"c", p+"a", "LIMIT", "2").([]any)
	require.Equal(t, []any{p + "a", []any{p + "c", p + "b"}}, r)
	r = do(t, c, "SCANX", "string", p+"c", "MATCH", p+"*", "COUNT", "10").([]any)
	require.Equal(t, []any{p + "c", p + "d"}, r[1].([]any)[:2])
	require.Equal(t, int64(1), do(t, c, "DELVX", p+"a", "a"))
	require.Equal(t, int64(-1), do(t, c, "DELVX", p+"b", "a"), "value differs")
	require.Equal(t, []any{"string"}, do(t, c, "PTYPE", p+"b"))
	require.Equal(t, int64(3), do(t, c, "PKPATTERNMATCHDEL", p+"*", "string"))
	require.Equal(t, int64(0), do(t, c, "EXISTS", p+"b", p+"c", p+"d"))
	fails(t, c, "ERR invalid DB type", "PKSCANRANGE", "nosuchtype", "", "")
}

func TestKeyspaceErrors(t *testing.T) {
	t.Parallel()
	c, p := client(t), prefix(t)
	k := p + "k"
	wrongArity(t, c, line("DEL"), line("UNLINK"), line("EXISTS"), line("EXPIRE", k),
		line("PEXPIRE", k), line("EXPIREAT", k), line("PEXPIREAT", k), line("TTL"), line("PTTL", k, k),
		line("PERSIST"), line("TYPE"), line("TYPE", k, k), line("PTYPE"), line("SCAN"), line("KEYS"),
		line("RANDOMKEY", k), line("DBSIZE", k), line("OBJECT"), line("PKSCANRANGE", "string", ""),
		line("PKPATTERNMATCHDEL", k), line("SCANX", "string"))
	require.Equal(t, "OK", do(t, c, "SET", k, "v"))
	fails(t, c, notInt, "EXPIRE", k, "soon")
	fails(t, c, notInt, "PEXPIRE", k, "1.5")
	fails(t, c, notInt, "EXPIREAT", k, "")
	fails(t, c, "ERR NX and XX, GT or LT options at the same time are not compatible", "EXPIRE", k, "10", "NX", "XX")
	fails(t, c, "ERR GT and LT options at the same time are not compatible", "EXPIRE", k, "10", "GT", "LT")
	fails(t, c, "ERR Unsupported option BOGUS", "EXPIRE", k, "10", "BOGUS")
	fails(t, c, "ERR invalid expire time in 'expire' command", "EXPIRE", k, "9223372036854775807")
	fails(t, c, "ERR invalid cursor", "SCAN", "abc")
	fails(t, c, "ERR syntax error", "SCAN", "0", "COUNT", "0")
	fails(t, c, notInt, "SCAN", "0", "COUNT", "x")
	fails(t, c, "ERR syntax error", "SCAN", "0", "BOGUS")
	require.Equal(t, "v", do(t, c, "GET", k))
	require.Equal(t, int64(-1), do(t, c, "TTL", k))
}

// TestWholeDatabase uses db 1 alone: DBSIZE, RANDOMKEY, FLUSHDB, SELECT.
func TestWholeDatabase(t *testing.T) {
	c := client(t, 1)
	require.Equal(t, "OK", do(t, c, "FLUSHDB"))
	require.Equal(t, int64(0), do(t, c, "DBSIZE"))
	isNil(t, c, "RANDOMKEY")
	require.Equal(t, "OK", do(t, c, "MSET", "a", "1", "b", "2"))
	require.Equal(t, int64(1), do(t, c, "SADD", "a", "m"))
	require.Equal(t, int64(3), do(t, c, "DBSIZE"))
	for i := 0; i < 10; i++ {
		require.Contains(t, []any{"a", "b"}, do(t, c, "RANDOMKEY"))
	}
	// db 0 does not see db 1's keys.
	require.Equal(t, int64(0), do(t, client(t), "EXISTS", "a", "b"))
	require.Equal(t, "OK", do(t, c, "FLUSHDB"))
	require.Equal(t, int64(0), do(t, c, "DBSIZE"))
	require.Equal(t, int64(0), do(t, c, "SCARD", "a"))
}
