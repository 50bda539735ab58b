package command

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// Expected values in these tests are what a real Redis 7.0.15 answered to
// the same commands.

func geoCtx(t *testing.T) *Ctx {
	t.Helper()
	c := newTestCtx(t)
	require.Equal(t, int64(4), zsRun(c, "GEOADD", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania",
		"12.758489", "38.788135", "edge1", "17.241510", "38.788135", "edge2"))
	return c
}

func TestGeoAddPosDistHash(t *testing.T) {
	c := geoCtx(t)
	require.Equal(t, "3479099956230698", zsRun(c, "ZSCORE", "Sicily", "Palermo"))
	require.Equal(t, zsList(zsList("13.36138933897018433", "38.11555639549629859"), nil),
		zsRun(c, "GEOPOS", "Sicily", "Palermo", "nope"))
	require.Equal(t, zsList(zsList("17.24151045083999634", "38.78813451624225195")), zsRun(c, "GEOPOS", "Sicily", "edge2"))
	require.Equal(t, "166274.1516", zsRun(c, "GEODIST", "Sicily", "Palermo", "Catania"))
	require.Equal(t, "166.2742", zsRun(c, "GEODIST", "Sicily", "Palermo", "Catania", "km"))
	require.Equal(t, "103.3182", zsRun(c, "GEODIST", "Sicily", "Palermo", "Catania", "MI"))
	require.Equal(t, "545518.8700", zsRun(c, "GEODIST", "Sicily", "Palermo", "Catania", "ft"))
	require.Nil(t, zsRun(c, "GEODIST", "Sicily", "Palermo", "nope"))
	require.Equal(t, zsList("sqc8b49rny0", "sqdtr74hyu0", "sqchdm4mq20", "squk8m4vk20", nil),
		zsRun(c, "GEOHASH", "Sicily", "Palermo", "Catania", "edge1", "edge2", "nope"))

	// The limits of the projection.
	require.Equal(t, int64(2), zsRun(c, "GEOADD", "g", "180", "85.05112878", "top", "-180", "-85.05112878", "bottom"))
	require.Equal(t, "13510798882111488", zsRun(c, "ZSCORE", "g", "top"))
	require.Equal(t, zsList(zsList("180", "85.0511287799999991"), zsList("-179.99999731779098511", "-85.05112751263942528")),
		zsRun(c, "GEOPOS", "g", "top", "bottom"))
	require.Equal(t, zsList("bp05b5048p0", "00bh0hbj200"), zsRun(c, "GEOHASH", "g", "top", "bottom"))

	require.Equal(t, "ERR invalid longitude,latitude pair 200.000000,100.000000", zsRun(c, "GEOADD", "g", "200", "100", "x"))
	require.Equal(t, "ERR value is not a valid float", zsRun(c, "GEOADD", "g", "x", "1", "m"))
	require.Equal(t, "ERR syntax error", zsRun(c, "GEOADD", "g", "1", "2", "m", "3"))
	require.Equal(t, "ERR syntax error", zsRun(c, "GEOADD", "g", "nx", "xx", "1", "2", "m"))
	require.Equal(t, "ERR unsupported unit provided. please use M, KM, FT, MI", zsRun(c, "GEODIST", "Sicily", "Palermo", "Catania", "parsec"))
	// NX/XX/CH (Redis 6.2 forms).
	require.Equal(t, int64(0), zsRun(c, "GEOADD", "Sicily", "NX", "1", "1", "Palermo"))
	require.Equal(t, int64(0), zsRun(c, "GEOADD", "Sicily", "XX", "CH", "13.361389", "38.115557", "Palermo", "1", "1", "nope"),
		"a move inside the same geohash cell changes nothing")
	require.Equal(t, int64(1), zsRun(c, "GEOADD", "Sicily", "XX", "CH", "13.361389", "38.2", "Palermo", "1", "1", "nope"))
}

