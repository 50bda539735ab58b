package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"
)

// WATCH versions in memory.
//
// The FSM bumps, for every write, the version of each key's WATCH bucket
// (resp/command/watchver.go) to the write's Raft index; FLUSHDB and writes
// whose keys cannot be named bump their database's epoch, FLUSHALL the
// global one. The table lives in memory: bumping or reading a version is
// an atomic store or load. Writing each bump to RocksDB (a record per
// bucket, "wk/" + bucket, the layout before) was a random skip-list insert
// per write, a third of the FSM's apply time under random keys
// (docs/BENCHMARKS.md, session 13).
//
// The table is a function of the Raft log, so it needs no write per entry
// to survive a restart. The FSM writes it whole into the meta area ("wv":
// the index of the last entry it holds, then the versions) when it takes a
// snapshot, before the checkpoint; after a restart Raft replays the entries
// after its newest snapshot (node.raftConfig), and the FSM bumps again for
// those after the table's index (its floor; those up to it are in the
// table already). A snapshot's checkpoint carries the table, so a node that
// installs it gets the versions at the snapshot's index.
//
// A replayed entry must decide what its original apply decided (run or
// abort a WATCHed EXEC, run a forwarded write or answer it from the dedup
// table): versions and epochs are read from this table only, which a
// replay rebuilds in order; what the dedup table decided is recorded by the
// FSM next to the dedup record (fsm/dedup.go), because a replay sees the
// dedup table as it is after the crash, not as it was.
//
// Data directories written before this table have a record per bucket
// ("wk/" + u32 BE bucket), per database epoch ("wd/" + u16 BE db) and a
// global one ("wa"), each holding the version as a uvarint, written at the
// log position of the write they stand for. Open loads them when there is
// no table, with the floor just below the last entry the meta instance
// holds (that entry may have been cut short by a crash), and writes the
// table at once so that they are never loaded again.

// VersionBuckets is the number of WATCH version buckets (part of the
// on-disk format: a key's bucket is a hash of it modulo this).
const VersionBuckets = 1 << 18

var (
	versionTableKey    = []byte("wv")
	legacyBucketPrefix = []byte("wk/")
	legacyDBPrefix     = []byte("wd/")
	legacyAllKey       = []byte("wa")
)

// VersionBumps is what the writes of one log entry bump: key buckets, the
// epochs of databases, the global epoch.
type VersionBumps struct {
	Buckets []uint32
	DBs     uint8 // bit d: database d's epoch (MaxDatabases is 8)
	All     bool
}

// Reset empties b, keeping its bucket slice for reuse.
func (b *VersionBumps) Reset() { *b = VersionBumps{Buckets: b.Buckets[:0]} }

// watchVersions is the engine's table of WATCH versions.
type watchVersions struct {
	buckets [VersionBuckets]atomic.Uint64
	dbs     [MaxDatabases]atomic.Uint64
	all     atomic.Uint64
	// floor is the index of the last entry the table held when it was
	// loaded: the FSM does not bump again for entries up to it.
	floor uint64
	// changed: a bump raised a version since the table was loaded or last
	// written (FSM goroutine only).
	changed bool
}

// WatchVersion returns the version of a key in database db whose WATCH
// bucket is bucket: the index of the last entry that bumped the bucket,
// the database's epoch or the global epoch, whichever is largest (0 if none
// did).
func (e *Engine) WatchVersion(db int, bucket uint32) uint64 {
	w := &e.versions
	v := max(w.buckets[bucket%VersionBuckets].Load(), w.all.Load())
	if db >= 0 && db < MaxDatabases {
		v = max(v, w.dbs[db].Load())
	}
	return v
}

// BumpWatchVersions raises the versions b names to index, the Raft index of
// the entry whose writes they stand for. An entry at or below the table's
// floor (replayed after a restart) is in the table already and bumps
// nothing. Only the FSM's goroutine calls it.
func (e *Engine) BumpWatchVersions(index uint64, b *VersionBumps) {
	w := &e.versions
	if index <= w.floor {
		return
	}
	raise := func(s *atomic.Uint64) {
		if s.Load() < index {
			s.Store(index)
			w.changed = true
		}
	}
	for _, bucket := range b.Buckets {
		raise(&w.buckets[bucket%VersionBuckets])
	}
	for d := 0; d < MaxDatabases; d++ {
		if b.DBs&(1<<d) != 0 {
			raise(&w.dbs[d])
		}
	}
	if b.All {
		raise(&w.all)
	}
}

