package engine

import (
	"errors"
	"fmt"
	"strconv"
)

// This file holds the key-space operations that look at one key in every
// type (spec §2.10): DEL, EXISTS, TYPE, PTYPE. The six instances are
// independent namespaces, so one name can count once per type.

// ksTypeOrder is the order in which TYPE and TTL report a key that lives in
// several types (Pika's GetType/TTL): string, hash, list, zset, set. Streams
// come last; Pika never reports them (see TypeName).
var ksTypeOrder = []Kind{KindStrings, KindHashes, KindLists, KindZSets, KindSets, KindStreams}

// ksTTLKinds are the kinds that carry a TTL (everything but streams), in
// Pika's TTL order.
var ksTTLKinds = ksTypeOrder[:5]

// TypeName returns the Redis type name of a kind ("string", "hash", "set",
// "list", "zset", "stream").
func (k Kind) TypeName() string {
	switch k {
	case KindStrings:
		return "string"
	case KindHashes:
		return "hash"
	case KindSets:
		return "set"
	case KindLists:
		return "list"
	case KindZSets:
		return "zset"
	case KindStreams:
		return "stream"
	}
	return "none"
}

// KindByTypeName maps a Redis type name (case-insensitive) to its kind.
func KindByTypeName(name []byte) (Kind, bool) {
	for _, k := range Kinds {
		if ksEqualFold(name, k.TypeName()) {
			return k, true
		}
	}
	return 0, false
}

func ksEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if lowerByte(b[i]) != lowerByte(s[i]) {
			return false
		}
	}
	return true
}

// ksState is what the key-space commands need to know about the meta (or
// string) record of one key in one kind.
type ksState struct {
	live bool  // exists, not expired, not empty
	ts   int32 // absolute expiry in seconds, 0 = none (streams: always 0)
}

// ksDecode interprets the raw meta/string record of kind k at nowSec.
func ksDecode(k Kind, raw []byte, nowSec int32) (ksState, error) {
	switch k {
	case KindStrings:
		_, ts, err := decodeStringValue(raw)
		if err != nil {
			return ksState{}, err
		}
		return ksState{live: !isStale(ts, nowSec), ts: ts}, nil
	case KindHashes, KindSets, KindZSets:
		m, err := decodeBaseMeta(raw)
		if err != nil {
			return ksState{}, err
		}
		return ksState{live: m.Count > 0 && !isStale(m.TS, nowSec), ts: m.TS}, nil
	case KindLists:
		m, err := decodeListMeta(raw)
		if err != nil {
			return ksState{}, err
		}
		return ksState{live: m.Count > 0 && !isStale(m.TS, nowSec), ts: m.TS}, nil
	case KindStreams:
		m, err := decodeStreamMeta(raw)
		if err != nil {
			return ksState{}, err
		}
		return ksState{live: m.Length > 0}, nil
	}
	return ksState{}, fmt.Errorf("%w: unknown kind %d", ErrCorrupt, int(k))
}

// ksGet reads the state of key in kind k through get (a reader's or a
// txn's). A missing record is a dead state, not an error.
func ksGet(k Kind, get func(cf int, key []byte) ([]byte, error), key []byte, nowSec int32) (ksState, error) {
	raw, err := get(cfMeta, key)
	if errors.Is(err, ErrNotFound) {
		return ksState{}, nil
	}
	if err != nil {
		return ksState{}, err
	}
	st, err := ksDecode(k, raw, nowSec)
	if err != nil {
		return ksState{}, fmt.Errorf("%s key %q: %w", k, key, err)
	}
	return st, nil
}

// ksKill makes a live key of kind k disappear the way Pika's DEL does:
// strings are deleted, hashes/sets/zsets/lists get InitialMetaValue (count
// 0, no TTL, version bumped with the max(now, old+1) rule; list indices
// reset), streams get InitMetaValue (all zero, version+1). Data records are
// left for the compaction filters (spec §3.2).
func ksKill(t *txn, k Kind, key []byte) error {
	if k == KindStrings {
		t.del(cfMeta, key)
		return nil
	}
	raw, err := t.get(cfMeta, key)
	if err != nil {
		return err
	}
	switch k {
	case KindHashes, KindSets, KindZSets:
		m, err := decodeBaseMeta(raw)
		if err != nil {
			return err
		}
		t.put(cfMeta, key, baseMeta{Version: nextVersion(m.Version, t.now)}.encode())
	case KindLists:
		m, err := decodeListMeta(raw)
		if err != nil {
			return err
		}
		t.put(cfMeta, key, listMeta{Version: nextVersion(m.Version, t.now),
			Left: listInitialLeft, Right: listInitialRight}.encode())
	case KindStreams:
		m, err := decodeStreamMeta(raw)
		if err != nil {
			return err
		}
		t.put(cfMeta, key, streamMeta{Version: m.Version + 1}.encode())
	}
	return nil
}

