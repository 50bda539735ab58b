package binlog

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/sys/unix"
)

// Options configure a Writer.
type Options struct {
	// FileSize is binlog-file-size: before an append, a file whose logical
	// size exceeds it is closed and the next one started. Values outside
	// [1024, 1 GiB] mean the default 100 MiB, as in pika.conf.
	FileSize uint64
	// FlushBytes makes Append write its buffer out once it holds this many
	// bytes (default 1 MiB). Flush always writes everything.
	FlushBytes int
}

func (o Options) fileSize() uint64 {
	if o.FileSize < 1024 || o.FileSize > 1<<30 {
		return DefaultFileSize
	}
	return o.FileSize
}

// Writer appends items to the binlog of one database, producing the files
// a Pika 3.5.5 master would. Appends are buffered until Flush (call it at
// the end of each apply batch); Flush writes the data, then the manifest.
// A Writer is safe for use by several goroutines.
type Writer struct {
	mu    sync.Mutex
	dir   string
	opts  Options
	limit uint64

	mf   *manifestFile
	f    *os.File
	file uint32
	pos  uint64 // logical end of the current file, buffered bytes included
	done uint64 // file offset up to which buf has been written
	out  uint64 // file offset up to which writing out to disk has been started
	buf  []byte

	last      Manifest // Index/Term of the last item; Filenum/Offset of the last flush
	lastItems int      // items carrying last.Index at the end of the binlog
	dirty     bool     // manifest needs saving

	consumers map[*Consumer]struct{}
}

// OpenWriter opens (creating if needed) the binlog directory dir. It finds
// where the valid data of the newest file ends — after the last whole item,
// whatever the manifest says — truncates anything after it (a torn tail or
// a preallocated zero area) and resumes there.
func OpenWriter(dir string, opts Options) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("binlog: create %s: %w", dir, err)
	}
	mf, man, _, err := openManifest(dir)
	if err != nil {
		return nil, err
	}
	w := &Writer{dir: dir, opts: opts, limit: opts.fileSize(), mf: mf, consumers: map[*Consumer]struct{}{}}
	if err := w.recover(man); err != nil {
		mf.close()
		return nil, err
	}
	return w, nil
}

// recover positions the writer after the last whole item of the newest file.
func (w *Writer) recover(man Manifest) error {
	files, err := ListFiles(w.dir)
	if err != nil {
		return err
	}
	newest := man.Filenum
	if n := len(files); n > 0 && files[n-1] > newest {
		newest = files[n-1]
	}
	tail, err := scanTail(w.dir, newest)
	if err != nil {
		return err
	}
	w.last = Manifest{Index: man.Index, Term: man.Term}
	if tail.items > 0 {
		w.last.Index, w.last.Term, w.lastItems = tail.index, tail.term, tail.items
		if tail.allSame && newest > 0 {
			// The entry may have started in the previous file.
			prev, err := scanTail(w.dir, newest-1)
			if err != nil {
				return err
			}
			if prev.items > 0 && prev.index == tail.index {
				w.lastItems += prev.items
			}
		}
	} else if newest > 0 {
		prev, err := scanTail(w.dir, newest-1)
		if err != nil {
			return err
		}
		if prev.items > 0 {
			w.last.Index, w.last.Term, w.lastItems = prev.index, prev.term, prev.items
		}
	}
	f, err := os.OpenFile(filepath.Join(w.dir, FileName(newest)), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("binlog: open %s: %w", FileName(newest), err)
	}
	if err := f.Truncate(int64(tail.end)); err != nil {
		f.Close()
		return fmt.Errorf("binlog: truncate %s to %d: %w", FileName(newest), tail.end, err)
	}
	w.f, w.file, w.pos, w.done, w.out = f, newest, tail.end, tail.end, tail.end
	w.last.Filenum, w.last.Offset = newest, tail.end
	if err := w.mf.save(w.last); err != nil {
		return err
	}
	return nil
}

// tailInfo summarises the whole items of one file.
type tailInfo struct {
	end     uint64 // end of the last whole item (0 if none)
	items   int    // trailing items with the last index
	index   uint64
	term    uint32
	allSame bool // every item of the file has the last index
}

