package engine

import (
	"bytes"
	"fmt"
)

// Replicated bookkeeping of the Raft FSM (for example the table of client
// request IDs that dedups forwarded writes) lives in db0's strings instance,
// in pikaraft's applied column family, under keys starting with metaPrefix.
// Pika never opens that column family, Dump skips it, FLUSHALL keeps it,
// and checkpoints (snapshots) carry it. A write records its log position
// like any data write, so a log replayed after a crash skips it.
var metaPrefix = []byte("meta/")

// metaInstance returns the instance that holds the meta area.
func (e *Engine) metaInstance() (*instance, error) {
	if e.closed.Load() || len(e.dbs) == 0 {
		return nil, ErrClosed
	}
	in := e.dbs[0].inst[KindStrings]
	if in == nil {
		return nil, ErrClosed
	}
	return in, nil
}

func metaKey(key []byte) []byte {
	return append(append(make([]byte, 0, len(metaPrefix)+len(key)), metaPrefix...), key...)
}

// GetMeta returns the meta record key, or ErrNotFound.
func (e *Engine) GetMeta(key []byte) ([]byte, error) {
	in, err := e.metaInstance()
	if err != nil {
		return nil, err
	}
	return in.get(in.ro, len(in.cfs)-1, metaKey(key))
}

// MetaHolds reports whether the meta instance holds log position p (a
// write at or after p reached it): true for an entry the FSM applies again
// in a replay after a restart, whose meta-area writes are already there.
func (e *Engine) MetaHolds(p Pos) bool {
	in, err := e.metaInstance()
	if err != nil {
		return false
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	return !in.applied.Less(p)
}

// MetaOp is one change of the meta area: Value nil deletes Key.
type MetaOp struct {
	Key, Value []byte
}

// UpdateMeta applies ops atomically as the write of command w (skipped when
// the instance already holds w's position, like every replicated write).
func (e *Engine) UpdateMeta(w Writer, ops []MetaOp) error {
	if _, err := e.metaInstance(); err != nil {
		return err
	}
	return e.dbs[0].update(KindStrings, w, func(t *txn) error {
		cf := len(t.in.cfs) - 1
		for _, op := range ops {
			if op.Value == nil {
				t.del(cf, metaKey(op.Key))
			} else {
				t.put(cf, metaKey(op.Key), op.Value)
			}
		}
		return nil
	})
}

// ScanMeta calls fn for every meta record whose key starts with prefix, in
// key order, as of one point in time. The slices are valid only during the
// call.
//
// One iterator is that point in time by itself, so the scan takes no
// RocksDB snapshot. That matters: the FSM scans the dedup records every
// dedupGCEvery entries, at the same log index on every node, and
// releasing a snapshot is what makes RocksDB mark bottommost files for a
// rewrite (compaction reason BottommostFiles) — on all nodes at once,
// which showed as a write latency spike in the cluster.
func (e *Engine) ScanMeta(prefix []byte, fn func(key, value []byte) error) error {
	if _, err := e.metaInstance(); err != nil {
		return err
	}
	r, err := e.dbs[0].read(KindStrings, false)
	if err != nil {
		return err
	}
	defer r.close()
	lower := metaKey(prefix)
	upper := metaUpperBound(lower)
	it := r.iter(len(r.in.cfs)-1, lower, upper)
	defer it.Close()
	for it.Seek(lower); it.Valid(); it.Next() {
		k, v := it.Key(), it.Value()
		kd := k.Data()
		if !bytes.HasPrefix(kd, lower) {
			k.Free()
			v.Free()
			break
		}
		err := fn(kd[len(metaPrefix):], v.Data())
		k.Free()
		v.Free()
		if err != nil {
			return err
		}
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("scan meta: %w", err)
	}
	return nil
}

// metaUpperBound returns the smallest key greater than every key starting with
// p (nil when there is none).
func metaUpperBound(p []byte) []byte {
	end := append([]byte{}, p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
