package engine

import (
	"github.com/linxGnu/grocksdb"
)

// Writer is the context of one write command: where it sits in the
// replicated log and the cluster time at which it runs. All engine writes
// take a Writer; none reads the clock.
type Writer struct {
	// Pos is the command's log position, recorded atomically with its
	// writes in every instance it touches. The zero Pos records nothing.
	Pos Pos
	// NowMs is the cluster time in Unix milliseconds (the leader's time
	// stamped on the entry). Pika stores time in seconds: NowMs/1000.
	NowMs int64
	// Group, if set, gathers this command's write with those of the
	// commands before it when the write is blind (writegroup.go); any
	// other write commits the group first.
	Group *WriteGroup
}

func (w Writer) nowSec() int32 { return int32(w.NowMs / 1000) }

// txn is the write of one command to one instance: one WriteBatch, committed
// atomically together with the command's position.
type txn struct {
	in  *instance
	b   *grocksdb.WriteBatch
	now int32 // seconds
	ms  int64
}

// get reads the committed state of the instance (not this batch).
func (t *txn) get(cf int, key []byte) ([]byte, error) { return t.in.get(t.in.ro, cf, key) }

func (t *txn) put(cf int, key, value []byte) { t.b.PutCF(t.in.cfs[cf], key, value) }

func (t *txn) del(cf int, key []byte) { t.b.DeleteCF(t.in.cfs[cf], key) }

// iter returns an iterator over cf of the committed state, optionally bounded
// to [lower, upper) (nil for unbounded). The caller must Close it.
func (t *txn) iter(cf int, lower, upper []byte) *Iter {
	return t.in.newIter(nil, cf, lower, upper)
}

// update runs fn as one atomic write of command w to instance k. If the
// instance already holds w's position (a log replayed after a crash), fn is
// not run and update returns nil: the instance has the command's effect.
func (d *DB) update(k Kind, w Writer, fn func(t *txn) error) error {
	if err := w.commitGroup(); err != nil {
		return err
	}
	in := d.inst[k]
	held, err := lockForWrite(in, w)
	if err != nil {
		return err
	}
	defer in.mu.Unlock()
	if held {
		return nil
	}
	b := grocksdb.NewWriteBatch()
	defer b.Destroy()
	t := &txn{in: in, b: b, now: w.nowSec(), ms: w.NowMs}
	if err := fn(t); err != nil {
		return err
	}
	if b.Count() == 0 {
		return nil
	}
	if !w.Pos.IsZero() {
		b.PutCF(in.appliedCF(), appliedKey, w.Pos.encode())
	}
	if err := d.eng.write(in, b, w.Pos.IsZero()); err != nil {
		return err
	}
	if !w.Pos.IsZero() {
		in.applied = w.Pos
	}
	return nil
}

// lockForWrite locks in for command w's write (the caller unlocks it unless
// err is set); held reports that in already holds w's position (a replay
// after a crash), so the write must be skipped.
func lockForWrite(in *instance, w Writer) (held bool, err error) {
	if in == nil {
		return false, ErrClosed
	}
	in.mu.Lock()
	if in.db == nil {
		in.mu.Unlock()
		return false, ErrClosed
	}
	return !w.Pos.IsZero() && !in.applied.Less(w.Pos), nil
}

// reader reads one instance, through a snapshot when it touches several
// records so that it never sees half a command.
type reader struct {
	in   *instance
	ro   *grocksdb.ReadOptions
	snap *grocksdb.Snapshot
}

// read returns a reader of instance k. With snapshot true every read sees
// the same point in time. The caller must call close.
func (d *DB) read(k Kind, snapshot bool) (*reader, error) {
	in, err := d.readable(k)
	if err != nil {
		return nil, err
	}
	r := &reader{in: in, ro: in.ro}
	if snapshot {
		r.snap = in.db.NewSnapshot()
		r.ro = grocksdb.NewDefaultReadOptions()
		r.ro.SetSnapshot(r.snap)
	}
	return r, nil
}

// readable returns instance k for a read of one record without a reader
// (see readString), or ErrClosed.
func (d *DB) readable(k Kind) (*instance, error) {
	in := d.inst[k]
	if in == nil || d.eng.closed.Load() {
		return nil, ErrClosed
	}
	return in, nil
}

func (r *reader) get(cf int, key []byte) ([]byte, error) { return r.in.get(r.ro, cf, key) }

// getPinned reads one record without copying it; ErrNotFound if absent.
// The caller must Destroy the handle when done with its data.
func (r *reader) getPinned(cf int, key []byte) (*grocksdb.PinnableSliceHandle, error) {
	return r.in.getPinned(r.ro, cf, key)
}

func (r *reader) iter(cf int, lower, upper []byte) *Iter {
	return r.in.newIter(r.snap, cf, lower, upper)
}

func (r *reader) close() {
	if r.snap != nil {
		r.ro.Destroy()
		r.in.db.ReleaseSnapshot(r.snap)
		r.snap = nil
	}
}

// Iter is a RocksDB iterator over one column family that copies nothing
// until asked.
type Iter struct {
	*grocksdb.Iterator
	ro *grocksdb.ReadOptions
}

func (in *instance) newIter(snap *grocksdb.Snapshot, cf int, lower, upper []byte) *Iter {
	ro := grocksdb.NewDefaultReadOptions()
	if snap != nil {
		ro.SetSnapshot(snap)
	}
	if lower != nil {
		ro.SetIterateLowerBound(lower)
	}
	if upper != nil {
		ro.SetIterateUpperBound(upper)
	}
	return &Iter{Iterator: in.db.NewIteratorCF(ro, in.cfs[cf]), ro: ro}
}

// KeyCopy returns a copy of the current key.
func (it *Iter) KeyCopy() []byte {
	s := it.Key()
	defer s.Free()
	return append([]byte{}, s.Data()...)
}

// ValueCopy returns a copy of the current value.
func (it *Iter) ValueCopy() []byte {
	s := it.Value()
	defer s.Free()
	return append([]byte{}, s.Data()...)
}

// Close releases the iterator.
func (it *Iter) Close() {
	it.Iterator.Close()
	it.ro.Destroy()
}
