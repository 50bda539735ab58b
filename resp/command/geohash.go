package command

import "math"

// Geohash math, a port of Redis's geohash.c / geohash_helper.c (which Pika
// 3.5.5 copies): 52-bit interleaved hashes (26 steps per axis) over
// longitude ±180 and latitude ±85.05112878, stored as zset scores.

const (
	geoStepMax      = 26
	geoLatMin       = -85.05112878
	geoLatMax       = 85.05112878
	geoLongMin      = -180.0
	geoLongMax      = 180.0
	earthRadiusM    = 6372797.560856
	mercatorMax     = 20037726.37
	geoDegToRad     = math.Pi / 180.0
	geoHashAlphabet = "0123456789bcdefghjkmnpqrstuvwxyz"
)

// geoHashBits is a geohash of step bits per axis.
type geoHashBits struct {
	bits uint64
	step uint
}

func (h geoHashBits) isZero() bool { return h.bits == 0 && h.step == 0 }

type geoRange struct{ min, max float64 }

type geoArea struct {
	hash      geoHashBits
	long, lat geoRange
}

var (
	geoLongRange = geoRange{geoLongMin, geoLongMax}
	geoLatRange  = geoRange{geoLatMin, geoLatMax}
)

// interleave64 puts the bits of x in the even positions and y in the odd ones.
func interleave64(xlo, ylo uint32) uint64 {
	b := [...]uint64{0x5555555555555555, 0x3333333333333333, 0x0F0F0F0F0F0F0F0F, 0x00FF00FF00FF00FF, 0x0000FFFF0000FFFF}
	s := [...]uint{1, 2, 4, 8, 16}
	x, y := uint64(xlo), uint64(ylo)
	for i := 4; i >= 0; i-- {
		x = (x | (x << s[i])) & b[i]
		y = (y | (y << s[i])) & b[i]
	}
	return x | (y << 1)
}

// deinterleave64 is the inverse: even bits in the low word, odd bits high.
func deinterleave64(v uint64) uint64 {
	b := [...]uint64{0x5555555555555555, 0x3333333333333333, 0x0F0F0F0F0F0F0F0F, 0x00FF00FF00FF00FF, 0x0000FFFF0000FFFF, 0x00000000FFFFFFFF}
	s := [...]uint{0, 1, 2, 4, 8, 16}
	x, y := v, v>>1
	for i := 0; i < 6; i++ {
		x = (x | (x >> s[i])) & b[i]
		y = (y | (y >> s[i])) & b[i]
	}
	return x | (y << 32)
}

// geohashEncode hashes (lon, lat) in the given ranges; ok is false outside
// the WGS84 limits Redis supports.
func geohashEncode(longR, latR geoRange, lon, lat float64, step uint) (geoHashBits, bool) {
	if step > 32 || step == 0 || latR.max == latR.min || longR.max == longR.min {
		return geoHashBits{}, false
	}
	if lon > geoLongMax || lon < geoLongMin || lat > geoLatMax || lat < geoLatMin {
		return geoHashBits{}, false
	}
	if lat < latR.min || lat > latR.max || lon < longR.min || lon > longR.max {
		return geoHashBits{}, false
	}
	latOff := (lat - latR.min) / (latR.max - latR.min)
	longOff := (lon - longR.min) / (longR.max - longR.min)
	latOff *= float64(uint64(1) << step)
	longOff *= float64(uint64(1) << step)
	return geoHashBits{bits: interleave64(uint32(latOff), uint32(longOff)), step: step}, true
}

// geohashDecode returns the cell a hash stands for.
func geohashDecode(longR, latR geoRange, h geoHashBits) geoArea {
	sep := deinterleave64(h.bits)
	latScale := latR.max - latR.min
	longScale := longR.max - longR.min
	ilato := uint32(sep)
	ilono := uint32(sep >> 32)
	div := float64(uint64(1) << h.step)
	return geoArea{
		hash: h,
		lat: geoRange{
			latR.min + (float64(ilato)/div)*latScale,
			latR.min + (float64(uint64(ilato)+1)/div)*latScale,
		},
		long: geoRange{
			longR.min + (float64(ilono)/div)*longScale,
			longR.min + (float64(uint64(ilono)+1)/div)*longScale,
		},
	}
}

