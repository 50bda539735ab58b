package engine

import (
	"bytes"
	"errors"
	"sync"
)

// HSCAN and SSCAN over the data records of one hash or set version.
//
// The cursor is a position in field/member order, as in Pika: a call
// visits up to count records starting at position cursor and returns
// cursor+visited (0 when it reached the end). COUNT bounds the records
// visited, not the number returned, since MATCH filters after visiting.
// Like Pika (StoreScanNextPoint), the node remembers the exact field at
// which each returned cursor continues (collScanHints); a cursor found
// there resumes at that field, so a field present during the whole scan is
// returned even if others are added or removed meanwhile. A cursor not
// found there (another node issued it, or it was evicted) resumes by
// skipping cursor records from the start, which is exact when the
// collection did not change. A pattern with a literal prefix ("user:*")
// only walks the fields with that prefix (Pika's isTailWildcard
// optimisation, generalised); positions then count within that range.

const collScanHintsCap = 4096

// collScanHint identifies one cursor handed out for one scan.
type collScanHint struct {
	db      *DB
	kind    Kind
	key     string
	pattern string
	cursor  uint64
}

// collScanHintStore is a bounded FIFO map from cursors to the field at
// which they resume. It only makes scans faster and exact under writes;
// reads never depend on it for correctness.
type collScanHintStore struct {
	mu    sync.Mutex
	next  map[collScanHint][]byte
	order []collScanHint
}

var collScanHints collScanHintStore

func (s *collScanHintStore) put(h collScanHint, suffix []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.next == nil {
		s.next = make(map[collScanHint][]byte)
	}
	if _, ok := s.next[h]; !ok {
		s.order = append(s.order, h)
	}
	s.next[h] = suffix
	for len(s.order) > collScanHintsCap {
		delete(s.next, s.order[0])
		s.order = s.order[1:]
	}
}

func (s *collScanHintStore) get(h collScanHint) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.next[h]
	return v, ok
}

// globLiteralPrefix returns the literal prefix every string matching pattern
// starts with (the bytes before the first special character).
func globLiteralPrefix(pattern []byte) []byte {
	i := bytes.IndexAny(pattern, `*?[\`)
	if i < 0 {
		// No special character: the pattern matches itself only; the
		// whole pattern is the prefix.
		return pattern
	}
	return pattern[:i]
}

// collScan runs one HSCAN/SSCAN step on kind k, calling fn with each
// matching record, and returns the next cursor.
func (d *DB) collScan(k Kind, key []byte, cursor uint64, pattern []byte, count int64, nowMs int64, fn func(suffix, value []byte)) (uint64, error) {
	if count < 1 {
		count = 10
	}
	r, m, err := d.readLive(k, key, nowMs, true)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer r.close()
	matchAll := len(pattern) == 0 || IsMatchAll(pattern)
	prefix := dataKeyPrefix(key, m.Version)
	lower := prefix
	if !matchAll {
		lower = append(append([]byte{}, prefix...), globLiteralPrefix(pattern)...)
	}
	it := r.iter(cfData, lower, prefixUpperBound(lower))
	defer it.Close()
	hint := collScanHint{db: d, kind: k, key: string(key), pattern: string(pattern), cursor: cursor}
	if start, ok := collScanHints.get(hint); ok && cursor != 0 {
		it.Seek(append(append([]byte{}, prefix...), start...))
	} else {
		it.SeekToFirst()
		for i := uint64(0); i < cursor && it.Valid(); i++ {
			it.Next()
		}
	}
	var visited int64
	for ; it.Valid() && visited < count; it.Next() {
		suffix := it.KeyCopy()[len(prefix):]
		if matchAll || GlobMatch(pattern, suffix, false) {
			fn(suffix, it.ValueCopy())
		}
		visited++
	}
	if err := it.Err(); err != nil {
		return 0, err
	}
	if !it.Valid() {
		return 0, nil
	}
	next := cursor + uint64(visited)
	hint.cursor = next
	collScanHints.put(hint, it.KeyCopy()[len(prefix):])
	return next, nil
}

// HScan returns the fields visited by one HSCAN step and the next cursor.
func (d *DB) HScan(key []byte, cursor uint64, match []byte, count int64, nowMs int64) (uint64, []FieldValue, error) {
	var out []FieldValue
	next, err := d.collScan(KindHashes, key, cursor, match, count, nowMs, func(f, v []byte) {
		out = append(out, FieldValue{f, v})
	})
	return next, out, err
}

// SScan returns the members visited by one SSCAN step and the next cursor.
func (d *DB) SScan(key []byte, cursor uint64, match []byte, count int64, nowMs int64) (uint64, [][]byte, error) {
	var out [][]byte
	next, err := d.collScan(KindSets, key, cursor, match, count, nowMs, func(m, _ []byte) {
		out = append(out, m)
	})
	return next, out, err
}
