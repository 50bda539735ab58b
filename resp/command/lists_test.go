package command

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/pikaraft/pikaraft/engine/pikafixture"
	"github.com/stretchr/testify/require"
)

// listRun executes a command given as words and returns its RESP2 encoding.
func listRun(c *Ctx, words ...string) string {
	argv := argvOf(words...)
	return string(Commands.Exec(c, argv).AppendRESP(nil, 2))
}

func TestListCommandsPushPopRange(t *testing.T) {
	c := newTestCtx(t)
	require.Equal(t, ":3\r\n", listRun(c, "RPUSH", "l", "a", "b", "c"))
	require.Equal(t, ":5\r\n", listRun(c, "lpush", "l", "y", "x"))
	require.Equal(t, "*5\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", listRun(c, "LRANGE", "l", "0", "-1"))
	require.Equal(t, "*2\r\n$1\r\nb\r\n$1\r\nc\r\n", listRun(c, "LRANGE", "l", "-2", "100"))
	require.Equal(t, "*0\r\n", listRun(c, "LRANGE", "nosuch", "0", "-1"))
	require.Equal(t, ":5\r\n", listRun(c, "LLEN", "l"))
	require.Equal(t, ":0\r\n", listRun(c, "LLEN", "nosuch"))
	require.Equal(t, "$1\r\nx\r\n", listRun(c, "LPOP", "l"))
	require.Equal(t, "$1\r\nc\r\n", listRun(c, "RPOP", "l"))
	require.Equal(t, "*2\r\n$1\r\ny\r\n$1\r\na\r\n", listRun(c, "LPOP", "l", "2"))
	require.Equal(t, "*0\r\n", listRun(c, "LPOP", "l", "0"))
	require.Equal(t, "*1\r\n$1\r\nb\r\n", listRun(c, "RPOP", "l", "10"))
	require.Equal(t, "$-1\r\n", listRun(c, "LPOP", "l"))
	require.Equal(t, "*-1\r\n", listRun(c, "LPOP", "l", "0"))
	require.Equal(t, "*-1\r\n", listRun(c, "RPOP", "nosuch", "3"))
	require.Equal(t, "-ERR value is out of range, must be positive\r\n", listRun(c, "LPOP", "l", "-1"))
	require.Equal(t, "-ERR value is out of range, must be positive\r\n", listRun(c, "LPOP", "l", "x"))
	require.Equal(t, "-ERR wrong number of arguments for 'lpop' command\r\n", listRun(c, "LPOP", "l", "1", "2"))
	require.Equal(t, "-ERR wrong number of arguments for 'rpush' command\r\n", listRun(c, "RPUSH", "l"))
	require.Equal(t, "-ERR value is not an integer or out of range\r\n", listRun(c, "LRANGE", "l", "0", "1.5"))

	require.Equal(t, ":0\r\n", listRun(c, "LPUSHX", "l", "a"))
	require.Equal(t, ":0\r\n", listRun(c, "RPUSHX", "l", "a"))
	require.Equal(t, ":1\r\n", listRun(c, "RPUSH", "l", "m"))
	require.Equal(t, ":3\r\n", listRun(c, "LPUSHX", "l", "a", "b"))
	require.Equal(t, ":4\r\n", listRun(c, "RPUSHX", "l", "z"))
	require.Equal(t, "*4\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nm\r\n$1\r\nz\r\n", listRun(c, "LRANGE", "l", "0", "-1"))
}

func TestListCommandsIndexSetInsertRemTrim(t *testing.T) {
	c := newTestCtx(t)
	listRun(c, "RPUSH", "l", "a", "b", "c", "b")
	require.Equal(t, "$1\r\na\r\n", listRun(c, "LINDEX", "l", "0"))
	require.Equal(t, "$1\r\nb\r\n", listRun(c, "LINDEX", "l", "-1"))
	require.Equal(t, "$-1\r\n", listRun(c, "LINDEX", "l", "4"))
	require.Equal(t, "$-1\r\n", listRun(c, "LINDEX", "nosuch", "0"))
	require.Equal(t, "-ERR value is not an integer or out of range\r\n", listRun(c, "LINDEX", "l", "one"))

	require.Equal(t, "+OK\r\n", listRun(c, "LSET", "l", "1", "B"))
	require.Equal(t, "-ERR index out of range\r\n", listRun(c, "LSET", "l", "9", "x"))
	require.Equal(t, "-ERR no such key\r\n", listRun(c, "LSET", "nosuch", "0", "x"))

	require.Equal(t, ":5\r\n", listRun(c, "LINSERT", "l", "before", "c", "c0"))
	require.Equal(t, ":6\r\n", listRun(c, "LINSERT", "l", "AFTER", "c", "c1"))
	require.Equal(t, ":-1\r\n", listRun(c, "LINSERT", "l", "AFTER", "zz", "x"))
	require.Equal(t, ":0\r\n", listRun(c, "LINSERT", "nosuch", "AFTER", "a", "x"))
	require.Equal(t, "-ERR syntax error\r\n", listRun(c, "LINSERT", "l", "middle", "a", "x"))
	require.Equal(t, "*6\r\n$1\r\na\r\n$1\r\nB\r\n$2\r\nc0\r\n$1\r\nc\r\n$2\r\nc1\r\n$1\r\nb\r\n",
		listRun(c, "LRANGE", "l", "0", "-1"))

	require.Equal(t, ":1\r\n", listRun(c, "LREM", "l", "0", "b"))
	require.Equal(t, ":0\r\n", listRun(c, "LREM", "nosuch", "0", "b"))
	require.Equal(t, "-ERR value is not an integer or out of range\r\n", listRun(c, "LREM", "l", "x", "b"))

	require.Equal(t, "+OK\r\n", listRun(c, "LTRIM", "l", "1", "-2"))
	require.Equal(t, "*3\r\n$1\r\nB\r\n$2\r\nc0\r\n$1\r\nc\r\n", listRun(c, "LRANGE", "l", "0", "-1"))
	require.Equal(t, "+OK\r\n", listRun(c, "LTRIM", "nosuch", "0", "1"))
	require.Equal(t, "+OK\r\n", listRun(c, "LTRIM", "l", "5", "1"))
	require.Equal(t, ":0\r\n", listRun(c, "LLEN", "l"))
}

