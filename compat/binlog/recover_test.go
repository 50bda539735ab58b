package binlog

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// entry is one Raft entry worth of items for tests.
type entry struct {
	index    uint64
	contents [][]byte
}

func testEntries(n int) []entry {
	var out []entry
	for i := 1; i <= n; i++ {
		var cs [][]byte
		for j := 0; j <= i%3; j++ { // 1 to 3 items per entry, like a split MSET
			cs = append(cs, EncodeRESP(args("set", fmt.Sprintf("k%d-%d", i, j), fmt.Sprintf("value-%d", i*j))))
		}
		out = append(out, entry{uint64(i), cs})
	}
	return out
}

// writeRef writes entries with an uninterrupted writer and returns the
// bytes of write2file0 and the manifest prefix.
func writeRef(t *testing.T, es []entry) ([]byte, []byte) {
	dir := t.TempDir()
	w := openW(t, dir, Options{})
	for _, e := range es {
		require.NoError(t, w.AppendEntry(2, e.index, tm+uint32(e.index), e.contents))
	}
	require.NoError(t, w.Close())
	man, err := os.ReadFile(filepath.Join(dir, ManifestName))
	require.NoError(t, err)
	return readFile(t, dir, 0), man[:24]
}

// TestCrashMidAppendResumes cuts the file at every byte position inside the
// last few entries (a crash mid-write), reopens, replays every entry and
// checks the result is byte-identical to an uninterrupted run.
func TestCrashMidAppendResumes(t *testing.T) {
	es := testEntries(40)
	want, wantMan := writeRef(t, es)
	for cut := len(want) - 400; cut < len(want); cut += 7 {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, FileName(0)), want[:cut], 0o644))
		// The manifest may lag behind or run ahead of the data; use the final one.
		m := make([]byte, ManifestSize)
		copy(m, wantMan)
		require.NoError(t, os.WriteFile(filepath.Join(dir, ManifestName), m, 0o644))

		r, err := OpenReader(dir, 0, 0)
		require.NoError(t, err)
		var lastEnd Position
		for {
			it, err := r.Next()
			if err != nil {
				break
			}
			lastEnd = it.End
		}
		require.Equal(t, lastEnd, r.ValidEnd(), "cut %d", cut)
		require.Equal(t, uint64(cut) != lastEnd.Offset, r.Torn(), "cut %d", cut)
		require.NoError(t, r.Close())

		w, err := OpenWriter(dir, Options{})
		require.NoError(t, err)
		require.Equal(t, lastEnd, w.Producer())
		for _, e := range es {
			require.NoError(t, w.AppendEntry(2, e.index, tm+uint32(e.index), e.contents))
		}
		require.NoError(t, w.Close())
		require.Equal(t, want, readFile(t, dir, 0), "cut %d", cut)
		man, err := os.ReadFile(filepath.Join(dir, ManifestName))
		require.NoError(t, err)
		require.Equal(t, wantMan, man[:24])
	}
}

func TestRecoverManifestBehindAndZeroTail(t *testing.T) {
	es := testEntries(10)
	want, _ := writeRef(t, es)
	dir := t.TempDir()
	// Data of all entries, a preallocated zero area after it (as a live Pika
	// file has), and a manifest that still says the file is empty.
	require.NoError(t, os.WriteFile(filepath.Join(dir, FileName(0)), append(append([]byte(nil), want...), make([]byte, 4<<10)...), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, ManifestName), make([]byte, ManifestSize), 0o644))

	r, err := OpenReader(dir, 0, 0)
	require.NoError(t, err)
	n := 0
	for ; ; n++ {
		if _, err := r.Next(); err != nil {
			break
		}
	}
	require.False(t, r.Torn(), "a zero tail is a clean end")
	require.NoError(t, r.Close())

	w := openW(t, dir, Options{})
	term, index, items := w.Last()
	require.Equal(t, uint32(2), term)
	require.Equal(t, uint64(10), index)
	require.Equal(t, len(es[9].contents), items)
	require.Equal(t, Position{0, uint64(len(want))}, w.Producer())
	require.Equal(t, want, readFile(t, dir, 0), "zero tail truncated")
	man, err := ReadManifest(dir)
	require.NoError(t, err)
	require.Equal(t, Manifest{Filenum: 0, Offset: uint64(len(want)), Index: 10, Term: 2}, man)

	// Replaying old entries appends nothing.
	for _, e := range es {
		require.NoError(t, w.AppendEntry(2, e.index, tm, e.contents))
	}
	require.NoError(t, w.Flush())
	require.Equal(t, want, readFile(t, dir, 0))
}

