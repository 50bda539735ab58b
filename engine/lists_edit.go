package engine

import "bytes"

// List writes inside a list: LSET, LINSERT, LREM, LTRIM. They rewrite
// neighbouring records so the indices between the sentinels stay dense
// (spec §2.5), moving the shorter side as Pika does.

// LSet replaces the element at position pos. ErrNoSuchKey if the list does
// not exist, ErrIndexOutOfRange if pos is outside it.
func (d *DB) LSet(w Writer, key []byte, pos int64, val []byte) error {
	return d.update(KindLists, w, func(t *txn) error {
		m, err := liveListMeta(t, key, t.now)
		if err == ErrNotFound {
			return ErrNoSuchKey
		}
		if err != nil {
			return err
		}
		idx, ok := m.position(pos)
		if !ok {
			return ErrIndexOutOfRange
		}
		t.put(cfData, encodeListDataKey(key, m.Version, idx), val)
		return nil
	})
}

// LInsert inserts val before (or after) the first element equal to pivot
// and returns the new length; -1 if pivot is not in the list, 0 if the list
// does not exist.
func (d *DB) LInsert(w Writer, key []byte, before bool, pivot, val []byte) (int64, error) {
	var n int64
	err := d.update(KindLists, w, func(t *txn) error {
		l, err := t.openList(key)
		if err != nil || !l.live {
			return err
		}
		start, stop := l.m.Left+1, l.m.Right-1
		p, found := uint64(0), false
		err = scanList(t, key, l.m.Version, start, stop, false, func(idx uint64, v []byte) (bool, error) {
			p, found = idx, bytes.Equal(v, pivot)
			return !found, nil
		})
		if err != nil {
			return err
		}
		if !found {
			n = -1
			return nil
		}
		q := p // the new element goes right before record q
		if !before {
			q = p + 1
		}
		ver := l.m.Version
		if leftLen, rightLen := q-start, stop-q+1; leftLen <= rightLen {
			if q > start {
				if err := shiftList(t, key, ver, start, q-1, false); err != nil {
					return err
				}
			}
			t.put(cfData, encodeListDataKey(key, ver, q-1), val)
			l.m.Left--
		} else {
			if q <= stop {
				if err := shiftList(t, key, ver, q, stop, true); err != nil {
					return err
				}
			}
			t.put(cfData, encodeListDataKey(key, ver, q), val)
			l.m.Right++
		}
		l.m.Count++
		t.saveList(l)
		n = int64(l.m.Count)
		return nil
	})
	return n, err
}

// shiftList moves the records from..to one index to the right (or left).
func shiftList(t *txn, key []byte, ver int32, from, to uint64, right bool) error {
	return scanList(t, key, ver, from, to, false, func(idx uint64, v []byte) (bool, error) {
		if right {
			t.put(cfData, encodeListDataKey(key, ver, idx+1), v)
		} else {
			t.put(cfData, encodeListDataKey(key, ver, idx-1), v)
		}
		return true, nil
	})
}

// LRem removes elements equal to val: the first count from the head
// (count > 0), the last -count from the tail (count < 0) or all (0). It
// returns how many were removed.
func (d *DB) LRem(w Writer, key []byte, count int64, val []byte) (int64, error) {
	var n int64
	err := d.update(KindLists, w, func(t *txn) error {
		l, err := t.openList(key)
		if err != nil || !l.live {
			return err
		}
		limit := uint64(count) // 0 = all
		if count < 0 {
			limit = uint64(-(count + 1)) + 1
		}
		start, stop := l.m.Left+1, l.m.Right-1
		var hits []uint64
		err = scanList(t, key, l.m.Version, start, stop, count < 0, func(idx uint64, v []byte) (bool, error) {
			if bytes.Equal(v, val) {
				hits = append(hits, idx)
			}
			return limit == 0 || uint64(len(hits)) < limit, nil
		})
		if err != nil || len(hits) == 0 {
			return err
		}
		lo, hi := hits[0], hits[len(hits)-1]
		if count < 0 {
			lo, hi = hi, lo
		}
		removed := make(map[uint64]struct{}, len(hits))
		for _, h := range hits {
			removed[h] = struct{}{}
		}
		k := uint64(len(hits))
		if hi-start <= stop-lo {
			// Compact the head side towards hi; the first k slots empty.
			err = compactList(t, key, l.m.Version, start, hi, removed, true)
			l.m.Left += k
		} else {
			// Compact the tail side towards lo; the last k slots empty.
			err = compactList(t, key, l.m.Version, lo, stop, removed, false)
			l.m.Right -= k
		}
		if err != nil {
			return err
		}
		l.m.Count -= k
		t.saveList(l)
		n = int64(k)
		return nil
	})
	return n, err
}

// compactList rewrites records from..to without the removed ones, packed
// against to (towardsTo) or against from, and deletes the slots left free.
func compactList(t *txn, key []byte, ver int32, from, to uint64, removed map[uint64]struct{}, towardsTo bool) error {
	next := from // where the next kept element goes
	if towardsTo {
		next = to
	}
	err := scanList(t, key, ver, from, to, towardsTo, func(idx uint64, v []byte) (bool, error) {
		if _, gone := removed[idx]; gone {
			return true, nil
		}
		if idx != next {
			t.put(cfData, encodeListDataKey(key, ver, next), v)
		}
		if towardsTo {
			next--
		} else {
			next++
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	k := uint64(len(removed))
	for i := uint64(0); i < k; i++ {
		slot := to - i // freed slots are at the far end from the packing side
		if towardsTo {
			slot = from + i
		}
		t.del(cfData, encodeListDataKey(key, ver, slot))
	}
	return nil
}

// LTrim keeps only the elements between positions start and stop
// (inclusive, Redis clipping). A range that leaves nothing re-initialises
// the meta with a new version instead of deleting every record, as Pika
// does. A missing list is not an error.
func (d *DB) LTrim(w Writer, key []byte, start, stop int64) error {
	return d.update(KindLists, w, func(t *txn) error {
		m, _, live, err := loadListMeta(t, key, t.now)
		if err != nil || !live {
			return err
		}
		from, to, ok := normalizeRange(start, stop, m.Count)
		if !ok {
			t.put(cfMeta, key, initialListMeta(m.Version, t.now).encode())
			return nil
		}
		first, last := m.Left+1+from, m.Left+1+to
		if first == m.Left+1 && last == m.Right-1 {
			return nil
		}
		for idx := m.Left + 1; idx < first; idx++ {
			t.del(cfData, encodeListDataKey(key, m.Version, idx))
		}
		for idx := last + 1; idx < m.Right; idx++ {
			t.del(cfData, encodeListDataKey(key, m.Version, idx))
		}
		m.Left, m.Right, m.Count = first-1, last+1, to-from+1
		t.put(cfMeta, key, m.encode())
		return nil
	})
}
