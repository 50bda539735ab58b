package command_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/resp/command"
)

// ksClock is the cluster time of these tests (second 1700000000 + 400 ms).
const ksClock int64 = 1_700_000_000_400

// ksEnv runs key-space commands on a fresh two-database engine.
type ksEnv struct {
	t     *testing.T
	e     *engine.Engine
	db    *engine.DB
	nowMs int64
}

func newKSEnv(t *testing.T) *ksEnv {
	t.Helper()
	e, err := engine.Open(filepath.Join(t.TempDir(), "db"), engine.Options{Databases: 2})
	require.NoError(t, err)
	t.Cleanup(func() { e.Close() })
	db, err := e.DB(0)
	require.NoError(t, err)
	return &ksEnv{t: t, e: e, db: db, nowMs: ksClock}
}

func (k *ksEnv) w() engine.Writer { return engine.Writer{NowMs: k.nowMs} }

// run executes a command given as words and renders the reply in RESP2.
func (k *ksEnv) run(words ...string) string {
	argv := make([][]byte, len(words))
	for i, w := range words {
		argv[i] = []byte(w)
	}
	c := &command.Ctx{Engine: k.e, DB: k.db, W: k.w(), NowMs: k.nowMs}
	return string(command.Commands.Exec(c, argv).AppendRESP(nil, 2))
}

func (k *ksEnv) hset(key string) {
	_, err := k.db.HSet(k.w(), []byte(key), []engine.FieldValue{{Field: []byte("f"), Value: []byte("v")}})
	require.NoError(k.t, err)
}

func (k *ksEnv) sadd(key string) {
	_, err := k.db.SAdd(k.w(), []byte(key), [][]byte{[]byte("m")})
	require.NoError(k.t, err)
}

func (k *ksEnv) rpush(key string) {
	_, err := k.db.RPush(k.w(), []byte(key), []byte("e"))
	require.NoError(k.t, err)
}

func ksBulks(items ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(items))
	for _, s := range items {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(s), s)
	}
	return b.String()
}

func TestKeyspaceSameKeyInSeveralTypes(t *testing.T) {
	k := newKSEnv(t)
	k.hset("multi")
	k.sadd("multi")
	k.rpush("multi")
	require.Equal(t, "+hash\r\n", k.run("TYPE", "multi"))
	require.Equal(t, ksBulks("hash", "list", "set"), k.run("PTYPE", "multi"))
	require.Equal(t, ":3\r\n", k.run("EXISTS", "multi"))
	require.Equal(t, ":6\r\n", k.run("EXISTS", "multi", "multi", "nope"))
	require.Equal(t, ":3\r\n", k.run("EXPIRE", "multi", "100"))
	require.Equal(t, ":100\r\n", k.run("TTL", "multi"))
	require.Equal(t, ":100000\r\n", k.run("PTTL", "multi"))
	require.Equal(t, ":3\r\n", k.run("PERSIST", "multi"))
	require.Equal(t, ":-1\r\n", k.run("TTL", "multi"))
	require.Equal(t, ":3\r\n", k.run("DEL", "multi"))
	require.Equal(t, ":0\r\n", k.run("UNLINK", "multi"))
	require.Equal(t, "+none\r\n", k.run("TYPE", "multi"))
	require.Equal(t, ksBulks("none"), k.run("PTYPE", "multi"))
	require.Equal(t, ":-2\r\n", k.run("TTL", "multi"))
	require.Equal(t, ":-2\r\n", k.run("PTTL", "multi"))
}

func TestKeyspaceExpireFormsAndErrors(t *testing.T) {
	k := newKSEnv(t)
	k.hset("h")
	require.Equal(t, ":1\r\n", k.run("PEXPIRE", "h", "5999"))
	require.Equal(t, ":5\r\n", k.run("TTL", "h"), "milliseconds are truncated to seconds")
	require.Equal(t, ":1\r\n", k.run("EXPIREAT", "h", "1700000100"))
	require.Equal(t, ":100\r\n", k.run("TTL", "h"))
	require.Equal(t, ":1\r\n", k.run("PEXPIREAT", "h", "1700000200999"))
	require.Equal(t, ":200\r\n", k.run("TTL", "h"))
	require.Equal(t, ":0\r\n", k.run("EXPIRE", "h", "300", "NX"))
	require.Equal(t, ":0\r\n", k.run("EXPIRE", "h", "100", "gt"))
	require.Equal(t, ":1\r\n", k.run("EXPIRE", "h", "100", "XX", "LT"))
	require.Equal(t, ":100\r\n", k.run("TTL", "h"))
	require.Equal(t, ":0\r\n", k.run("EXPIRE", "missing", "10"))

	require.Equal(t, "-ERR value is not an integer or out of range\r\n", k.run("EXPIRE", "h", "ten"))
	require.Equal(t, "-ERR invalid expire time in 'expire' command\r\n", k.run("EXPIRE", "h", "9223372036854775807"))
	require.Equal(t, "-ERR invalid expire time in 'expire' command\r\n", k.run("EXPIRE", "h", "2147483647"))
	require.Equal(t, "-ERR invalid expire time in 'pexpire' command\r\n", k.run("PEXPIRE", "h", "9223372036854775807"))
	require.Equal(t, "-ERR invalid expire time in 'expireat' command\r\n", k.run("EXPIREAT", "h", "2147483648"))
	require.Equal(t, "-ERR Unsupported option foo\r\n", k.run("EXPIRE", "h", "1", "foo"))
	require.Equal(t, "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n", k.run("EXPIRE", "h", "1", "NX", "XX"))
	require.Equal(t, "-ERR GT and LT options at the same time are not compatible\r\n", k.run("EXPIRE", "h", "1", "GT", "LT"))
	require.Equal(t, ":100\r\n", k.run("TTL", "h"), "failed commands changed nothing")

	require.Equal(t, ":1\r\n", k.run("EXPIRE", "h", "-1"))
	require.Equal(t, ":0\r\n", k.run("EXISTS", "h"))
	require.Equal(t, "-ERR wrong number of arguments for 'expire' command\r\n", k.run("EXPIRE", "h"))
}