func TestRecoverEntrySpanningRotation(t *testing.T) {
	dir := t.TempDir()
	w, err := OpenWriter(dir, Options{FileSize: 1024})
	require.NoError(t, err)
	c := []byte("0123456789012345678901234567890123456789012345678901234567")
	for i := 1; i <= 10; i++ {
		require.NoError(t, w.AppendEntry(1, uint64(i), tm, [][]byte{c}))
	}
	// Entry 11 has 3 items; the first lands in file 0 and rotation follows.
	require.NoError(t, w.AppendEntry(1, 11, tm, [][]byte{c, c, c}))
	require.NoError(t, w.Close())
	files, err := ListFiles(dir)
	require.NoError(t, err)
	require.Equal(t, []uint32{0, 1}, files)

	w2 := openW(t, dir, Options{FileSize: 1024})
	_, index, items := w2.Last()
	require.Equal(t, uint64(11), index)
	require.Equal(t, 3, items)
}

func TestResetLikeFullSync(t *testing.T) {
	dir := t.TempDir()
	w := openW(t, dir, Options{})
	for _, e := range testEntries(5) {
		require.NoError(t, w.AppendEntry(1, e.index, tm, e.contents))
	}
	require.NoError(t, w.Reset(Position{3, 70000}, 4, 500, tm))
	files, err := ListFiles(dir)
	require.NoError(t, err)
	require.Equal(t, []uint32{3}, files)
	data := readFile(t, dir, 3)
	require.Len(t, data, 70000)
	require.Equal(t, hdr(BlockSize-8, tm, recBad), data[:8])
	require.Equal(t, byte('*'), data[8])
	require.Equal(t, hdr(70000-BlockSize-8, tm, recBad), data[BlockSize:BlockSize+8])

	require.NoError(t, w.AppendEntry(4, 500, tm, [][]byte{[]byte("covered")}), "the snapshot covers 500")
	require.NoError(t, w.AppendEntry(4, 501, tm, [][]byte{EncodeRESP(args("set", "a", "b"))}))
	require.NoError(t, w.Close())

	w2 := openW(t, dir, Options{})
	_, index, _ := w2.Last()
	require.Equal(t, uint64(501), index)
	r, err := OpenReader(dir, 3, 70000)
	require.NoError(t, err)
	defer r.Close()
	it, err := r.Next()
	require.NoError(t, err)
	require.Equal(t, Position{3, 70000}, it.Start)
	require.Equal(t, uint64(501), it.Index)
	require.Equal(t, uint32(3), it.Filenum)
	require.Equal(t, uint64(70000), it.Offset)
}

// paddingReference is Binlog::AppendPadding written the plain way: per
// block (at most BlockSize) a type-6 record of '*', a remainder shorter
// than a header as zeros.
func paddingReference(n uint64, t uint32) []byte {
	var out []byte
	for left := n; left > 0; {
		size := min(left, BlockSize)
		if size < RecordHeaderSize {
			out = append(out, make([]byte, size)...)
			break
		}
		out = append(out, hdr(int(size)-RecordHeaderSize, t, recBad)...)
		out = append(out, bytes.Repeat([]byte("*"), int(size)-RecordHeaderSize)...)
		left -= size
	}
	return out
}

func TestResetPaddingBytes(t *testing.T) {
	sizes := []uint64{0, 1, 7, 8, 9, BlockSize - 1, BlockSize, BlockSize + 5, BlockSize + 8,
		16*BlockSize - 3, 16 * BlockSize, 16*BlockSize + 7, 16*BlockSize + 100, 37*BlockSize + 4321}
	for _, n := range sizes {
		dir := t.TempDir()
		w := openW(t, dir, Options{})
		require.NoError(t, w.Reset(Position{2, n}, 1, 9, tm))
		require.NoError(t, w.Close())
		got := readFile(t, dir, 2)
		require.Equal(t, len(paddingReference(n, tm)), len(got), "n=%d", n)
		require.True(t, bytes.Equal(paddingReference(n, tm), got), "n=%d", n)
	}
}
