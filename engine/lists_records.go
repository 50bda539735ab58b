package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// This file holds the record-level helpers shared by the list operations:
// loading a list's meta, and reading runs of its dense element records.

// ListEnd names an end of a list (LMOVE's LEFT and RIGHT).
type ListEnd int

// The two ends of a list.
const (
	ListLeft ListEnd = iota
	ListRight
)

// listSource is what list helpers read from: a write transaction (committed
// state, writers serialised) or a reader (optionally a snapshot).
type listSource interface {
	get(cf int, key []byte) ([]byte, error)
	iter(cf int, lower, upper []byte) *Iter
}

// loadListMeta reads the meta of key. live is false when the list is
// missing, expired at nowSec or empty; found tells whether a meta record
// exists at all (its version then matters for the next version).
func loadListMeta(src listSource, key []byte, nowSec int32) (m listMeta, found, live bool, err error) {
	raw, err := src.get(cfMeta, key)
	if errors.Is(err, ErrNotFound) {
		return listMeta{}, false, false, nil
	}
	if err != nil {
		return listMeta{}, false, false, fmt.Errorf("list %q: %w", key, err)
	}
	m, err = decodeListMeta(raw)
	if err != nil {
		return listMeta{}, true, false, fmt.Errorf("list %q: %w", key, err)
	}
	live = !isStale(m.TS, nowSec) && m.Count > 0
	if live && (m.Count >= 1<<63 || m.Right-m.Left-1 != m.Count) {
		return listMeta{}, true, false, fmt.Errorf("%w: list %q: count %d does not match indices %#x..%#x",
			ErrCorrupt, key, m.Count, m.Left, m.Right)
	}
	return m, true, live, nil
}

// liveListMeta is loadListMeta for reads: ErrNotFound unless the list is live.
func liveListMeta(src listSource, key []byte, nowSec int32) (listMeta, error) {
	m, _, live, err := loadListMeta(src, key, nowSec)
	if err != nil {
		return listMeta{}, err
	}
	if !live {
		return listMeta{}, ErrNotFound
	}
	return m, nil
}

// initialListMeta is Pika's InitialMetaValue for a list whose previous
// version was old (0 if there was no meta): empty, no TTL, sentinels reset,
// version bumped.
func initialListMeta(old, nowSec int32) listMeta {
	return listMeta{Version: nextVersion(old, nowSec), Left: listInitialLeft, Right: listInitialRight}
}

// position returns the record index of Redis position pos (negative counts
// from the tail) and whether it lies inside the list.
func (m listMeta) position(pos int64) (uint64, bool) {
	if pos >= 0 {
		if uint64(pos) >= m.Count {
			return 0, false
		}
		return m.Left + 1 + uint64(pos), true
	}
	if pos == -pos || uint64(-pos) > m.Count { // -pos overflows only for MinInt64
		return 0, false
	}
	return m.Right - uint64(-pos), true
}

// normalizeRange clips Redis start/stop positions (LRANGE, LTRIM) to a list
// of n elements. ok is false when the range is empty.
func normalizeRange(start, stop int64, n uint64) (from, to uint64, ok bool) {
	ln := int64(n) // n < 2^63: indices live between the two sentinels
	if start < 0 {
		start += ln
	}
	if stop < 0 {
		stop += ln
	}
	if start < 0 {
		start = 0
	}
	if start > stop || start >= ln {
		return 0, 0, false
	}
	if stop >= ln {
		stop = ln - 1
	}
	return uint64(start), uint64(stop), true
}

// listIndexOf decodes the element index of a list data key of user key key.
func listIndexOf(raw, key []byte) (uint64, error) {
	if len(raw) != 16+len(key) {
		return 0, fmt.Errorf("%w: list data key of %d bytes for key of %d", ErrCorrupt, len(raw), len(key))
	}
	return binary.LittleEndian.Uint64(raw[len(raw)-8:]), nil
}

// scanList visits the elements with record indices from..to (inclusive,
// from <= to) of version version of key, in order (or backwards when
// reverse), until fn returns false. The value passed to fn is only valid
// during the call. A missing record is reported as corruption: indices
// between the sentinels are always dense.
func scanList(src listSource, key []byte, version int32, from, to uint64, reverse bool,
	fn func(idx uint64, val []byte) (bool, error)) error {
	it := src.iter(cfData, encodeListDataKey(key, version, from), encodeListDataKey(key, version, to+1))
	defer it.Close()
	want := from
	if reverse {
		want = to
		it.SeekToLast()
	} else {
		it.SeekToFirst()
	}
	for ; it.Valid(); listStep(it, reverse) {
		k := it.Key()
		idx, err := listIndexOf(k.Data(), key)
		k.Free()
		if err != nil {
			return err
		}
		if idx != want {
			return listHole(key, want)
		}
		v := it.Value()
		more, err := fn(idx, v.Data())
		v.Free()
		if err != nil || !more {
			return err
		}
		if (!reverse && idx == to) || (reverse && idx == from) {
			return nil
		}
		if reverse {
			want--
		} else {
			want++
		}
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("scan list %q: %w", key, err)
	}
	return listHole(key, want)
}

func listStep(it *Iter, reverse bool) {
	if reverse {
		it.Prev()
	} else {
		it.Next()
	}
}

// readList returns copies of the elements with record indices from..to.
func readList(src listSource, key []byte, version int32, from, to uint64) ([][]byte, error) {
	out := make([][]byte, 0, min(to-from+1, 1024))
	var a copyArena
	err := scanList(src, key, version, from, to, false, func(_ uint64, val []byte) (bool, error) {
		out = append(out, a.copy(val))
		return true, nil
	})
	return out, err
}

// listHole is the error for a missing element record between the sentinels.
func listHole(key []byte, idx uint64) error {
	return fmt.Errorf("%w: list %q: element %#x missing", ErrCorrupt, key, idx)
}
