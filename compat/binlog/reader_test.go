package binlog

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReaderSeekRoundsForward(t *testing.T) {
	dir := t.TempDir()
	w := openW(t, dir, Options{})
	var ends []Position
	for i := 1; i <= 5; i++ {
		end, err := w.Append(0, uint64(i), tm, []byte(strings.Repeat("s", 50)))
		require.NoError(t, err)
		ends = append(ends, end)
	}
	require.NoError(t, w.Flush())
	// Exactly at a boundary: that item. Inside an item: the next one.
	for _, c := range []struct {
		off   uint64
		index uint64
	}{{0, 1}, {ends[1].Offset, 3}, {ends[1].Offset + 1, 4}, {ends[1].Offset - 1, 3}} {
		r, err := OpenReader(dir, 0, c.off)
		require.NoError(t, err)
		it, err := r.Next()
		require.NoError(t, err)
		require.Equal(t, c.index, it.Index, "offset %d", c.off)
		require.NoError(t, r.Close())
	}
	r, err := OpenReader(dir, 0, ends[4].Offset+10)
	require.NoError(t, err)
	_, err = r.Next()
	require.ErrorIs(t, err, io.EOF)
	require.NoError(t, r.Close())
}

func TestReaderSeekSkipsFragmentsOfEarlierItem(t *testing.T) {
	dir := t.TempDir()
	w := openW(t, dir, Options{})
	_, err := w.Append(0, 1, tm, []byte(strings.Repeat("y", BlockSize+100)))
	require.NoError(t, err)
	_, err = w.Append(0, 2, tm, []byte("next"))
	require.NoError(t, err)
	require.NoError(t, w.Flush())
	r, err := OpenReader(dir, 0, BlockSize+1) // block 1 starts with item 1's Last record
	require.NoError(t, err)
	defer r.Close()
	it, err := r.Next()
	require.NoError(t, err)
	require.Equal(t, uint64(2), it.Index)
	require.Equal(t, []byte("next"), it.Content)
}

func TestReaderFollowsLiveWriter(t *testing.T) {
	dir := t.TempDir()
	w := openW(t, dir, Options{FileSize: 1024})
	_, err := w.Append(0, 1, tm, []byte("first"))
	require.NoError(t, err)
	require.NoError(t, w.Flush())
	r, err := OpenReader(dir, 0, 0)
	require.NoError(t, err)
	defer r.Close()
	it, err := r.Next()
	require.NoError(t, err)
	require.Equal(t, uint64(1), it.Index)
	_, err = r.Next()
	require.ErrorIs(t, err, io.EOF)

	// Items appended later, across a rotation, are picked up.
	big := []byte(strings.Repeat("z", 1100))
	for i := 2; i <= 4; i++ {
		_, err = w.Append(0, uint64(i), tm, big)
		require.NoError(t, err)
	}
	require.NoError(t, w.Flush())
	for i := 2; i <= 4; i++ {
		it, err = r.Next()
		require.NoError(t, err)
		require.Equal(t, uint64(i), it.Index)
	}
	require.Equal(t, uint32(2), it.End.Filenum)
	require.Equal(t, w.Producer(), it.End)
}

func TestReaderCorruption(t *testing.T) {
	dir := t.TempDir()
	w := openW(t, dir, Options{})
	_, err := w.Append(0, 1, tm, []byte("ok"))
	require.NoError(t, err)
	require.NoError(t, w.Flush())
	data := readFile(t, dir, 0)

	bad := append([]byte(nil), data...)
	bad[8] = 2 // item type 2: BinlogDecode rejects it
	require.NoError(t, os.WriteFile(filepath.Join(dir, FileName(0)), bad, 0o644))
	r, err := OpenReader(dir, 0, 0)
	require.NoError(t, err)
	_, err = r.Next()
	require.ErrorIs(t, err, ErrCorrupt)
	require.Equal(t, Position{0, 0}, r.ValidEnd())
	require.NoError(t, r.Close())

	bad = append(append([]byte(nil), data...), hdr(10, tm, 9)...) // unknown record type
	bad = append(bad, make([]byte, 10)...)
	require.NoError(t, os.WriteFile(filepath.Join(dir, FileName(0)), bad, 0o644))
	r, err = OpenReader(dir, 0, 0)
	require.NoError(t, err)
	_, err = r.Next()
	require.NoError(t, err)
	_, err = r.Next()
	require.ErrorIs(t, err, ErrCorrupt)
	require.Equal(t, Position{0, uint64(len(data))}, r.ValidEnd())
	require.NoError(t, r.Close())
}

func TestListFilesIgnoresOthers(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"write2file10", "write2file2", "write2file", "write2filex", "manifest", "context", "write2file0"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), nil, 0o644))
	}
	files, err := ListFiles(dir)
	require.NoError(t, err)
	require.Equal(t, []uint32{0, 2, 10}, files)
	require.Equal(t, "write2file7", FileName(7))
	require.Equal(t, filepath.Join("/log", "log_db3"), DBDir("/log", 3))
}

func TestParseRESP(t *testing.T) {
	argv := args("SET", "k", "", "\r\nbin\x00")
	got, err := ParseRESP(EncodeRESP(argv))
	require.NoError(t, err)
	require.Equal(t, argv, got)
	for _, bad := range []string{"", "*0\r\n", "*1\r\n", "*1\r\n$3\r\nab\r\n", "*1\r\n$1\r\na\r\nx", "+OK\r\n", "*1\r\n$-1\r\n"} {
		_, err := ParseRESP([]byte(bad))
		require.ErrorIs(t, err, ErrBadRESP, "%q", bad)
	}
}
