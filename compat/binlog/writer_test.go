package binlog

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const tm = uint32(1795314903)

// hdr builds an 8-byte record header by hand.
func hdr(n int, t uint32, typ byte) []byte {
	h := []byte{byte(n), byte(n >> 8), byte(n >> 16), 0, 0, 0, 0, typ}
	binary.LittleEndian.PutUint32(h[3:], t)
	return h
}

// itemBytes builds an encoded item by hand (spec §1.5).
func itemBytes(t uint32, term uint32, index uint64, file uint32, off uint64, content []byte) []byte {
	b := make([]byte, 34)
	binary.LittleEndian.PutUint16(b[0:], 1)
	binary.LittleEndian.PutUint32(b[2:], t)
	binary.LittleEndian.PutUint32(b[6:], term)
	binary.LittleEndian.PutUint64(b[10:], index)
	binary.LittleEndian.PutUint32(b[18:], file)
	binary.LittleEndian.PutUint64(b[22:], off)
	binary.LittleEndian.PutUint32(b[30:], uint32(len(content)))
	return append(b, content...)
}

func openW(t *testing.T, dir string, o Options) *Writer {
	t.Helper()
	w, err := OpenWriter(dir, o)
	require.NoError(t, err)
	t.Cleanup(func() { w.Close() })
	return w
}

func readFile(t *testing.T, dir string, n uint32) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, FileName(n)))
	require.NoError(t, err)
	return b
}

// TestWorkedExampleSpec checks spec §1.6's example: SET k v at the start of
// an empty file is a 61-byte item in a record `3D 00 00 | time | 01`, and
// the producer offset becomes 69.
func TestWorkedExampleSpec(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log_db0")
	w := openW(t, dir, Options{})
	content := []byte("*3\r\n$3\r\nset\r\n$1\r\nk\r\n$1\r\nv\r\n")
	require.Len(t, content, 27)
	end, err := w.Append(7, 42, tm, content)
	require.NoError(t, err)
	require.Equal(t, Position{0, 69}, end)
	require.NoError(t, w.Flush())

	want := append(hdr(61, tm, 1), itemBytes(tm, 7, 42, 0, 0, content)...)
	require.Equal(t, want[:3], []byte{0x3d, 0, 0})
	require.Equal(t, want, readFile(t, dir, 0))

	man, err := os.ReadFile(filepath.Join(dir, ManifestName))
	require.NoError(t, err)
	require.Len(t, man, ManifestSize)
	wantMan := make([]byte, 24)
	binary.LittleEndian.PutUint32(wantMan[0:], 0)
	binary.LittleEndian.PutUint64(wantMan[4:], 69)
	binary.LittleEndian.PutUint64(wantMan[12:], 42)
	binary.LittleEndian.PutUint32(wantMan[20:], 7)
	require.Equal(t, wantMan, man[:24])
	require.Equal(t, make([]byte, ManifestSize-24), man[24:])
}

// fill appends one item whose record ends leaving `left` bytes in block 0.
func fill(t *testing.T, w *Writer, left int) {
	t.Helper()
	n := BlockSize - left - RecordHeaderSize - ItemHeaderSize
	_, err := w.Append(0, 1, tm, []byte(strings.Repeat("a", n)))
	require.NoError(t, err)
}

func TestBlockBoundaryLayouts(t *testing.T) {
	second := []byte(strings.Repeat("b", 100))
	item2 := itemBytes(tm, 0, 2, 0, 0, second) // offset patched per case
	cases := []struct {
		name string
		left int
		// expected bytes from BlockSize-left onwards
		want func(it []byte) []byte
	}{
		{"tail of 5 zero-filled", 5, func(it []byte) []byte {
			return append(make([]byte, 5), append(hdr(len(it), tm, recFull), it...)...)
		}},
		{"tail of 8 gets a zero-length first", 8, func(it []byte) []byte {
			return append(hdr(0, tm, recFirst), append(hdr(len(it), tm, recLast), it...)...)
		}},
		{"tail of 20 splits first/last", 20, func(it []byte) []byte {
			out := append(hdr(12, tm, recFirst), it[:12]...)
			return append(out, append(hdr(len(it)-12, tm, recLast), it[12:]...)...)
		}},
		{"tail of 0", 0, func(it []byte) []byte {
			return append(hdr(len(it), tm, recFull), it...)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			w := openW(t, dir, Options{})
			fill(t, w, c.left)
			before := uint64(BlockSize - c.left)
			require.Equal(t, Position{0, before}, w.Producer())
			_, err := w.Append(0, 2, tm, second)
			require.NoError(t, err)
			require.NoError(t, w.Flush())
			it := append([]byte(nil), item2...)
			binary.LittleEndian.PutUint64(it[22:], before) // header offset: before the padding
			got := readFile(t, dir, 0)
			require.Equal(t, c.want(it), got[before:])

			items, end := readAll(t, dir)
			require.Len(t, items, 2)
			require.Equal(t, second, items[1].Content)
			require.Equal(t, uint64(len(got)), end.Offset)
			require.Equal(t, Position{0, uint64(len(got))}, w.Producer())
		})
	}
}

