package engine

import (
	"bytes"
	"errors"
	"fmt"
)

// This file holds Pika's key-range extensions: PKSCANRANGE, PKRSCANRANGE
// and PKPATTERNMATCHDEL.

// ErrInvalidRange is returned by PKScanRange/PKRScanRange when the start
// and end keys are in the wrong order (Pika: InvalidArgument, replied as a
// syntax error).
var ErrInvalidRange = errors.New("ERR syntax error")

// RangeResult is the result of PKScanRange/PKRScanRange.
type RangeResult struct {
	// Keys are the matching live keys, in scan order.
	Keys [][]byte
	// Values are the string values of Keys when asked for (strings only).
	Values [][]byte
	// Next is the next live key inside the range after the last one
	// visited, or empty when the range is exhausted.
	Next []byte
}

// PKScanRange scans the live keys of kind k from start to end, both
// inclusive (an empty bound is open), visiting at most limit live keys and
// returning those matching pattern. With values set (strings only) it
// returns the string values too. start > end is ErrInvalidRange.
func (d *DB) PKScanRange(k Kind, start, end, pattern []byte, limit int, values bool, nowMs int64) (RangeResult, error) {
	return d.pkScanRange(k, start, end, pattern, limit, values, nowMs, false)
}

// PKRScanRange is PKScanRange backwards: from start down to end (start >=
// end), largest key first.
func (d *DB) PKRScanRange(k Kind, start, end, pattern []byte, limit int, values bool, nowMs int64) (RangeResult, error) {
	return d.pkScanRange(k, start, end, pattern, limit, values, nowMs, true)
}

func (d *DB) pkScanRange(k Kind, start, end, pattern []byte, limit int, values bool, nowMs int64, reverse bool) (RangeResult, error) {
	res := RangeResult{Keys: [][]byte{}, Next: []byte{}}
	if len(start) > 0 && len(end) > 0 {
		c := bytes.Compare(start, end)
		if (!reverse && c > 0) || (reverse && c < 0) {
			return res, ErrInvalidRange
		}
	}
	values = values && k == KindStrings
	now := ksSec(nowMs)
	m := newKSMatcher(pattern)
	r, err := d.read(k, true)
	if err != nil {
		return res, err
	}
	defer r.close()
	it := r.iter(cfMeta, nil, nil)
	defer it.Close()
	inRange := func(key []byte) bool {
		if len(end) == 0 {
			return true
		}
		if reverse {
			return bytes.Compare(key, end) >= 0
		}
		return bytes.Compare(key, end) <= 0
	}
	switch {
	case len(start) == 0 && reverse:
		it.SeekToLast()
	case len(start) == 0:
		it.SeekToFirst()
	case reverse:
		it.SeekForPrev(start)
	default:
		it.Seek(start)
	}
	step := it.Next
	if reverse {
		step = it.Prev
	}
	remain := limit
	for ; it.Valid(); step() {
		key := it.KeyCopy()
		if !inRange(key) {
			break
		}
		raw := it.ValueCopy()
		st, derr := ksDecode(k, raw, now)
		if derr != nil || !st.live {
			continue
		}
		if remain <= 0 {
			res.Next = key
			break
		}
		remain--
		if !m.match(key) {
			continue
		}
		res.Keys = append(res.Keys, key)
		if values {
			v, _, _ := decodeStringValue(raw)
			res.Values = append(res.Values, v)
		}
	}
	if err := it.Err(); err != nil {
		return res, fmt.Errorf("pkscanrange %s: %w", k, err)
	}
	return res, nil
}

// PKPatternMatchDel deletes every live key of kind k matching pattern, as
// DEL does (strings removed, collections re-initialised), in one atomic
// batch, and returns how many it deleted.
func (d *DB) PKPatternMatchDel(w Writer, k Kind, pattern []byte) (int64, error) {
	m := newKSMatcher(pattern)
	var n int64
	err := d.update(k, w, func(t *txn) error {
		it := t.iter(cfMeta, nil, m.upper)
		defer it.Close()
		if from := m.from(nil); from != nil {
			it.Seek(from)
		} else {
			it.SeekToFirst()
		}
		for ; it.Valid(); it.Next() {
			key := it.KeyCopy()
			st, derr := ksDecode(k, it.ValueCopy(), t.now)
			if derr != nil || !st.live || !m.match(key) {
				continue
			}
			if err := ksKill(t, k, key); err != nil {
				return fmt.Errorf("pkpatternmatchdel %s key %q: %w", k, key, err)
			}
			n++
		}
		return it.Err()
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
