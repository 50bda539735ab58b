package engine

// List writes at the ends: LPUSH, RPUSH, LPUSHX, RPUSHX, LPOP, RPOP,
// RPOPLPUSH and LMOVE (spec §2.5). Every command is one atomic batch in the
// lists instance.

// listWrite is a list being changed by one write command. A list that is
// missing, expired or empty is held re-initialised (new version, sentinels
// reset), as Pika's InitialMetaValue does; nothing is written unless the
// command saves it.
type listWrite struct {
	key  []byte
	m    listMeta
	live bool // the list existed (live and non-empty) before the command
}

func (t *txn) openList(key []byte) (*listWrite, error) {
	m, found, live, err := loadListMeta(t, key, t.now)
	if err != nil {
		return nil, err
	}
	if !live {
		var old int32
		if found {
			old = m.Version
		}
		m = initialListMeta(old, t.now)
	}
	return &listWrite{key: key, m: m, live: live}, nil
}

// push adds vals one by one at end: at the left sentinel (which then moves
// left) or at the right sentinel (which moves right).
func (t *txn) push(l *listWrite, end ListEnd, vals [][]byte) {
	for _, v := range vals {
		if end == ListLeft {
			t.put(cfData, encodeListDataKey(l.key, l.m.Version, l.m.Left), v)
			l.m.Left--
		} else {
			t.put(cfData, encodeListDataKey(l.key, l.m.Version, l.m.Right), v)
			l.m.Right++
		}
		l.m.Count++
	}
}

// pop removes up to n elements from end and returns them in pop order.
func (t *txn) pop(l *listWrite, end ListEnd, n uint64) ([][]byte, error) {
	n = min(n, l.m.Count)
	if n == 0 {
		return [][]byte{}, nil
	}
	var from, to uint64
	if end == ListLeft {
		from, to = l.m.Left+1, l.m.Left+n
	} else {
		from, to = l.m.Right-n, l.m.Right-1
	}
	vals, err := readList(t, l.key, l.m.Version, from, to)
	if err != nil {
		return nil, err
	}
	for idx := from; ; idx++ {
		t.del(cfData, encodeListDataKey(l.key, l.m.Version, idx))
		if idx == to {
			break
		}
	}
	if end == ListLeft {
		l.m.Left = to
	} else {
		l.m.Right = from
		for i, j := 0, len(vals)-1; i < j; i, j = i+1, j-1 {
			vals[i], vals[j] = vals[j], vals[i]
		}
	}
	l.m.Count -= n
	return vals, nil
}

func (t *txn) saveList(l *listWrite) { t.put(cfMeta, l.key, l.m.encode()) }

// pushList is LPUSH/RPUSH (onlyIfExists false) and LPUSHX/RPUSHX (true).
func (d *DB) pushList(w Writer, key []byte, end ListEnd, onlyIfExists bool, vals [][]byte) (int64, error) {
	var n int64
	err := d.update(KindLists, w, func(t *txn) error {
		l, err := t.openList(key)
		if err != nil {
			return err
		}
		if onlyIfExists && !l.live {
			return nil
		}
		t.push(l, end, vals)
		t.saveList(l)
		n = int64(l.m.Count)
		return nil
	})
	return n, err
}

// LPush inserts vals at the head of the list key, one after the other (so
// the last one ends up first), creating the list if needed. It returns the
// new length.
func (d *DB) LPush(w Writer, key []byte, vals ...[]byte) (int64, error) {
	return d.pushList(w, key, ListLeft, false, vals)
}

// RPush appends vals to the list key, creating it if needed, and returns
// the new length.
func (d *DB) RPush(w Writer, key []byte, vals ...[]byte) (int64, error) {
	return d.pushList(w, key, ListRight, false, vals)
}

// LPushX is LPush that does nothing (and returns 0) when the list does not exist.
func (d *DB) LPushX(w Writer, key []byte, vals ...[]byte) (int64, error) {
	return d.pushList(w, key, ListLeft, true, vals)
}

// RPushX is RPush that does nothing (and returns 0) when the list does not exist.
func (d *DB) RPushX(w Writer, key []byte, vals ...[]byte) (int64, error) {
	return d.pushList(w, key, ListRight, true, vals)
}

func (d *DB) popList(w Writer, key []byte, end ListEnd, count uint64) ([][]byte, error) {
	var out [][]byte
	err := d.update(KindLists, w, func(t *txn) error {
		l, err := t.openList(key)
		if err != nil {
			return err
		}
		if !l.live {
			return ErrNotFound
		}
		if out, err = t.pop(l, end, count); err != nil {
			return err
		}
		if len(out) > 0 {
			t.saveList(l)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// LPop removes and returns up to count elements from the head of the list
// key (an empty slice for count 0). ErrNotFound if the list does not exist.
// A list emptied this way keeps its meta with count 0, as in Pika.
func (d *DB) LPop(w Writer, key []byte, count uint64) ([][]byte, error) {
	return d.popList(w, key, ListLeft, count)
}

// RPop removes and returns up to count elements from the tail of the list
// key, last element first. ErrNotFound if the list does not exist.
func (d *DB) RPop(w Writer, key []byte, count uint64) ([][]byte, error) {
	return d.popList(w, key, ListRight, count)
}

// LMove pops an element from the from end of src and pushes it at the to
// end of dst, returning it; ErrNotFound (and no change) if src does not
// exist. src and dst may be the same list (a rotation). Both lists live in
// the lists instance, so the move is one atomic batch.
func (d *DB) LMove(w Writer, src, dst []byte, from, to ListEnd) ([]byte, error) {
	var out []byte
	err := d.update(KindLists, w, func(t *txn) error {
		s, err := t.openList(src)
		if err != nil {
			return err
		}
		if !s.live {
			return ErrNotFound
		}
		dl := s
		if string(dst) != string(src) {
			if dl, err = t.openList(dst); err != nil {
				return err
			}
		}
		vals, err := t.pop(s, from, 1)
		if err != nil {
			return err
		}
		out = vals[0]
		t.push(dl, to, vals)
		t.saveList(s)
		if dl != s {
			t.saveList(dl)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RPopLPush is LMove(src, dst, ListRight, ListLeft).
func (d *DB) RPopLPush(w Writer, src, dst []byte) ([]byte, error) {
	return d.LMove(w, src, dst, ListRight, ListLeft)
}
