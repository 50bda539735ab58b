package snapstore

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// bigMembers returns members totalling more than pageLagBytes + a range,
// so that a received stream of them drops its first member's pages.
func bigMembers() []member {
	rnd := rand.New(rand.NewSource(2))
	var ms []member
	for i := 0; i < 4; i++ {
		data := make([]byte, 12<<20+int64(i)*4099)
		rnd.Read(data)
		ms = append(ms, member{fmt.Sprintf("data/db0/strings/%06d.sst", i), data})
		if i == 1 {
			ms = append(ms, member{"data/db0/strings/empty.log", nil})
		}
	}
	return ms
}

// openFiles counts this process's open file descriptors.
func openFiles(t *testing.T) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	return len(fds)
}

// residentFraction returns the part of the file at path in the page cache.
func residentFraction(t *testing.T, path string) float64 {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	info, err := f.Stat()
	require.NoError(t, err)
	m, err := unix.Mmap(int(f.Fd()), 0, int(info.Size()), unix.PROT_READ, unix.MAP_SHARED)
	require.NoError(t, err)
	defer unix.Munmap(m)
	pages := (len(m) + os.Getpagesize() - 1) / os.Getpagesize()
	vec := make([]byte, pages)
	_, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)), uintptr(unsafe.Pointer(&vec[0])))
	require.Zero(t, errno)
	in := 0
	for _, v := range vec {
		in += int(v & 1)
	}
	return float64(in) / float64(pages)
}

func TestReceivedSnapshotLeavesLittleInThePageCache(t *testing.T) {
	dir := t.TempDir()
	s := newStore(t, dir)
	ms := bigMembers()
	archive := tarOf(t, ms)
	before := openFiles(t)

	sink := create(t, s, 9)
	n, err := sink.ReadFrom(bytes.NewReader(archive))
	require.NoError(t, err)
	require.Equal(t, int64(len(archive)), n)
	require.Equal(t, before, openFiles(t), "every received file is closed")
	require.NoError(t, sink.Close())

	_, rc, err := s.Open(sink.ID())
	require.NoError(t, err)
	files := rc.(*Reader).Dir()
	require.NoError(t, rc.Close())
	var fs unix.Statfs_t
	require.NoError(t, unix.Statfs(dir, &fs))
	if fs.Type != unix.TMPFS_MAGIC {
		first := filepath.Join(files, filepath.FromSlash(ms[0].name))
		last := filepath.Join(files, filepath.FromSlash(ms[len(ms)-1].name))
		require.Less(t, residentFraction(t, first), 0.25, "the first member's pages were dropped")
		require.Greater(t, residentFraction(t, last), 0.5, "the last member's pages stay cached")
	} else {
		// tmpfs pages are the files themselves: nothing to write back or drop.
		t.Logf("%s is tmpfs: page cache residency not checked", dir)
	}

	_, raw, _ := readAll(t, s, sink.ID())
	require.True(t, bytes.Equal(archive, raw), "the snapshot streams back identically")
}

func TestCutStreamClosesItsFiles(t *testing.T) {
	s := newStore(t, t.TempDir())
	archive := tarOf(t, bigMembers())
	before := openFiles(t)
	sink := create(t, s, 3)
	// Cut in the last member: ranges of the three with data before it are
	// still pending, so their files are open when the stream fails.
	_, err := sink.ReadFrom(bytes.NewReader(archive[:40<<20]))
	require.Error(t, err)
	require.Equal(t, before, openFiles(t), "every received file is closed")
	require.NoError(t, sink.Cancel())
	entries, err := os.ReadDir(s.dir)
	require.NoError(t, err)
	require.Empty(t, entries)
}
