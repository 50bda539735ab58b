package engine

import (
	"bytes"
	"errors"
	"fmt"
)

// This file walks the key space: SCAN, SCANX, KEYS, DBSIZE and key
// statistics. Keys are the meta (strings: value) records of each instance.
// A name that lives in several types is listed once per type, as Pika does.

// ErrInvalidCursor is returned for a SCAN cursor no scan could have produced.
var ErrInvalidCursor = errors.New("ERR invalid cursor")

// ScanOptions are SCAN's MATCH, COUNT and TYPE options.
type ScanOptions struct {
	// Match is a glob pattern (GlobMatch); empty or "*" matches every key.
	Match []byte
	// Count is the number of records to visit in this call (default 10).
	// Like Redis' COUNT it bounds the work, not the number of keys returned.
	Count int
	// Type restricts the scan to one kind when HasType is set.
	Type    Kind
	HasType bool
}

// ksMatcher filters keys by a glob pattern and knows the literal prefix
// every matching key starts with, so walks can seek past the rest.
type ksMatcher struct {
	pattern []byte
	all     bool
	lit     []byte // keys must start with lit
	upper   []byte // prefixUpperBound(lit), nil for none
}

func newKSMatcher(pattern []byte) ksMatcher {
	if len(pattern) == 0 || IsMatchAll(pattern) {
		return ksMatcher{all: true}
	}
	m := ksMatcher{pattern: pattern}
	i := bytes.IndexAny(pattern, `*?[\`)
	if i < 0 {
		i = len(pattern)
	}
	if i > 0 {
		m.lit = pattern[:i]
		m.upper = prefixUpperBound(m.lit)
	}
	return m
}

func (m ksMatcher) match(key []byte) bool { return m.all || GlobMatch(m.pattern, key, false) }

// from returns where a walk starting at start must begin.
func (m ksMatcher) from(start []byte) []byte {
	if bytes.Compare(start, m.lit) < 0 {
		return m.lit
	}
	return start
}

// ksWalk visits the records of kind k's meta CF from key `from` (nil: the
// first) below upper (nil: no bound) in one snapshot, calling fn with each
// key (valid only during the call) and its decoded state; corrupt records
// count as dead. fn returns false to stop.
func (d *DB) ksWalk(k Kind, from, upper []byte, nowSec int32, fn func(key []byte, st ksState) bool) error {
	r, err := d.read(k, true)
	if err != nil {
		return err
	}
	defer r.close()
	it := r.iter(cfMeta, nil, upper)
	defer it.Close()
	if from == nil {
		it.SeekToFirst()
	} else {
		it.Seek(from)
	}
	for ; it.Valid(); it.Next() {
		ks, vs := it.Key(), it.Value()
		st, derr := ksDecode(k, vs.Data(), nowSec)
		if derr != nil {
			st = ksState{}
		}
		cont := fn(ks.Data(), st)
		ks.Free()
		vs.Free()
		if !cont {
			return nil
		}
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("scan %s: %w", k, err)
	}
	return nil
}

// Scan returns the keys found from cursor on (0 = start), visiting about
// o.Count records, and the cursor to continue with (0 when the scan is
// complete). Kinds are scanned in the order strings, hashes, sets, lists,
// zsets, streams. See keyspace_cursor.go for the cursor's guarantees.
func (d *DB) Scan(cursor uint64, o ScanOptions, nowMs int64) (uint64, [][]byte, error) {
	count := o.Count
	if count <= 0 {
		count = 10
	}
	now := ksSec(nowMs)
	m := newKSMatcher(o.Match)
	startPos, start, fallback := 0, []byte(nil), false
	if cursor != 0 {
		c, ok := decodeKSCursor(cursor)
		if !ok {
			return 0, nil, ErrInvalidCursor
		}
		startPos = c.kindPos
		if key, ok := d.scans.lookup(c); ok {
			start = key
		} else {
			start, fallback = c.prefix, true
		}
	}
	keys := [][]byte{}
	visited := 0
	for pos := startPos; pos < len(Kinds); pos++ {
		k := Kinds[pos]
		if o.HasType && k != o.Type {
			continue
		}
		var from []byte
		if pos == startPos {
			from = start
		}
		var next []byte
		err := d.ksWalk(k, m.from(from), m.upper, now, func(key []byte, st ksState) bool {
			if visited >= count {
				// A resumed-at-prefix scan must get past its prefix (see above).
				if !(fallback && pos == startPos && bytes.Equal(ksCursorPrefix(key), start)) {
					next = append([]byte{}, key...)
					return false
				}
			}
			visited++
			if st.live && m.match(key) {
				keys = append(keys, append([]byte{}, key...))
			}
			return true
		})
		if err != nil {
			return 0, nil, err
		}
		if next != nil {
			id := d.scans.put(pos, next)
			c := ksCursor{kindPos: pos, prefix: append([]byte{}, ksCursorPrefix(next)...), id: id}
			return c.encode(), keys, nil
		}
	}
	return 0, keys, nil
}

// ScanX is Pika's SCANX: scan kind k from key start (inclusive, "" = the
// first key), visiting count records, and return the matching live keys
// and the key to continue from ("" when the end was reached).
func (d *DB) ScanX(k Kind, start, match []byte, count int, nowMs int64) ([]byte, [][]byte, error) {
	if count <= 0 {
		count = 10
	}
	m := newKSMatcher(match)
	keys := [][]byte{}
	next := []byte{}
	visited := 0
	err := d.ksWalk(k, m.from(start), m.upper, ksSec(nowMs), func(key []byte, st ksState) bool {
		if visited >= count {
			next = append([]byte{}, key...)
			return false
		}
		visited++
		if st.live && m.match(key) {
			keys = append(keys, append([]byte{}, key...))
		}
		return true
	})
	if err != nil {
		return nil, nil, err
	}
	return next, keys, nil
}

// Keys returns every live key matching pattern in the given kinds (all
// kinds when none are given), kind by kind in Kinds order, each kind's keys
// sorted. A name that lives in two types is listed twice, as in Pika.
func (d *DB) Keys(pattern []byte, nowMs int64, kinds ...Kind) ([][]byte, error) {
	if len(kinds) == 0 {
		kinds = Kinds
	}
	m := newKSMatcher(pattern)
	keys := [][]byte{}
	for _, k := range kinds {
		err := d.ksWalk(k, m.from(nil), m.upper, ksSec(nowMs), func(key []byte, st ksState) bool {
			if st.live && m.match(key) {
				keys = append(keys, append([]byte{}, key...))
			}
			return true
		})
		if err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// KindStats counts the records of one kind, as Pika's INFO keyspace does.
type KindStats struct {
	Kind    Kind
	Keys    int64 // live keys
	Expires int64 // live keys with a TTL
	Invalid int64 // records of expired or deleted keys not yet compacted away
}

// KeyStats walks every instance and counts its keys at nowMs.
func (d *DB) KeyStats(nowMs int64) ([]KindStats, error) {
	out := make([]KindStats, 0, len(Kinds))
	for _, k := range Kinds {
		s := KindStats{Kind: k}
		err := d.ksWalk(k, nil, nil, ksSec(nowMs), func(_ []byte, st ksState) bool {
			switch {
			case !st.live:
				s.Invalid++
			case st.ts != 0:
				s.Keys++
				s.Expires++
			default:
				s.Keys++
			}
			return true
		})
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// DBSize returns the number of live keys, a name counting once per type it
// lives in (the number of entries KEYS * lists). It walks every key: O(n).
func (d *DB) DBSize(nowMs int64) (int64, error) {
	stats, err := d.KeyStats(nowMs)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, s := range stats {
		n += s.Keys
	}
	return n, nil
}
