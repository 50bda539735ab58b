package engine

import (
	"bytes"
	"errors"
)

// Pika's own hash scans (RedisHashes::HScanx, PKHScanRange, PKHRScanRange
// in redis_hashes.cc). They take and return field names instead of numeric
// cursors and visit fields in byte order.

// HScanX visits up to count fields starting at field start (inclusive),
// returns those matching match, and the field the next call should start
// at ("" when the hash has no more) — Pika's HSCANX.
func (d *DB) HScanX(key, start, match []byte, count int64, nowMs int64) ([]FieldValue, []byte, error) {
	return d.pkHScan(key, start, nil, false, match, count, nowMs)
}

// PKHScanRange visits up to limit fields in [start, end] in ascending order
// (an empty start or end is unbounded), returns those matching match, and
// the next field inside the range ("" if none) — Pika's PKHSCANRANGE.
// start > end is ErrInvalidRange, as for PKSCANRANGE.
func (d *DB) PKHScanRange(key, start, end, match []byte, limit int64, nowMs int64) ([]FieldValue, []byte, error) {
	if len(start) > 0 && len(end) > 0 && bytes.Compare(start, end) > 0 {
		return nil, nil, ErrInvalidRange
	}
	return d.pkHScan(key, start, end, false, match, limit, nowMs)
}

// PKHRScanRange is PKHScanRange in descending order: fields from start down
// to end (start >= end; empty is unbounded) — Pika's PKHRSCANRANGE.
func (d *DB) PKHRScanRange(key, start, end, match []byte, limit int64, nowMs int64) ([]FieldValue, []byte, error) {
	if len(start) > 0 && len(end) > 0 && bytes.Compare(start, end) < 0 {
		return nil, nil, ErrInvalidRange
	}
	return d.pkHScan(key, start, end, true, match, limit, nowMs)
}

// pkHScan walks the fields of key from start towards end (nil: unbounded)
// visiting at most limit of them.
func (d *DB) pkHScan(key, start, end []byte, reverse bool, match []byte, limit int64, nowMs int64) ([]FieldValue, []byte, error) {
	r, m, err := d.readLive(KindHashes, key, nowMs, true)
	if errors.Is(err, ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	defer r.close()
	matchAll := len(match) == 0 || IsMatchAll(match)
	prefix, upper := dataRange(key, m.Version)
	it := r.iter(cfData, prefix, upper)
	defer it.Close()
	switch {
	case len(start) == 0 && reverse:
		it.SeekToLast()
	case len(start) == 0:
		it.SeekToFirst()
	case reverse:
		it.SeekForPrev(append(append([]byte{}, prefix...), start...))
	default:
		it.Seek(append(append([]byte{}, prefix...), start...))
	}
	// inRange reports whether field has not passed end.
	inRange := func(field []byte) bool {
		if len(end) == 0 {
			return true
		}
		c := bytes.Compare(field, end)
		return (!reverse && c <= 0) || (reverse && c >= 0)
	}
	var out []FieldValue
	for remain := limit; it.Valid() && remain > 0; remain-- {
		field := it.KeyCopy()[len(prefix):]
		if !inRange(field) {
			break
		}
		if matchAll || GlobMatch(match, field, false) {
			out = append(out, FieldValue{field, it.ValueCopy()})
		}
		if reverse {
			it.Prev()
		} else {
			it.Next()
		}
	}
	if err := it.Err(); err != nil {
		return nil, nil, err
	}
	var next []byte
	if it.Valid() {
		if field := it.KeyCopy()[len(prefix):]; inRange(field) {
			next = field
		}
	}
	return out, next, nil
}
