package engine

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Hash writes (spec §2.2): meta `count|version|ts` in CF 0 under the user
// key, one data_cf record `u32le len|key|i32le version|field` → value per
// field. A write on a missing, expired or empty hash starts a new version.

// FieldValue is one hash field and its value.
type FieldValue struct {
	Field []byte
	Value []byte
}

// HSet sets the given fields (HSET with one or several pairs, HMSET) and
// returns how many of them are new. If a field appears twice the last value
// wins. A field set to the value it already has is not rewritten.
func (d *DB) HSet(w Writer, key []byte, pairs []FieldValue) (int64, error) {
	var added int64
	err := d.update(KindHashes, w, func(t *txn) error {
		var err error
		added, err = hashSet(t, key, lastValues(pairs), false)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("hset %q: %w", key, err)
	}
	return added, nil
}

// HMSet sets the given fields, like HSet without the count.
func (d *DB) HMSet(w Writer, key []byte, pairs []FieldValue) error {
	_, err := d.HSet(w, key, pairs)
	return err
}

// HSetNX sets field only if it does not exist and reports whether it did.
func (d *DB) HSetNX(w Writer, key, field, value []byte) (bool, error) {
	var added int64
	err := d.update(KindHashes, w, func(t *txn) error {
		var err error
		added, err = hashSet(t, key, []FieldValue{{field, value}}, true)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("hsetnx %q: %w", key, err)
	}
	return added == 1, nil
}

// lastValues drops every pair whose field appears again later, keeping the
// order of the survivors.
func lastValues(pairs []FieldValue) []FieldValue {
	if len(pairs) < 2 {
		return pairs
	}
	last := make(map[string]int, len(pairs))
	for i, p := range pairs {
		last[string(p.Field)] = i
	}
	if len(last) == len(pairs) {
		return pairs
	}
	out := make([]FieldValue, 0, len(last))
	for i, p := range pairs {
		if last[string(p.Field)] == i {
			out = append(out, p)
		}
	}
	return out
}

// hashSet writes distinct pairs into the hash and returns the number of new
// fields. With nx, existing fields are left alone.
func hashSet(t *txn, key []byte, pairs []FieldValue, nx bool) (int64, error) {
	m, fresh, err := writableBaseMeta(t, key)
	if err != nil {
		return 0, err
	}
	var added int64
	for _, p := range pairs {
		dk := encodeDataKey(key, m.Version, p.Field)
		if !fresh {
			old, err := t.get(cfData, dk)
			switch {
			case err == nil:
				if !nx && !bytes.Equal(old, p.Value) {
					t.put(cfData, dk, p.Value)
				}
				continue
			case !errors.Is(err, ErrNotFound):
				return 0, err
			}
		}
		t.put(cfData, dk, p.Value)
		added++
	}
	if added > 0 {
		if m.Count, err = addCount(m.Count, added); err != nil {
			return 0, err
		}
		t.put(cfMeta, key, m.encode())
	}
	return added, nil
}

// HDel removes fields and returns how many existed. Removing the last field
// leaves a meta with count 0 (an empty hash does not exist).
func (d *DB) HDel(w Writer, key []byte, fields [][]byte) (int64, error) {
	var removed int64
	err := d.update(KindHashes, w, func(t *txn) error {
		removed = 0
		m, _, live, err := loadBaseMeta(t, key, t.now)
		if err != nil || !live {
			return err
		}
		seen := make(map[string]bool, len(fields))
		for _, f := range fields {
			if seen[string(f)] {
				continue
			}
			seen[string(f)] = true
			dk := encodeDataKey(key, m.Version, f)
			if _, err := t.get(cfData, dk); errors.Is(err, ErrNotFound) {
				continue
			} else if err != nil {
				return err
			}
			t.del(cfData, dk)
			removed++
		}
		if removed == 0 {
			return nil
		}
		if m.Count, err = addCount(m.Count, -removed); err != nil {
			return err
		}
		t.put(cfMeta, key, m.encode())
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("hdel %q: %w", key, err)
	}
	return removed, nil
}

// HIncrBy adds incr to the integer in field (0 if absent) and returns the
// new value.
func (d *DB) HIncrBy(w Writer, key, field []byte, incr int64) (int64, error) {
	var result int64
	err := d.update(KindHashes, w, func(t *txn) error {
		return hashUpdateField(t, key, field, func(old []byte, exists bool) ([]byte, error) {
			var cur int64
			if exists {
				n, err := strconv.ParseInt(string(old), 10, 64)
				if err != nil || !isCanonicalInt(old) {
					return nil, ErrHashNotInteger
				}
				cur = n
			}
			if (incr > 0 && cur > math.MaxInt64-incr) || (incr < 0 && cur < math.MinInt64-incr) {
				return nil, ErrOverflow
			}
			result = cur + incr
			return strconv.AppendInt(nil, result, 10), nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("hincrby %q: %w", key, err)
	}
	return result, nil
}

// isCanonicalInt reports whether b is an integer in Redis's strict form
// (no '+', no leading zeros, no spaces).
func isCanonicalInt(b []byte) bool {
	if len(b) == 0 || len(b) > 20 {
		return false
	}
	if b[0] == '-' {
		b = b[1:]
		if len(b) == 0 || b[0] == '0' {
			return false
		}
	}
	if len(b) > 1 && b[0] == '0' {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// HIncrByFloat adds incr (a decimal float) to the number in field (0 if
// absent) in long double arithmetic, stores the result as Pika formats it
// and returns it.
func (d *DB) HIncrByFloat(w Writer, key, field, incr []byte) ([]byte, error) {
	by, ok := parseLongDouble(incr)
	if !ok {
		return nil, ErrNotFloat
	}
	var result []byte
	err := d.update(KindHashes, w, func(t *txn) error {
		return hashUpdateField(t, key, field, func(old []byte, exists bool) ([]byte, error) {
			cur := longDoubleZero()
			if exists {
				f, ok := parseLongDouble(old)
				if !ok {
					return nil, ErrHashNotFloat
				}
				cur = f
			}
			s, ok := addLongDouble(cur, by)
			if !ok {
				return nil, ErrIncrNaNOrInf
			}
			result = []byte(s)
			return result, nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("hincrbyfloat %q: %w", key, err)
	}
	return result, nil
}

// hashUpdateField replaces the value of one field by fn(old value) and
// creates the field (and the hash) if needed.
func hashUpdateField(t *txn, key, field []byte, fn func(old []byte, exists bool) ([]byte, error)) error {
	m, fresh, err := writableBaseMeta(t, key)
	if err != nil {
		return err
	}
	dk := encodeDataKey(key, m.Version, field)
	var old []byte
	exists := false
	if !fresh {
		old, err = t.get(cfData, dk)
		switch {
		case err == nil:
			exists = true
		case !errors.Is(err, ErrNotFound):
			return err
		}
	}
	val, err := fn(old, exists)
	if err != nil {
		return err
	}
	t.put(cfData, dk, val)
	if !exists {
		if m.Count, err = addCount(m.Count, 1); err != nil {
			return err
		}
		t.put(cfMeta, key, m.encode())
	}
	return nil
}
