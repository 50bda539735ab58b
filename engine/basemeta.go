package engine

import (
	"errors"
	"fmt"
	"math"
)

// This file holds the helpers shared by the collections that use a base
// meta value (hashes, sets; spec §2.0): loading the meta for a read or a
// write, and walking the data records of one collection version.

// recordSource is what collection helpers read from: a write transaction
// (committed state, writers serialised) or a reader (optionally a snapshot).
type recordSource interface {
	get(cf int, key []byte) ([]byte, error)
	iter(cf int, lower, upper []byte) *Iter
}

// loadBaseMeta reads the base meta of key. found tells whether a meta
// record exists at all (its version matters for the next version); live is
// false when it is missing, expired at nowSec or empty.
func loadBaseMeta(src recordSource, key []byte, nowSec int32) (m baseMeta, found, live bool, err error) {
	raw, err := src.get(cfMeta, key)
	if errors.Is(err, ErrNotFound) {
		return baseMeta{}, false, false, nil
	}
	if err != nil {
		return baseMeta{}, false, false, fmt.Errorf("meta of %q: %w", key, err)
	}
	m, err = decodeBaseMeta(raw)
	if err != nil {
		return baseMeta{}, true, false, fmt.Errorf("meta of %q: %w", key, err)
	}
	if m.Count < 0 {
		return baseMeta{}, true, false, fmt.Errorf("%w: meta of %q has count %d", ErrCorrupt, key, m.Count)
	}
	return m, true, !isStale(m.TS, nowSec) && m.Count > 0, nil
}

// liveBaseMeta is loadBaseMeta for reads: ErrNotFound unless the
// collection is live.
func liveBaseMeta(src recordSource, key []byte, nowSec int32) (baseMeta, error) {
	m, _, live, err := loadBaseMeta(src, key, nowSec)
	if err != nil {
		return baseMeta{}, err
	}
	if !live {
		return baseMeta{}, ErrNotFound
	}
	return m, nil
}

// writableBaseMeta loads the meta of key for a write. A live meta is
// returned as is (fresh false). A missing, expired or empty one is
// re-initialised as Pika's InitialMetaValue does (count 0, no TTL, version
// bumped with nextVersion) and fresh is true: no data record of the new
// version exists yet.
func writableBaseMeta(t *txn, key []byte) (m baseMeta, fresh bool, err error) {
	m, found, live, err := loadBaseMeta(t, key, t.now)
	if err != nil {
		return baseMeta{}, false, err
	}
	if live {
		return m, false, nil
	}
	old := int32(0)
	if found {
		old = m.Version
	}
	return baseMeta{Version: nextVersion(old, t.now)}, true, nil
}

// addCount returns count+delta, or an error if it leaves the int32 range
// Pika stores.
func addCount(count int32, delta int64) (int32, error) {
	n := int64(count) + delta
	if n < 0 || n > math.MaxInt32 {
		return 0, fmt.Errorf("%w: %d elements", ErrSizeOverflow, n)
	}
	return int32(n), nil
}

// dataRange returns the bounds [lower, upper) of the data records of one
// collection version.
func dataRange(key []byte, version int32) (lower, upper []byte) {
	lower = dataKeyPrefix(key, version)
	return lower, prefixUpperBound(lower)
}

// eachData calls fn with the suffix (field or member) and value of every
// data record of key at version, in key order, until fn returns false. The
// slices passed to fn are copies (carved from one copyArena: few
// allocations for a whole collection).
func eachData(src recordSource, key []byte, version int32, fn func(suffix, value []byte) bool) error {
	lower, upper := dataRange(key, version)
	it := src.iter(cfData, lower, upper)
	defer it.Close()
	var a copyArena
	for it.SeekToFirst(); it.Valid(); it.Next() {
		k, v := it.Key(), it.Value()
		suffix, value := a.copy(k.Data()[len(lower):]), a.copy(v.Data())
		k.Free()
		v.Free()
		if !fn(suffix, value) {
			break
		}
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("iterate %q: %w", key, err)
	}
	return nil
}
