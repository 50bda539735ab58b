package command

import (
	"errors"
	"fmt"
	"testing"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/stretchr/testify/require"
)

// hsRun executes a command and returns its RESP2 encoding.
func hsRun(c *Ctx, words ...string) string {
	return hsRunProto(c, 2, words...)
}

func hsRunProto(c *Ctx, proto int, words ...string) string {
	argv := argvOf(words...)
	return string(Commands.Exec(c, argv).AppendRESP(nil, proto))
}

// hsBulks is the RESP2 array of the given bulk strings.
func hsBulks(items ...string) string {
	s := fmt.Sprintf("*%d\r\n", len(items))
	for _, it := range items {
		s += fmt.Sprintf("$%d\r\n%s\r\n", len(it), it)
	}
	return s
}

func TestHashCommands(t *testing.T) {
	c := newTestCtx(t)
	require.Equal(t, ":2\r\n", hsRun(c, "HSET", "h", "a", "1", "b", "2"))
	require.Equal(t, ":1\r\n", hsRun(c, "hset", "h", "a", "9", "c", "3"))
	require.Equal(t, "-ERR wrong number of arguments for 'hset' command\r\n", hsRun(c, "HSET", "h", "a", "1", "b"))
	require.Equal(t, "-ERR wrong number of arguments for 'hset' command\r\n", hsRun(c, "HSET", "h", "a"))
	require.Equal(t, "+OK\r\n", hsRun(c, "HMSET", "h", "d", "4"))
	require.Equal(t, "-ERR wrong number of arguments for 'hmset' command\r\n", hsRun(c, "HMSET", "h", "d", "4", "e"))
	require.Equal(t, ":0\r\n", hsRun(c, "HSETNX", "h", "a", "x"))
	require.Equal(t, ":1\r\n", hsRun(c, "HSETNX", "h", "e", "5"))
	require.Equal(t, "$1\r\n9\r\n", hsRun(c, "HGET", "h", "a"))
	require.Equal(t, "$-1\r\n", hsRun(c, "HGET", "h", "zz"))
	require.Equal(t, "$-1\r\n", hsRun(c, "HGET", "nokey", "a"))
	require.Equal(t, ":1\r\n", hsRun(c, "HEXISTS", "h", "a"))
	require.Equal(t, ":0\r\n", hsRun(c, "HEXISTS", "h", "zz"))
	require.Equal(t, ":1\r\n", hsRun(c, "HSTRLEN", "h", "a"))
	require.Equal(t, ":5\r\n", hsRun(c, "HLEN", "h"))
	require.Equal(t, ":0\r\n", hsRun(c, "HLEN", "nokey"))
	require.Equal(t, "*3\r\n$1\r\n9\r\n$-1\r\n$1\r\n3\r\n", hsRun(c, "HMGET", "h", "a", "zz", "c"))
	require.Equal(t, hsBulks("a", "9", "b", "2", "c", "3", "d", "4", "e", "5"), hsRun(c, "HGETALL", "h"))
	require.Equal(t, ":1\r\n", hsRun(c, "HSET", "one", "a", "9"))
	require.Equal(t, "%1\r\n$1\r\na\r\n$1\r\n9\r\n", hsRunProto(c, 3, "HGETALL", "one"), "a map on RESP3")
	require.Equal(t, "*0\r\n", hsRun(c, "HGETALL", "nokey"))
	require.Equal(t, hsBulks("a", "b", "c", "d", "e"), hsRun(c, "HKEYS", "h"))
	require.Equal(t, hsBulks("9", "2", "3", "4", "5"), hsRun(c, "HVALS", "h"))
	require.Equal(t, ":2\r\n", hsRun(c, "HDEL", "h", "a", "b", "zz"))
	require.Equal(t, ":3\r\n", hsRun(c, "HLEN", "h"))
	require.Equal(t, "-ERR wrong number of arguments for 'hget' command\r\n", hsRun(c, "HGET", "h"))
}

