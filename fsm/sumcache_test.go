package fsm

import (
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSumCacheReadsEachSSTOnce(t *testing.T) {
	dir := t.TempDir()
	sst := filepath.Join(dir, "000007.sst")
	data := []byte("immutable table contents")
	require.NoError(t, os.WriteFile(sst, data, 0o644))
	want := fileSum{Name: "db0/strings/000007.sst", Size: int64(len(data)), CRC32C: crc32.Checksum(data, castagnoli)}
	c, buf := newSumCache(), make([]byte, 4096)

	seen := map[fileID]bool{}
	got, read, err := c.checksum(sst, want.Name, buf, seen)
	require.NoError(t, err)
	require.True(t, read)
	require.Equal(t, want, got)
	got, read, err = c.checksum(sst, want.Name, buf, seen)
	require.NoError(t, err)
	require.False(t, read, "the second snapshot takes the CRC from the cache")
	require.Equal(t, want, got)

	// A checkpoint's hard link is the same file.
	link := filepath.Join(dir, "checkpoint-000007.sst")
	require.NoError(t, os.Link(sst, link))
	got, read, err = c.checksum(link, want.Name, buf, seen)
	require.NoError(t, err)
	require.False(t, read)
	require.Equal(t, want, got)

	// Contents rewritten in place (never done by RocksDB): a new mtime, so
	// the file is read again.
	changed := []byte("other table contents!!!!")
	require.Len(t, changed, len(data))
	future := time.Now().Add(time.Hour)
	require.NoError(t, os.WriteFile(sst, changed, 0o644))
	require.NoError(t, os.Chtimes(sst, future, future))
	got, read, err = c.checksum(sst, want.Name, buf, seen)
	require.NoError(t, err)
	require.True(t, read)
	require.Equal(t, crc32.Checksum(changed, castagnoli), got.CRC32C)

	// Other files (MANIFEST, CURRENT, WAL) are always read.
	cur := filepath.Join(dir, "CURRENT")
	require.NoError(t, os.WriteFile(cur, []byte("MANIFEST-000005\n"), 0o644))
	for range 2 {
		_, read, err = c.checksum(cur, "db0/strings/CURRENT", buf, seen)
		require.NoError(t, err)
		require.True(t, read)
	}

	// Files no snapshot holds any more are forgotten.
	c.keep(map[fileID]bool{})
	require.Empty(t, c.sums)
}

// Two snapshots of unchanged data list the same checksums, the second
// without reading the SSTs.
func TestSnapshotChecksumsFromCacheMatch(t *testing.T) {
	src := t.TempDir()
	seedRaw(t, filepath.Join(src, "db"), 500, 42)
	a := openFSM(t, src)
	raft := filepath.Join(src, "raft")
	sums := func() []byte {
		_, id := storeSnapshot(t, a, raft)
		raw, err := os.ReadFile(filepath.Join(raft, "snapshots", id, "files", sumsName))
		require.NoError(t, err)
		return raw
	}
	first := sums()
	require.NotEmpty(t, a.sums.sums, "SST checksums are cached")
	require.Equal(t, first, sums())

	a.sums = nil // no cache: every file read
	require.Equal(t, first, sums())
}