// WriteWatchVersions writes the table into the meta area as the versions
// of every entry up to index, the last entry applied, together with extra
// (the FSM's records that the table now makes unnecessary). It writes
// nothing when no version changed since the table was loaded or last
// written and extra is empty. The FSM calls it on its goroutine when it
// takes a snapshot, before the checkpoint.
func (e *Engine) WriteWatchVersions(index uint64, extra []MetaOp) error {
	if !e.versions.changed && len(extra) == 0 {
		return nil
	}
	ops := append([]MetaOp{{Key: versionTableKey, Value: e.versions.encode(index)}}, extra...)
	if err := e.UpdateMeta(Writer{}, ops); err != nil {
		return fmt.Errorf("write WATCH versions: %w", err)
	}
	e.versions.changed = false
	return nil
}

// encode returns the index, the global epoch, the MaxDatabases database
// epochs, then (bucket gap, version) uvarint pairs of every non-zero
// bucket.
func (w *watchVersions) encode(index uint64) []byte {
	out := binary.AppendUvarint(nil, index)
	out = binary.AppendUvarint(out, w.all.Load())
	for d := range w.dbs {
		out = binary.AppendUvarint(out, w.dbs[d].Load())
	}
	prev := uint64(0)
	for b := range w.buckets {
		v := w.buckets[b].Load()
		if v == 0 {
			continue
		}
		out = binary.AppendUvarint(out, uint64(b)-prev)
		out = binary.AppendUvarint(out, v)
		prev = uint64(b)
	}
	return out
}

// decode fills the table from an encoded one.
func (w *watchVersions) decode(raw []byte) error {
	bad := fmt.Errorf("%w: WATCH version table", ErrCorrupt)
	next := func() (uint64, bool) {
		v, n := binary.Uvarint(raw)
		if n <= 0 {
			return 0, false
		}
		raw = raw[n:]
		return v, true
	}
	var ok bool
	if w.floor, ok = next(); !ok {
		return bad
	}
	all, ok := next()
	if !ok {
		return bad
	}
	w.all.Store(all)
	for d := range w.dbs {
		v, ok := next()
		if !ok {
			return bad
		}
		w.dbs[d].Store(v)
	}
	b := uint64(0)
	for len(raw) > 0 {
		gap, ok1 := next()
		v, ok2 := next()
		if !ok1 || !ok2 {
			return bad
		}
		if b += gap; b >= VersionBuckets {
			return fmt.Errorf("%w: WATCH bucket %d out of range", ErrCorrupt, b)
		}
		w.buckets[b].Store(v)
	}
	return nil
}

// loadWatchVersions fills the table from the meta area (at Open).
func (e *Engine) loadWatchVersions() error {
	raw, err := e.GetMeta(versionTableKey)
	if err == nil {
		return e.versions.decode(raw)
	}
	if !errors.Is(err, ErrNotFound) {
		return err
	}
	found, err := e.loadLegacyVersions()
	if err != nil || !found {
		return err
	}
	in, err := e.metaInstance()
	if err != nil {
		return err
	}
	in.mu.Lock()
	held := in.applied.Index
	in.mu.Unlock()
	if held > 0 {
		e.versions.floor = held - 1
	}
	e.versions.changed = true
	return e.WriteWatchVersions(e.versions.floor, nil)
}

// loadLegacyVersions loads the per-bucket and epoch records of a data
// directory written before the table, and reports whether it found any.
func (e *Engine) loadLegacyVersions() (found bool, err error) {
	w := &e.versions
	raise := func(s *atomic.Uint64, key, value []byte) error {
		v, n := binary.Uvarint(value)
		if s == nil || n <= 0 {
			return fmt.Errorf("%w: WATCH version record %q", ErrCorrupt, key)
		}
		s.Store(max(s.Load(), v))
		found = true
		return nil
	}
	// scan raises, for each record under prefix, the slot its id names
	// (nil: an id out of range).
	scan := func(prefix []byte, slot func(id []byte) *atomic.Uint64) error {
		return e.ScanMeta(prefix, func(key, value []byte) error {
			return raise(slot(key[len(prefix):]), key, value)
		})
	}
	err = scan(legacyBucketPrefix, func(id []byte) *atomic.Uint64 {
		if len(id) != 4 || binary.BigEndian.Uint32(id) >= VersionBuckets {
			return nil
		}
		return &w.buckets[binary.BigEndian.Uint32(id)]
	})
	if err != nil {
		return false, err
	}
	err = scan(legacyDBPrefix, func(id []byte) *atomic.Uint64 {
		if len(id) != 2 || binary.BigEndian.Uint16(id) >= MaxDatabases {
			return nil
		}
		return &w.dbs[binary.BigEndian.Uint16(id)]
	})
	if err != nil {
		return false, err
	}
	raw, err := e.GetMeta(legacyAllKey)
	if errors.Is(err, ErrNotFound) {
		return found, nil
	}
	if err != nil {
		return false, err
	}
	return true, raise(&w.all, legacyAllKey, raw)
}
