package e2e_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestStreams(t *testing.T) {
	t.Parallel()
	c, p := client(t), prefix(t)
	s := p + "s"
	require.Equal(t, "1-1", do(t, c, "XADD", s, "1-1", "a", "1"))
	require.Equal(t, "2-0", do(t, c, "XADD", s, "2-0", "b", "2"))
	require.Equal(t, "2-1", do(t, c, "XADD", s, "2-*", "c", "3"))
	auto := do(t, c, "XADD", s, "*", "d", "4", "e", "5").(string)
	ms, err := strconv.ParseInt(strings.Split(auto, "-")[0], 10, 64)
	require.NoError(t, err)
	require.InDelta(t, time.Now().UnixMilli(), ms, 60000, "an auto ID is the leader's time in ms")
	isNil(t, c, "XADD", p+"none", "NOMKSTREAM", "*", "f", "v")
	require.Equal(t, int64(4), do(t, c, "XLEN", s))
	require.Equal(t, []any{
		[]any{"1-1", []any{"a", "1"}},
		[]any{"2-0", []any{"b", "2"}},
	}, do(t, c, "XRANGE", s, "-", "+", "COUNT", "2"))
	require.Equal(t, []any{
		[]any{auto, []any{"d", "4", "e", "5"}},
		[]any{"2-1", []any{"c", "3"}},
	}, do(t, c, "XREVRANGE", s, "+", "(2-0"))
	require.Equal(t, []any{[]any{"2-0", []any{"b", "2"}}}, do(t, c, "XRANGE", s, "2", "2-0"))
	require.Equal(t, []any{[]any{s, []any{[]any{"2-1", []any{"c", "3"}}}}},
		do(t, c, "XREAD", "COUNT", "1", "STREAMS", s, "2-0"))
	isNil(t, c, "XREAD", "STREAMS", s, "$")
	require.Equal(t, int64(1), do(t, c, "XDEL", s, "2-0", "9-9"))
	require.Equal(t, int64(1), do(t, c, "XTRIM", s, "MAXLEN", "2"))
	require.Equal(t, []any{"2-1", auto}, streamIDs(do(t, c, "XRANGE", s, "-", "+")))
	info, err := c.XInfoStream(ctx, s).Result()
	require.NoError(t, err)
	require.Equal(t, int64(2), info.Length)
	require.Equal(t, auto, info.LastGeneratedID)
	require.Equal(t, "2-1", info.FirstEntry.ID)
	require.Equal(t, int64(1), do(t, c, "XTRIM", s, "MINID", auto))
	require.Equal(t, int64(1), do(t, c, "XLEN", s))

	// A stream and a string under one name (Pika: one namespace per type).
	require.Equal(t, "OK", do(t, c, "SET", s, "plain"))
	require.Equal(t, "string", do(t, c, "TYPE", s))
	require.Equal(t, int64(1), do(t, c, "XLEN", s))
	require.Equal(t, int64(2), do(t, c, "DEL", s))
	require.Equal(t, int64(0), do(t, c, "XLEN", s))
	require.Equal(t, "1-0", do(t, c, "XADD", s, "1-0", "f", "v"), "a deleted stream starts again")
	require.Equal(t, "stream", do(t, c, "TYPE", s))
}

// streamIDs returns the IDs of an XRANGE reply.
func streamIDs(v any) []any {
	var ids []any
	for _, e := range v.([]any) {
		ids = append(ids, e.([]any)[0])
	}
	return ids
}

func TestStreamsErrors(t *testing.T) {
	t.Parallel()
	c, p := client(t), prefix(t)
	s := p + "s"
	wrongArity(t, c, line("XADD", s, "*", "f"), line("XADD", s, "*", "f", "v", "g"), line("XLEN"),
		line("XRANGE", s, "-"), line("XREVRANGE", s, "+"), line("XDEL", s), line("XTRIM", s, "MAXLEN"),
		line("XREAD", "STREAMS"), line("XINFO"))
	require.Equal(t, "5-1", do(t, c, "XADD", s, "5-1", "f", "v"))
	fails(t, c, "ERR The ID specified in XADD must be greater than 0-0", "XADD", p+"other", "0-0", "f", "v")
	fails(t, c, "ERR The ID specified in XADD is equal or smaller than the target stream top item", "XADD", s, "5-0", "f", "v")
	fails(t, c, "ERR Invalid stream ID specified as stream command argument", "XADD", s, "5-x", "f", "v")
	fails(t, c, "ERR Invalid stream ID specified as stream command argument", "XRANGE", s, "abc", "+")
	fails(t, c, "ERR Invalid stream ID specified as stream command argument", "XDEL", s, "bad")
	fails(t, c, notInt, "XRANGE", s, "-", "+", "COUNT", "x")
	fails(t, c, notInt, "XTRIM", s, "MAXLEN", "x")
	fails(t, c, "ERR syntax error", "XTRIM", s, "FOO", "1")
	fails(t, c, "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.",
		"XREAD", "STREAMS", s, "0", "0")
	fails(t, c, "ERR no such key", "XINFO", "STREAM", p+"missing")
	// Streams have no TTL in Pika: EXPIRE does not touch them.
	require.Equal(t, int64(0), do(t, c, "EXPIRE", s, "100"))
	require.Equal(t, int64(1), do(t, c, "XLEN", s))
}
