package snapstore

import (
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// memberBuffer is the size of the buffer a received member is copied
// through: reads of the stream fill it, then one write(2) empties it into
// the page cache while it is still in the CPU cache. It is no smaller than
// hashicorp/raft's 256 KB connection buffer, so a read that finds that
// buffer empty goes straight to the socket instead of through it.
const memberBuffer = 256 << 10

// receiveMember writes everything r holds into f through buf, and returns
// its size and CRC-32C; f belongs to pages from then on, which closes it.
// The copy is done on the caller's goroutine: handing chunks to a writer
// goroutine overlapped the socket reads with the file writes but cost more
// (goroutine wake-ups) than it saved (BENCHMARKS, "Session 16").
func receiveMember(f *os.File, r io.Reader, buf []byte, pages *pageWindow) (int64, uint32, error) {
	pages.begin(f)
	hash := crc32.New(castagnoli)
	var n int64
	for {
		m, rerr := fill(r, buf)
		if m > 0 {
			if _, err := f.Write(buf[:m]); err != nil {
				return n, 0, err
			}
			hash.Write(buf[:m])
			n += int64(m)
			if err := pages.wrote(int64(m)); err != nil {
				return n, 0, err
			}
		}
		if rerr == io.EOF {
			return n, hash.Sum32(), pages.end()
		}
		if rerr != nil {
			return n, 0, rerr
		}
	}
}

// fill reads from r until buf is full or r fails; io.EOF means r ended.
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Page cache window of a received snapshot.
//
// A received member's pages are written back (sync_file_range) in ranges
// of pageRangeBytes as they fill; once more than pageLagBytes are written
// back but still cached, the oldest range is waited for and dropped from
// the page cache (FADV_DONTNEED). The stream's next writes then reuse
// those pages instead of taking fresh ones, and the snapshot occupies
// about pageLagBytes of page cache instead of its whole size. On a VM
// whose free memory is reported to the host (virtio-balloon free page
// reporting), a fresh page costs a host fault when first written: a 2 GB
// install there spent most of the follower's CPU in that copy
// (BENCHMARKS, "Session 17"). The ranges of a member outlive its receive:
// its file is closed once its last range was dropped, or by close.
const (
	pageRangeBytes = 8 << 20
	pageLagBytes   = 32 << 20
)

// pageWindow tracks the written-back, still cached ranges of received
// members. Its zero value is ready.
type pageWindow struct {
	cur     pageRange        // of the member being received: written, not yet written back
	pending []pageRange      // written back, oldest first
	bytes   int64            // bytes in pending
	refs    map[*os.File]int // the member being received, and one per pending range
}

// pageRange is a byte range of one member's file.
type pageRange struct {
	f        *os.File
	off, len int64
}

// begin starts the member written to f; the window owns f from now on.
func (w *pageWindow) begin(f *os.File) {
	if w.refs == nil {
		w.refs = map[*os.File]int{}
	}
	w.refs[f]++
	w.cur = pageRange{f: f}
}

// wrote records that the member being received grew by n bytes.
func (w *pageWindow) wrote(n int64) error {
	w.cur.len += n
	if w.cur.len < pageRangeBytes {
		return nil
	}
	return w.startWriteback()
}

// end starts the write-back of the rest of the member being received; its
// file is closed once its ranges were dropped.
func (w *pageWindow) end() error {
	err := w.startWriteback()
	f := w.cur.f
	w.cur = pageRange{}
	return errors.Join(err, w.release(f))
}

// startWriteback starts writing the current range back and drops the
// oldest ranges while more than pageLagBytes are pending.
func (w *pageWindow) startWriteback() error {
	r := w.cur
	w.cur = pageRange{f: r.f, off: r.off + r.len}
	if r.len > 0 {
		if err := unix.SyncFileRange(int(r.f.Fd()), r.off, r.len, unix.SYNC_FILE_RANGE_WRITE); err != nil {
			return fmt.Errorf("start write-back of %s: %w", r.f.Name(), err)
		}
		w.pending = append(w.pending, r)
		w.bytes += r.len
		w.refs[r.f]++
	}
	for w.bytes > pageLagBytes {
		if err := w.drop(); err != nil {
			return err
		}
	}
	return nil
}

// drop waits for the oldest pending range to be written and drops it from
// the page cache; a file whose last reference it was is closed.
func (w *pageWindow) drop() error {
	r := w.pending[0]
	w.pending = w.pending[1:]
	w.bytes -= r.len
	fd := int(r.f.Fd())
	err := unix.SyncFileRange(fd, r.off, r.len,
		unix.SYNC_FILE_RANGE_WAIT_BEFORE|unix.SYNC_FILE_RANGE_WRITE|unix.SYNC_FILE_RANGE_WAIT_AFTER)
	if err != nil {
		err = fmt.Errorf("write back %s: %w", r.f.Name(), err)
	} else {
		// Advice only: a range that stays cached costs memory, not data.
		_ = unix.Fadvise(fd, r.off, r.len, unix.FADV_DONTNEED)
	}
	return errors.Join(err, w.release(r.f))
}

// release drops one reference to f and closes f after the last.
func (w *pageWindow) release(f *os.File) error {
	w.refs[f]--
	if w.refs[f] > 0 {
		return nil
	}
	delete(w.refs, f)
	return f.Close()
}

// close closes every file the window still holds (their pending ranges
// stay cached; the fsyncs that make the snapshot durable write them) and
// returns the first close error.
func (w *pageWindow) close() error {
	var err error
	for f := range w.refs {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}
	*w = pageWindow{}
	return err
}
