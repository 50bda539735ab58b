package command

import (
	"testing"

	"github.com/pikaraft/pikaraft/engine/hotcache"
)

// BenchmarkCacheBegin is what the FSM adds to each applied SET when the
// cache exists (on or off): naming the key, then ending the write.
func BenchmarkCacheBegin(b *testing.B) {
	hc := hotcache.New(hotcache.Config{MaxBytes: 1 << 20})
	cmds := [][][]byte{{[]byte("set"), []byte("key:000000123456"), []byte("xxx")}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		CacheBegin(hc, 0, cmds)
		hc.EndWrites()
	}
}
