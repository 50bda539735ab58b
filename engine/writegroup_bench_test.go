package engine

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkSetGrouped applies plain SETs of random keys (1M key space,
// 300k written first) in entries of 20, as the FSM does under load: "each"
// commits every SET on its own, "grouped" commits the 20 of an entry as one
// WriteGroup. ns/op is per SET.
func BenchmarkSetGrouped(b *testing.B) {
	for _, grouped := range []bool{false, true} {
		name := map[bool]string{false: "each", true: "grouped"}[grouped]
		b.Run(name, func(b *testing.B) {
			e, err := Open(b.TempDir(), Options{})
			require.NoError(b, err)
			defer e.Close()
			d, _ := e.DB(0)
			r := rand.New(rand.NewPCG(1, 2))
			val := make([]byte, 3)
			key := func() []byte { return []byte(fmt.Sprintf("key:%012d", r.IntN(1000000))) }
			index := uint64(1)
			for i := 0; i < 300000; i += 20 {
				kvs := make([][]byte, 0, 40)
				for j := 0; j < 20; j++ {
					kvs = append(kvs, key(), val)
				}
				require.NoError(b, d.MSet(Writer{Pos: Pos{Index: index}}, kvs))
				index++
			}
			keys := make([][]byte, 20)
			b.ResetTimer()
			for i := 0; i < b.N; i += len(keys) {
				for j := range keys {
					keys[j] = key()
				}
				var g WriteGroup
				for j, k := range keys {
					w := Writer{Pos: Pos{Index: index, Sub: uint32(j)}}
					if grouped {
						w.Group = &g
					}
					if _, err := d.Set(w, k, val, SetOptions{}); err != nil {
						b.Fatal(err)
					}
				}
				if err := g.Commit(); err != nil {
					b.Fatal(err)
				}
				if err := e.FlushWAL(); err != nil {
					b.Fatal(err)
				}
				index++
			}
		})
	}
}
