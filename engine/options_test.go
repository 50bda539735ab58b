package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// rocksOption returns the value RocksDB recorded for name in the newest
// OPTIONS file of an instance's column family section cf ("default", ...).
func rocksOption(t *testing.T, instDir, cf, name string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(instDir, "OPTIONS-*"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	raw, err := os.ReadFile(files[len(files)-1])
	require.NoError(t, err)
	section := ""
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			section = line
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok && strings.TrimSpace(k) == name {
			if cf == "" && section == "[DBOptions]" || section == `[CFOptions "`+cf+`"]` ||
				section == `[TableOptions/BlockBasedTable "`+cf+`"]` {
				return strings.TrimSpace(v)
			}
		}
	}
	t.Fatalf("option %s of %q not in %s", name, cf, files[len(files)-1])
	return ""
}

func TestBlockCacheSharedByDefault(t *testing.T) {
	e, err := Open(filepath.Join(t.TempDir(), "db"), Options{Databases: 2, BlockCacheBytes: 4 << 20})
	require.NoError(t, err)
	defer e.Close()
	_, _, capacity := e.BlockCache()
	require.Equal(t, uint64(4<<20), capacity)
}

func TestPrivateBlockCachePerInstance(t *testing.T) {
	e, err := Open(filepath.Join(t.TempDir(), "db"), Options{Databases: 2, BlockCacheBytes: 4 << 20, PrivateBlockCaches: true})
	require.NoError(t, err)
	defer e.Close()
	_, _, capacity := e.BlockCache()
	require.Equal(t, uint64(2*6*4<<20), capacity)
}

func TestNoBlockCache(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	e, err := Open(dir, Options{NoBlockCache: true})
	require.NoError(t, err)
	defer e.Close()
	_, _, capacity := e.BlockCache()
	require.Zero(t, capacity)
	require.Equal(t, "true", rocksOption(t, instanceDir(dir, 0, KindHashes), "data_cf", "no_block_cache"))
	d, err := e.DB(0)
	require.NoError(t, err)
	_, err = d.Set(at(strNow), []byte("k"), []byte("v"), SetOptions{})
	require.NoError(t, err)
	v, err := d.Get([]byte("k"), strNow)
	require.NoError(t, err)
	require.Equal(t, "v", string(v))
}

func TestTuningOptionsReachRocksDB(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	e, err := Open(dir, Options{
		Databases:                 2,
		BlockSize:                 16 << 10,
		CacheIndexAndFilterBlocks: true,
		WriteBufferBytes:          8 << 20,
		MaxWriteBuffers:           3,
		MemtableBudgetBytes:       120 << 20,
		TargetFileSizeBase:        32 << 20,
		MaxBackgroundJobs:         4,
	})
	require.NoError(t, err)
	require.NoError(t, e.Close())
	zsets := instanceDir(dir, 1, KindZSets)
	require.Equal(t, "16384", rocksOption(t, zsets, "score_cf", "block_size"))
	require.Equal(t, "true", rocksOption(t, zsets, "score_cf", "cache_index_and_filter_blocks"))
	require.Contains(t, rocksOption(t, zsets, "score_cf", "filter_policy"), "bloomfilter")
	require.Equal(t, "8388608", rocksOption(t, zsets, "data_cf", "write_buffer_size"))
	require.Equal(t, "3", rocksOption(t, zsets, "data_cf", "max_write_buffer_number"))
	require.Equal(t, "33554432", rocksOption(t, zsets, "default", "target_file_size_base"))
	// 120 MB over 2 databases × 6 instances.
	require.Equal(t, "10485760", rocksOption(t, zsets, "", "db_write_buffer_size"))
	require.Equal(t, "4", rocksOption(t, zsets, "", "max_background_jobs"))
}
