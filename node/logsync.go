package node

import (
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"

	walfs "github.com/hashicorp/raft-wal/fs"
	"github.com/hashicorp/raft-wal/types"
)

// rawSyncFile is a raft-wal segment file whose Sync calls fsync with
// RawSyscall, keeping the goroutine's P instead of entering the scheduler's
// syscall state. With the ordinary path, every Raft append (one fsync,
// 0.3–0.5 ms here) left a P in a syscall for longer than sysmon's 20 µs
// tick: sysmon retook it, handed it to another thread, and stayed at its
// shortest tick. Measured on a single node under SET (docs/BENCHMARKS.md):
// context switches −45 % (sysmon's −85 %), server CPU per SET −13–23 %.
// The cost: a stop-the-world (GC start and end, about once a second under
// load) waits for an fsync in progress, 0.3–0.5 ms, or longer while the
// disk stalls.
type rawSyncFile struct {
	types.WritableFile
	fd      uintptr
	path    string      // for errors
	dir     string      // fsynced after the first Sync of a new file ("" for none)
	dirDone atomic.Bool // the directory was fsynced
}

// Sync implements types.WritableFile.
func (f *rawSyncFile) Sync() error {
	for {
		_, _, errno := syscall.RawSyscall(syscall.SYS_FSYNC, f.fd, 0, 0)
		if errno == syscall.EINTR {
			continue
		}
		if errno != 0 {
			return fmt.Errorf("fsync %s: %w", f.path, errno)
		}
		break
	}
	if f.dir != "" && f.dirDone.CompareAndSwap(false, true) {
		d, err := os.Open(f.dir)
		if err != nil {
			return fmt.Errorf("fsync directory of %s: %w", f.path, err)
		}
		defer d.Close()
		if err := d.Sync(); err != nil {
			return fmt.Errorf("fsync directory of %s: %w", f.path, err)
		}
	}
	return nil
}

// Create implements raft-wal's types.VFS.
func (f walFS) Create(dir, name string, size uint64) (types.WritableFile, error) {
	w, err := f.FS.Create(dir, name, size)
	if err != nil {
		return nil, err
	}
	if wf, ok := w.(*walfs.File); ok {
		return &rawSyncFile{WritableFile: w, fd: wf.File.Fd(), path: filepath.Join(dir, name), dir: dir}, nil
	}
	return w, nil
}

// OpenWriter implements raft-wal's types.VFS.
func (f walFS) OpenWriter(dir, name string) (types.WritableFile, error) {
	w, err := f.FS.OpenWriter(dir, name)
	if err != nil {
		return nil, err
	}
	if of, ok := w.(*os.File); ok {
		return &rawSyncFile{WritableFile: w, fd: of.Fd(), path: filepath.Join(dir, name)}, nil
	}
	return w, nil
}