func TestListCommandsMove(t *testing.T) {
	c := newTestCtx(t)
	require.Equal(t, "$-1\r\n", listRun(c, "RPOPLPUSH", "src", "dst"))
	require.Equal(t, "$-1\r\n", listRun(c, "LMOVE", "src", "dst", "LEFT", "RIGHT"))
	listRun(c, "RPUSH", "src", "a", "b", "c")
	require.Equal(t, "$1\r\nc\r\n", listRun(c, "RPOPLPUSH", "src", "dst"))
	require.Equal(t, "$1\r\na\r\n", listRun(c, "LMOVE", "src", "dst", "left", "RIGHT"))
	require.Equal(t, "*2\r\n$1\r\nc\r\n$1\r\na\r\n", listRun(c, "LRANGE", "dst", "0", "-1"))
	require.Equal(t, "$1\r\na\r\n", listRun(c, "LMOVE", "dst", "dst", "RIGHT", "LEFT"))
	require.Equal(t, "*2\r\n$1\r\na\r\n$1\r\nc\r\n", listRun(c, "LRANGE", "dst", "0", "-1"))
	require.Equal(t, "-ERR syntax error\r\n", listRun(c, "LMOVE", "dst", "x", "UP", "LEFT"))
}

func TestListCommandLPos(t *testing.T) {
	c := newTestCtx(t)
	listRun(c, "RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c")
	require.Equal(t, ":2\r\n", listRun(c, "LPOS", "l", "c"))
	require.Equal(t, ":6\r\n", listRun(c, "LPOS", "l", "c", "RANK", "2"))
	require.Equal(t, ":7\r\n", listRun(c, "LPOS", "l", "c", "RANK", "-1"))
	require.Equal(t, "$-1\r\n", listRun(c, "LPOS", "l", "zz"))
	require.Equal(t, "$-1\r\n", listRun(c, "LPOS", "nosuch", "zz"))
	require.Equal(t, "*3\r\n:2\r\n:6\r\n:7\r\n", listRun(c, "LPOS", "l", "c", "COUNT", "0"))
	require.Equal(t, "*2\r\n:7\r\n:6\r\n", listRun(c, "LPOS", "l", "c", "RANK", "-1", "COUNT", "2"))
	require.Equal(t, "*0\r\n", listRun(c, "LPOS", "l", "c", "COUNT", "1", "MAXLEN", "2"))
	require.Equal(t, "*0\r\n", listRun(c, "LPOS", "nosuch", "c", "COUNT", "1"))
	require.Equal(t, "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n",
		listRun(c, "LPOS", "l", "c", "RANK", "0"))
	require.Equal(t, "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n",
		listRun(c, "LPOS", "l", "c", "RANK", "-9223372036854775808"))
	require.Equal(t, "-ERR COUNT can't be negative\r\n", listRun(c, "LPOS", "l", "c", "COUNT", "-1"))
	require.Equal(t, "-ERR MAXLEN can't be negative\r\n", listRun(c, "LPOS", "l", "c", "MAXLEN", "-1"))
	require.Equal(t, "-ERR syntax error\r\n", listRun(c, "LPOS", "l", "c", "RANK"))
	require.Equal(t, "-ERR syntax error\r\n", listRun(c, "LPOS", "l", "c", "FOO", "1"))
	// Redis 7.0.15 words a non-number like a negative one for COUNT and MAXLEN.
	require.Equal(t, "-ERR COUNT can't be negative\r\n", listRun(c, "LPOS", "l", "c", "COUNT", "x"))
	require.Equal(t, "-ERR MAXLEN can't be negative\r\n", listRun(c, "LPOS", "l", "c", "MAXLEN", "x"))
	require.Equal(t, "-ERR value is not an integer or out of range\r\n", listRun(c, "LPOS", "l", "c", "RANK", "x"))
}

