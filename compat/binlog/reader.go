package binlog

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Position is a byte position in a binlog: a file number and an offset in
// that file (Pika's BinlogOffset). Positions order by file, then offset.
type Position struct {
	Filenum uint32
	Offset  uint64
}

// Less reports whether p comes before q.
func (p Position) Less(q Position) bool {
	if p.Filenum != q.Filenum {
		return p.Filenum < q.Filenum
	}
	return p.Offset < q.Offset
}

// String formats p as "filenum:offset".
func (p Position) String() string { return fmt.Sprintf("%d:%d", p.Filenum, p.Offset) }

// Located is an item read from a binlog with the place it occupies.
type Located struct {
	Item
	// Start is the position of the item's first record.
	Start Position
	// End is the position right after its last record: the offset Pika
	// reports for the item when it is sent and acked.
	End Position
}

// ErrCorrupt reports data that is neither a valid record nor a torn tail.
var ErrCorrupt = errors.New("binlog: data corruption")

// Reader iterates the items of a binlog directory from a position onwards,
// moving to the next file when one ends. At the end of the data Next
// returns io.EOF; calling Next again later picks up items appended since.
// A torn tail (an append cut short by a crash) also ends the data:
// ValidEnd tells where the last whole item ends and Torn reports the tail.
type Reader struct {
	dir    string
	f      *os.File
	file   uint32
	pos    uint64 // next physical read position in file
	valid  uint64 // end of the last whole item (or the start position)
	torn   bool
	single bool // do not move to the next file

	skipOrphans bool // after a seek: skip Middle/Last fragments of an item begun earlier

	blk      []byte // cached block data (may be short at the end of the file)
	blkStart uint64
	blkOK    bool
	blkBuf   []byte
	scratch  []byte
}

// OpenReader opens dir at (filenum, offset). Like Pika's Seek, a non-zero
// offset is moved forward to the first record boundary at or after it,
// walking records from the start of its block.
func OpenReader(dir string, filenum uint32, offset uint64) (*Reader, error) {
	r := &Reader{dir: dir, blkBuf: make([]byte, BlockSize)}
	if err := r.openFile(filenum); err != nil {
		return nil, err
	}
	if err := r.seek(offset); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// openFileReader opens one file only (no moving on to later files).
func openFileReader(dir string, filenum uint32) (*Reader, error) {
	r, err := OpenReader(dir, filenum, 0)
	if err != nil {
		return nil, err
	}
	r.single = true
	return r, nil
}

func (r *Reader) openFile(n uint32) error {
	f, err := os.Open(filepath.Join(r.dir, FileName(n)))
	if err != nil {
		return fmt.Errorf("binlog: open reader: %w", err)
	}
	if r.f != nil {
		r.f.Close()
	}
	r.f, r.file, r.pos, r.valid, r.torn, r.blkOK = f, n, 0, 0, false, false
	return nil
}

// Close releases the open file.
func (r *Reader) Close() error {
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	if err != nil {
		return fmt.Errorf("binlog: close reader: %w", err)
	}
	return nil
}

// ValidEnd returns the position right after the last whole item read (or
// the start position if none): where a writer may resume.
func (r *Reader) ValidEnd() Position { return Position{r.file, r.valid} }

// Torn reports whether non-zero bytes that do not form a whole item follow
// ValidEnd in the current file (an append cut short by a crash).
func (r *Reader) Torn() bool { return r.torn }

// bytesAt returns up to n bytes at file offset off; off..off+n must lie in
// one block. Fewer bytes mean the file ends there (for now).
func (r *Reader) bytesAt(off uint64, n int) ([]byte, error) {
	start := off - off%BlockSize
	in := int(off - start)
	if !r.blkOK || r.blkStart != start || (len(r.blk) < in+n && len(r.blk) < BlockSize) {
		m, err := r.f.ReadAt(r.blkBuf, int64(start))
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("binlog: read %s at %d: %w", FileName(r.file), start, err)
		}
		r.blk, r.blkStart, r.blkOK = r.blkBuf[:m], start, true
	}
	if in >= len(r.blk) {
		return nil, nil
	}
	end := in + n
	if end > len(r.blk) {
		end = len(r.blk)
	}
	return r.blk[in:end], nil
}

// record results.
const (
	stepRecord = iota // a record was read
	stepEnd           // end of data (zero header, end of file or torn)
)