func TestKeyspaceScanKeysAndCursor(t *testing.T) {
	k := newKSEnv(t)
	for i := 0; i < 25; i++ {
		k.hset(fmt.Sprintf("h:%02d", i))
	}
	k.sadd("h:00")
	k.rpush("list")
	seen := map[string]int{}
	cursor := "0"
	for calls := 0; ; calls++ {
		require.Less(t, calls, 100)
		argv := [][]byte{[]byte("SCAN"), []byte(cursor), []byte("COUNT"), []byte("4")}
		rep := command.Commands.Exec(&command.Ctx{DB: k.db, NowMs: k.nowMs}, argv)
		require.Equal(t, command.TypeArray, rep.Type)
		require.Len(t, rep.Elems, 2)
		for _, e := range rep.Elems[1].Elems {
			seen[string(e.Bulk)]++
		}
		cursor = string(rep.Elems[0].Bulk)
		if cursor == "0" {
			break
		}
	}
	require.Len(t, seen, 26)
	require.Equal(t, 2, seen["h:00"], "listed once per type")

	require.Equal(t, "*2\r\n$1\r\n0\r\n"+ksBulks("list"), k.run("SCAN", "0", "TYPE", "list", "COUNT", "100"))
	require.Equal(t, "*2\r\n$1\r\n0\r\n"+ksBulks("h:00"), k.run("SCAN", "0", "MATCH", "h:0[0]", "TYPE", "set"))
	require.Equal(t, "-ERR invalid cursor\r\n", k.run("SCAN", "x"))
	require.Equal(t, "-ERR invalid cursor\r\n", k.run("SCAN", "7"))
	require.Equal(t, "-ERR syntax error\r\n", k.run("SCAN", "0", "COUNT", "0"))
	require.Equal(t, "-ERR value is not an integer or out of range\r\n", k.run("SCAN", "0", "COUNT", "x"))
	require.Equal(t, "-ERR syntax error\r\n", k.run("SCAN", "0", "MATCH"))
	require.Equal(t, "-ERR unknown type name 'blob'\r\n", k.run("SCAN", "0", "TYPE", "blob"))

	require.Equal(t, ksBulks("h:10", "h:11", "h:12"), k.run("KEYS", "h:1[0-2]"))
	require.Equal(t, ksBulks("h:00"), k.run("KEYS", "*", "set"))
	require.Equal(t, "-ERR syntax error\r\n", k.run("KEYS", "*", "blob"))
	require.Equal(t, ":27\r\n", k.run("DBSIZE"))
}

func TestKeyspacePikaScans(t *testing.T) {
	k := newKSEnv(t)
	for _, key := range []string{"a", "b", "c", "d"} {
		k.hset(key)
	}
	k.sadd("b")
	require.Equal(t, "*2\r\n$1\r\nd\r\n"+ksBulks("b", "c"), k.run("SCANX", "hash", "b", "COUNT", "2"))
	require.Equal(t, "*2\r\n$0\r\n\r\n"+ksBulks("d"), k.run("SCANX", "hash", "d", "MATCH", "*"))
	require.Equal(t, "-ERR invalid DB type\r\n", k.run("SCANX", "blob", ""))

	require.Equal(t, "*2\r\n$1\r\nc\r\n"+ksBulks("a", "b"), k.run("PKSCANRANGE", "hash", "", "c", "LIMIT", "2"))
	require.Equal(t, "*2\r\n$0\r\n\r\n"+ksBulks("c", "b"), k.run("PKRSCANRANGE", "hash", "c", "b"))
	require.Equal(t, "-ERR syntax error\r\n", k.run("PKSCANRANGE", "hash", "c", "b"))
	require.Equal(t, "-ERR value is not an integer or out of range\r\n", k.run("PKSCANRANGE", "hash", "", "", "LIMIT", "0"))
	require.Equal(t, "-ERR invalid DB type\r\n", k.run("PKSCANRANGE", "blob", "", ""))

	require.Equal(t, ":2\r\n", k.run("PKPATTERNMATCHDEL", "[ab]", "hash"))
	require.Equal(t, ksBulks("c", "d", "b"), k.run("KEYS", "*"))
	require.Equal(t, "-ERR invalid DB type\r\n", k.run("PKPATTERNMATCHDEL", "*", "blob"))
}