func TestListCommandSpecs(t *testing.T) {
	cases := []struct {
		name       string
		arity      int
		flags      []string
		cats       []string
		first, end int
	}{
		{"lpush", -3, []string{"write", "denyoom", "fast"}, []string{"write", "list", "fast"}, 1, 1},
		{"rpushx", -3, []string{"write", "denyoom", "fast"}, []string{"write", "list", "fast"}, 1, 1},
		{"lpop", -2, []string{"write", "fast"}, []string{"write", "list", "fast"}, 1, 1},
		{"llen", 2, []string{"readonly", "fast"}, []string{"read", "list", "fast"}, 1, 1},
		{"lrange", 4, []string{"readonly"}, []string{"read", "list", "slow"}, 1, 1},
		{"linsert", 5, []string{"write", "denyoom"}, []string{"write", "list", "slow"}, 1, 1},
		{"lrem", 4, []string{"write"}, []string{"write", "list", "slow"}, 1, 1},
		{"rpoplpush", 3, []string{"write", "denyoom"}, []string{"write", "list", "slow"}, 1, 2},
		{"lmove", 5, []string{"write", "denyoom"}, []string{"write", "list", "slow"}, 1, 2},
		{"lpos", -3, []string{"readonly"}, []string{"read", "list", "slow"}, 1, 1},
	}
	for _, c := range cases {
		s, ok := Commands.Lookup([]byte(strings.ToUpper(c.name)))
		require.True(t, ok, c.name)
		require.Equal(t, c.arity, s.Arity, c.name)
		require.Equal(t, c.flags, s.Flags.Names(), c.name)
		require.Equal(t, c.cats, s.Categories, c.name)
		require.Equal(t, []int{c.first, c.end}, []int{s.FirstKey, s.LastKey}, c.name)
		require.Equal(t, "list", s.Group, c.name)
		require.NotEmpty(t, s.Summary, c.name)
	}
	s, _ := Commands.Lookup([]byte("lmove"))
	require.Equal(t, []int{1, 2}, s.Keys(5))
}

// TestListCommandsReplayPika replays the list commands real Pika 3.5.5
// answered (fixtures commands.jsonl) and compares every reply and the final
// lists. Keys also touched by key-space commands (DEL, EXPIRE) are left out:
// those commands are not list commands.
func TestListCommandsReplayPika(t *testing.T) {
	type entry struct {
		Cmd   []string        `json:"cmd"`
		Reply json.RawMessage `json:"reply"`
	}
	f, err := os.Open(pikafixture.Path(t, "commands.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	var entries []entry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var e entry
		require.NoError(t, json.Unmarshal(sc.Bytes(), &e))
		entries = append(entries, e)
	}
	require.NoError(t, sc.Err())
	listCmds := map[string]bool{}
	for _, s := range Commands.All() {
		if s.Group == "list" {
			listCmds[s.Name] = true
		}
	}
	skip := map[string]bool{}
	for _, e := range entries {
		if n := strings.ToLower(e.Cmd[0]); !listCmds[n] && len(e.Cmd) > 1 {
			for _, k := range e.Cmd[1:] {
				skip[k] = true
			}
		}
	}
	c := newTestCtx(t)
	replayed := map[string]bool{}
	for _, e := range entries {
		if !listCmds[strings.ToLower(e.Cmd[0])] || skip[e.Cmd[1]] {
			continue
		}
		replayed[e.Cmd[1]] = true
		var want any
		require.NoError(t, json.Unmarshal(e.Reply, &want))
		argv := make([][]byte, len(e.Cmd))
		for i, a := range e.Cmd {
			argv[i] = []byte(a)
		}
		require.Equal(t, want, listReplyJSON(Commands.Exec(c, argv)), "%v", e.Cmd)
	}
	require.Greater(t, len(replayed), 5)

	raw, err := os.ReadFile(pikafixture.Path(t, "expected-after-replication.json"))
	require.NoError(t, err)
	var expected map[string]map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &expected))
	for key := range replayed {
		got, err := c.DB.LRange([]byte(key), 0, -1, c.NowMs)
		require.NoError(t, err)
		var want []string
		require.NoError(t, json.Unmarshal(expected["db0"]["list|"+key], &want), key)
		require.Equal(t, want, listStrs(got), key)
	}
}

// listReplyJSON renders a reply as the fixture does (errors prefixed "ERR:").
func listReplyJSON(r Reply) any {
	switch r.Type {
	case TypeNil, TypeNilArray:
		return nil
	case TypeInt, TypeBool:
		return float64(r.Int)
	case TypeStatus:
		return r.Str
	case TypeError:
		return "ERR:" + r.Str
	case TypeBulk:
		return string(r.Bulk)
	}
	out := make([]any, len(r.Elems))
	for i, e := range r.Elems {
		out[i] = listReplyJSON(e)
	}
	return out
}

func listStrs(bb [][]byte) []string {
	out := make([]string, len(bb))
	for i, b := range bb {
		out[i] = string(b)
	}
	return out
}
