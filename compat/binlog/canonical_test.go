package binlog

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const nowMs = int64(1795314903_500) // time(NULL) = 1795314903

// canon returns the canonical items of a command in db 0 as space-joined argv.
func canon(t *testing.T, a Applied) []string {
	t.Helper()
	if a.NowMs == 0 {
		a.NowMs = nowMs
	}
	if a.Databases == 0 {
		a.Databases = 1
	}
	got, err := Canonical(a)
	require.NoError(t, err)
	var out []string
	for _, c := range got {
		argv, err := ParseRESP(c.Bytes)
		require.NoError(t, err)
		parts := make([]string, len(argv))
		for i, x := range argv {
			parts[i] = string(x)
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}

func cmd(s string) Applied { return Applied{Argv: args(strings.Fields(s)...)} }

func TestCanonicalSpecRewrites(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"SET k v", []string{"SET k v"}},
		{"SET k v EX 10", []string{"pksetexat k 1795314913 v"}},
		{"set k v px 2500", []string{"pksetexat k 1795314905 v"}},
		{"SET k v NX EX 10", []string{"SET k v NX EX 10"}},
		{"SET k v EX 10 XX", []string{"SET k v EX 10 XX"}},
		{"SET k v EX 2147483647", []string{"pksetexat k -352168746 v"}}, // int32 wrap
		{"SET k v EX 10 GET", []string{"pksetexat k 1795314913 v"}},
		{"SET k v EXAT 1900000000", []string{"pksetexat k 1900000000 v"}},
		{"SET k v PXAT 1900000000999", []string{"pksetexat k 1900000000 v"}},
		{"SETEX k 10 v", []string{"pksetexat k 1795314913 v"}},
		{"PSETEX k 1999 v", []string{"pksetexat k 1795314904 v"}},
		{"SETNX k v", []string{"setnx k v"}},
		{"EXPIRE k 100", []string{"expireat k 1795315003"}},
		{"EXPIRE k -5", []string{"expireat k 1795314898"}},
		{"PEXPIRE k 1500", []string{"expireat k 1795314904"}},
		{"PEXPIREAT k 1795400000123", []string{"expireat k 1795400000"}},
		{"EXPIREAT k 1795400000", []string{"EXPIREAT k 1795400000"}},
		{"EXPIRE k 100 NX", []string{"expireat k 1795315003"}},
		{"FLUSHDB", []string{"FLUSHDB"}},
		{"FLUSHDB ASYNC", []string{"FLUSHDB"}},
		{"HSET h f v", []string{"HSET h f v"}},
		{"HSET h f v g w", []string{"hmset h f v g w"}},
		{"MSET a 1 b 2", []string{"set a 1", "set b 2"}},
		{"DEL a b", []string{"DEL a", "DEL b"}},
		{"SDIFFSTORE d a b", []string{"del d"}},
		{"LPUSH l a b", []string{"LPUSH l a b"}},
		{"PKSETEXAT k 100 v", []string{"PKSETEXAT k 100 v"}},
	}
	for _, c := range cases {
		require.Equal(t, c.want, canon(t, cmd(c.in)), c.in)
	}
}

func TestCanonicalOutcomes(t *testing.T) {
	a := cmd("INCRBY c 5")
	a.Value, a.ExpireAt = []byte("47"), 1795400000
	require.Equal(t, []string{"pksetexat c 1795400000 47"}, canon(t, a))
	a = cmd("APPEND s x")
	a.Value = []byte("abcx")
	require.Equal(t, []string{"pksetexat s 0 abcx"}, canon(t, a))
	a = cmd("SET k v KEEPTTL")
	a.ExpireAt = 1795400000
	require.Equal(t, []string{"pksetexat k 1795400000 v"}, canon(t, a))
	a = cmd("SET k v KEEPTTL")
	require.Equal(t, []string{"set k v"}, canon(t, a))
	a = cmd("SET k v NX KEEPTTL")
	a.NoOp = true
	require.Empty(t, canon(t, a))
	a = cmd("EXPIRE k 10 XX")
	a.NoOp = true
	require.Empty(t, canon(t, a))
	a = cmd("MSETNX a 1 b 2")
	a.NoOp = true
	require.Empty(t, canon(t, a))
	a = cmd("XADD s MAXLEN ~ 100 * f v")
	a.StreamID = []byte("1795314903928-0")
	require.Equal(t, []string{"XADD s MAXLEN ~ 100 1795314903928-0 f v"}, canon(t, a))
	a = cmd("SPOP s 2")
	a.Members = args("m1", "m2")
	require.Equal(t, []string{"srem s m1 m2"}, canon(t, a))
	a = cmd("SPOP s")
	require.Empty(t, canon(t, a), "nothing popped")
	a = cmd("RPOPLPUSH src dst")
	a.Members = args("v")
	require.Equal(t, []string{"RPOP src", "LPUSH dst v"}, canon(t, a))
	a = cmd("LMOVE src dst LEFT RIGHT")
	a.Members = args("v")
	require.Equal(t, []string{"LPOP src", "RPUSH dst v"}, canon(t, a))
	a = cmd("SUNIONSTORE d a b")
	a.Members = args("x", "y")
	require.Equal(t, []string{"del d", "sadd d x y"}, canon(t, a))
}

func TestCanonicalSetStoreChunks(t *testing.T) {
	m := strings.Repeat("m", 60000)
	a := cmd("SINTERSTORE d a b")
	a.Members = args(m, m, m, "z")
	got := canon(t, a)
	// 128 KiB is reached after three 60000-byte members: a new item starts.
	require.Equal(t, []string{"del d", "sadd d " + m + " " + m + " " + m, "sadd d z"}, got)
}

func TestCanonicalFlushallEveryDB(t *testing.T) {
	got, err := Canonical(Applied{Argv: args("FLUSHALL"), DB: 1, Databases: 3, NowMs: nowMs})
	require.NoError(t, err)
	flush := []byte("*1\r\n$7\r\nflushdb\r\n")
	require.Equal(t, []Content{{0, flush}, {1, flush}, {2, flush}}, got)
}

func TestCanonicalErrors(t *testing.T) {
	for _, in := range []string{"SET k", "SET k v EX", "SET k v EX ten", "SETEX k v", "EXPIRE k", "MSET a", "SET k v BOGUS"} {
		_, err := Canonical(Applied{Argv: args(strings.Fields(in)...), NowMs: nowMs})
		require.Error(t, err, in)
	}
	_, err := Canonical(Applied{})
	require.Error(t, err)
}