// scanTail reads every whole item of dir/write2file<n>; a missing file is empty.
func scanTail(dir string, n uint32) (tailInfo, error) {
	var t tailInfo
	r, err := openFileReader(dir, n)
	if err != nil {
		if os.IsNotExist(unwrapAll(err)) {
			return t, nil
		}
		return t, err
	}
	defer r.Close()
	t.allSame = true
	for {
		it, err := r.Next()
		if err != nil {
			// io.EOF, a torn tail or corruption: the valid data ends here.
			t.end = r.ValidEnd().Offset
			return t, nil
		}
		if t.items > 0 && it.Index == t.index {
			t.items++
		} else {
			if t.items > 0 {
				t.allSame = false
			}
			t.items = 1
		}
		t.index, t.term = it.Index, it.Term
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		next := u.Unwrap()
		if next == nil {
			return err
		}
		err = next
	}
}

// Append adds one item with the given logic offset (term, index) and time
// (unix seconds; used for the item and its record headers, so every node
// writes the same bytes). It returns the position after the item. The item
// header records the producer position before the append, as Pika does —
// also for the first item of a new file, which therefore names the end of
// the previous file.
func (w *Writer) Append(term uint32, index uint64, execTime uint32, content []byte) (Position, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.appendLocked(term, index, execTime, content)
}

func (w *Writer) appendLocked(term uint32, index uint64, execTime uint32, content []byte) (Position, error) {
	if w.f == nil {
		return Position{}, fmt.Errorf("binlog: writer closed")
	}
	it := Item{ExecTime: execTime, Term: term, Index: index, Filenum: w.file, Offset: w.pos, Content: content}
	if w.pos > w.limit {
		if err := w.rotate(); err != nil {
			return Position{}, err
		}
	}
	// Encode the item header into the buffer first, then frame in place.
	start := len(w.buf)
	w.buf = AppendItem(w.buf, &it)
	item := w.buf[start:]
	w.buf, w.pos = appendFramedInPlace(w.buf, start, w.pos, item, execTime)
	if index == w.last.Index && w.lastItems > 0 {
		w.lastItems++
	} else {
		w.lastItems = 1
	}
	w.last.Index, w.last.Term = index, term
	w.dirty = true
	if limit := w.flushBytes(); len(w.buf) >= limit {
		if err := w.flushLocked(); err != nil {
			return Position{}, err
		}
	}
	return Position{w.file, w.pos}, nil
}

// appendFramedInPlace frames buf[start:] (one encoded item) and leaves the
// framed bytes at buf[start:].
func appendFramedInPlace(buf []byte, start int, pos uint64, item []byte, t uint32) ([]byte, uint64) {
	n := len(item)
	if left := BlockSize - int(pos%BlockSize); left >= RecordHeaderSize && n <= left-RecordHeaderSize {
		// Fits in one Full record: shift the item right by a header.
		buf = append(buf, zeroPad[:]...)
		copy(buf[start+RecordHeaderSize:], buf[start:start+n])
		putRecordHeader(buf[start:], n, t, recFull)
		return buf, pos + uint64(RecordHeaderSize+n)
	}
	tmp := append([]byte(nil), item...)
	return appendFramed(buf[:start], pos, tmp, t)
}

func (w *Writer) flushBytes() int {
	if w.opts.FlushBytes > 0 {
		return w.opts.FlushBytes
	}
	return 1 << 20
}