func TestKeyspaceFlushRandomKeyObject(t *testing.T) {
	k := newKSEnv(t)
	require.Equal(t, "$-1\r\n", k.run("RANDOMKEY"))
	k.hset("h")
	k.rpush("l")
	k.sadd("l")
	rk := k.run("RANDOMKEY")
	require.Contains(t, []string{"$1\r\nh\r\n", "$1\r\nl\r\n"}, rk)

	require.Equal(t, "$9\r\nhashtable\r\n", k.run("OBJECT", "ENCODING", "h"))
	require.Equal(t, "$9\r\nquicklist\r\n", k.run("OBJECT", "encoding", "l"), "list before set")
	require.Equal(t, ":1\r\n", k.run("OBJECT", "REFCOUNT", "h"))
	require.Equal(t, ":0\r\n", k.run("OBJECT", "IDLETIME", "h"))
	require.Equal(t, "$-1\r\n", k.run("OBJECT", "ENCODING", "missing"))
	require.True(t, strings.HasPrefix(k.run("OBJECT", "FREQ", "h"), "-ERR An LFU maxmemory policy is not selected"))
	require.True(t, strings.HasPrefix(k.run("OBJECT", "HELP"), "*15\r\n+OBJECT <subcommand>"))
	require.Equal(t, "-ERR unknown subcommand 'foo'. Try OBJECT HELP.\r\n", k.run("OBJECT", "foo", "h"))
	require.Equal(t, "-ERR wrong number of arguments for 'object|encoding' command\r\n", k.run("OBJECT", "ENCODING"))

	db1, err := k.e.DB(1)
	require.NoError(t, err)
	_, err = db1.SAdd(k.w(), []byte("other"), [][]byte{[]byte("m")})
	require.NoError(t, err)
	require.Equal(t, "-ERR syntax error\r\n", k.run("FLUSHDB", "now"))
	require.Equal(t, "+OK\r\n", k.run("FLUSHDB", "ASYNC"))
	require.Equal(t, ":0\r\n", k.run("DBSIZE"))
	n, err := db1.DBSize(k.nowMs)
	require.NoError(t, err)
	require.EqualValues(t, 1, n, "FLUSHDB leaves db1 alone")
	require.Equal(t, "+OK\r\n", k.run("FLUSHALL"))
	n, err = db1.DBSize(k.nowMs)
	require.NoError(t, err)
	require.EqualValues(t, 0, n)
}

func TestKeyspaceSpecs(t *testing.T) {
	for name, arity := range map[string]int{"del": -2, "unlink": -2, "exists": -2, "expire": -3, "pexpire": -3,
		"expireat": -3, "pexpireat": -3, "ttl": 2, "pttl": 2, "persist": 2, "type": 2, "ptype": 2, "scan": -2,
		"scanx": -3, "keys": -2, "randomkey": 1, "dbsize": 1, "flushdb": -1, "flushall": -1, "pkscanrange": -4,
		"pkrscanrange": -4, "pkpatternmatchdel": 3, "object": -2} {
		s, ok := command.Commands.Lookup([]byte(name))
		require.True(t, ok, name)
		require.Equal(t, arity, s.Arity, name)
	}
	del, _ := command.Commands.Lookup([]byte("DEL"))
	require.True(t, del.IsWrite())
	require.Equal(t, []int{1, 2, 3}, del.Keys(4))
	ttl, _ := command.Commands.Lookup([]byte("ttl"))
	require.False(t, ttl.IsWrite())
}

func TestKeyspaceStringsWithOtherTypes(t *testing.T) {
	k := newKSEnv(t)
	require.Equal(t, "+OK\r\n", k.run("SET", "k", "12345"))
	k.hset("k")
	require.Equal(t, "+string\r\n", k.run("TYPE", "k"))
	require.Equal(t, "$3\r\nint\r\n", k.run("OBJECT", "ENCODING", "k"))
	require.Equal(t, "+OK\r\n", k.run("SET", "k", "012"))
	require.Equal(t, "$6\r\nembstr\r\n", k.run("OBJECT", "ENCODING", "k"))
	require.Equal(t, "+OK\r\n", k.run("SET", "k", strings.Repeat("x", 45)))
	require.Equal(t, "$3\r\nraw\r\n", k.run("OBJECT", "ENCODING", "k"))
	require.Equal(t, ":2\r\n", k.run("EXPIRE", "k", "10"))
	k.nowMs += 11_000
	require.Equal(t, ":-2\r\n", k.run("TTL", "k"))
	require.Equal(t, ":0\r\n", k.run("DEL", "k"), "both expired")
	require.Equal(t, "+OK\r\n", k.run("SET", "k", "v"))
	k.hset("k")
	require.Equal(t, ":2\r\n", k.run("DEL", "k"))
	require.Equal(t, "$-1\r\n", k.run("GET", "k"))
}
