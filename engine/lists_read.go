package engine

import "bytes"

// List reads: LLEN, LINDEX, LRANGE, LPOS. Each takes the read time nowMs
// (Unix ms) for the TTL check; reads of more than one record use a snapshot.

// msToSec converts a read time in Unix ms to Pika's int32 seconds.
func msToSec(nowMs int64) int32 { return int32(nowMs / 1000) }

// LLen returns the length of the list key (0 if it does not exist).
func (d *DB) LLen(key []byte, nowMs int64) (int64, error) {
	r, err := d.read(KindLists, false)
	if err != nil {
		return 0, err
	}
	defer r.close()
	m, err := liveListMeta(r, key, msToSec(nowMs))
	if err == ErrNotFound {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return int64(m.Count), nil
}

// LIndex returns the element at position pos (negative counts from the
// tail). ErrNotFound if the list does not exist or pos is out of range.
func (d *DB) LIndex(key []byte, pos int64, nowMs int64) ([]byte, error) {
	r, err := d.read(KindLists, true)
	if err != nil {
		return nil, err
	}
	defer r.close()
	m, err := liveListMeta(r, key, msToSec(nowMs))
	if err != nil {
		return nil, err
	}
	idx, ok := m.position(pos)
	if !ok {
		return nil, ErrNotFound
	}
	return getListElement(r, key, m.Version, idx)
}

// getListElement reads one element; its absence is corruption (indices
// between the sentinels are dense).
func getListElement(src listSource, key []byte, version int32, idx uint64) ([]byte, error) {
	v, err := src.get(cfData, encodeListDataKey(key, version, idx))
	if err == ErrNotFound {
		return nil, listHole(key, idx)
	}
	return v, err
}

// LRange returns the elements between positions start and stop inclusive,
// with Redis's clipping rules. A missing list gives an empty slice.
func (d *DB) LRange(key []byte, start, stop int64, nowMs int64) ([][]byte, error) {
	r, err := d.read(KindLists, true)
	if err != nil {
		return nil, err
	}
	defer r.close()
	m, err := liveListMeta(r, key, msToSec(nowMs))
	if err == ErrNotFound {
		return [][]byte{}, nil
	}
	if err != nil {
		return nil, err
	}
	from, to, ok := normalizeRange(start, stop, m.Count)
	if !ok {
		return [][]byte{}, nil
	}
	return readList(r, key, m.Version, m.Left+1+from, m.Left+1+to)
}

// LPosQuery holds LPOS's options.
type LPosQuery struct {
	// Rank is the match to start from: 1 the first from the head, 2 the
	// second, -1 the first from the tail... 0 is treated as 1.
	Rank int64
	// Limit is the number of matches to return; 0 means all.
	Limit int64
	// MaxLen is the number of elements to compare at most; 0 means all.
	MaxLen int64
}

// LPos returns the positions (counted from the head) of the elements equal
// to elem, in scan order, as Redis 7's LPOS. A missing list gives none.
func (d *DB) LPos(key, elem []byte, q LPosQuery, nowMs int64) ([]int64, error) {
	r, err := d.read(KindLists, true)
	if err != nil {
		return nil, err
	}
	defer r.close()
	m, err := liveListMeta(r, key, msToSec(nowMs))
	if err == ErrNotFound {
		return []int64{}, nil
	}
	if err != nil {
		return nil, err
	}
	reverse := q.Rank < 0
	skip := q.Rank - 1 // matches to skip
	if reverse {
		skip = -q.Rank - 1
	}
	if q.Rank == 0 {
		skip = 0
	}
	out := []int64{}
	var seen int64
	err = scanList(r, key, m.Version, m.Left+1, m.Right-1, reverse, func(idx uint64, val []byte) (bool, error) {
		if q.MaxLen > 0 && seen == q.MaxLen {
			return false, nil
		}
		seen++
		if !bytes.Equal(val, elem) {
			return true, nil
		}
		if skip > 0 {
			skip--
			return true, nil
		}
		out = append(out, int64(idx-m.Left-1))
		return q.Limit == 0 || int64(len(out)) < q.Limit, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
