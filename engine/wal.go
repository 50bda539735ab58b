package engine

import (
	"fmt"
	"sync"

	"github.com/linxGnu/grocksdb"
)

// Every instance is opened with RocksDB's manual_wal_flush: a write is
// appended to the instance's in-process WAL buffer, and the buffer reaches
// the WAL file (the page cache, which survives kill -9) on FlushWAL, when it
// fills, or when a memtable is switched. One write(2) then covers many
// writes instead of one each.
//
// What survives a crash must stay a prefix of the writes in the order they
// were made: a replay of the Raft log re-runs a command on the instances
// that lost its write, and a command may have read another instance (the
// meta area's dedup table lives in db0's strings; some
// commands read one type to write another). So at most one instance has
// WAL bytes that are not in its file yet: a write to another instance first
// flushes the previous one's buffer, and writes are serialised under
// walTracker.mu. The Raft FSM calls FlushWAL after each batch of entries,
// before their replies go out, so an acknowledged write is always in a WAL
// file, as it was with one write(2) per write.
type walTracker struct {
	mu    sync.Mutex
	dirty *instance // the instance whose WAL buffer may hold unflushed writes
}

// write commits b to instance in (whose mu the caller holds) keeping the
// invariant above. With flush (writes outside the replicated log, which no
// FlushWAL call follows) the WAL is flushed right after the write.
func (e *Engine) write(in *instance, b *grocksdb.WriteBatch, flush bool) error {
	e.wal.mu.Lock()
	defer e.wal.mu.Unlock()
	if err := e.wal.flushLocked(in); err != nil {
		return err
	}
	if err := in.db.Write(in.wo, b); err != nil {
		return fmt.Errorf("write %s: %w", in.kind, err)
	}
	e.wal.dirty = in
	if flush {
		return e.wal.flushLocked(nil)
	}
	return nil
}

// flushLocked flushes the dirty instance's WAL buffer unless it is keep.
func (w *walTracker) flushLocked(keep *instance) error {
	in := w.dirty
	if in == nil || in == keep {
		return nil
	}
	w.dirty = nil
	if in.db == nil {
		return nil
	}
	if err := in.db.FlushWAL(false); err != nil {
		return fmt.Errorf("flush WAL of %s: %w", in.path, err)
	}
	return nil
}

// forget drops in from the tracker after flushing it (in is being closed;
// the caller holds in.mu).
func (w *walTracker) forget(in *instance) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.dirty != in {
		return nil
	}
	return w.flushLocked(nil)
}

// FlushWAL writes the WAL buffer of the instance that has unflushed writes
// to its WAL file (no fsync: like a plain RocksDB write, the result
// survives a killed process, not a power loss). The Raft FSM calls it after
// every batch of applied entries, before their replies are released.
func (e *Engine) FlushWAL() error {
	if e.closed.Load() {
		return ErrClosed
	}
	e.wal.mu.Lock()
	defer e.wal.mu.Unlock()
	return e.wal.flushLocked(nil)
}
