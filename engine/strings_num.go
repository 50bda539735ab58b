package engine

import (
	"math"
	"strconv"
)

// In-place string updates: INCR*/DECR*, INCRBYFLOAT, APPEND, SETRANGE. All
// of them keep the expiry of a live key; on a missing or expired key they
// create the value without TTL (spec §2.1).

// parseStrInt64 parses a stored value as Redis's string2ll does: optional
// '-', no '+', no spaces, no leading zeros.
func parseStrInt64(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	digits := b
	if b[0] == '-' {
		digits = b[1:]
	}
	if len(digits) == 0 || digits[0] == '0' && len(b) > 1 {
		return 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil
}

// IncrBy adds by to the integer value of key (INCR, INCRBY, DECR, DECRBY)
// and returns the new value.
func (d *DB) IncrBy(w Writer, key []byte, by int64) (int64, error) {
	var n int64
	err := d.update(KindStrings, w, func(t *txn) error {
		v, ts, found, err := optionalString(t.getString(key))
		if err != nil {
			return err
		}
		n = by
		if found {
			cur, ok := parseStrInt64(v)
			if !ok {
				return ErrNotInteger
			}
			if by > 0 && cur > math.MaxInt64-by || by < 0 && cur < math.MinInt64-by {
				return ErrOverflow
			}
			n = cur + by
		}
		t.putString(key, strconv.AppendInt(nil, n, 10), ts)
		return nil
	})
	return n, err
}

// IncrByFloat adds the decimal incr to key's value in long double
// precision (longdouble.go) and returns the new value as stored.
func (d *DB) IncrByFloat(w Writer, key, incr []byte) ([]byte, error) {
	by, ok := parseLongDouble(incr)
	if !ok {
		return nil, ErrNotFloat
	}
	var out []byte
	err := d.update(KindStrings, w, func(t *txn) error {
		v, ts, found, err := optionalString(t.getString(key))
		if err != nil {
			return err
		}
		cur := longDoubleZero()
		if found {
			if cur, ok = parseLongDouble(v); !ok {
				return ErrNotFloat
			}
		}
		sum, ok := addLongDouble(cur, by)
		if !ok {
			return ErrIncrNaNOrInf
		}
		out = []byte(sum)
		t.putString(key, out, ts)
		return nil
	})
	return out, err
}

// Append appends value to key's value and returns the new length.
func (d *DB) Append(w Writer, key, value []byte) (int64, error) {
	var n int64
	err := d.update(KindStrings, w, func(t *txn) error {
		v, ts, found, err := optionalString(t.getString(key))
		if err != nil {
			return err
		}
		if !found {
			t.putString(key, value, 0)
			n = int64(len(value))
			return nil
		}
		if int64(len(v))+int64(len(value)) > MaxStringLen {
			return ErrStringTooLong
		}
		t.putString(key, append(v, value...), ts)
		n = int64(len(v) + len(value))
		return nil
	})
	return n, err
}

// SetRange overwrites key's value from byte offset with value, padding
// with zero bytes, and returns the new length. An empty value changes
// nothing (and creates no key).
func (d *DB) SetRange(w Writer, key []byte, offset int64, value []byte) (int64, error) {
	if offset < 0 {
		return 0, ErrOffsetRange
	}
	var n int64
	err := d.update(KindStrings, w, func(t *txn) error {
		v, ts, _, err := optionalString(t.getString(key))
		if err != nil {
			return err
		}
		n = int64(len(v))
		if len(value) == 0 {
			return nil
		}
		if offset > MaxStringLen-int64(len(value)) {
			return ErrStringTooLong
		}
		end := int(offset) + len(value)
		if end > len(v) {
			v = append(v, make([]byte, end-len(v))...)
		}
		copy(v[offset:], value)
		t.putString(key, v, ts)
		n = int64(len(v))
		return nil
	})
	return n, err
}
