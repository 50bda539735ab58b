package engine

import (
	"errors"
	"fmt"
)

// Set writes (spec §2.3): meta `count|version|ts` in CF 0 under the user
// key, one member_cf record `u32le len|key|i32le version|member` with an
// empty value per member.

// SAdd adds members and returns how many were new.
func (d *DB) SAdd(w Writer, key []byte, members [][]byte) (int64, error) {
	var added int64
	err := d.update(KindSets, w, func(t *txn) error {
		var err error
		added, err = setAdd(t, key, distinct(members))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sadd %q: %w", key, err)
	}
	return added, nil
}

// distinct returns members without repeats, keeping first occurrences.
func distinct(members [][]byte) [][]byte {
	if len(members) < 2 {
		return members
	}
	seen := make(map[string]bool, len(members))
	out := make([][]byte, 0, len(members))
	for _, m := range members {
		if !seen[string(m)] {
			seen[string(m)] = true
			out = append(out, m)
		}
	}
	return out
}

// setAdd adds distinct members to the set and returns how many were new.
func setAdd(t *txn, key []byte, members [][]byte) (int64, error) {
	m, fresh, err := writableBaseMeta(t, key)
	if err != nil {
		return 0, err
	}
	var added int64
	for _, mem := range members {
		dk := encodeDataKey(key, m.Version, mem)
		if !fresh {
			if _, err := t.get(cfData, dk); err == nil {
				continue
			} else if !errors.Is(err, ErrNotFound) {
				return 0, err
			}
		}
		t.put(cfData, dk, nil)
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

// SRem removes members and returns how many existed. Removing the last
// member leaves a meta with count 0.
func (d *DB) SRem(w Writer, key []byte, members [][]byte) (int64, error) {
	var removed int64
	err := d.update(KindSets, w, func(t *txn) error {
		var err error
		removed, err = setRemove(t, key, distinct(members))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("srem %q: %w", key, err)
	}
	return removed, nil
}

// setRemove deletes distinct members and returns how many existed.
func setRemove(t *txn, key []byte, members [][]byte) (int64, error) {
	m, _, live, err := loadBaseMeta(t, key, t.now)
	if err != nil || !live {
		return 0, err
	}
	var removed int64
	for _, mem := range members {
		dk := encodeDataKey(key, m.Version, mem)
		if _, err := t.get(cfData, dk); errors.Is(err, ErrNotFound) {
			continue
		} else if err != nil {
			return 0, err
		}
		t.del(cfData, dk)
		removed++
	}
	if removed > 0 {
		if m.Count, err = addCount(m.Count, -removed); err != nil {
			return 0, err
		}
		t.put(cfMeta, key, m.encode())
	}
	return removed, nil
}

// SMove moves member from src to dst and reports whether src held it. With
// src equal to dst nothing changes.
func (d *DB) SMove(w Writer, src, dst, member []byte) (bool, error) {
	moved := false
	err := d.update(KindSets, w, func(t *txn) error {
		m, _, live, err := loadBaseMeta(t, src, t.now)
		if err != nil || !live {
			return err
		}
		if _, err := t.get(cfData, encodeDataKey(src, m.Version, member)); errors.Is(err, ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		moved = true
		if string(src) == string(dst) {
			return nil
		}
		if _, err := setRemove(t, src, [][]byte{member}); err != nil {
			return err
		}
		_, err = setAdd(t, dst, [][]byte{member})
		return err
	})
	if err != nil {
		return false, fmt.Errorf("smove %q %q: %w", src, dst, err)
	}
	return moved, nil
}

// SPop removes count members chosen at random from seed and returns them in
// member order. If count exceeds the cardinality every member is deleted
// and so is the meta record itself, as Pika's RedisSets::SPop does — but
// only when the meta's version is below now: a meta whose version is at or
// past now is kept with count 0 instead, so that a re-created set still gets
// a version above every older one (spec §3.3).
func (d *DB) SPop(w Writer, key []byte, count int64, seed uint64) ([][]byte, error) {
	var popped [][]byte
	err := d.update(KindSets, w, func(t *txn) error {
		popped = nil
		m, _, live, err := loadBaseMeta(t, key, t.now)
		if err != nil || !live || count <= 0 {
			return err
		}
		all := count > int64(m.Count)
		var picks map[int64]bool
		if !all {
			picks = pickDistinct(seed, int64(m.Count), count)
		}
		var i int64
		err = eachData(t, key, m.Version, func(mem, _ []byte) bool {
			if all || picks[i] {
				popped = append(popped, mem)
				t.del(cfData, encodeDataKey(key, m.Version, mem))
			}
			i++
			return true
		})
		if err != nil {
			return err
		}
		if all && m.Version < t.now {
			t.del(cfMeta, key)
			return nil
		}
		if m.Count, err = addCount(m.Count, -int64(len(popped))); err != nil {
			return err
		}
		t.put(cfMeta, key, m.encode())
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("spop %q: %w", key, err)
	}
	return popped, nil
}

// SUnionStore stores the union of keys in dst and returns its size.
func (d *DB) SUnionStore(w Writer, dst []byte, keys [][]byte) (int64, error) {
	return d.setStore(w, dst, keys, setUnion, "sunionstore")
}

// SInterStore stores the intersection of keys in dst and returns its size.
func (d *DB) SInterStore(w Writer, dst []byte, keys [][]byte) (int64, error) {
	return d.setStore(w, dst, keys, setInter, "sinterstore")
}

// SDiffStore stores the members of the first key missing from the others
// in dst and returns its size.
func (d *DB) SDiffStore(w Writer, dst []byte, keys [][]byte) (int64, error) {
	return d.setStore(w, dst, keys, setDiff, "sdiffstore")
}

// setStore computes op over keys and replaces dst by the result: dst's
// meta is re-initialised with a new version (the old members become
// invisible) and the result written under it, as Pika does. An empty
// result leaves dst empty (count 0).
func (d *DB) setStore(w Writer, dst []byte, keys [][]byte, op setOp, name string) (int64, error) {
	var n int64
	err := d.update(KindSets, w, func(t *txn) error {
		members, err := op(t, keys, t.now)
		if err != nil {
			return err
		}
		m, found, _, err := loadBaseMeta(t, dst, t.now)
		if err != nil {
			return err
		}
		old := int32(0)
		if found {
			old = m.Version
		}
		nm := baseMeta{Version: nextVersion(old, t.now)}
		if nm.Count, err = addCount(0, int64(len(members))); err != nil {
			return err
		}
		for _, mem := range members {
			t.put(cfData, encodeDataKey(dst, nm.Version, mem), nil)
		}
		t.put(cfMeta, dst, nm.encode())
		n = int64(len(members))
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("%s %q: %w", name, dst, err)
	}
	return n, nil
}
