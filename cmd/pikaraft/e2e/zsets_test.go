package e2e_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestZSets(t *testing.T) {
	t.Parallel()
	c, p := client(t), prefix(t)
	z := p + "z"
	require.Equal(t, int64(3), do(t, c, "ZADD", z, "1", "a", "2", "b", "3", "c"))
	require.Equal(t, int64(2), do(t, c, "ZADD", z, "-inf", "min", "+inf", "max", "2", "b"))
	require.Equal(t, int64(0), do(t, c, "ZADD", z, "NX", "10", "a"))
	require.Equal(t, int64(1), do(t, c, "ZADD", z, "XX", "CH", "1.5", "a", "7", "nope"))
	require.Equal(t, int64(0), do(t, c, "ZADD", z, "GT", "CH", "1", "a"))
	require.Equal(t, "4", do(t, c, "ZADD", z, "INCR", "2.5", "a"))
	isNil(t, c, "ZADD", z, "NX", "INCR", "1", "a")
	require.Equal(t, int64(5), do(t, c, "ZCARD", z))
	require.Equal(t, "4", do(t, c, "ZSCORE", z, "a"))
	require.Equal(t, "-inf", do(t, c, "ZSCORE", z, "min"))
	isNil(t, c, "ZSCORE", z, "nope")
	require.Equal(t, []any{"4", nil}, do(t, c, "ZMSCORE", z, "a", "nope"))
	require.Equal(t, "2.5", do(t, c, "ZINCRBY", z, "0.5", "b"))
	require.Equal(t, []any{"min", "b", "c", "a", "max"}, do(t, c, "ZRANGE", z, "0", "-1"))
	require.Equal(t, []any{"b", "2.5", "c", "3"}, do(t, c, "ZRANGE", z, "1", "2", "WITHSCORES"))
	require.Equal(t, []any{"max", "a"}, do(t, c, "ZREVRANGE", z, "0", "1"))
	require.Equal(t, []any{"b", "c"}, do(t, c, "ZRANGEBYSCORE", z, "(2", "3"))
	require.Equal(t, []any{"a", "c"}, do(t, c, "ZREVRANGEBYSCORE", z, "4", "3"))
	require.Equal(t, []any{"c", "a"}, do(t, c, "ZRANGE", z, "3", "+inf", "BYSCORE", "LIMIT", "0", "2"))
	require.Equal(t, []any{"a", "c"}, do(t, c, "ZRANGE", z, "(5", "3", "BYSCORE", "REV"))
	require.Equal(t, int64(4), do(t, c, "ZCOUNT", z, "2", "+inf"))
	require.Equal(t, int64(1), do(t, c, "ZRANK", z, "b"))
	require.Equal(t, int64(0), do(t, c, "ZREVRANK", z, "max"))
	isNil(t, c, "ZRANK", z, "nope")
	require.Equal(t, int64(2), do(t, c, "ZREM", z, "min", "max", "nope"))
	require.Equal(t, []any{"b", "2.5"}, do(t, c, "ZPOPMIN", z))
	require.Equal(t, []any{"a", "4", "c", "3"}, do(t, c, "ZPOPMAX", z, "5"))
	require.Equal(t, int64(0), do(t, c, "EXISTS", z))

	// Lexicographic ranges (equal scores).
	l := p + "lex"
	require.Equal(t, int64(5), do(t, c, "ZADD", l, "0", "a", "0", "b", "0", "c", "0", "d", "0", "e"))
	require.Equal(t, []any{"b", "c"}, do(t, c, "ZRANGEBYLEX", l, "[b", "(d"))
	require.Equal(t, []any{"e", "d"}, do(t, c, "ZREVRANGEBYLEX", l, "+", "(c"))
	require.Equal(t, int64(5), do(t, c, "ZLEXCOUNT", l, "-", "+"))
	require.Equal(t, int64(2), do(t, c, "ZREMRANGEBYLEX", l, "[d", "+"))
	require.Equal(t, int64(1), do(t, c, "ZREMRANGEBYRANK", l, "0", "0"))
	require.Equal(t, int64(2), do(t, c, "ZREMRANGEBYSCORE", l, "-inf", "+inf"))
	require.Equal(t, int64(0), do(t, c, "ZCARD", l))

	// Stores.
	a, b := p+"a", p+"b"
	require.Equal(t, int64(2), do(t, c, "ZADD", a, "1", "x", "2", "y"))
	require.Equal(t, int64(2), do(t, c, "ZADD", b, "10", "y", "20", "w"))
	require.Equal(t, int64(3), do(t, c, "ZUNIONSTORE", p+"u", "2", a, b, "WEIGHTS", "1", "2"))
	require.Equal(t, []any{"x", "1", "y", "22", "w", "40"}, do(t, c, "ZRANGE", p+"u", "0", "-1", "WITHSCORES"))
	require.Equal(t, int64(1), do(t, c, "ZINTERSTORE", p+"i", "2", a, b, "AGGREGATE", "MAX"))
	require.Equal(t, []any{"y", "10"}, do(t, c, "ZRANGE", p+"i", "0", "-1", "WITHSCORES"))
	require.Equal(t, int64(2), do(t, c, "ZRANGESTORE", p+"r", p+"u", "0", "1"))
	require.Equal(t, []any{"x", "y"}, do(t, c, "ZRANGE", p+"r", "0", "-1"))

	// ZSCAN to the end.
	for i := 0; i < 30; i++ {
		require.Equal(t, int64(1), do(t, c, "ZADD", p+"big", i, "m"+strconv.Itoa(i)))
	}
	seen := map[string]string{}
	cursor := "0"
	for i := 0; ; i++ {
		require.Less(t, i, 100)
		r := do(t, c, "ZSCAN", p+"big", cursor, "COUNT", "4").([]any)
		kv := r[1].([]any)
		for j := 0; j+1 < len(kv); j += 2 {
			seen[kv[j].(string)] = kv[j+1].(string)
		}
		if cursor = r[0].(string); cursor == "0" {
			break
		}
	}
	require.Len(t, seen, 30)
	require.Equal(t, "17", seen["m17"])
}