func TestGeoRadiusAndSearch(t *testing.T) {
	c := geoCtx(t)
	require.Equal(t, zsList(zsList("Catania", "56.4413"), zsList("Palermo", "190.4424")),
		zsRun(c, "GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHDIST", "ASC"))
	require.Equal(t, zsList(zsList("Catania", int64(3479447370796909))),
		zsRun(c, "GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "1", "WITHHASH"))
	require.Equal(t, zsList(
		zsList("Catania", zsList("15.08726745843887329", "37.50266842333162032")),
		zsList("edge1", zsList("12.7584877610206604", "38.78813451624225195")),
		zsList("Palermo", zsList("13.36138933897018433", "38.11555639549629859"))),
		zsRun(c, "GEORADIUSBYMEMBER", "Sicily", "Palermo", "300", "km", "desc", "withcoord"))
	require.Equal(t, zsList(zsList("Catania", "56.4413"), zsList("Palermo", "190.4424"), zsList("edge2", "279.7403"), zsList("edge1", "279.7405")),
		zsRun(c, "GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km", "ASC", "WITHDIST"))
	require.Equal(t, zsList("Palermo", "edge1"), zsRun(c, "GEORADIUS", "Sicily", "15", "37", "500", "km", "COUNT", "2", "ANY"))
	require.Equal(t, zsList("Palermo", "edge1"), zsRun(c, "GEORADIUS_RO", "Sicily", "15", "37", "500", "km", "COUNT", "2", "ANY"))
	require.Equal(t, zsList(), zsRun(c, "GEORADIUS", "nokey", "15", "37", "200", "km"))
	require.Equal(t, zsList(), zsRun(c, "GEORADIUSBYMEMBER", "nokey", "x", "10", "km"))

	require.Equal(t, int64(2), zsRun(c, "GEORADIUS", "Sicily", "15", "37", "200", "km", "STOREDIST", "dd"))
	// Redis stored 56.441257870158204 and 190.44242984775784: Go's sin/cos/asin
	// may differ from glibc's in the last bit, so compare to 1e-9.
	dd := zsRun(c, "ZRANGE", "dd", "0", "-1", "WITHSCORES").([]any)
	require.Len(t, dd, 4)
	require.Equal(t, []any{"Catania", "Palermo"}, []any{dd[0], dd[2]})
	for i, want := range []float64{56.441257870158204, 190.44242984775784} {
		got, err := strconv.ParseFloat(dd[2*i+1].(string), 64)
		require.NoError(t, err)
		require.InDelta(t, want, got, 1e-9)
	}
	require.Equal(t, int64(2), zsRun(c, "GEOSEARCHSTORE", "ds", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "100", "km"))
	require.Equal(t, zsList("Palermo", "3479099956230698", "edge1", "3479273021651468"), zsRun(c, "ZRANGE", "ds", "0", "-1", "WITHSCORES"))
	require.Equal(t, int64(0), zsRun(c, "GEORADIUS", "nokey", "15", "37", "200", "km", "STORE", "ds"))
	require.Equal(t, int64(0), zsRun(c, "ZCARD", "ds"), "an empty STORE deletes the destination")

	require.Equal(t, "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
		zsRun(c, "GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "d", "WITHDIST"))
	require.Equal(t, "ERR radius cannot be negative", zsRun(c, "GEORADIUS", "Sicily", "15", "37", "-1", "km"))
	require.Equal(t, "ERR unsupported unit provided. please use M, KM, FT, MI", zsRun(c, "GEORADIUS", "Sicily", "15", "37", "1", "parsec"))
	require.Equal(t, "ERR COUNT must be > 0", zsRun(c, "GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "0"))
	require.Equal(t, "ERR the ANY argument requires COUNT argument", zsRun(c, "GEORADIUS", "Sicily", "15", "37", "200", "km", "ANY"))
	require.Equal(t, "ERR syntax error", zsRun(c, "GEORADIUS_RO", "Sicily", "15", "37", "200", "km", "STORE", "x"))
	require.Equal(t, "ERR syntax error", zsRun(c, "GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "FROMLONLAT", "1", "1", "BYBOX", "1", "1", "km"))
	require.Equal(t, "ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH",
		zsRun(c, "GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "ASC", "WITHDIST", "WITHHASH"))
	require.Equal(t, "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH",
		zsRun(c, "GEOSEARCH", "Sicily", "BYRADIUS", "1", "km", "ASC", "WITHDIST"))
	require.Equal(t, "ERR could not decode requested zset member", zsRun(c, "GEORADIUSBYMEMBER", "Sicily", "nope", "10", "km"))
	require.Equal(t, "ERR height or width cannot be negative", zsRun(c, "GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYBOX", "-1", "1", "km"))
}

func TestGeohashInterleave(t *testing.T) {
	// Bits of x land in even positions, y in odd ones; deinterleave undoes it.
	require.Equal(t, uint64(0b01), interleave64(1, 0))
	require.Equal(t, uint64(0b10), interleave64(0, 1))
	require.Equal(t, uint64(0x5555555555555555), interleave64(0xffffffff, 0))
	for _, v := range []uint64{0, 1, 0xdeadbeefcafebabe, 1<<52 - 1} {
		sep := deinterleave64(v)
		require.Equal(t, v, interleave64(uint32(sep), uint32(sep>>32)))
	}
}
