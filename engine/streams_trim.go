package engine

import "fmt"

// streamTrimTx removes the oldest entries of the stream as tr asks and
// updates m (length, first_id, max_deleted_entry_id, as Pika's TrimStream);
// it returns how many entries it removed. pending is an entry this batch
// has just written (XADD): it is newer than every committed entry and is
// considered after them.
func streamTrimTx(t *txn, key []byte, m *streamMeta, tr StreamTrim, pending *StreamID) (int64, error) {
	if tr.Strategy == TrimNone {
		return 0, nil
	}
	limit := int64(-1)
	if tr.Approx && tr.Limit > 0 {
		limit = tr.Limit
	}
	var (
		deleted   int64
		remaining = int64(m.Length)
		maxDel    StreamID
		next      StreamID
		stopped   bool
	)
	// visit deletes id if it must go and reports whether to go on.
	visit := func(id StreamID) bool {
		drop := limit < 0 || deleted < limit
		switch tr.Strategy {
		case TrimMaxLen:
			drop = drop && remaining > tr.MaxLen
		case TrimMinID:
			drop = drop && id.Compare(tr.MinID) < 0
		}
		if !drop {
			next, stopped = id, true
			return false
		}
		t.del(cfData, encodeStreamDataKey(key, m.Version, id))
		deleted++
		remaining--
		maxDel = id
		return true
	}
	lower, upper := dataRange(key, m.Version)
	it := t.iter(cfData, lower, upper)
	for it.SeekToFirst(); it.Valid(); it.Next() {
		id, err := decodeStreamIDSuffix(it.KeyCopy()[len(lower):])
		if err != nil {
			it.Close()
			return 0, fmt.Errorf("trim %q: %w", key, err)
		}
		if !visit(id) {
			break
		}
	}
	err := it.Err()
	it.Close()
	if err != nil {
		return 0, fmt.Errorf("trim %q: %w", key, err)
	}
	if !stopped && pending != nil {
		visit(*pending)
	}
	if remaining < 0 || !stopped && remaining != 0 {
		return 0, fmt.Errorf("%w: stream %q has length %d but %d entries", ErrCorrupt, key, m.Length, deleted)
	}
	if deleted == 0 {
		return 0, nil
	}
	m.Length = int32(remaining)
	m.FirstID = next // 0-0 when the stream is now empty
	if maxDel.Compare(m.MaxDeletedEntryID) > 0 {
		m.MaxDeletedEntryID = maxDel
	}
	return deleted, nil
}
