package trash

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func writeFile(t *testing.T, path string, size int) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, make([]byte, size), 0o644))
}

func waitEmpty(t *testing.T, b *Bin) {
	t.Helper()
	require.Eventually(t, func() bool { return b.Pending() == 0 }, 10*time.Second, 5*time.Millisecond)
}

func TestRemoveSmallFileAtOnce(t *testing.T) {
	dir := t.TempDir()
	b := New(slog.Default())
	defer b.Close()
	p := filepath.Join(dir, "small")
	writeFile(t, p, ChunkBytes)
	require.NoError(t, b.Remove(p))
	require.NoFileExists(t, p)
	require.NoFileExists(t, p+Suffix)
	require.Equal(t, 0, b.Pending())
}

func TestRemoveLargeFileInSteps(t *testing.T) {
	dir := t.TempDir()
	b := New(slog.Default())
	defer b.Close()
	p := filepath.Join(dir, "big")
	writeFile(t, p, 3*ChunkBytes+100)
	require.NoError(t, b.Remove(p))
	// The name is gone at once; the data goes in the background.
	require.NoFileExists(t, p)
	waitEmpty(t, b)
	require.NoFileExists(t, p+Suffix)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Empty(t, entries)
}

func TestRemoveKeepsOtherHardLinks(t *testing.T) {
	dir := t.TempDir()
	b := New(slog.Default())
	defer b.Close()
	p := filepath.Join(dir, "big")
	other := filepath.Join(dir, "other-name")
	writeFile(t, p, 2*ChunkBytes+1)
	require.NoError(t, os.Link(p, other))
	require.NoError(t, b.Remove(p))
	waitEmpty(t, b)
	require.NoFileExists(t, p)
	info, err := os.Stat(other)
	require.NoError(t, err)
	require.EqualValues(t, 2*ChunkBytes+1, info.Size(), "the other name keeps all its data")
}

func TestCloseLeavesUnfinishedFilesForSweep(t *testing.T) {
	dir := t.TempDir()
	b := New(slog.Default())
	b.pause = time.Hour // the first step runs, the second never does
	p := filepath.Join(dir, "big")
	writeFile(t, p, 3*ChunkBytes)
	require.NoError(t, b.Remove(p))
	require.Eventually(t, func() bool {
		info, err := os.Stat(p + Suffix)
		return err == nil && info.Size() == 2*ChunkBytes
	}, 5*time.Second, 5*time.Millisecond, "one chunk freed")
	b.Close()
	b.Close() // a second Close is harmless
	require.FileExists(t, p+Suffix, "an unfinished file stays for Sweep")

	b2 := New(slog.Default())
	defer b2.Close()
	keep := filepath.Join(dir, "not-trash")
	writeFile(t, keep, 10)
	require.NoError(t, b2.Sweep(dir))
	require.NoError(t, b2.Sweep(filepath.Join(dir, "missing")), "a missing dir is not an error")
	waitEmpty(t, b2)
	require.NoFileExists(t, p+Suffix)
	require.FileExists(t, keep, "Sweep only takes files named with Suffix")
}

func TestRemoveMissingFile(t *testing.T) {
	b := New(slog.Default())
	defer b.Close()
	require.ErrorIs(t, b.Remove(filepath.Join(t.TempDir(), "nope")), os.ErrNotExist)
}

// A directory tree (an old snapshot) goes at once under its name; files
// only it held are shrunk and removed, files also linked elsewhere (the
// engine's SSTs) keep their data.
func TestRemoveDirectoryTree(t *testing.T) {
	root := t.TempDir()
	b := New(slog.Default())
	defer b.Close()
	snap := filepath.Join(root, "snap")
	require.NoError(t, os.MkdirAll(filepath.Join(snap, "files", "db0"), 0o755))
	live := filepath.Join(root, "live.sst")
	writeFile(t, live, 2*ChunkBytes+7)
	require.NoError(t, os.Link(live, filepath.Join(snap, "files", "db0", "live.sst")))
	writeFile(t, filepath.Join(snap, "files", "db0", "gone.sst"), 2*ChunkBytes+3)
	writeFile(t, filepath.Join(snap, "tree.json"), 100)

	require.NoError(t, b.Remove(snap))
	require.NoDirExists(t, snap)
	waitEmpty(t, b)
	require.NoDirExists(t, snap+Suffix)
	info, err := os.Stat(live)
	require.NoError(t, err)
	require.EqualValues(t, 2*ChunkBytes+7, info.Size())
	entries, err := os.ReadDir(root)
	require.NoError(t, err)
	require.Len(t, entries, 1, "only the live file is left")
}

// Removing a path again while the bin still deletes the first one (a second
// snapshot restore soon after the first) takes another trash name, and
// Resume finds both after a restart.
func TestRemoveSamePathTwiceAndResume(t *testing.T) {
	dir := t.TempDir()
	b := New(slog.Default())
	b.pause = time.Hour
	old := filepath.Join(dir, "db.old")
	for range 2 {
		require.NoError(t, os.MkdirAll(old, 0o755))
		writeFile(t, filepath.Join(old, "1.sst"), 3*ChunkBytes)
		require.NoError(t, b.Remove(old))
		require.NoDirExists(t, old)
	}
	b.Close()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 2, "two trash names")

	writeFile(t, filepath.Join(dir, "db.old.x"+Suffix), 10) // not Remove's
	b2 := New(slog.Default())
	defer b2.Close()
	require.Equal(t, 2, b2.Resume(old))
	waitEmpty(t, b2)
	entries, err = os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	require.Equal(t, "db.old.x"+Suffix, entries[0].Name())
}

func TestTrashOf(t *testing.T) {
	for name, want := range map[string]bool{
		"db.old" + Suffix:        true,
		"db.old.123" + Suffix:    true,
		"db.old." + Suffix:       false,
		"db.old.12a" + Suffix:    false,
		"db.old":                 false,
		"db.older" + Suffix:      false,
		"db" + Suffix:            false,
		"db.old.1.2" + Suffix:    false,
		"xdb.old" + Suffix:       false,
		"db.old" + Suffix + ".1": false,
	} {
		require.Equal(t, want, trashOf(name, "db.old"), name)
	}
}
