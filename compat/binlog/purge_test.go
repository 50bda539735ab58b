package binlog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// makeFiles writes enough 100-byte items with a 1 KiB limit to produce n files.
func makeFiles(t *testing.T, n int) *Writer {
	dir := t.TempDir()
	w := openW(t, dir, Options{FileSize: 1024})
	c := []byte(strings.Repeat("p", 58))
	for i := 1; ; i++ {
		_, err := w.Append(0, uint64(i), tm, c)
		require.NoError(t, err)
		if w.Producer().Filenum == uint32(n-1) {
			break
		}
	}
	require.NoError(t, w.Flush())
	return w
}

func TestPurgeByCountKeepsNewestTen(t *testing.T) {
	w := makeFiles(t, 25)
	got, err := w.Purge(PurgePolicy{ExpireLogsNums: 3}) // clamped to 10
	require.NoError(t, err)
	require.Equal(t, seq(0, 14), got)
	files, err := ListFiles(w.Dir())
	require.NoError(t, err)
	require.Equal(t, seq(15, 24), files)
}

func TestPurgeUpToStopsAtConsumerAndNewest(t *testing.T) {
	w := makeFiles(t, 25)
	c := w.RegisterConsumer()
	got, err := w.Purge(PurgePolicy{UpTo: ptr(20)})
	require.NoError(t, err)
	require.Empty(t, got, "a consumer that acked nothing protects everything")
	require.Equal(t, "none", w.SafetyPurge())

	c.SetAcked(5)
	require.Equal(t, "write2file4", w.SafetyPurge())
	got, err = w.Purge(PurgePolicy{UpTo: ptr(20)})
	require.NoError(t, err)
	require.Equal(t, seq(0, 4), got)

	c.SetFullSync(true)
	c.SetAcked(30)
	got, err = w.Purge(PurgePolicy{UpTo: ptr(20)})
	require.NoError(t, err)
	require.Empty(t, got, "nothing is purged during a full sync")

	c.SetFullSync(false)
	require.Equal(t, "write2file14", w.SafetyPurge())
	got, err = w.Purge(PurgePolicy{UpTo: ptr(20)})
	require.NoError(t, err)
	require.Equal(t, seq(5, 14), got, "the newest 10 files stay")

	c.Close()
	got, err = w.Purge(PurgePolicy{UpTo: ptr(20)})
	require.NoError(t, err)
	require.Empty(t, got)
}

func TestPurgeByAge(t *testing.T) {
	w := makeFiles(t, 15)
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	for n := uint32(0); n < 15; n++ {
		age := 2 * 24 * time.Hour // files 0..2 are 8 days old
		if n < 3 {
			age = 8 * 24 * time.Hour
		}
		p := filepath.Join(w.Dir(), FileName(n))
		require.NoError(t, os.Chtimes(p, now.Add(-age), now.Add(-age)))
	}
	got, err := w.Purge(PurgePolicy{ExpireLogsDays: 7, Now: now})
	require.NoError(t, err)
	require.Equal(t, seq(0, 2), got)
	got, err = w.Purge(PurgePolicy{ExpireLogsDays: 1, Now: now})
	require.NoError(t, err)
	require.Equal(t, seq(3, 4), got, "stops when 10 files remain")
}

func seq(a, b uint32) []uint32 {
	var out []uint32
	for i := a; i <= b; i++ {
		out = append(out, i)
	}
	return out
}

func ptr(v uint32) *uint32 { return &v }

func TestPurgeDeletesThroughPolicyRemove(t *testing.T) {
	w := makeFiles(t, 13)
	var removed []string
	got, err := w.Purge(PurgePolicy{ExpireLogsNums: 10, Remove: func(path string) error {
		removed = append(removed, filepath.Base(path))
		return os.Remove(path)
	}})
	require.NoError(t, err)
	require.Equal(t, seq(0, 2), got)
	require.Equal(t, []string{"write2file0", "write2file1", "write2file2"}, removed)
	files, err := ListFiles(w.Dir())
	require.NoError(t, err)
	require.Equal(t, seq(3, 12), files)
}