func TestItemSpanningBlocks(t *testing.T) {
	dir := t.TempDir()
	w := openW(t, dir, Options{})
	big := []byte(strings.Repeat("x", 3*BlockSize))
	_, err := w.Append(1, 1, tm, big)
	require.NoError(t, err)
	_, err = w.Append(1, 2, tm, []byte("tail"))
	require.NoError(t, err)
	require.NoError(t, w.Flush())
	data := readFile(t, dir, 0)
	// First record fills block 0, two Middles fill blocks 1 and 2, Last in block 3.
	require.Equal(t, hdr(BlockSize-8, tm, recFirst), data[:8])
	require.Equal(t, hdr(BlockSize-8, tm, recMiddle), data[BlockSize:BlockSize+8])
	require.Equal(t, hdr(BlockSize-8, tm, recMiddle), data[2*BlockSize:2*BlockSize+8])
	rest := len(big) + ItemHeaderSize - 3*(BlockSize-8)
	require.Equal(t, hdr(rest, tm, recLast), data[3*BlockSize:3*BlockSize+8])
	items, _ := readAll(t, dir)
	require.Len(t, items, 2)
	require.Equal(t, big, items[0].Content)
	require.Equal(t, Position{0, uint64(3*BlockSize + 8 + rest)}, items[0].End)
	require.Equal(t, []byte("tail"), items[1].Content)
}

func TestRotation(t *testing.T) {
	dir := t.TempDir()
	w := openW(t, dir, Options{FileSize: 1024})
	content := []byte(strings.Repeat("r", 58)) // 100-byte records
	var ends []Position
	for i := 1; i <= 30; i++ {
		end, err := w.Append(3, uint64(i), tm, content)
		require.NoError(t, err)
		ends = append(ends, end)
	}
	require.NoError(t, w.Flush())
	files, err := ListFiles(dir)
	require.NoError(t, err)
	require.Equal(t, []uint32{0, 1, 2}, files)
	// A file grows until its size exceeds the limit before an append: 11 records = 1100 bytes.
	require.Len(t, readFile(t, dir, 0), 1100)
	require.Len(t, readFile(t, dir, 1), 1100)

	items, end := readAll(t, dir)
	require.Len(t, items, 30)
	require.Equal(t, Position{2, 800}, end)
	for i, it := range items {
		require.Equal(t, uint64(i+1), it.Index)
		require.Equal(t, ends[i], it.End)
	}
	// The first item of a new file names the end of the previous file (Pika
	// takes the producer position before it rolls).
	require.Equal(t, Position{1, 0}, items[11].Start)
	require.Equal(t, uint32(0), items[11].Filenum)
	require.Equal(t, uint64(1100), items[11].Offset)
	require.Equal(t, uint32(1), items[12].Filenum)
	require.Equal(t, uint64(100), items[12].Offset)

	man, err := ReadManifest(dir)
	require.NoError(t, err)
	require.Equal(t, Manifest{Filenum: 2, Offset: 800, Index: 30, Term: 3}, man)
}

func TestOptionsFileSizeDefault(t *testing.T) {
	require.Equal(t, uint64(DefaultFileSize), Options{FileSize: 100}.fileSize())
	require.Equal(t, uint64(DefaultFileSize), Options{FileSize: 2 << 30}.fileSize())
	require.Equal(t, uint64(4096), Options{FileSize: 4096}.fileSize())
}

// TestSyncWritten checks the snapshot preparation fsync: it works while the
// writer is open (what was flushed is in the file) and is a no-op, not an
// error, once the writer is closed.
func TestSyncWritten(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log_db0")
	w, err := OpenWriter(dir, Options{})
	require.NoError(t, err)
	content := []byte("*3\r\n$3\r\nset\r\n$1\r\nk\r\n$1\r\nv\r\n")
	_, err = w.Append(7, 42, tm, content)
	require.NoError(t, err)
	require.NoError(t, w.Flush())
	require.NoError(t, w.SyncWritten())
	require.Equal(t, append(hdr(61, tm, 1), itemBytes(tm, 7, 42, 0, 0, content)...), readFile(t, dir, 0))
	require.NoError(t, w.Close())
	require.NoError(t, w.SyncWritten())
}

// TestWriteOutEveryMiB checks that a Writer starts writing its file out to
// disk once a MiB has been flushed since the last write-out (so the kernel
// never has tens of MB of binlog to write back at once), and that doing so
// leaves the file's bytes exactly as a writer that flushes once at the end.
func TestWriteOutEveryMiB(t *testing.T) {
	content := []byte("*3\r\n$3\r\nset\r\n$3\r\nkey\r\n$100\r\n" + strings.Repeat("v", 100) + "\r\n")
	const items = 25000 // ~3.6 MB
	stepwise := openW(t, filepath.Join(t.TempDir(), "log_db0"), Options{FlushBytes: 64 << 10})
	once := openW(t, filepath.Join(t.TempDir(), "log_db0"), Options{FlushBytes: 1 << 30})
	for i := 0; i < items; i++ {
		for _, w := range []*Writer{stepwise, once} {
			_, err := w.Append(1, uint64(i+1), tm, content)
			require.NoError(t, err)
		}
		if i == items/2 {
			require.Zero(t, once.out, "nothing flushed yet, nothing written out")
			require.Greater(t, stepwise.out, uint64(writeOutBytes))
		}
	}
	require.NoError(t, stepwise.Flush())
	require.NoError(t, once.Flush())
	require.Greater(t, stepwise.out, uint64(3*writeOutBytes))
	require.LessOrEqual(t, stepwise.done-stepwise.out, uint64(writeOutBytes))
	require.Equal(t, once.done, once.out, "one big flush is written out at once")
	require.Equal(t, readFile(t, once.Dir(), 0), readFile(t, stepwise.Dir(), 0))
}