// Del deletes keys in all six types (DEL/UNLINK) and returns how many
// (key, type) pairs existed: a name that is both a string and a hash counts
// 2. A key named twice counts once. Each instance is written in one atomic
// batch.
func (d *DB) Del(w Writer, keys ...[]byte) (int64, error) {
	var total int64
	for _, k := range Kinds {
		var n int64
		err := d.update(k, w, func(t *txn) error {
			seen := make(map[string]bool, len(keys))
			for _, key := range keys {
				if seen[string(key)] {
					continue
				}
				seen[string(key)] = true
				st, err := ksGet(k, t.get, key, t.now)
				if err != nil {
					return err
				}
				if !st.live {
					continue
				}
				if err := ksKill(t, k, key); err != nil {
					return fmt.Errorf("del %s key %q: %w", k, key, err)
				}
				n++
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

// Exists counts, for every key given (repeats count again), the types
// among string, hash, set, list and zset in which it is live (Pika's
// Storage::Exists; streams are not counted).
func (d *DB) Exists(keys [][]byte, nowMs int64) (int64, error) {
	now := ksSec(nowMs)
	var n int64
	for _, k := range ksTTLKinds {
		err := d.withReader(k, len(keys) > 1, func(r *reader) error {
			for _, key := range keys {
				st, err := ksGet(k, r.get, key, now)
				if err != nil {
					return err
				}
				if st.live {
					n++
				}
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	return n, nil
}

// Type returns the type of key: the first live one in the order string,
// hash, list, zset, set, then stream; "none" if it exists in no type.
// (Pika 3.5.5 never reports "stream"; pikaraft does for a key that is only
// a stream, as Redis would.)
func (d *DB) Type(key []byte, nowMs int64) (string, error) {
	types, err := d.types(key, nowMs, true)
	if err != nil {
		return "", err
	}
	if len(types) == 0 {
		return "none", nil
	}
	return types[0], nil
}

// PType returns every type key is live in, in TYPE's order, or ["none"]
// (Pika's PTYPE).
func (d *DB) PType(key []byte, nowMs int64) ([]string, error) {
	types, err := d.types(key, nowMs, false)
	if err != nil {
		return nil, err
	}
	if len(types) == 0 {
		return []string{"none"}, nil
	}
	return types, nil
}

func (d *DB) types(key []byte, nowMs int64, first bool) ([]string, error) {
	now := ksSec(nowMs)
	var out []string
	for _, k := range ksTypeOrder {
		var st ksState
		err := d.withReader(k, false, func(r *reader) error {
			var err error
			st, err = ksGet(k, r.get, key, now)
			return err
		})
		if err != nil {
			return nil, err
		}
		if st.live {
			out = append(out, k.TypeName())
			if first {
				break
			}
		}
	}
	return out, nil
}

// withReader runs fn with a reader of kind k (a snapshot if asked).
func (d *DB) withReader(k Kind, snapshot bool, fn func(r *reader) error) error {
	r, err := d.read(k, snapshot)
	if err != nil {
		return err
	}
	defer r.close()
	return fn(r)
}

// ksSec converts Unix milliseconds to Pika's int32 seconds.
func ksSec(ms int64) int32 { return int32(ms / 1000) }

// Encoding returns what OBJECT ENCODING reports for key (the first live
// type in TYPE's order), in Redis' vocabulary: a string is "int" if it is a
// canonical 64-bit integer, "embstr" up to 44 bytes, else "raw"; a hash or
// set "hashtable", a list "quicklist", a zset "skiplist", a stream
// "stream". The data really sits in RocksDB records (one per element), so
// these name the closest Redis shape, not a memory layout. ErrNotFound if
// the key does not exist.
func (d *DB) Encoding(key []byte, nowMs int64) (string, error) {
	now := ksSec(nowMs)
	for _, k := range ksTypeOrder {
		var raw []byte
		var st ksState
		err := d.withReader(k, false, func(r *reader) error {
			var err error
			raw, err = r.get(cfMeta, key)
			if errors.Is(err, ErrNotFound) {
				raw, err = nil, nil
			}
			if err != nil || raw == nil {
				return err
			}
			st, err = ksDecode(k, raw, now)
			return err
		})
		if err != nil {
			return "", err
		}
		if !st.live {
			continue
		}
		switch k {
		case KindStrings:
			v, _, _ := decodeStringValue(raw)
			return ksStringEncoding(v), nil
		case KindHashes, KindSets:
			return "hashtable", nil
		case KindLists:
			return "quicklist", nil
		case KindZSets:
			return "skiplist", nil
		default:
			return "stream", nil
		}
	}
	return "", ErrNotFound
}

// ksStringEncoding classifies a string value as Redis would store it.
func ksStringEncoding(v []byte) string {
	if n := len(v); n > 0 && n <= 20 {
		if x, err := strconv.ParseInt(string(v), 10, 64); err == nil && strconv.FormatInt(x, 10) == string(v) {
			return "int"
		}
	}
	if len(v) <= 44 {
		return "embstr"
	}
	return "raw"
}
