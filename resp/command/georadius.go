package command

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/pikaraft/pikaraft/engine"
)

// GEORADIUS, GEORADIUSBYMEMBER (and their _RO forms), GEOSEARCH and
// GEOSEARCHSTORE: one parser and search, as Redis's georadiusGeneric.

func init() {
	w, r := FlagWrite|FlagDenyOOM, FlagReadOnly
	Commands.Register(
		// Redis 7 flags GEORADIUS* as writes because of STORE.
		geoSpec("georadius", -6, w, 1, 1, "3.2.0",
			"Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point", georadiusCmd(geoRadiusCoords)),
		geoSpec("georadiusbymember", -5, w, 1, 1, "3.2.0",
			"Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member", georadiusCmd(geoRadiusMember)),
		geoSpec("georadius_ro", -6, r, 1, 1, "3.2.10",
			"A read-only variant for GEORADIUS", georadiusCmd(geoRadiusCoords|geoNoStore)),
		geoSpec("georadiusbymember_ro", -5, r, 1, 1, "3.2.10",
			"A read-only variant for GEORADIUSBYMEMBER", georadiusCmd(geoRadiusMember|geoNoStore)),
		geoSpec("geosearch", -7, r, 1, 1, "6.2.0",
			"Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.", georadiusCmd(geoSearch)),
		geoSpec("geosearchstore", -8, w, 1, 2, "6.2.0",
			"Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.", georadiusCmd(geoSearch|geoSearchStore)),
	)
}

type geoFlags int

const (
	geoRadiusCoords geoFlags = 1 << iota
	geoRadiusMember
	geoNoStore
	geoSearch
	geoSearchStore
)

// geoQuery is a parsed search.
type geoQuery struct {
	src, store       []byte
	storeDist        bool
	shape            geoShape
	withDist         bool
	withHash         bool
	withCoord        bool
	any              bool
	count            int64
	sort             int    // 0 none, 1 asc, -1 desc
	fromMember       []byte // center member (BYMEMBER, FROMMEMBER)
	haveCenter       bool   // shape.lon/lat already set
	byRadius, byBox  bool
	fromLoc, fromMem bool
}

// geoParseDistance parses "<radius> <unit>".
func geoParseDistance(r, unit []byte) (float64, float64, error) {
	d, ok := ParseFloat(r)
	if !ok {
		return 0, 0, errGeoNeedRadius
	}
	if d < 0 {
		return 0, 0, errGeoRadiusNeg
	}
	conv, err := geoParseUnit(unit)
	return d, conv, err
}

// geoParse parses argv into a query; center is looked up by member later.
func geoParse(argv [][]byte, flags geoFlags) (geoQuery, error) {
	var q geoQuery
	base := 2
	switch {
	case flags&geoRadiusCoords != 0:
		base = 6
		lon, lat, err := geoParseLonLat(argv[2], argv[3])
		if err != nil {
			return q, err
		}
		q.shape.lon, q.shape.lat, q.haveCenter = lon, lat, true
		if q.shape.radius, q.shape.conversion, err = geoParseDistance(argv[4], argv[5]); err != nil {
			return q, err
		}
	case flags&geoRadiusMember != 0:
		base = 5
		q.fromMember = argv[2]
		var err error
		if q.shape.radius, q.shape.conversion, err = geoParseDistance(argv[3], argv[4]); err != nil {
			return q, err
		}
	case flags&geoSearchStore != 0:
		base = 3
		q.store = argv[1]
	}
	q.src = argv[1]
	if flags&geoSearchStore != 0 {
		q.src = argv[2]
	}
	search := flags&geoSearch != 0
	rest := argv[base:]
	for i := 0; i < len(rest); i++ {
		left := len(rest) - i - 1
		switch a := rest[i]; {
		case EqualFold(a, "withdist"):
			q.withDist = true
		case EqualFold(a, "withhash"):
			q.withHash = true
		case EqualFold(a, "withcoord"):
			q.withCoord = true
		case EqualFold(a, "any"):
			q.any = true
		case EqualFold(a, "asc"):
			q.sort = 1
		case EqualFold(a, "desc"):
			q.sort = -1
		case EqualFold(a, "count") && left >= 1:
			n, ok := ParseInt(rest[i+1])
			if !ok {
				return q, ErrNotInteger
			}
			if n <= 0 {
				return q, errGeoCount
			}
			q.count = n
			i++
		case (EqualFold(a, "store") || EqualFold(a, "storedist")) && left >= 1 && flags&(geoNoStore|geoSearch) == 0:
			q.store, q.storeDist = rest[i+1], EqualFold(a, "storedist")
			i++
		case EqualFold(a, "storedist") && flags&geoSearchStore != 0:
			q.storeDist = true
		case EqualFold(a, "frommember") && left >= 1 && search && !q.fromLoc:
			q.fromMember, q.fromMem = rest[i+1], true
			i++
		case EqualFold(a, "fromlonlat") && left >= 2 && search && !q.fromMem:
			lon, lat, err := geoParseLonLat(rest[i+1], rest[i+2])
			if err != nil {
				return q, err
			}
			q.shape.lon, q.shape.lat, q.haveCenter, q.fromLoc = lon, lat, true, true
			i += 2
		case EqualFold(a, "byradius") && left >= 2 && search && !q.byBox:
			var err error
			if q.shape.radius, q.shape.conversion, err = geoParseDistance(rest[i+1], rest[i+2]); err != nil {
				return q, err
			}
			q.byRadius = true
			i += 2
		case EqualFold(a, "bybox") && left >= 3 && search && !q.byRadius:
			wd, ok := ParseFloat(rest[i+1])
			if !ok {
				return q, errGeoNeedWidth
			}
			ht, ok := ParseFloat(rest[i+2])
			if !ok {
				return q, errGeoNeedHeight
			}
			if wd < 0 || ht < 0 {
				return q, errGeoBoxNeg
			}
			conv, err := geoParseUnit(rest[i+3])
			if err != nil {
				return q, err
			}
			q.shape.box, q.shape.width, q.shape.height, q.shape.conversion = true, wd, ht, conv
			q.byBox = true
			i += 3
		default:
			return q, ErrSyntax
		}
	}
	if q.store != nil && (q.withDist || q.withHash || q.withCoord) {
		if flags&geoSearchStore != 0 {
			return q, errors.New("ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options")
		}
		return q, errGeoStoreWithX
	}
	name := string(argv[0]) // as sent, like Redis
	if search && !(q.fromMem || q.fromLoc) {
		return q, fmt.Errorf("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for %s", name)
	}
	if search && !(q.byRadius || q.byBox) {
		return q, fmt.Errorf("ERR exactly one of BYRADIUS and BYBOX can be specified for %s", name)
	}
	if q.any && q.count == 0 {
		return q, errGeoAnyCount
	}
	return q, nil
}

