package binlog

import (
	"fmt"
	"testing"
)

// BenchmarkAppendSet appends a typical SET item (ns/op = ns per item),
// flushing every 64 items as an apply batch would.
func BenchmarkAppendSet(b *testing.B) {
	for _, batch := range []int{1, 64} {
		b.Run(fmt.Sprintf("flush-every-%d", batch), func(b *testing.B) {
			w, err := OpenWriter(b.TempDir(), Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer w.Close()
			content := EncodeRESP(args("SET", "user:000012345", "value-0123456789-abcdefghijklmnopqrstuvwxyz"))
			b.SetBytes(int64(len(content) + ItemHeaderSize + RecordHeaderSize))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := w.Append(1, uint64(i+1), tm, content); err != nil {
					b.Fatal(err)
				}
				if (i+1)%batch == 0 {
					if err := w.Flush(); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// BenchmarkCanonicalSetEx measures building the canonical item of SET k v EX s.
func BenchmarkCanonicalSetEx(b *testing.B) {
	a := Applied{Argv: args("SET", "user:000012345", "value-0123456789", "EX", "3600"), NowMs: nowMs, Databases: 1}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Canonical(a); err != nil {
			b.Fatal(err)
		}
	}
}
