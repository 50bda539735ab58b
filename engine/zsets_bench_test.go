package engine

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkZAdd adds one new member per operation to one zset.
func BenchmarkZAdd(b *testing.B) {
	d, err := openTestEngineB(b).DB(0)
	require.NoError(b, err)
	w := zsW(zsNow)
	members := make([][]byte, 1<<16)
	for i := range members {
		members[i] = []byte(fmt.Sprintf("member-%06d", i))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sm := []ScoreMember{{Member: members[i%len(members)], Score: float64(i)}}
		if _, err := d.ZAdd(w, []byte("myzset"), ZAddOptions{}, sm); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkZRange100 is ZRANGE myzset 0 99 on a 600-member zset.
func BenchmarkZRange100(b *testing.B) {
	d, err := openTestEngineB(b).DB(0)
	require.NoError(b, err)
	w := zsW(zsNow)
	for i := 0; i < 600; i++ {
		sm := []ScoreMember{{Member: []byte(fmt.Sprintf("member-%06d", i)), Score: float64(i % 97)}}
		_, err := d.ZAdd(w, []byte("myzset"), ZAddOptions{}, sm)
		require.NoError(b, err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := d.ZRange([]byte("myzset"), 0, 99, false, zsNow)
		if err != nil || len(out) != 100 {
			b.Fatal(len(out), err)
		}
	}
}

// goZSetsCompare is spec §1.4's ZSetsScoreKeyComparator written in Go from
// the spec, with the C version's rule for keys too short to be stored
// (prefix = whole key if the length field points past its end; no score →
// the remaining raw bytes decide).
func goZSetsCompare(a, b []byte) int {
	pa, pb := zsPrefixLen(a), zsPrefixLen(b)
	if c := bytes.Compare(a[:pa], b[:pb]); c != 0 {
		return c
	}
	ra, rb := a[pa:], b[pb:]
	if len(ra) < 8 || len(rb) < 8 {
		return bytes.Compare(ra, rb)
	}
	x := math.Float64frombits(binary.LittleEndian.Uint64(ra))
	y := math.Float64frombits(binary.LittleEndian.Uint64(rb))
	if x != y {
		return cmp3(x < y)
	}
	return bytes.Compare(ra[8:], rb[8:])
}

func zsPrefixLen(k []byte) int {
	if len(k) >= 4 {
		if n := uint64(binary.LittleEndian.Uint32(k)) + 8; n <= uint64(len(k)) {
			return int(n)
		}
	}
	return len(k)
}

// TestZSetsComparatorCAgreesWithGo checks the C comparator against the Go
// version written from the spec on random, near-equal and short keys.
func TestZSetsComparatorCAgreesWithGo(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	scores := []float64{math.Inf(-1), -math.MaxFloat64, -1e10, -1.5, math.Copysign(0, -1), 0,
		math.SmallestNonzeroFloat64, 1.5, 1e10, math.MaxFloat64, math.Inf(1), math.NaN()}
	gen := func() []byte {
		if rng.Intn(4) == 0 {
			k := make([]byte, rng.Intn(30))
			rng.Read(k)
			return k
		}
		keys := []string{"", "a", "ab", "b", "a\x00"}
		versions := []int32{-1, 0, 1, 256, 0x7FFFFFFF}
		members := []string{"", "a", "ab", "b", "\x80"}
		k := encodeZSetScoreKey([]byte(keys[rng.Intn(len(keys))]), versions[rng.Intn(len(versions))],
			scores[rng.Intn(len(scores))], []byte(members[rng.Intn(len(members))]))
		return k[:len(k)-rng.Intn(2)*rng.Intn(len(k)+1)]
	}
	for i := 0; i < 50000; i++ {
		a, b := gen(), gen()
		require.Equal(t, goZSetsCompare(a, b), compareZSetsScoreKeys(a, b), "%x vs %x", a, b)
	}
}