func TestHashIncrCommands(t *testing.T) {
	c := newTestCtx(t)
	require.Equal(t, ":5\r\n", hsRun(c, "HINCRBY", "h", "n", "5"))
	require.Equal(t, ":-5\r\n", hsRun(c, "HINCRBY", "h", "n", "-10"))
	require.Equal(t, "-ERR value is not an integer or out of range\r\n", hsRun(c, "HINCRBY", "h", "n", "1.5"))
	require.Equal(t, ":1\r\n", hsRun(c, "HSET", "h", "s", "abc"))
	require.Equal(t, "-ERR hash value is not an integer\r\n", hsRun(c, "HINCRBY", "h", "s", "1"))
	require.Equal(t, ":1\r\n", hsRun(c, "HSET", "h", "max", "9223372036854775807"))
	require.Equal(t, "-ERR increment or decrement would overflow\r\n", hsRun(c, "HINCRBY", "h", "max", "1"))

	require.Equal(t, "$4\r\n10.5\r\n", hsRun(c, "HINCRBYFLOAT", "h", "f", "10.5"))
	require.Equal(t, "$4\r\n10.6\r\n", hsRun(c, "HINCRBYFLOAT", "h", "f", "0.1"))
	require.Equal(t, "$4\r\n5010\r\n", hsRun(c, "HINCRBYFLOAT", "h", "f", "4.9994e3"))
	require.Equal(t, "$1\r\n0\r\n", hsRun(c, "HINCRBYFLOAT", "h", "f", "-5010"))
	require.Equal(t, "-ERR value is not a valid float\r\n", hsRun(c, "HINCRBYFLOAT", "h", "f", "x"))
	require.Equal(t, "-ERR value is not a valid float\r\n", hsRun(c, "HINCRBYFLOAT", "h", "f", "nan"))
	require.Equal(t, "-ERR increment would produce NaN or Infinity\r\n", hsRun(c, "HINCRBYFLOAT", "h", "f", "inf"))
	require.Equal(t, "-ERR hash value is not a float\r\n", hsRun(c, "HINCRBYFLOAT", "h", "s", "1"))
	// Real Pika 3.5.5 answered INCRBYFLOAT str:float 3.25 with "3.25"
	// (fixtures commands.jsonl); HINCRBYFLOAT formats the same way.
	require.Equal(t, "$4\r\n3.25\r\n", hsRun(c, "HINCRBYFLOAT", "h", "g", "3.25"))
}

func TestHashScanCommands(t *testing.T) {
	c := newTestCtx(t)
	for i := 0; i < 15; i++ {
		hsRun(c, "HSET", "h", fmt.Sprintf("f%02d", i), fmt.Sprintf("v%d", i))
	}
	require.Equal(t, "*2\r\n$2\r\n10\r\n"+hsBulks("f00", "v0", "f01", "v1", "f02", "v2", "f03", "v3", "f04", "v4",
		"f05", "v5", "f06", "v6", "f07", "v7", "f08", "v8", "f09", "v9"), hsRun(c, "HSCAN", "h", "0"))
	require.Equal(t, "*2\r\n$1\r\n0\r\n"+hsBulks("f10", "v10", "f11", "v11"),
		hsRun(c, "HSCAN", "h", "0", "MATCH", "f1[01]", "COUNT", "100"))
	require.Equal(t, "*2\r\n$1\r\n0\r\n"+hsBulks("f13", "f14"),
		hsRun(c, "HSCAN", "h", "13", "NOVALUES"))
	require.Equal(t, "*2\r\n$1\r\n0\r\n*0\r\n", hsRun(c, "HSCAN", "nokey", "0"))
	require.Equal(t, "-ERR invalid cursor\r\n", hsRun(c, "HSCAN", "h", "-1"))
	require.Equal(t, "-ERR syntax error\r\n", hsRun(c, "HSCAN", "h", "0", "COUNT", "0"))
	require.Equal(t, "-ERR value is not an integer or out of range\r\n", hsRun(c, "HSCAN", "h", "0", "COUNT", "x"))
	require.Equal(t, "-ERR syntax error\r\n", hsRun(c, "HSCAN", "h", "0", "MATCH"))

	require.Equal(t, "*2\r\n$3\r\nf05\r\n"+hsBulks("f03", "v3", "f04", "v4"), hsRun(c, "HSCANX", "h", "f03", "COUNT", "2"))
	require.Equal(t, "*2\r\n$0\r\n\r\n"+hsBulks("f14", "v14"), hsRun(c, "HSCANX", "h", "f14"))
	require.Equal(t, "*2\r\n$3\r\nf04\r\n"+hsBulks("f02", "v2", "f03", "v3"),
		hsRun(c, "PKHSCANRANGE", "h", "f02", "f06", "LIMIT", "2"))
	require.Equal(t, "*2\r\n$0\r\n\r\n"+hsBulks("f13", "v13", "f14", "v14"),
		hsRun(c, "PKHSCANRANGE", "h", "f13", ""))
	require.Equal(t, "*2\r\n$3\r\nf04\r\n"+hsBulks("f06", "v6", "f05", "v5"),
		hsRun(c, "PKHRSCANRANGE", "h", "f06", "f02", "LIMIT", "2"))
	require.Equal(t, "-ERR syntax error\r\n", hsRun(c, "PKHSCANRANGE", "h", "f06", "f02"))
	require.Equal(t, "*2\r\n$0\r\n\r\n*0\r\n", hsRun(c, "PKHSCANRANGE", "nokey", "", ""))
}

