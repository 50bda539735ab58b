package binlog

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// Reset starts a new binlog position the way a Pika replica does after a
// full sync (Binlog::SetProducerStatus): every binlog file is removed,
// write2file<pos.Filenum> is created and filled up to pos.Offset with
// padding records (type 6, payload '*'; a block tail shorter than a header
// is zero-filled), and the manifest records pos, term and index. Items
// appended afterwards continue at pos. t is the time put in the padding
// record headers.
func (w *Writer) Reset(pos Position, term uint32, index uint64, t uint32) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return fmt.Errorf("binlog: writer closed")
	}
	w.buf = w.buf[:0]
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("binlog: reset: close %s: %w", FileName(w.file), err)
	}
	w.f = nil
	files, err := ListFiles(w.dir)
	if err != nil {
		return err
	}
	for _, n := range files {
		if err := os.Remove(filepath.Join(w.dir, FileName(n))); err != nil {
			return fmt.Errorf("binlog: reset: %w", err)
		}
	}
	f, err := os.OpenFile(filepath.Join(w.dir, FileName(pos.Filenum)), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("binlog: reset: %w", err)
	}
	if err := writePadding(f, pos.Offset, t); err != nil {
		f.Close()
		return fmt.Errorf("binlog: reset: write padding: %w", err)
	}
	w.f, w.file, w.pos, w.done, w.out = f, pos.Filenum, pos.Offset, pos.Offset, pos.Offset
	w.last = Manifest{Filenum: pos.Filenum, Offset: pos.Offset, Index: index, Term: term}
	w.lastItems = 0
	w.dirty = false
	return w.mf.save(w.last)
}

// writePadding writes n bytes of padding at the start of f as
// Binlog::AppendPadding writes them: per block a type-6 record of '*'
// filling it, a remainder shorter than a header as zeros. Every full block
// is the same record, so it writes them from one 1 MB template instead of
// building all n bytes (up to binlog-file-size) in memory.
func writePadding(f *os.File, n uint64, t uint32) error {
	const blocksPerWrite = 16
	block := paddingRecord(BlockSize, t)
	chunk := bytes.Repeat(block, blocksPerWrite)
	var off uint64
	for n-off >= BlockSize {
		k := min((n-off)/BlockSize, blocksPerWrite)
		if _, err := f.WriteAt(chunk[:k*BlockSize], int64(off)); err != nil {
			return err
		}
		off += k * BlockSize
	}
	if tail := n - off; tail > 0 {
		if _, err := f.WriteAt(paddingRecord(tail, t), int64(off)); err != nil {
			return err
		}
	}
	return nil
}

// paddingRecord returns one block's padding of size bytes (≤ BlockSize):
// a type-6 record of '*', or zeros if size is shorter than a header.
func paddingRecord(size uint64, t uint32) []byte {
	out := make([]byte, size)
	if size < RecordHeaderSize {
		return out
	}
	putRecordHeader(out, int(size)-RecordHeaderSize, t, recBad)
	for i := RecordHeaderSize; i < len(out); i++ {
		out[i] = '*'
	}
	return out
}
