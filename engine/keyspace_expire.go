package engine

import (
	"fmt"
	"math"
)

// This file holds EXPIRE and friends, TTL and PERSIST over the five types
// that carry a TTL (streams have none, spec §2.6, §3.1).

// ExpireCond holds Redis 7's EXPIRE options (NX, XX, GT, LT; several may
// be combined), checked per type against that type's current expiry.
type ExpireCond uint8

// Expire conditions. ExpireAlways (no option) is the zero value.
const (
	ExpireNX     ExpireCond = 1 << iota // only if the key has no expiry
	ExpireXX                            // only if the key has an expiry
	ExpireGT                            // only if the new expiry is later (no expiry counts as infinite)
	ExpireLT                            // only if the new expiry is earlier (no expiry counts as infinite)
	ExpireAlways ExpireCond = 0
)

// allows reports whether a key whose expiry is cur (0 = none) may take the
// new absolute expiry at (seconds).
func (c ExpireCond) allows(cur int32, at int64) bool {
	switch {
	case c&ExpireNX != 0 && cur != 0,
		c&ExpireXX != 0 && cur == 0,
		c&ExpireGT != 0 && (cur == 0 || at <= int64(cur)),
		c&ExpireLT != 0 && cur != 0 && at >= int64(cur):
		return false
	}
	return true
}

// Expire sets a TTL of ttlSec seconds on key in every type that has it
// live (EXPIRE) and returns the number of types changed. ttlSec <= 0
// deletes the key as DEL does (strings removed, collections re-initialised
// with a new version). The new expiry now+ttl must fit Pika's int32
// seconds, else ErrInvalidExpire.
func (d *DB) Expire(w Writer, key []byte, ttlSec int64, cond ExpireCond) (int64, error) {
	now := int64(w.nowSec())
	if ttlSec > 0 && ttlSec > math.MaxInt32-now {
		return 0, ErrInvalidExpire
	}
	if ttlSec <= 0 {
		if ttlSec < math.MinInt32 {
			ttlSec = math.MinInt32 // only compared with expiries, never stored
		}
		return d.expireAt(w, key, 0, now+ttlSec, cond)
	}
	return d.expireAt(w, key, int32(now+ttlSec), now+ttlSec, cond)
}

// PExpire is Expire with a TTL in milliseconds, truncated to seconds as
// Pika does (so a TTL under 1000 ms deletes the key).
func (d *DB) PExpire(w Writer, key []byte, ttlMs int64, cond ExpireCond) (int64, error) {
	return d.Expire(w, key, ttlMs/1000, cond)
}

// ExpireAt sets the absolute expiry tsSec (Unix seconds) on key in every
// type that has it live (EXPIREAT). tsSec <= 0 deletes as DEL does; a past
// positive time is stored as is (the key reads as expired at once, as in
// Pika). tsSec beyond int32 is ErrInvalidExpire.
func (d *DB) ExpireAt(w Writer, key []byte, tsSec int64, cond ExpireCond) (int64, error) {
	if tsSec > math.MaxInt32 {
		return 0, ErrInvalidExpire
	}
	if tsSec <= 0 {
		return d.expireAt(w, key, 0, tsSec, cond)
	}
	return d.expireAt(w, key, int32(tsSec), tsSec, cond)
}

// PExpireAt is ExpireAt with a time in Unix milliseconds, truncated to seconds.
func (d *DB) PExpireAt(w Writer, key []byte, tsMs int64, cond ExpireCond) (int64, error) {
	return d.ExpireAt(w, key, tsMs/1000, cond)
}

// expireAt stores ts (0 = kill the key) in every TTL-carrying type where
// key is live and cond allows at (the requested absolute time, used only
// for the condition).
func (d *DB) expireAt(w Writer, key []byte, ts int32, at int64, cond ExpireCond) (int64, error) {
	var total int64
	for _, k := range ksTTLKinds {
		changed := false
		err := d.update(k, w, func(t *txn) error {
			st, err := ksGet(k, t.get, key, t.now)
			if err != nil || !st.live || !cond.allows(st.ts, at) {
				return err
			}
			changed = true
			if ts == 0 {
				return ksKill(t, k, key)
			}
			return ksSetTS(t, k, key, ts)
		})
		if err != nil {
			return total, fmt.Errorf("expire %s key %q: %w", k, key, err)
		}
		if changed {
			total++
		}
	}
	return total, nil
}

// ksSetTS rewrites the expiry of a live key of kind k (not streams).
func ksSetTS(t *txn, k Kind, key []byte, ts int32) error {
	raw, err := t.get(cfMeta, key)
	if err != nil {
		return err
	}
	switch k {
	case KindStrings:
		v, _, err := decodeStringValue(raw)
		if err != nil {
			return err
		}
		t.put(cfMeta, key, encodeStringValue(v, ts))
	case KindHashes, KindSets, KindZSets:
		m, err := decodeBaseMeta(raw)
		if err != nil {
			return err
		}
		m.TS = ts
		t.put(cfMeta, key, m.encode())
	case KindLists:
		m, err := decodeListMeta(raw)
		if err != nil {
			return err
		}
		m.TS = ts
		t.put(cfMeta, key, m.encode())
	default:
		return fmt.Errorf("%w: %s has no TTL", ErrCorrupt, k)
	}
	return nil
}

// Persist removes the expiry of key in every type where it is live and has
// one, and returns the number of types changed.
func (d *DB) Persist(w Writer, key []byte) (int64, error) {
	var total int64
	for _, k := range ksTTLKinds {
		changed := false
		err := d.update(k, w, func(t *txn) error {
			st, err := ksGet(k, t.get, key, t.now)
			if err != nil || !st.live || st.ts == 0 {
				return err
			}
			changed = true
			return ksSetTS(t, k, key, 0)
		})
		if err != nil {
			return total, fmt.Errorf("persist %s key %q: %w", k, key, err)
		}
		if changed {
			total++
		}
	}
	return total, nil
}

// TTL returns the remaining time to live of key in seconds, from the first
// of string, hash, list, zset, set in which it exists: -2 if it exists in
// none (or the expiry has passed), -1 if it has no expiry (Pika's TtlCmd).
func (d *DB) TTL(key []byte, nowMs int64) (int64, error) {
	now := ksSec(nowMs)
	for _, k := range ksTTLKinds {
		var st ksState
		err := d.withReader(k, false, func(r *reader) error {
			var err error
			st, err = ksGet(k, r.get, key, now)
			return err
		})
		if err != nil {
			return 0, err
		}
		if !st.live {
			continue
		}
		if st.ts == 0 {
			return -1, nil
		}
		return int64(st.ts) - int64(now), nil
	}
	return -2, nil
}

// PTTL is TTL in milliseconds. Pika keeps seconds, so like Pika's PttlCmd
// it is TTL*1000 (and -1/-2 unchanged).
func (d *DB) PTTL(key []byte, nowMs int64) (int64, error) {
	ttl, err := d.TTL(key, nowMs)
	if err != nil || ttl < 0 {
		return ttl, err
	}
	return ttl * 1000, nil
}
