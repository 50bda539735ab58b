package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"
)

// WATCH version buckets in memory.
//
// The FSM bumps, for every write, the version of each key's WATCH bucket
// (resp/command/watchver.go) to the write's Raft index. The table of
// VersionBuckets versions lives in memory: bumping and reading a bucket
// costs an atomic store or load. Writing each bump to RocksDB (one record
// per bucket, "wk/" + bucket, the layout before) was a random skip-list
// insert per write, a third of the FSM's apply time under random keys
// (docs/BENCHMARKS.md, session 13).
//
// The table is derived from the Raft log, so it needs no write per entry
// to survive a restart: the FSM writes it whole into the meta area ("wb":
// the index it was taken at, then every non-zero bucket) when it takes a
// snapshot, before the checkpoint, and after a restart Raft replays every
// entry after its newest snapshot (node.raftConfig), bumping again what
// came after. A snapshot's checkpoint carries its base, so a node that
// installs it gets the table at the snapshot's index. The one entry a
// replay does not run again is a forwarded write its dedup record answers
// (fsm/dedup.go): its buckets are written as records of their own
// ("wk/" + bucket → version, BucketRecords) in the batch of that dedup
// record. Open loads the base and every "wk/" record (data directories
// written before this table had one per bucket); a bucket's version is the
// largest any of them gives it, and replays only raise versions.

// VersionBuckets is the number of WATCH version buckets (part of the
// on-disk format: a key's bucket is a hash of it modulo this).
const VersionBuckets = 1 << 18

var (
	versionBaseKey     = []byte("wb")
	bucketRecordPrefix = []byte("wk/")
)

// watchVersions is the engine's table of bucket versions.
type watchVersions struct {
	v [VersionBuckets]atomic.Uint64
	// changed: a bump raised a version since the table was loaded or last
	// written (FSM goroutine only).
	changed bool
}

// WatchVersion returns the version of a WATCH bucket: the index of the
// last entry that bumped it, 0 if none did.
func (e *Engine) WatchVersion(bucket uint32) uint64 {
	return e.versions.v[bucket%VersionBuckets].Load()
}

// BumpWatchVersions raises the buckets' versions to index, the Raft index
// of the entry whose writes modified keys in them (a replayed entry leaves
// newer versions as they are). Only the FSM's goroutine calls it.
func (e *Engine) BumpWatchVersions(index uint64, buckets []uint32) {
	for _, b := range buckets {
		if s := &e.versions.v[b%VersionBuckets]; s.Load() < index {
			s.Store(index)
			e.versions.changed = true
		}
	}
}

// BucketRecords returns the meta records that persist, on their own, the
// bump of buckets to index (for an entry a replay will not run again).
func BucketRecords(index uint64, buckets []uint32) []MetaOp {
	if len(buckets) == 0 {
		return nil
	}
	v := binary.AppendUvarint(nil, index)
	ops := make([]MetaOp, 0, len(buckets))
	for _, b := range buckets {
		ops = append(ops, MetaOp{
			Key:   binary.BigEndian.AppendUint32(append([]byte{}, bucketRecordPrefix...), b%VersionBuckets),
			Value: v,
		})
	}
	return ops
}

// WriteWatchVersions writes the table into the meta area as taken at
// index, the last entry applied, unless no version changed since it was
// loaded or last written (the FSM calls it on its goroutine when it takes
// a snapshot, before the checkpoint).
func (e *Engine) WriteWatchVersions(index uint64) error {
	if !e.versions.changed {
		return nil
	}
	base := e.versions.encode(index)
	if err := e.UpdateMeta(Writer{}, []MetaOp{{Key: versionBaseKey, Value: base}}); err != nil {
		return fmt.Errorf("write WATCH versions: %w", err)
	}
	e.versions.changed = false
	return nil
}

// encode returns the index, then (bucket gap, version) uvarint pairs of
// every non-zero bucket.
func (w *watchVersions) encode(index uint64) []byte {
	out := binary.AppendUvarint(nil, index)
	prev := uint64(0)
	for b := range w.v {
		v := w.v[b].Load()
		if v == 0 {
			continue
		}
		out = binary.AppendUvarint(out, uint64(b)-prev)
		out = binary.AppendUvarint(out, v)
		prev = uint64(b)
	}
	return out
}

// raise sets bucket b to at least v.
func (w *watchVersions) raise(b, v uint64) error {
	if b >= VersionBuckets {
		return fmt.Errorf("%w: WATCH bucket %d out of range", ErrCorrupt, b)
	}
	if s := &w.v[b]; s.Load() < v {
		s.Store(v)
	}
	return nil
}

// loadWatchVersions fills the table from the meta area (at Open).
func (e *Engine) loadWatchVersions() error {
	w := &e.versions
	err := e.ScanMeta(bucketRecordPrefix, func(key, value []byte) error {
		v, n := binary.Uvarint(value)
		if len(key) != len(bucketRecordPrefix)+4 || n <= 0 {
			return fmt.Errorf("%w: WATCH bucket record %q", ErrCorrupt, key)
		}
		return w.raise(uint64(binary.BigEndian.Uint32(key[len(bucketRecordPrefix):])), v)
	})
	if err != nil {
		return err
	}
	raw, err := e.GetMeta(versionBaseKey)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return w.decode(raw)
}

func (w *watchVersions) decode(raw []byte) error {
	bad := fmt.Errorf("%w: WATCH version table", ErrCorrupt)
	_, n := binary.Uvarint(raw) // the index it was taken at
	if n <= 0 {
		return bad
	}
	raw = raw[n:]
	b := uint64(0)
	for len(raw) > 0 {
		gap, n := binary.Uvarint(raw)
		if n <= 0 {
			return bad
		}
		raw = raw[n:]
		v, n := binary.Uvarint(raw)
		if n <= 0 {
			return bad
		}
		raw = raw[n:]
		b += gap
		if err := w.raise(b, v); err != nil {
			return err
		}
	}
	return nil
}