// geoPoint is one search result.
type geoPoint struct {
	member []byte
	score  float64
	dist   float64 // meters
}

// run finds the members inside the query's shape, sorted and limited
// as requested. found is false when the source key does not exist.
func (q *geoQuery) run(c *Ctx) ([]geoPoint, bool, error) {
	card, err := c.DB.ZCard(q.src, c.NowMs)
	if err != nil || card == 0 {
		return nil, false, err
	}
	if !q.haveCenter {
		s, err := c.DB.ZScore(q.src, q.fromMember, c.NowMs)
		if errors.Is(err, engine.ErrNotFound) {
			return nil, true, errGeoNoMember
		}
		if err != nil {
			return nil, true, err
		}
		q.shape.lon, q.shape.lat = geoDecodeScore(s)
	}
	boxes := q.shape.searchBoxes()
	var ranges []engine.ScoreRange
	var last geoHashBits
	for i, b := range boxes {
		if b.isZero() || (i > 0 && !last.isZero() && b == last) {
			continue
		}
		lo, hi := b.boxScores()
		ranges = append(ranges, engine.ScoreRange{Min: lo, Max: hi, MaxEx: true})
		last = b
	}
	found, err := c.DB.ZRangeByScores(q.src, ranges, c.NowMs)
	if err != nil {
		return nil, true, err
	}
	var pts []geoPoint
	limit := int64(math.MaxInt64)
	if q.any {
		limit = q.count
	}
collect:
	for _, box := range found {
		for _, sm := range box {
			lon, lat := geoDecodeScore(sm.Score)
			if d, ok := q.shape.contains(lon, lat); ok {
				pts = append(pts, geoPoint{member: sm.Member, score: sm.Score, dist: d})
				if int64(len(pts)) >= limit {
					break collect
				}
			}
		}
	}
	order := q.sort
	if q.count != 0 && order == 0 && !q.any {
		order = 1
	}
	if order != 0 {
		sort.SliceStable(pts, func(i, j int) bool {
			if order > 0 {
				return pts[i].dist < pts[j].dist
			}
			return pts[i].dist > pts[j].dist
		})
	}
	if q.count != 0 && int64(len(pts)) > q.count {
		pts = pts[:q.count]
	}
	return pts, true, nil
}

// geoMinArgs is the smallest argc (name included) of a search command.
func geoMinArgs(flags geoFlags) int {
	switch {
	case flags&geoRadiusCoords != 0:
		return 6
	case flags&geoRadiusMember != 0:
		return 5
	case flags&geoSearchStore != 0:
		return 8
	}
	return 7
}

func georadiusCmd(flags geoFlags) Handler {
	return func(c *Ctx, argv [][]byte) Reply {
		if len(argv) < geoMinArgs(flags) {
			return WrongArity(string(argv[0]))
		}
		q, err := geoParse(argv, flags)
		if err != nil {
			return ErrReply(err)
		}
		pts, found, err := q.run(c)
		if err != nil {
			return ErrReply(err)
		}
		if q.store != nil {
			members := make([]engine.ScoreMember, len(pts))
			for i, p := range pts {
				members[i] = engine.ScoreMember{Member: p.member, Score: p.score}
				if q.storeDist {
					members[i].Score = p.dist / q.shape.conversion
				}
			}
			n, err := c.DB.ZStore(c.W, q.store, members)
			if err != nil {
				return ErrReply(err)
			}
			return Int(n)
		}
		if !found {
			return Array()
		}
		out := make([]Reply, len(pts))
		for i, p := range pts {
			if !q.withDist && !q.withHash && !q.withCoord {
				out[i] = Bulk(p.member)
				continue
			}
			item := []Reply{Bulk(p.member)}
			if q.withDist {
				item = append(item, BulkString(geoFormatDist(p.dist/q.shape.conversion)))
			}
			if q.withHash {
				item = append(item, Int(int64(p.score)))
			}
			if q.withCoord {
				item = append(item, geoCoordReply(p.score))
			}
			out[i] = Array(item...)
		}
		return Array(out...)
	}
}