// center returns the middle of a cell, clamped to the WGS84 limits.
func (a geoArea) center() (lon, lat float64) {
	lon = math.Max(geoLongMin, math.Min(geoLongMax, (a.long.min+a.long.max)/2))
	lat = math.Max(geoLatMin, math.Min(geoLatMax, (a.lat.min+a.lat.max)/2))
	return lon, lat
}

// geoScore returns the zset score of a position; ok is false when the
// position is outside the supported range.
func geoScore(lon, lat float64) (float64, bool) {
	h, ok := geohashEncode(geoLongRange, geoLatRange, lon, lat, geoStepMax)
	if !ok {
		return 0, false
	}
	return float64(h.bits), true
}

// geoDecodeScore returns the position a zset score stands for.
func geoDecodeScore(score float64) (lon, lat float64) {
	h := geoHashBits{bits: uint64(score), step: geoStepMax}
	return geohashDecode(geoLongRange, geoLatRange, h).center()
}

// geoHashString is GEOHASH's 11-character standard geohash (latitude ±90).
func geoHashString(score float64) string {
	lon, lat := geoDecodeScore(score)
	h, _ := geohashEncode(geoRange{-180, 180}, geoRange{-90, 90}, lon, lat, geoStepMax)
	buf := make([]byte, 11)
	for i := range buf {
		idx := uint64(0)
		if i < 10 {
			idx = (h.bits >> (52 - uint((i+1)*5))) & 0x1f
		}
		buf[i] = geoHashAlphabet[idx]
	}
	return string(buf)
}

// geoLatDistance is the distance in meters between two latitudes.
func geoLatDistance(lat1, lat2 float64) float64 {
	return earthRadiusM * math.Abs(lat2*geoDegToRad-lat1*geoDegToRad)
}

// geoDistance is the haversine distance in meters (Redis 7's formula).
func geoDistance(lon1, lat1, lon2, lat2 float64) float64 {
	lon1r, lon2r := lon1*geoDegToRad, lon2*geoDegToRad
	v := math.Sin((lon2r - lon1r) / 2)
	if v == 0 {
		return geoLatDistance(lat1, lat2)
	}
	lat1r, lat2r := lat1*geoDegToRad, lat2*geoDegToRad
	u := math.Sin((lat2r - lat1r) / 2)
	a := u*u + math.Cos(lat1r)*math.Cos(lat2r)*v*v
	return 2.0 * earthRadiusM * math.Asin(math.Sqrt(a))
}

func geoMoveX(h *geoHashBits, d int) {
	if d == 0 {
		return
	}
	x := h.bits & 0xaaaaaaaaaaaaaaaa
	y := h.bits & 0x5555555555555555
	zz := uint64(0x5555555555555555) >> (64 - h.step*2)
	if d > 0 {
		x = x + (zz + 1)
	} else {
		x = x | zz
		x = x - (zz + 1)
	}
	x &= uint64(0xaaaaaaaaaaaaaaaa) >> (64 - h.step*2)
	h.bits = x | y
}

func geoMoveY(h *geoHashBits, d int) {
	if d == 0 {
		return
	}
	x := h.bits & 0xaaaaaaaaaaaaaaaa
	y := h.bits & 0x5555555555555555
	zz := uint64(0xaaaaaaaaaaaaaaaa) >> (64 - h.step*2)
	if d > 0 {
		y = y + (zz + 1)
	} else {
		y = y | zz
		y = y - (zz + 1)
	}
	y &= uint64(0x5555555555555555) >> (64 - h.step*2)
	h.bits = x | y
}

// geoNeighbor returns h moved dx cells east and dy cells north.
func geoNeighbor(h geoHashBits, dx, dy int) geoHashBits {
	geoMoveX(&h, dx)
	geoMoveY(&h, dy)
	return h
}

// geoShape is a search area: a circle (radius) or a box (width, height),
// in units of conversion meters, around (lon, lat).
type geoShape struct {
	lon, lat      float64
	box           bool
	radius        float64
	width, height float64
	conversion    float64
}

