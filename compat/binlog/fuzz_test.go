package binlog

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecodeItem: the item decoder and the RESP parser never panic, and a
// decoded item re-encodes to the same bytes.
func FuzzDecodeItem(f *testing.F) {
	f.Add(itemBytes(tm, 1, 2, 3, 4, []byte("*1\r\n$4\r\nPING\r\n")))
	f.Add([]byte{1, 0})
	f.Add([]byte("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ParseRESP(b)
		it, err := DecodeItem(b)
		if err != nil {
			return
		}
		_, _ = ParseRESP(it.Content)
		if got := AppendItem(nil, &it); string(got) != string(b) {
			t.Fatalf("re-encode differs")
		}
	})
}

// FuzzReadFile: reading (and recovering a writer on) arbitrary file bytes
// never panics, and the valid end never exceeds the file.
func FuzzReadFile(f *testing.F) {
	seed := append(hdr(61, tm, recFull), itemBytes(tm, 0, 1, 0, 0, []byte("*3\r\n$3\r\nset\r\n$1\r\nk\r\n$1\r\nv\r\n"))...)
	f.Add(seed, uint16(0))
	f.Add(seed[:30], uint16(3))
	f.Add(append(hdr(3, tm, recFirst), 1, 2, 3), uint16(0))
	f.Fuzz(func(t *testing.T, data []byte, off uint16) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, FileName(0)), data, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := OpenReader(dir, 0, uint64(off))
		if err != nil {
			return
		}
		for i := 0; i < 1000; i++ {
			if _, err := r.Next(); err != nil {
				break
			}
		}
		if r.ValidEnd().Offset > uint64(len(data)) {
			t.Fatalf("valid end %v beyond %d bytes", r.ValidEnd(), len(data))
		}
		r.Close()
		w, err := OpenWriter(dir, Options{})
		if err != nil {
			return
		}
		if _, err := w.Append(1, 1, tm, []byte("x")); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	})
}