func TestZSetsErrorsAndExpiry(t *testing.T) {
	t.Parallel()
	c, p := client(t), prefix(t)
	z := p + "z"
	wrongArity(t, c, line("ZADD", z, "1"), line("ZINCRBY", z, "1"), line("ZCARD"), line("ZSCORE", z),
		line("ZMSCORE", z), line("ZREM", z), line("ZRANGE", z, "0"), line("ZREVRANGE", z, "0"),
		line("ZRANGEBYSCORE", z, "0"), line("ZRANGEBYLEX", z, "-"), line("ZCOUNT", z, "0"),
		line("ZLEXCOUNT", z, "-"), line("ZRANK", z), line("ZPOPMIN"), line("ZUNIONSTORE", z, "1"),
		line("ZINTERSTORE", z), line("ZREMRANGEBYRANK", z, "0"), line("ZSCAN", z),
		line("GEOADD", z, "1", "2"), line("GEODIST", z, "a"), line("GEOPOS"), line("GEOHASH"),
		line("GEORADIUS", z, "1", "2", "3"), line("GEOSEARCH", z, "FROMLONLAT"))
	require.Equal(t, int64(1), do(t, c, "ZADD", z, "1", "a"))
	fails(t, c, notFloat, "ZADD", z, "one", "a")
	fails(t, c, notFloat, "ZADD", z, "nan", "a")
	fails(t, c, "ERR syntax error", "ZADD", z, "1", "a", "2")
	fails(t, c, "ERR XX and NX options at the same time are not compatible", "ZADD", z, "NX", "XX", "1", "a")
	fails(t, c, "ERR GT, LT, and/or NX options at the same time are not compatible", "ZADD", z, "GT", "LT", "1", "a")
	fails(t, c, "ERR INCR option supports a single increment-element pair", "ZADD", z, "INCR", "1", "a", "2", "b")
	fails(t, c, notFloat, "ZINCRBY", z, "x", "a")
	require.Equal(t, "inf", do(t, c, "ZINCRBY", p+"inf", "+inf", "a"))
	fails(t, c, "ERR resulting score is not a number (NaN)", "ZINCRBY", p+"inf", "-inf", "a")
	fails(t, c, notInt, "ZRANGE", z, "0", "x")
	fails(t, c, "ERR min or max is not a float", "ZRANGEBYSCORE", z, "a", "b")
	fails(t, c, "ERR min or max is not a float", "ZCOUNT", z, "(", "1")
	fails(t, c, "ERR min or max not valid string range item", "ZRANGEBYLEX", z, "a", "b")
	fails(t, c, "ERR at least 1 input key is needed for 'zunionstore' command", "ZUNIONSTORE", p+"d", "0", z)
	fails(t, c, "ERR syntax error", "ZUNIONSTORE", p+"d", "2", z)
	fails(t, c, "ERR weight value is not a float", "ZUNIONSTORE", p+"d", "1", z, "WEIGHTS", "x")
	fails(t, c, "ERR value is out of range, must be positive", "ZPOPMIN", z, "x")
	fails(t, c, "ERR invalid cursor", "ZSCAN", z, "x")
	require.Equal(t, []any{"a", "1"}, do(t, c, "ZRANGE", z, "0", "-1", "WITHSCORES"))

	require.Equal(t, int64(1), do(t, c, "EXPIREAT", z, time.Now().Add(-time.Minute).Unix()))
	require.Equal(t, int64(0), do(t, c, "ZCARD", z))
	isNil(t, c, "ZSCORE", z, "a")
	require.Equal(t, int64(1), do(t, c, "ZADD", z, "5", "b"))
	require.Equal(t, []any{"b"}, do(t, c, "ZRANGE", z, "0", "-1"))
	require.Equal(t, int64(1), do(t, c, "EXPIRE", z, "1"))
	waitGone(t, c, z)
	require.Equal(t, []any{}, do(t, c, "ZRANGE", z, "0", "-1"))
}

