package binlog

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
	pad := paddingRecords(pos.Offset, t)
	if _, err := f.WriteAt(pad, 0); err != nil {
		f.Close()
		return fmt.Errorf("binlog: reset: write padding: %w", err)
	}
	w.f, w.file, w.pos, w.done = f, pos.Filenum, pos.Offset, pos.Offset
	w.last = Manifest{Filenum: pos.Filenum, Offset: pos.Offset, Index: index, Term: term}
	w.lastItems = 0
	w.dirty = false
	return w.mf.save(w.last)
}

// paddingRecords returns n bytes of padding as Binlog::AppendPadding writes
// them: per block a type-6 record of '*' filling it, a remainder shorter
// than a header as zeros.
func paddingRecords(n uint64, t uint32) []byte {
	out := make([]byte, 0, n)
	for left := n; left > 0; {
		size := left
		if size > BlockSize {
			size = BlockSize
		}
		if size < RecordHeaderSize {
			out = append(out, zeroPad[:size]...)
			break
		}
		body := int(size) - RecordHeaderSize
		out = appendRecordHeader(out, body, t, recBad)
		out = append(out, strings.Repeat("*", body)...)
		left -= size
	}
	return out
}