// AppendEntry appends the items of one Raft entry, skipping those the
// binlog already holds: nothing if index is below the last index written,
// and the first k items if index equals it and k items with that index
// are at the end of the binlog. Replaying entries after a crash therefore
// neither duplicates nor skips an item. index must be > 0.
func (w *Writer) AppendEntry(term uint32, index uint64, execTime uint32, contents [][]byte) error {
	if index == 0 {
		return fmt.Errorf("binlog: append entry: index 0")
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	skip := 0
	switch {
	case index < w.last.Index:
		return nil
	case index == w.last.Index:
		if w.lastItems == 0 {
			return nil // covered by a Reset to this index
		}
		skip = w.lastItems
	}
	for i := skip; i < len(contents); i++ {
		if _, err := w.appendLocked(term, index, execTime, contents[i]); err != nil {
			return err
		}
	}
	return nil
}

// rotate flushes the current file and starts the next one.
func (w *Writer) rotate() error {
	if err := w.flushLocked(); err != nil {
		return err
	}
	next := w.file + 1
	f, err := os.OpenFile(filepath.Join(w.dir, FileName(next)), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("binlog: create %s: %w", FileName(next), err)
	}
	if err := w.f.Close(); err != nil {
		f.Close()
		return fmt.Errorf("binlog: close %s: %w", FileName(w.file), err)
	}
	w.f, w.file, w.pos, w.done, w.out = f, next, 0, 0, 0
	w.last.Filenum, w.last.Offset = next, 0
	return w.mf.save(w.last)
}

// Flush writes buffered items to the file, then the manifest.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.flushLocked()
}

func (w *Writer) flushLocked() error {
	if w.f == nil {
		return fmt.Errorf("binlog: writer closed")
	}
	if len(w.buf) > 0 {
		if _, err := w.f.WriteAt(w.buf, int64(w.done)); err != nil {
			return fmt.Errorf("binlog: write %s at %d: %w", FileName(w.file), w.done, err)
		}
		w.done += uint64(len(w.buf))
		w.buf = w.buf[:0]
		if w.done-w.out >= writeOutBytes {
			w.startWriteOut()
		}
	}
	if !w.dirty {
		return nil
	}
	w.last.Filenum, w.last.Offset = w.file, w.done
	if err := w.mf.save(w.last); err != nil {
		return err
	}
	w.dirty = false
	return nil
}

// writeOutBytes is how many written bytes the current file may hold in the
// page cache before the Writer starts writing them out.
const writeOutBytes = 1 << 20

// startWriteOut starts writing the file's bytes from w.out to w.done out to
// disk without waiting for it (sync_file_range, as RocksDB's bytes_per_sync),
// so the kernel never has tens of megabytes of binlog to write back at once:
// its periodic writeback of them (~30 s after they were written) stalled
// the Raft log's fsync on the same disk by tens of milliseconds. Nothing
// depends on it for durability (Sync does that), so a failure is ignored.
func (w *Writer) startWriteOut() {
	_ = unix.SyncFileRange(int(w.f.Fd()), int64(w.out), int64(w.done-w.out), unix.SYNC_FILE_RANGE_WRITE)
	w.out = w.done
}

// Sync flushes and fsyncs the current file and the manifest.
func (w *Writer) Sync() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.flushLocked(); err != nil {
		return err
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("binlog: sync %s: %w", FileName(w.file), err)
	}
	return w.mf.sync()
}

// SyncWritten fsyncs what has been written to the current file so far
// without holding the writer, so appends go on meanwhile; a Sync right
// after has little left to write. Raft snapshots call it (through the
// binlog sink) before the snapshot's Sync, which runs on the apply goroutine.
func (w *Writer) SyncWritten() error {
	w.mu.Lock()
	f := w.f
	w.mu.Unlock()
	if f == nil {
		return nil
	}
	// A file closed meanwhile (rotation, Close) was synced by whoever closed it.
	if err := f.Sync(); err != nil && !errors.Is(err, os.ErrClosed) {
		return fmt.Errorf("binlog: sync %s: %w", f.Name(), err)
	}
	return nil
}

// Close flushes and closes the writer.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	err := w.flushLocked()
	if cerr := w.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("binlog: close %s: %w", FileName(w.file), cerr)
	}
	if cerr := w.mf.close(); err == nil {
		err = cerr
	}
	w.f = nil
	return err
}

// Producer returns the producer position: the end of the data, buffered
// items included (Pika's pro_num/pro_offset).
func (w *Writer) Producer() Position {
	w.mu.Lock()
	defer w.mu.Unlock()
	return Position{w.file, w.pos}
}

// Last returns the logic offset of the last item and how many items with
// that index end the binlog (0 if the binlog is empty).
func (w *Writer) Last() (term uint32, index uint64, items int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last.Term, w.last.Index, w.lastItems
}

// Dir returns the directory the writer writes to.
func (w *Writer) Dir() string { return w.dir }