// boundingBox returns min lon, min lat, max lon, max lat.
func (s geoShape) boundingBox() [4]float64 {
	height, width := s.radius, s.radius
	if s.box {
		height, width = s.height/2, s.width/2
	}
	height *= s.conversion
	width *= s.conversion
	latDelta := (height / earthRadiusM) / geoDegToRad
	longDeltaTop := (width / earthRadiusM / math.Cos((s.lat+latDelta)*geoDegToRad)) / geoDegToRad
	longDeltaBottom := (width / earthRadiusM / math.Cos((s.lat-latDelta)*geoDegToRad)) / geoDegToRad
	var b [4]float64
	if s.lat < 0 {
		b[0], b[2] = s.lon-longDeltaBottom, s.lon+longDeltaBottom
	} else {
		b[0], b[2] = s.lon-longDeltaTop, s.lon+longDeltaTop
	}
	b[1], b[3] = s.lat-latDelta, s.lat+latDelta
	return b
}

func geoEstimateSteps(rangeM, lat float64) uint {
	if rangeM == 0 {
		return 26
	}
	step := 1
	for rangeM < mercatorMax {
		rangeM *= 2
		step++
	}
	step -= 2
	if lat > 66 || lat < -66 {
		step--
		if lat > 80 || lat < -80 {
			step--
		}
	}
	return uint(max(1, min(26, step)))
}

// searchBoxes returns the (up to nine) geohash cells to scan for s, in
// Redis's order: center, N, S, E, W, NE, NW, SE, SW (zero = skipped).
func (s geoShape) searchBoxes() [9]geoHashBits {
	b := s.boundingBox()
	radiusM := s.radius
	if s.box {
		radiusM = math.Sqrt((s.width/2)*(s.width/2) + (s.height/2)*(s.height/2))
	}
	radiusM *= s.conversion
	steps := geoEstimateSteps(radiusM, s.lat)
	hash, _ := geohashEncode(geoLongRange, geoLatRange, s.lon, s.lat, steps)
	north, south := geoNeighbor(hash, 0, 1), geoNeighbor(hash, 0, -1)
	east, west := geoNeighbor(hash, 1, 0), geoNeighbor(hash, -1, 0)
	n := geohashDecode(geoLongRange, geoLatRange, north)
	so := geohashDecode(geoLongRange, geoLatRange, south)
	e := geohashDecode(geoLongRange, geoLatRange, east)
	w := geohashDecode(geoLongRange, geoLatRange, west)
	if steps > 1 && (n.lat.max < b[3] || so.lat.min > b[1] || e.long.max < b[2] || w.long.min > b[0]) {
		steps--
		hash, _ = geohashEncode(geoLongRange, geoLatRange, s.lon, s.lat, steps)
	}
	area := geohashDecode(geoLongRange, geoLatRange, hash)
	boxes := [9]geoHashBits{
		hash,
		geoNeighbor(hash, 0, 1), geoNeighbor(hash, 0, -1),
		geoNeighbor(hash, 1, 0), geoNeighbor(hash, -1, 0),
		geoNeighbor(hash, 1, 1), geoNeighbor(hash, -1, 1),
		geoNeighbor(hash, 1, -1), geoNeighbor(hash, -1, -1),
	}
	const (
		iN, iS, iE, iW, iNE, iNW, iSE, iSW = 1, 2, 3, 4, 5, 6, 7, 8
	)
	if steps >= 2 {
		zero := func(idx ...int) {
			for _, i := range idx {
				boxes[i] = geoHashBits{}
			}
		}
		if area.lat.min < b[1] {
			zero(iS, iSW, iSE)
		}
		if area.lat.max > b[3] {
			zero(iN, iNE, iNW)
		}
		if area.long.min < b[0] {
			zero(iW, iSW, iNW)
		}
		if area.long.max > b[2] {
			zero(iE, iSE, iNE)
		}
	}
	return boxes
}

// contains reports whether the point is inside s and its distance from the
// center in meters.
func (s geoShape) contains(lon, lat float64) (float64, bool) {
	if !s.box {
		d := geoDistance(s.lon, s.lat, lon, lat)
		return d, d <= s.radius*s.conversion
	}
	if geoLatDistance(lat, s.lat) > s.height*s.conversion/2 {
		return 0, false
	}
	if geoDistance(lon, lat, s.lon, lat) > s.width*s.conversion/2 {
		return 0, false
	}
	return geoDistance(s.lon, s.lat, lon, lat), true
}

// boxScores returns the score interval [min, max) of a cell.
func (h geoHashBits) boxScores() (float64, float64) {
	shift := 52 - h.step*2
	return float64(h.bits << shift), float64((h.bits + 1) << shift)
}
