package command

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pikaraft/pikaraft/engine"
)

// Geo commands: positions stored in a sorted set with the 52-bit geohash as
// score (Pika 3.5.5 and Redis use the same encoding).

var (
	errGeoUnit       = errors.New("ERR unsupported unit provided. please use M, KM, FT, MI")
	errGeoRadiusNeg  = errors.New("ERR radius cannot be negative")
	errGeoBoxNeg     = errors.New("ERR height or width cannot be negative")
	errGeoNeedRadius = errors.New("ERR need numeric radius")
	errGeoNeedWidth  = errors.New("ERR need numeric width")
	errGeoNeedHeight = errors.New("ERR need numeric height")
	errGeoCount      = errors.New("ERR COUNT must be > 0")
	errGeoAnyCount   = errors.New("ERR the ANY argument requires COUNT argument")
	errGeoNoMember   = errors.New("ERR could not decode requested zset member")
	errGeoStoreWithX = errors.New("ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options")
)

func init() {
	w := FlagWrite | FlagDenyOOM
	Commands.Register(
		geoSpec("geoadd", -5, w, 1, 1, "3.2.0",
			"Add one or more geospatial items in the geospatial index represented using a sorted set", geoaddCmd),
		geoSpec("geopos", -2, FlagReadOnly, 1, 1, "3.2.0",
			"Returns longitude and latitude of members of a geospatial index", geoposCmd),
		geoSpec("geodist", -4, FlagReadOnly, 1, 1, "3.2.0",
			"Returns the distance between two members of a geospatial index", geodistCmd),
		geoSpec("geohash", -2, FlagReadOnly, 1, 1, "3.2.0",
			"Returns members of a geospatial index as standard geohash strings", geohashCmd),
	)
}

// geoSpec builds the spec of a geo command (always "slow" in Redis 7).
func geoSpec(name string, arity int, flags Flags, first, last int, since, summary string, run Handler) *Spec {
	return zgSpec("geo", name, arity, flags, "slow", first, last, since, summary, run)
}

// geoParseLonLat parses a longitude, latitude pair and checks its range.
func geoParseLonLat(lonArg, latArg []byte) (float64, float64, error) {
	lon, ok1 := ParseFloat(lonArg)
	lat, ok2 := ParseFloat(latArg)
	if !ok1 || !ok2 {
		return 0, 0, ErrNotFloat
	}
	if lon < geoLongMin || lon > geoLongMax || lat < geoLatMin || lat > geoLatMax {
		return 0, 0, fmt.Errorf("ERR invalid longitude,latitude pair %f,%f", lon, lat)
	}
	return lon, lat, nil
}

// geoParseUnit returns the meters of a unit (m, km, ft, mi).
func geoParseUnit(b []byte) (float64, error) {
	switch strings.ToLower(string(b)) {
	case "m":
		return 1, nil
	case "km":
		return 1000, nil
	case "ft":
		return 0.3048, nil
	case "mi":
		return 1609.34, nil
	}
	return 0, errGeoUnit
}

// geoFormatCoord formats a coordinate as Redis 7's GEOPOS does (long
// double "%.17Lf" with trailing zeros removed).
func geoFormatCoord(f float64) string {
	s := strconv.FormatFloat(f, 'f', 17, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// geoFormatDist formats a distance with four decimals.
func geoFormatDist(f float64) string { return strconv.FormatFloat(f, 'f', 4, 64) }

func geoCoordReply(score float64) Reply {
	lon, lat := geoDecodeScore(score)
	return Array(BulkString(geoFormatCoord(lon)), BulkString(geoFormatCoord(lat)))
}

// geoaddCmd is GEOADD key [NX|XX] [CH] longitude latitude member [...].
func geoaddCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) < 5 {
		return WrongArity("geoadd")
	}
	var o engine.ZAddOptions
	i := 2
flags:
	for ; i < len(argv); i++ {
		switch a := argv[i]; {
		case EqualFold(a, "nx"):
			o.NX = true
		case EqualFold(a, "xx"):
			o.XX = true
		case EqualFold(a, "ch"):
			o.CH = true
		default:
			break flags
		}
	}
	rest := argv[i:]
	if len(rest) == 0 || len(rest)%3 != 0 || (o.NX && o.XX) {
		return ErrReply(ErrSyntax)
	}
	members := make([]engine.ScoreMember, 0, len(rest)/3)
	for j := 0; j < len(rest); j += 3 {
		lon, lat, err := geoParseLonLat(rest[j], rest[j+1])
		if err != nil {
			return ErrReply(err)
		}
		score, _ := geoScore(lon, lat)
		members = append(members, engine.ScoreMember{Member: rest[j+2], Score: score})
	}
	res, err := c.DB.ZAdd(c.W, argv[1], o, members)
	if err != nil {
		return ErrReply(err)
	}
	return Int(res.Count)
}

func geoposCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) < 2 {
		return WrongArity("geopos")
	}
	scores, err := c.DB.ZMScore(argv[1], argv[2:], c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	out := make([]Reply, len(scores))
	for i, s := range scores {
		if s == nil {
			out[i] = NilArray()
		} else {
			out[i] = geoCoordReply(*s)
		}
	}
	return Array(out...)
}

// geodistCmd is GEODIST key member1 member2 [M|KM|FT|MI].
func geodistCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) < 4 {
		return WrongArity("geodist")
	}
	conv := 1.0
	if len(argv) == 5 {
		var err error
		if conv, err = geoParseUnit(argv[4]); err != nil {
			return ErrReply(err)
		}
	} else if len(argv) > 5 {
		return ErrReply(ErrSyntax)
	}
	scores, err := c.DB.ZMScore(argv[1], argv[2:4], c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	if scores[0] == nil || scores[1] == nil {
		return Nil()
	}
	lon1, lat1 := geoDecodeScore(*scores[0])
	lon2, lat2 := geoDecodeScore(*scores[1])
	return BulkString(geoFormatDist(geoDistance(lon1, lat1, lon2, lat2) / conv))
}

func geohashCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) < 2 {
		return WrongArity("geohash")
	}
	scores, err := c.DB.ZMScore(argv[1], argv[2:], c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	out := make([]Reply, len(scores))
	for i, s := range scores {
		if s == nil {
			out[i] = Nil()
		} else {
			out[i] = BulkString(geoHashString(*s))
		}
	}
	return Array(out...)
}