func TestHRandFieldCommand(t *testing.T) {
	c := newTestCtx(t)
	require.Equal(t, "$-1\r\n", hsRun(c, "HRANDFIELD", "h"))
	require.Equal(t, "*0\r\n", hsRun(c, "HRANDFIELD", "h", "3"))
	hsRun(c, "HSET", "h", "a", "1", "b", "2", "c", "3")
	require.Equal(t, hsBulks("a", "1", "b", "2", "c", "3"), hsRun(c, "HRANDFIELD", "h", "5", "WITHVALUES"))
	one := hsRun(c, "HRANDFIELD", "h")
	require.Contains(t, []string{"$1\r\na\r\n", "$1\r\nb\r\n", "$1\r\nc\r\n"}, one)
	require.Equal(t, one, hsRun(c, "HRANDFIELD", "h"), "same seed, same field")
	require.Len(t, Commands.Exec(c, [][]byte{[]byte("HRANDFIELD"), []byte("h"), []byte("-7")}).Elems, 7)
	require.Equal(t, "-ERR syntax error\r\n", hsRun(c, "HRANDFIELD", "h", "1", "WITHSCORES"))
}

func TestSetCommands(t *testing.T) {
	c := newTestCtx(t)
	require.Equal(t, ":3\r\n", hsRun(c, "SADD", "s", "c", "a", "b", "a"))
	require.Equal(t, ":3\r\n", hsRun(c, "SCARD", "s"))
	require.Equal(t, hsBulks("a", "b", "c"), hsRun(c, "SMEMBERS", "s"))
	require.Equal(t, "~3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", hsRunProto(c, 3, "SMEMBERS", "s"))
	require.Equal(t, ":1\r\n", hsRun(c, "SISMEMBER", "s", "a"))
	require.Equal(t, ":0\r\n", hsRun(c, "SISMEMBER", "s", "z"))
	require.Equal(t, "*2\r\n:0\r\n:1\r\n", hsRun(c, "SMISMEMBER", "s", "z", "b"))
	require.Equal(t, ":1\r\n", hsRun(c, "SREM", "s", "a", "z"))
	require.Equal(t, ":1\r\n", hsRun(c, "SMOVE", "s", "t", "b"))
	require.Equal(t, ":0\r\n", hsRun(c, "SMOVE", "s", "t", "b"))
	require.Equal(t, hsBulks("c"), hsRun(c, "SMEMBERS", "s"))
	require.Equal(t, hsBulks("b"), hsRun(c, "SMEMBERS", "t"))
	require.Equal(t, "*0\r\n", hsRun(c, "SMEMBERS", "nokey"))

	hsRun(c, "SADD", "x", "1", "2", "3")
	hsRun(c, "SADD", "y", "2", "3", "4")
	require.Equal(t, hsBulks("1", "2", "3", "4"), hsRun(c, "SUNION", "x", "y"))
	require.Equal(t, hsBulks("2", "3"), hsRun(c, "SINTER", "x", "y"))
	require.Equal(t, hsBulks("1"), hsRun(c, "SDIFF", "x", "y"))
	require.Equal(t, ":4\r\n", hsRun(c, "SUNIONSTORE", "d", "x", "y"))
	require.Equal(t, ":2\r\n", hsRun(c, "SINTERSTORE", "d", "x", "y"))
	require.Equal(t, hsBulks("2", "3"), hsRun(c, "SMEMBERS", "d"))
	require.Equal(t, ":1\r\n", hsRun(c, "SDIFFSTORE", "d", "y", "x"))
	require.Equal(t, hsBulks("4"), hsRun(c, "SMEMBERS", "d"))
	require.Equal(t, "-ERR wrong number of arguments for 'sunionstore' command\r\n", hsRun(c, "SUNIONSTORE", "d"))

	require.Equal(t, "*2\r\n$1\r\n2\r\n"+hsBulks("1", "2"), hsRun(c, "SSCAN", "x", "0", "COUNT", "2"))
	require.Equal(t, "*2\r\n$1\r\n0\r\n"+hsBulks("3"), hsRun(c, "SSCAN", "x", "2"))
}

