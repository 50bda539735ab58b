package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/engine"
)

func engineOptionsFrom(t *testing.T, conf string) engine.Options {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "pika.conf")
	require.NoError(t, os.WriteFile(path, []byte(conf), 0o644))
	s, err := parseFlags([]string{"-c", path, "--data-dir", filepath.Join(dir, "d")})
	require.NoError(t, err)
	o := s.engineOptions()
	require.Same(t, s.hotCache, o.HotCache, "the engine carries the hot-key cache")
	o.HotCache = nil // compared by the cache tests (hotcache_test.go)
	return o
}

func TestEngineOptionsFromPikaConf(t *testing.T) {
	o := engineOptionsFrom(t, `block-cache : 64m
share-block-cache : yes
cache-index-and-filter-blocks : yes
block-size : 16k
write-buffer-size : 32m
max-write-buffer-num : 3
max-write-buffer-size : 256m
target-file-size-base : 16m
max-background-jobs : 4
max-bytes-for-level-multiplier : 8
optimize-filters-for-hits : yes
compression : zstd
`)
	require.Equal(t, engine.Options{
		Databases:                  1,
		Compression:                "zstd",
		BlockCacheBytes:            64 << 20,
		CacheIndexAndFilterBlocks:  true,
		BlockSize:                  16 << 10,
		WriteBufferBytes:           32 << 20,
		MaxWriteBuffers:            3,
		MemtableBudgetBytes:        256 << 20,
		TargetFileSizeBase:         16 << 20,
		MaxBackgroundJobs:          4,
		MaxBytesForLevelMultiplier: 8,
		OptimizeFiltersForHits:     true,
		MaxOpenFiles:               0,
	}, o)
}

// Without the keys, Pika's share-block-cache default (no) gives each
// instance its own cache; sizes keep the engine's defaults.
func TestEngineOptionsDefaults(t *testing.T) {
	o := engineOptionsFrom(t, "port : 9221\n")
	require.Equal(t, engine.Options{Databases: 1, Compression: "snappy", PrivateBlockCaches: true}, o)
}

func TestBlockCacheZeroDisablesIt(t *testing.T) {
	o := engineOptionsFrom(t, "block-cache : 0\nshare-block-cache : yes\n")
	require.True(t, o.NoBlockCache)
	require.False(t, o.PrivateBlockCaches)
}
