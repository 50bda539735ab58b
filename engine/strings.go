package engine

import (
	"bytes"
	"errors"
	"fmt"
	"math"
)

// Strings (spec §2.1): one record per key in the default CF of the strings
// instance, value `user value | i32le expiry-seconds`. Bitmaps and
// HyperLogLogs are ordinary string records too (bitmap.go, hyperloglog.go).

// MaxStringLen is the largest string value (Redis's proto-max-bulk-len, 512 MB).
const MaxStringLen = 512 << 20

// strSec converts Unix milliseconds to the seconds Pika compares expiry with.
func strSec(ms int64) int32 { return int32(ms / 1000) }

// liveString decodes a strings record as returned by a get: ErrNotFound if
// the record is absent or expired at nowSec, ErrCorrupt if it cannot be decoded.
func liveString(key, raw []byte, err error, nowSec int32) ([]byte, int32, error) {
	if err != nil {
		return nil, 0, err
	}
	v, ts, err := decodeStringValue(raw)
	if err != nil {
		return nil, 0, fmt.Errorf("%w (key %q)", err, key)
	}
	if isStale(ts, nowSec) {
		return nil, 0, ErrNotFound
	}
	return v, ts, nil
}

// getString reads the live value and expiry of key as committed before this write.
func (t *txn) getString(key []byte) ([]byte, int32, error) {
	raw, err := t.get(cfMeta, key)
	return liveString(key, raw, err, t.now)
}

// putString writes key's record with value and expiry ts (0 = persistent).
func (t *txn) putString(key, value []byte, ts int32) {
	t.put(cfMeta, key, encodeStringValue(value, ts))
}

// getString reads the live value and expiry of key at nowSec.
func (r *reader) getString(key []byte, nowSec int32) ([]byte, int32, error) {
	raw, err := r.get(cfMeta, key)
	return liveString(key, raw, err, nowSec)
}

// readString reads one live string value outside any write. One record
// needs no snapshot, so it reads the instance directly: the only
// allocations are grocksdb's and the returned value.
func (d *DB) readString(key []byte, nowMs int64) ([]byte, int32, error) {
	in, err := d.readable(KindStrings)
	if err != nil {
		return nil, 0, err
	}
	raw, err := in.get(in.ro, cfMeta, key)
	return liveString(key, raw, err, strSec(nowMs))
}

// optionalString turns ErrNotFound into found=false.
func optionalString(v []byte, ts int32, err error) ([]byte, int32, bool, error) {
	if errors.Is(err, ErrNotFound) {
		return nil, 0, false, nil
	}
	return v, ts, err == nil, err
}

// checkExpireAt validates an absolute expiry (Unix seconds) for Pika's int32 field.
func checkExpireAt(at int64) error {
	if at < 0 || at > math.MaxInt32 {
		return ErrInvalidExpire
	}
	return nil
}

// Get returns the value of key, or ErrNotFound if it is missing or expired at nowMs.
func (d *DB) Get(key []byte, nowMs int64) ([]byte, error) {
	v, _, err := d.readString(key, nowMs)
	return v, err
}