func TestSpecsOfHashesAndSets(t *testing.T) {
	for _, name := range []string{"sunion", "sinter", "sdiff", "sunionstore", "sinterstore", "sdiffstore"} {
		s, ok := Commands.Lookup([]byte(name))
		require.True(t, ok, name)
		require.Equal(t, []int{1, 2, 3}, s.Keys(4), name)
		require.Contains(t, s.Categories, "set")
	}
	s, _ := Commands.Lookup([]byte("smove"))
	require.Equal(t, []int{1, 2}, s.Keys(4))
	s, _ = Commands.Lookup([]byte("hset"))
	require.True(t, s.IsWrite())
	require.Equal(t, []string{"write", "hash", "fast"}, s.Categories)
	s, _ = Commands.Lookup([]byte("hgetall"))
	require.False(t, s.IsWrite())
	require.Equal(t, []string{"read", "hash", "slow"}, s.Categories)
	require.Equal(t, "hash", s.Group)
}

func TestSPopAndSRandMemberCommands(t *testing.T) {
	c := newTestCtx(t)
	require.Equal(t, "$-1\r\n", hsRun(c, "SPOP", "s"))
	require.Equal(t, "*0\r\n", hsRun(c, "SPOP", "s", "3"))
	require.Equal(t, "$-1\r\n", hsRun(c, "SRANDMEMBER", "s"))
	require.Equal(t, "*0\r\n", hsRun(c, "SRANDMEMBER", "s", "3"))
	var members []string
	for i := 0; i < 20; i++ {
		members = append(members, fmt.Sprintf("m%02d", i))
	}
	hsRun(c, append([]string{"SADD", "s"}, members...)...)
	hsRun(c, append([]string{"SADD", "s2"}, members...)...)

	// The same seed makes the same choice on an identical set.
	c.Seed = 77
	p1 := hsRun(c, "SPOP", "s", "3")
	p2 := hsRun(c, "SPOP", "s2", "3")
	require.Equal(t, p1, p2)
	require.Equal(t, ":17\r\n", hsRun(c, "SCARD", "s"))
	require.Equal(t, hsRun(c, "SMEMBERS", "s"), hsRun(c, "SMEMBERS", "s2"))
	require.Equal(t, hsRun(c, "SRANDMEMBER", "s", "-30"), hsRun(c, "SRANDMEMBER", "s2", "-30"))
	require.Len(t, Commands.Exec(c, [][]byte{[]byte("SRANDMEMBER"), []byte("s"), []byte("-30")}).Elems, 30)
	require.Len(t, Commands.Exec(c, [][]byte{[]byte("SRANDMEMBER"), []byte("s"), []byte("5")}).Elems, 5)

	require.Equal(t, "*0\r\n", hsRun(c, "SPOP", "s", "0"))
	require.Equal(t, "-ERR value is out of range, must be positive\r\n", hsRun(c, "SPOP", "s", "-1"))
	require.Equal(t, "-ERR value is out of range, must be positive\r\n", hsRun(c, "SPOP", "s", "x"))
	require.Equal(t, "-ERR syntax error\r\n", hsRun(c, "SPOP", "s", "1", "2"))
	require.Equal(t, "-ERR value is out of range\r\n", hsRun(c, "SRANDMEMBER", "s", "-100000000"))
	all := Commands.Exec(c, [][]byte{[]byte("SPOP"), []byte("s"), []byte("100")})
	require.Len(t, all.Elems, 17)
	require.Equal(t, ":0\r\n", hsRun(c, "SCARD", "s"))
}

func TestErrReplyUnwrapsEngineErrors(t *testing.T) {
	err := fmt.Errorf("hincrby %q: %w", "h", engine.ErrHashNotInteger)
	require.Equal(t, "ERR hash value is not an integer", ErrReply(err).Str)
	require.Equal(t, "ERR boom", ErrReply(errors.New("boom")).Str)
	require.Equal(t, "WRONGTYPE x", ErrReply(errors.New("WRONGTYPE x")).Str)
}