// readRecord reads the physical record at r.pos, skipping a block tail of
// at most 8 bytes first (except a zero-length First record there). It returns the header, the payload (aliasing the
// block cache) and the position after the record.
func (r *Reader) readRecord() (int, recordHeader, []byte, uint64, error) {
	pos := r.pos
	if left := BlockSize - pos%BlockSize; left <= RecordHeaderSize {
		if left == RecordHeaderSize {
			// The writer puts a zero-length First record in a tail of
			// exactly 8 bytes; the item continues in the next block.
			hb, err := r.bytesAt(pos, RecordHeaderSize)
			if err != nil {
				return 0, recordHeader{}, nil, 0, err
			}
			if len(hb) == RecordHeaderSize {
				if h := parseRecordHeader(hb); h.typ == recFirst && h.length == 0 {
					return stepRecord, h, nil, pos + RecordHeaderSize, nil
				}
			}
		}
		pos += left
	}
	hb, err := r.bytesAt(pos, RecordHeaderSize)
	if err != nil {
		return 0, recordHeader{}, nil, 0, err
	}
	if len(hb) < RecordHeaderSize {
		if !allZero(hb) {
			r.torn = true
		}
		return stepEnd, recordHeader{}, nil, 0, nil
	}
	h := parseRecordHeader(hb)
	if h.typ == recZero || (h.length == 0 && h.typ != recBad) {
		if !allZero(hb) {
			r.torn = true
		}
		return stepEnd, h, nil, 0, nil
	}
	if h.typ > recLast && h.typ != recBad {
		return 0, h, nil, 0, fmt.Errorf("%w: record type %d at %s:%d", ErrCorrupt, h.typ, FileName(r.file), pos)
	}
	if room := BlockSize - int(pos%BlockSize) - RecordHeaderSize; h.length > room {
		return 0, h, nil, 0, fmt.Errorf("%w: record length %d at %s:%d exceeds its block", ErrCorrupt, h.length, FileName(r.file), pos)
	}
	payload, err := r.bytesAt(pos+RecordHeaderSize, h.length)
	if err != nil {
		return 0, h, nil, 0, err
	}
	if len(payload) < h.length {
		r.torn = true
		return stepEnd, h, nil, 0, nil
	}
	return stepRecord, h, payload, pos + RecordHeaderSize + uint64(h.length), nil
}

// seek walks whole records from the start of offset's block to the first
// record boundary >= offset.
func (r *Reader) seek(offset uint64) error {
	if offset == 0 {
		return nil
	}
	r.pos = offset - offset%BlockSize
	for r.pos < offset {
		step, _, _, next, err := r.readRecord()
		if err != nil {
			return err
		}
		if step == stepEnd {
			break
		}
		r.pos = next
	}
	r.valid, r.torn = r.pos, false
	r.skipOrphans = true
	return nil
}

// Next returns the next whole item. It returns io.EOF at the end of the
// data, ErrCorrupt (wrapped) on data that cannot be a torn tail. The
// item's Content is valid until the next call.
func (r *Reader) Next() (Located, error) {
	if r.f == nil {
		return Located{}, fmt.Errorf("binlog: reader closed")
	}
	r.pos, r.torn = r.valid, false
	r.scratch = r.scratch[:0]
	var start uint64
	inItem := false
	for {
		step, h, payload, next, err := r.readRecord()
		if err != nil {
			return Located{}, err
		}
		if step == stepEnd {
			if inItem {
				r.torn = true
			}
			if r.torn || r.single {
				return Located{}, io.EOF
			}
			moved, err := r.nextFile()
			if err != nil {
				return Located{}, err
			}
			if !moved {
				return Located{}, io.EOF
			}
			inItem = false
			r.scratch = r.scratch[:0]
			continue
		}
		recStart := next - uint64(h.length) - RecordHeaderSize
		r.pos = next
		switch h.typ {
		case recBad:
			// Padding written after a full sync: not part of any item.
			if inItem {
				return Located{}, fmt.Errorf("%w: padding inside an item at %s:%d", ErrCorrupt, FileName(r.file), recStart)
			}
			r.valid = next
			continue
		case recFull:
			if inItem {
				return Located{}, fmt.Errorf("%w: full record inside an item at %s:%d", ErrCorrupt, FileName(r.file), recStart)
			}
			r.skipOrphans = false
			return r.finish(recStart, next, payload)
		case recFirst:
			if inItem {
				return Located{}, fmt.Errorf("%w: first record inside an item at %s:%d", ErrCorrupt, FileName(r.file), recStart)
			}
			r.skipOrphans = false
			inItem, start = true, recStart
			r.scratch = append(r.scratch, payload...)
		case recMiddle, recLast:
			if !inItem {
				if r.skipOrphans {
					r.valid = next
					continue
				}
				return Located{}, fmt.Errorf("%w: record type %d without a first at %s:%d", ErrCorrupt, h.typ, FileName(r.file), recStart)
			}
			r.scratch = append(r.scratch, payload...)
			if h.typ == recLast {
				return r.finish(start, next, r.scratch)
			}
		}
	}
}

// finish decodes an assembled item spanning [start, end).
func (r *Reader) finish(start, end uint64, b []byte) (Located, error) {
	it, err := DecodeItem(b)
	if err != nil {
		return Located{}, fmt.Errorf("%w: item at %s:%d: %w", ErrCorrupt, FileName(r.file), start, err)
	}
	r.valid = end
	return Located{Item: it, Start: Position{r.file, start}, End: Position{r.file, end}}, nil
}

// nextFile moves to file+1 if it exists.
func (r *Reader) nextFile() (bool, error) {
	_, err := os.Stat(filepath.Join(r.dir, FileName(r.file+1)))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("binlog: stat next file: %w", err)
	}
	if err := r.openFile(r.file + 1); err != nil {
		return false, err
	}
	return true, nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
