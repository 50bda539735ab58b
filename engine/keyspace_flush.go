package engine

import (
	"fmt"
)

// This file holds FLUSHDB and FLUSHALL.

// FlushDB deletes every record of the logical database: in each of its six
// instances, every Pika column family is cleared with one range deletion
// (first key .. last key) plus a point deletion of the last key, in one
// atomic batch per instance. Cost does not depend on the number of keys.
// The applied-position column family is kept.
func (d *DB) FlushDB(w Writer) error {
	for _, k := range Kinds {
		err := d.update(k, w, func(t *txn) error {
			for cf := range pikaCFNames(k) {
				if err := ksClearCF(t, cf); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("flushdb db%d %s: %w", d.index, k, err)
		}
	}
	return nil
}

// ksClearCF adds to t's batch the deletion of every record of column family cf.
func ksClearCF(t *txn, cf int) error {
	it := t.iter(cf, nil, nil)
	defer it.Close()
	it.SeekToFirst()
	if !it.Valid() {
		return it.Err()
	}
	first := it.KeyCopy()
	it.SeekToLast()
	if !it.Valid() {
		return it.Err()
	}
	last := it.KeyCopy()
	// DeleteRange uses the column family's comparator, so the custom
	// list/zset-score orders are honoured: [first, last) then last itself.
	t.b.DeleteRangeCF(t.in.cfs[cf], first, last)
	t.del(cf, last)
	return nil
}

// FlushAll flushes every logical database (FLUSHALL).
func (e *Engine) FlushAll(w Writer) error {
	if e.closed.Load() {
		return ErrClosed
	}
	for _, d := range e.dbs {
		if err := d.FlushDB(w); err != nil {
			return err
		}
	}
	return nil
}
