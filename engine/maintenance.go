package engine

import (
	"fmt"

	"github.com/linxGnu/grocksdb"
)

// Manual maintenance of one instance (Pika's COMPACT, COMPACTRANGE and
// DISABLEWAL). These never change the data a command can see.

// CompactInstance runs a full manual compaction of Pika's column families
// of kind k in database db (meta first, then data, as Pika).
func (e *Engine) CompactInstance(db int, k Kind) error {
	in, err := e.instance(db, k)
	if err != nil {
		return err
	}
	in.mu.Lock()
	closed := in.db == nil
	in.mu.Unlock()
	if closed {
		return ErrClosed
	}
	for cf := 0; cf < len(in.cfs)-1; cf++ {
		in.db.CompactRangeCF(in.cfs[cf], grocksdb.Range{})
	}
	return nil
}

// CompactKeyRange compacts the records of user keys start..end of kind k in
// database db: the meta column family over [start, end] and each data
// column family over [len(start)|start, len(end)|end|0xff], the ranges
// Pika's CalculateDataStartAndEndKey computes. An empty start or end is
// unbounded on that side.
func (e *Engine) CompactKeyRange(db int, k Kind, start, end []byte) error {
	in, err := e.instance(db, k)
	if err != nil {
		return err
	}
	in.mu.Lock()
	closed := in.db == nil
	in.mu.Unlock()
	if closed {
		return ErrClosed
	}
	in.db.CompactRangeCF(in.cfs[cfMeta], grocksdb.Range{Start: nilIfEmpty(start), Limit: nilIfEmpty(end)})
	var dStart, dEnd []byte
	if len(start) > 0 {
		dStart = dataRangeKey(start, false)
	}
	if len(end) > 0 {
		dEnd = dataRangeKey(end, true)
	}
	for cf := cfData; cf < len(in.cfs)-1; cf++ {
		in.db.CompactRangeCF(in.cfs[cf], grocksdb.Range{Start: dStart, Limit: dEnd})
	}
	return nil
}

// dataRangeKey is `u32le len(key) | key`, followed by 0xff for an end bound.
func dataRangeKey(key []byte, end bool) []byte {
	out := appendDataKeyPrefix(nil, key, 0)
	out = out[:len(out)-4] // drop the version
	if end {
		out = append(out, 0xff)
	}
	return out
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// SetDisableWAL turns RocksDB's write-ahead log off (true) or on for every
// instance (Pika's DISABLEWAL). Without it, a crash loses the writes still
// in memtables; their applied positions are lost with them (same write
// batch), so the Raft log replays them — or, behind a compacted log, the
// node installs the newest snapshot.
func (e *Engine) SetDisableWAL(off bool) error {
	if e.closed.Load() {
		return ErrClosed
	}
	for _, d := range e.dbs {
		for _, in := range d.inst {
			if in == nil {
				return ErrClosed
			}
			in.mu.Lock()
			if in.db != nil {
				in.wo.DisableWAL(off)
			}
			in.mu.Unlock()
		}
	}
	return nil
}

// BackgroundErrors returns the sum of rocksdb.background-errors over every
// instance (Pika's DISKRECOVERY checks it).
func (e *Engine) BackgroundErrors() (uint64, error) {
	var sum uint64
	for db := range e.dbs {
		for _, k := range Kinds {
			v, _, err := e.IntProperty(db, k, "rocksdb.background-errors")
			if err != nil {
				return 0, fmt.Errorf("background errors of db%d %s: %w", db, k, err)
			}
			sum += v
		}
	}
	return sum, nil
}
