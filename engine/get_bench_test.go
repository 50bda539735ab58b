package engine

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkGetRandom reads random keys of a 1M key space of which 300k
// exist (all still in memtables), as redis-benchmark -r 1000000 does after
// a short SET run: most GETs miss.
func BenchmarkGetRandom(b *testing.B) {
	d := readsBenchDB(b)
	const n, space = 300_000, 1_000_000
	var kvs [][]byte
	for i := range n {
		kvs = append(kvs, []byte(fmt.Sprintf("key:%012d", rand.IntN(space))), []byte("xxx"))
		if len(kvs) == 2000 || i == n-1 {
			require.NoError(b, d.MSet(at(strNow), kvs))
			kvs = kvs[:0]
		}
	}
	keys := make([][]byte, 4096)
	for i := range keys {
		keys[i] = []byte(fmt.Sprintf("key:%012d", rand.IntN(space)))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := d.Get(keys[i%len(keys)], strNow); err != nil && err != ErrNotFound {
			b.Fatal(err)
		}
	}
}
