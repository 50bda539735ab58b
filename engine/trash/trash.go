// Package trash deletes large files a piece at a time, in the background.
//
// On a file system mounted with online discard (ext4 -o discard, as on this
// project's test machine), unlinking a
// file makes the next journal commit discard all of its blocks, and every
// fsync on the file system waits for that commit. Deleting one 64 MB
// raft-wal segment stalled an unrelated 100-byte append+fsync for 12–16 ms
// on an idle disk and the Raft log appends of all three nodes of a local
// cluster for 27–58 ms under load (docs/BENCHMARKS.md, "Write tail: deleting
// files"). A Bin instead renames the file (no blocks are freed), then
// shrinks it by ChunkBytes per step, fsyncing each step so one journal
// commit discards at most a chunk, and unlinks it when it is empty. RocksDB
// does the same for its own files (DeleteScheduler, bytes_max_delete_chunk).
//
// Remove takes directory trees too (old snapshots, the old data after a
// restore). A file or tree a Bin has not finished is left on disk under its
// name plus Suffix (or plus .<n> and Suffix, when that name was taken);
// Sweep (a whole directory) or Resume (one name) hands such leftovers to a
// Bin after a restart.
package trash

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Suffix is appended to the name of a file waiting in a Bin.
const Suffix = ".trash"

// ChunkBytes is how much of a file one step frees, and the size at or under
// which Remove unlinks a file at once.
const ChunkBytes = 4 << 20

// stepPause is the pause between two steps: at most ChunkBytes per
// stepPause (200 MB/s) is freed.
const stepPause = 20 * time.Millisecond

// Bin deletes the files and trees handed to it, one chunk at a time, on one
// background goroutine. Its methods are safe for concurrent use.
type Bin struct {
	log   *slog.Logger
	pause time.Duration

	mu      sync.Mutex
	queue   []string // paths (already renamed) waiting, oldest first
	pending int      // files queued or being shrunk
	closed  bool

	wake chan struct{} // a send means the queue may have grown
	stop chan struct{} // closed by Close
	done chan struct{} // closed when the goroutine returns
}

// New starts a Bin. Close stops it.
func New(log *slog.Logger) *Bin {
	b := &Bin{
		log:   log,
		pause: stepPause,
		wake:  make(chan struct{}, 1),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	go b.run()
	return b
}

// Remove deletes the file or directory tree at path. A file of at most
// ChunkBytes is unlinked at once, and so is a file with other hard links
// (unlinking it frees no blocks, and truncating it would empty the other
// names). A larger file, or a directory, is renamed to path+Suffix and
// deleted in the background: each file in it with no other name shrunk a
// chunk at a time, then the tree removed. Either way path no longer exists
// when Remove returns, and the change to its directory is fsynced, as
// os.RemoveAll followed by a directory fsync would leave it.
func (b *Bin) Remove(path string) error {
	info, err := os.Lstat(path)
	if err != nil {
		return fmt.Errorf("trash: %w", err)
	}
	if !info.IsDir() && (!info.Mode().IsRegular() || info.Size() <= ChunkBytes || linked(info)) {
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("trash: %w", err)
		}
		return syncDir(filepath.Dir(path))
	}
	trashed := path + Suffix
	if _, err := os.Lstat(trashed); err == nil {
		// An earlier Remove(path) is still being deleted.
		trashed = fmt.Sprintf("%s.%d%s", path, time.Now().UnixNano(), Suffix)
	}
	if err := os.Rename(path, trashed); err != nil {
		return fmt.Errorf("trash: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return err
	}
	b.enqueue(trashed)
	return nil
}

// Sweep hands to the bin every file or directory in dir whose name ends in
// Suffix: what a Bin of an earlier process had not finished. A missing dir
// is not an error.
func (b *Bin) Sweep(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("trash: sweep %s: %w", dir, err)
	}
	for _, e := range entries {
		if (e.Type().IsRegular() || e.IsDir()) && strings.HasSuffix(e.Name(), Suffix) {
			b.enqueue(filepath.Join(dir, e.Name()))
		}
	}
	return nil
}

// Resume hands to the bin what Remove(path) of an earlier process had not
// finished (path+Suffix, or path.<n>+Suffix), where a Sweep of the whole
// directory would be too broad. It returns the number of entries found.
func (b *Bin) Resume(path string) int {
	dir, base := filepath.Split(path)
	entries, err := os.ReadDir(filepath.Clean(dir))
	if err != nil {
		return 0
	}
	found := 0
	for _, e := range entries {
		if trashOf(e.Name(), base) {
			b.enqueue(filepath.Join(dir, e.Name()))
			found++
		}
	}
	return found
}

// trashOf reports whether name is what Remove makes of base: base+Suffix
// or base.<digits>+Suffix.
func trashOf(name, base string) bool {
	mid, ok := strings.CutPrefix(name, base)
	if !ok {
		return false
	}
	mid, ok = strings.CutSuffix(mid, Suffix)
	if !ok {
		return false
	}
	if mid == "" {
		return true
	}
	digits, ok := strings.CutPrefix(mid, ".")
	if !ok || digits == "" {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Pending returns the number of files not yet deleted.
func (b *Bin) Pending() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.pending
}

// Close stops the background deletion after the current step and waits for
// it. Files not yet deleted stay on disk (named with Suffix) for a later
// Sweep. Close is safe to call more than once.
func (b *Bin) Close() {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.stop)
	}
	b.mu.Unlock()
	<-b.done
}

func (b *Bin) enqueue(path string) {
	b.mu.Lock()
	b.queue = append(b.queue, path)
	b.pending++
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// next takes the oldest queued path ("" if none).
func (b *Bin) next() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.queue) == 0 {
		return ""
	}
	p := b.queue[0]
	b.queue = b.queue[1:]
	return p
}

func (b *Bin) run() {
	defer close(b.done)
	for {
		path := b.next()
		if path == "" {
			select {
			case <-b.stop:
				return
			case <-b.wake:
				continue
			}
		}
		start := time.Now()
		if err := b.shrinkAndRemove(path); err != nil {
			if errors.Is(err, errStopped) {
				return
			}
			b.log.Warn("trash: could not delete", "path", path, "error", err)
		} else {
			b.log.Info("trash: deleted", "path", path, "took", time.Since(start).Round(time.Millisecond))
		}
		b.mu.Lock()
		b.pending--
		b.mu.Unlock()
	}
}

var errStopped = errors.New("trash: bin closed")

// shrinkAndRemove shrinks every file under path (path itself if it is a
// file) that has no other name, then removes the tree.
func (b *Bin) shrinkAndRemove(path string) error {
	err := filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			return b.shrink(p)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return os.RemoveAll(path)
}

// shrink truncates the file at path to nothing, ChunkBytes per step,
// fsyncing each step and pausing after it. A file with other names is left
// alone.
func (b *Bin) shrink(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if linked(info) {
		return nil
	}
	for size := info.Size(); size > 0; {
		size = max(0, size-ChunkBytes)
		if err := f.Truncate(size); err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			return err
		}
		select {
		case <-b.stop:
			return errStopped
		case <-time.After(b.pause):
		}
	}
	return nil
}

// linked reports whether the file has more than one name.
func linked(info fs.FileInfo) bool {
	st, ok := info.Sys().(*syscall.Stat_t)
	return ok && st.Nlink > 1
}

// syncDir fsyncs a directory, making a rename or unlink in it durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("trash: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("trash: fsync %s: %w", dir, err)
	}
	return nil
}
