package engine

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMurmur3KnownVectors(t *testing.T) {
	// Published MurmurHash3_x86_32 test vectors.
	require.Equal(t, uint32(0), murmur3x86_32(nil, 0))
	require.Equal(t, uint32(0x514e28b7), murmur3x86_32(nil, 1))
	require.Equal(t, uint32(0x81f16f39), murmur3x86_32(nil, 0xffffffff))
	require.Equal(t, uint32(0x248bfa47), murmur3x86_32([]byte("hello"), 0))
	require.Equal(t, uint32(0x2e4ff723), murmur3x86_32([]byte("The quick brown fox jumps over the lazy dog"), 0))
}

func hllElems(prefix string, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = []byte(fmt.Sprintf("%s%d", prefix, i))
	}
	return out
}

func TestPFAddCount(t *testing.T) {
	d := strTestDB(t)
	for _, n := range []int{1, 10, 1000, 100000} {
		key := []byte(fmt.Sprintf("h%d", n))
		changed, err := d.PFAdd(at(strNow), key, hllElems("x", n))
		require.NoError(t, err)
		require.True(t, changed)
		got, err := d.PFCount([][]byte{key}, strNow)
		require.NoError(t, err)
		// Standard error of 2^17 registers is 0.29%; allow 2%.
		require.InDelta(t, n, got, float64(n)*0.02+1, "n=%d", n)
		raw := rawString(t, d, string(key))
		require.Len(t, raw, 131076)
		require.Equal(t, []byte{0, 0, 0, 0}, raw[131072:])
	}
	n, err := d.PFCount([][]byte{[]byte("missing")}, strNow)
	require.NoError(t, err)
	require.Zero(t, n)

	// PFADD without elements creates an empty HyperLogLog once.
	changed, err := d.PFAdd(at(strNow), []byte("empty"), nil)
	require.NoError(t, err)
	require.True(t, changed)
	require.Equal(t, make([]byte, 131076), rawString(t, d, "empty"))
	changed, err = d.PFAdd(at(strNow), []byte("empty"), nil)
	require.NoError(t, err)
	require.False(t, changed)
}

func TestPFAddRegisterLayout(t *testing.T) {
	d := strTestDB(t)
	// murmur3("hello", 313) computed by the reference: index = low 17
	// bits, rank = trailing zeros of the rest + 1.
	h := murmur3x86_32([]byte("a"), 313)
	idx, rest := h&(1<<17-1), h>>17
	rank := byte(1)
	for rest&1 == 0 && rank < 16 {
		rest >>= 1
		rank++
	}
	_, err := d.PFAdd(at(strNow), []byte("k"), [][]byte{[]byte("a")})
	require.NoError(t, err)
	want := make([]byte, 131076)
	want[idx] = rank
	require.Equal(t, want, rawString(t, d, "k"))
}

func TestPFMergeAndMultiCount(t *testing.T) {
	d := strTestDB(t)
	_, err := d.PFAdd(at(strNow), []byte("a"), hllElems("e", 3000))
	require.NoError(t, err)
	_, err = d.PFAdd(at(strNow), []byte("b"), hllElems("e", 6000)[2000:]) // overlaps 1000
	require.NoError(t, err)
	union, err := d.PFCount([][]byte{[]byte("a"), []byte("b"), []byte("missing")}, strNow)
	require.NoError(t, err)
	require.InDelta(t, 6000, union, 120)

	require.NoError(t, d.PFMerge(at(strNow), []byte("dst"), [][]byte{[]byte("a"), []byte("b")}))
	n, err := d.PFCount([][]byte{[]byte("dst")}, strNow)
	require.NoError(t, err)
	require.Equal(t, union, n)

	// The OR-merge quirk: registers 1 and 2 merge to 3, not 2.
	one := make([]byte, hllRegisters)
	two := make([]byte, hllRegisters)
	one[5], two[5], two[6] = 1, 2, 4
	putRawString(t, d, "r1", encodeStringValue(one, 0))
	putRawString(t, d, "r2", encodeStringValue(two, 0))
	require.NoError(t, d.PFMerge(at(strNow), []byte("r1"), [][]byte{[]byte("r2")}))
	raw := rawString(t, d, "r1")
	require.Equal(t, []byte{0, 3, 4, 0}, raw[4:8])

	// Merging into a missing destination with no sources writes an empty HLL.
	require.NoError(t, d.PFMerge(at(strNow), []byte("new"), nil))
	require.Equal(t, make([]byte, 131076), rawString(t, d, "new"))
}

func TestHLLRejectsPlainStrings(t *testing.T) {
	d := strTestDB(t)
	mustSet(t, d, "s", "plain", SetOptions{})
	bad := make([]byte, hllRegisters)
	bad[0] = 17
	putRawString(t, d, "r", encodeStringValue(bad, 0))
	for _, k := range []string{"s", "r"} {
		_, err := d.PFAdd(at(strNow), []byte(k), [][]byte{[]byte("x")})
		require.ErrorIs(t, err, ErrNotHLL)
		_, err = d.PFCount([][]byte{[]byte("missing"), []byte(k)}, strNow)
		require.ErrorIs(t, err, ErrNotHLL)
		require.ErrorIs(t, d.PFMerge(at(strNow), []byte("d"), [][]byte{[]byte(k)}), ErrNotHLL)
	}
	v, err := d.Get([]byte("s"), strNow)
	require.NoError(t, err)
	require.Equal(t, "plain", string(v))
}

// BenchmarkPFAdd measures one PFADD of one element: a 128 KB record read,
// two estimates over 2^17 registers and a 128 KB write.
func BenchmarkPFAdd(b *testing.B) {
	e, err := Open(b.TempDir(), Options{})
	require.NoError(b, err)
	defer e.Close()
	d, _ := e.DB(0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := d.PFAdd(at(strNow), []byte("h"), [][]byte{[]byte(fmt.Sprint(i))}); err != nil {
			b.Fatal(err)
		}
	}
}