// MGet returns the values of keys read from one snapshot; a missing key
// yields a nil entry.
func (d *DB) MGet(keys [][]byte, nowMs int64) ([][]byte, error) {
	r, err := d.read(KindStrings, len(keys) > 1)
	if err != nil {
		return nil, err
	}
	defer r.close()
	out := make([][]byte, len(keys))
	var a copyArena
	for i, k := range keys {
		v, err := r.getStringInto(&a, k, strSec(nowMs))
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// getStringInto reads the live value of key at nowSec from RocksDB's pinned
// memory and copies it into a (ErrNotFound if missing or expired).
func (r *reader) getStringInto(a *copyArena, key []byte, nowSec int32) ([]byte, error) {
	h, err := r.getPinned(cfMeta, key)
	if err != nil {
		return nil, err
	}
	defer h.Destroy()
	v, _, err := liveString(key, h.Data(), nil, nowSec)
	if err != nil {
		return nil, err
	}
	return a.copy(v), nil
}

// Strlen returns the length of key's value (0 if missing).
func (d *DB) Strlen(key []byte, nowMs int64) (int64, error) {
	v, _, _, err := optionalString(d.readString(key, nowMs))
	return int64(len(v)), err
}

// GetRange returns the substring [start, end] of key's value with Redis 7
// index rules (negative counts from the end); empty if missing.
func (d *DB) GetRange(key []byte, start, end, nowMs int64) ([]byte, error) {
	v, _, _, err := optionalString(d.readString(key, nowMs))
	if err != nil {
		return nil, err
	}
	n := int64(len(v))
	if start < 0 && end < 0 && start > end {
		return []byte{}, nil
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start, end = max(start, 0), max(end, 0)
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		return []byte{}, nil
	}
	return v[start : end+1], nil
}

// SetCond is the condition of a SET.
type SetCond int

// SET conditions.
const (
	SetAlways   SetCond = iota
	SetIfAbsent         // NX: only if the key does not exist
	SetIfExists         // XX: only if the key exists
	SetIfEqual          // Pika's VX: only if the current value equals SetOptions.Match
)

// SetOptions are the options of Set.
type SetOptions struct {
	Cond SetCond
	// Match is the value SetIfEqual compares with.
	Match []byte
	// ExpireAt is the absolute expiry in Unix seconds, stored verbatim
	// (0 = no TTL). It must fit Pika's int32 field.
	ExpireAt int64
	// KeepTTL keeps the expiry of an existing live key (Redis KEEPTTL).
	KeepTTL bool
	// Get asks for the previous value in SetResult (SET GET, GETSET).
	Get bool
}

// SetResult reports what Set did.
type SetResult struct {
	// Written is true if the value was stored.
	Written bool
	// Found is true if the key existed (live) before; Old is its value
	// then. Both are only filled when the options needed the old record.
	Found bool
	Old   []byte
}

// Set stores value under key as SET/SETEX/PSETEX/SETNX/GETSET/PKSETEXAT do:
// the record is rewritten with ExpireAt (TTL cleared unless KeepTTL).
func (d *DB) Set(w Writer, key, value []byte, opt SetOptions) (SetResult, error) {
	if err := checkExpireAt(opt.ExpireAt); err != nil {
		return SetResult{}, err
	}
	if opt.Cond == SetAlways && !opt.KeepTTL && !opt.Get {
		// A blind write: it may join w's group.
		var res SetResult
		err := d.updateBlind(KindStrings, w, func(t *txn) {
			t.putString(key, value, int32(opt.ExpireAt))
			res.Written = true
		})
		return res, err
	}
	var res SetResult
	err := d.update(KindStrings, w, func(t *txn) error {
		var oldTS int32
		if opt.Cond != SetAlways || opt.KeepTTL || opt.Get {
			var err error
			res.Old, oldTS, res.Found, err = optionalString(t.getString(key))
			if err != nil {
				return err
			}
		}
		switch opt.Cond {
		case SetIfAbsent:
			if res.Found {
				return nil
			}
		case SetIfExists:
			if !res.Found {
				return nil
			}
		case SetIfEqual:
			if !res.Found || !bytes.Equal(res.Old, opt.Match) {
				return nil
			}
		}
		ts := int32(opt.ExpireAt)
		if opt.KeepTTL && res.Found {
			ts = oldTS
		}
		t.putString(key, value, ts)
		res.Written = true
		return nil
	})
	return res, err
}

// MSet stores every key/value pair of kvs (key, value, key, value, ...)
// without TTL, atomically.
func (d *DB) MSet(w Writer, kvs [][]byte) error {
	if len(kvs)%2 != 0 {
		return fmt.Errorf("mset: odd number of arguments (%d)", len(kvs))
	}
	return d.updateBlind(KindStrings, w, func(t *txn) {
		for i := 0; i < len(kvs); i += 2 {
			t.putString(kvs[i], kvs[i+1], 0)
		}
	})
}

// MSetNX stores the pairs of kvs only if none of the keys exists; it
// reports whether it did.
func (d *DB) MSetNX(w Writer, kvs [][]byte) (bool, error) {
	if len(kvs)%2 != 0 {
		return false, fmt.Errorf("msetnx: odd number of arguments (%d)", len(kvs))
	}
	done := false
	err := d.update(KindStrings, w, func(t *txn) error {
		for i := 0; i < len(kvs); i += 2 {
			_, _, found, err := optionalString(t.getString(kvs[i]))
			if err != nil || found {
				return err
			}
		}
		for i := 0; i < len(kvs); i += 2 {
			t.putString(kvs[i], kvs[i+1], 0)
		}
		done = true
		return nil
	})
	return done, err
}

// GetDel returns key's value and deletes it (ErrNotFound if missing).
func (d *DB) GetDel(w Writer, key []byte) ([]byte, error) {
	var out []byte
	err := d.update(KindStrings, w, func(t *txn) error {
		v, _, err := t.getString(key)
		if err != nil {
			return err
		}
		out = v
		t.del(cfMeta, key)
		return nil
	})
	return out, err
}

// GetExOptions say how GetEx changes the expiry.
type GetExOptions struct {
	// Persist removes the TTL.
	Persist bool
	// ExpireAt, if not 0, is the new absolute expiry in Unix seconds.
	ExpireAt int64
}

// GetEx returns key's value and optionally changes its expiry (GETEX).
func (d *DB) GetEx(w Writer, key []byte, opt GetExOptions) ([]byte, error) {
	if err := checkExpireAt(opt.ExpireAt); err != nil {
		return nil, err
	}
	var out []byte
	err := d.update(KindStrings, w, func(t *txn) error {
		v, ts, err := t.getString(key)
		if err != nil {
			return err
		}
		out = v
		switch {
		case opt.ExpireAt != 0:
			t.putString(key, v, int32(opt.ExpireAt))
		case opt.Persist && ts != 0:
			t.putString(key, v, 0)
		}
		return nil
	})
	return out, err
}

// DelVX deletes key if its value equals value (Pika's DELVX): 1 if deleted,
// -1 if the value differs, 0 if the key is missing.
func (d *DB) DelVX(w Writer, key, value []byte) (int64, error) {
	var ret int64
	err := d.update(KindStrings, w, func(t *txn) error {
		v, _, found, err := optionalString(t.getString(key))
		switch {
		case err != nil:
			return err
		case !found:
			ret = 0
		case bytes.Equal(v, value):
			ret = 1
			t.del(cfMeta, key)
		default:
			ret = -1
		}
		return nil
	})
	return ret, err
}
