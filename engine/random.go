package engine

import "math/rand/v2"

// Random choices of SPOP, SRANDMEMBER and HRANDFIELD. They are drawn from
// a PCG generator seeded by the caller (the seed stamped on the log entry),
// never from a global source, so every node picks the same elements.

func seededRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// pickDistinct returns k distinct indices in [0, n) (k < n) chosen
// uniformly from seed, by Floyd's algorithm.
func pickDistinct(seed uint64, n, k int64) map[int64]bool {
	r := seededRand(seed)
	out := make(map[int64]bool, k)
	for j := n - k; j < n; j++ {
		t := r.Int64N(j + 1)
		if out[t] {
			out[j] = true
		} else {
			out[t] = true
		}
	}
	return out
}

// pickRepeated returns k indices in [0, n) drawn independently from seed.
func pickRepeated(seed uint64, n, k int64) []int64 {
	r := seededRand(seed)
	out := make([]int64, k)
	for i := range out {
		out[i] = r.Int64N(n)
	}
	return out
}
