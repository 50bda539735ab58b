package engine

import (
	"errors"
	"fmt"
)

// Hash reads. Each takes the current time in Unix ms (expiry is checked
// against it, in whole seconds as Pika stores it). A missing, expired or
// empty hash reads as empty.

func readNowSec(nowMs int64) int32 { return int32(nowMs / 1000) }

// readLive opens a reader of kind k and loads the live meta of key. It
// returns ErrNotFound (with the reader already closed) if the collection
// does not exist; otherwise the caller must close the reader.
func (d *DB) readLive(k Kind, key []byte, nowMs int64, snapshot bool) (*reader, baseMeta, error) {
	r, err := d.read(k, snapshot)
	if err != nil {
		return nil, baseMeta{}, err
	}
	m, err := liveBaseMeta(r, key, readNowSec(nowMs))
	if err != nil {
		r.close()
		return nil, baseMeta{}, err
	}
	return r, m, nil
}

// HGet returns the value of field, or ErrNotFound.
func (d *DB) HGet(key, field []byte, nowMs int64) ([]byte, error) {
	r, m, err := d.readLive(KindHashes, key, nowMs, true)
	if err != nil {
		return nil, err
	}
	defer r.close()
	v, err := r.get(cfData, encodeDataKey(key, m.Version, field))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("hget %q: %w", key, err)
	}
	return v, err
}

// HExists reports whether field exists.
func (d *DB) HExists(key, field []byte, nowMs int64) (bool, error) {
	_, err := d.HGet(key, field, nowMs)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// HStrLen returns the length of the value of field (0 if absent).
func (d *DB) HStrLen(key, field []byte, nowMs int64) (int64, error) {
	v, err := d.HGet(key, field, nowMs)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	return int64(len(v)), err
}

// HMGet returns the values of fields; nil for a missing field.
func (d *DB) HMGet(key []byte, fields [][]byte, nowMs int64) ([][]byte, error) {
	out := make([][]byte, len(fields))
	r, m, err := d.readLive(KindHashes, key, nowMs, true)
	if errors.Is(err, ErrNotFound) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	defer r.close()
	for i, f := range fields {
		v, err := r.get(cfData, encodeDataKey(key, m.Version, f))
		switch {
		case err == nil:
			out[i] = v
		case !errors.Is(err, ErrNotFound):
			return nil, fmt.Errorf("hmget %q: %w", key, err)
		}
	}
	return out, nil
}

// HLen returns the number of fields. It reads the meta's count only.
func (d *DB) HLen(key []byte, nowMs int64) (int64, error) {
	return d.baseCount(KindHashes, key, nowMs)
}

// baseCount returns the element count of a base-meta collection (0 if it does
// not exist).
func (d *DB) baseCount(k Kind, key []byte, nowMs int64) (int64, error) {
	r, m, err := d.readLive(k, key, nowMs, false)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	r.close()
	return int64(m.Count), nil
}

// HGetAll returns every field and value in field order, read from one
// snapshot.
func (d *DB) HGetAll(key []byte, nowMs int64) ([]FieldValue, error) {
	var out []FieldValue
	err := d.eachField(key, nowMs, func(f, v []byte) {
		out = append(out, FieldValue{f, v})
	})
	return out, err
}

// HKeys returns every field in order.
func (d *DB) HKeys(key []byte, nowMs int64) ([][]byte, error) {
	var out [][]byte
	err := d.eachField(key, nowMs, func(f, _ []byte) { out = append(out, f) })
	return out, err
}

// HVals returns every value in field order.
func (d *DB) HVals(key []byte, nowMs int64) ([][]byte, error) {
	var out [][]byte
	err := d.eachField(key, nowMs, func(_, v []byte) { out = append(out, v) })
	return out, err
}

// eachField calls fn for every field of the live hash, from one snapshot.
func (d *DB) eachField(key []byte, nowMs int64, fn func(field, value []byte)) error {
	r, m, err := d.readLive(KindHashes, key, nowMs, true)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	defer r.close()
	return eachData(r, key, m.Version, func(f, v []byte) bool {
		fn(f, v)
		return true
	})
}

// HRandField returns random fields (with their values) chosen from seed,
// with SRANDMEMBER's count semantics: count > 0 gives up to count distinct
// fields in field order, count < 0 exactly -count fields, possibly repeated.
func (d *DB) HRandField(key []byte, count int64, seed uint64, nowMs int64) ([]FieldValue, error) {
	r, m, err := d.readLive(KindHashes, key, nowMs, true)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer r.close()
	var out []FieldValue
	err = randomPick(r, key, m, count, seed, func(f, v []byte) { out = append(out, FieldValue{f, v}) })
	return out, err
}