func TestGeo(t *testing.T) {
	t.Parallel()
	c, p := client(t), prefix(t)
	g := p + "Sicily"
	require.Equal(t, int64(2), do(t, c, "GEOADD", g, "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"))
	require.Equal(t, int64(0), do(t, c, "GEOADD", g, "NX", "13", "38", "Palermo"))
	require.Equal(t, "166274.1516", do(t, c, "GEODIST", g, "Palermo", "Catania"))
	require.Equal(t, "166.2742", do(t, c, "GEODIST", g, "Palermo", "Catania", "km"))
	isNil(t, c, "GEODIST", g, "Palermo", "Nowhere")
	require.Equal(t, []any{"sqc8b49rny0", nil}, do(t, c, "GEOHASH", g, "Palermo", "Nowhere"))
	pos := do(t, c, "GEOPOS", g, "Palermo", "Nowhere").([]any)
	require.Len(t, pos, 2)
	require.Nil(t, pos[1])
	lon, err := strconv.ParseFloat(pos[0].([]any)[0].(string), 64)
	require.NoError(t, err)
	require.InDelta(t, 13.361389, lon, 1e-5)
	require.Equal(t, []any{"Catania"}, do(t, c, "GEOSEARCH", g, "FROMLONLAT", "15", "37", "BYRADIUS", "100", "km", "ASC"))
	require.Equal(t, []any{"Catania", "Palermo"}, do(t, c, "GEORADIUS", g, "15", "37", "200", "km", "ASC"))
	r := do(t, c, "GEORADIUSBYMEMBER_RO", g, "Palermo", "200", "km", "WITHDIST", "ASC").([]any)
	require.Equal(t, []any{[]any{"Palermo", "0.0000"}, []any{"Catania", "166.2742"}}, r)
	require.Equal(t, int64(1), do(t, c, "GEOSEARCHSTORE", p+"near", g, "FROMMEMBER", "Catania", "BYBOX", "10", "10", "km"))
	require.Equal(t, []any{"Catania"}, do(t, c, "ZRANGE", p+"near", "0", "-1"))

	fails(t, c, "ERR invalid longitude,latitude pair 200.000000,100.000000", "GEOADD", g, "200", "100", "x")
	fails(t, c, "ERR unsupported unit provided. please use M, KM, FT, MI", "GEODIST", g, "Palermo", "Catania", "parsecs")
	fails(t, c, "ERR need numeric radius", "GEORADIUS", g, "15", "37", "far", "km")
	fails(t, c, "ERR need numeric width", "GEOSEARCH", g, "FROMLONLAT", "15", "37", "BYBOX", "w", "1", "km")
	fails(t, c, "ERR radius cannot be negative", "GEOSEARCH", g, "FROMLONLAT", "15", "37", "BYRADIUS", "-1", "km")
	fails(t, c, notFloat, "GEOADD", g, "x", "37", "m")
}
