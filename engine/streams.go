package engine

import (
	"errors"
	"fmt"
	"math"
)

// Stream writes (spec §2.6): a 68-byte meta in CF 0 under the user key, one
// data_cf record `u32le len|key|i32le version|u64be ms|u64be seq` → message
// per entry. Streams have no TTL. As in Pika, a stream with no entries does
// not exist: XADD on it starts a new version (InitMetaValue: version+1,
// every other field 0), so a brand-new stream has version 2.

// StreamIDMode says how XADD chooses the ID of the new entry.
type StreamIDMode int

// XADD ID forms.
const (
	// StreamIDAuto is "*": the write's time in ms, or the next ID after the
	// last one if that is not smaller.
	StreamIDAuto StreamIDMode = iota
	// StreamIDAutoSeq is "ms-*": the given ms with the next free sequence.
	StreamIDAutoSeq
	// StreamIDExplicit is "ms-seq".
	StreamIDExplicit
)

// StreamTrimStrategy selects how a stream is trimmed.
type StreamTrimStrategy int

// Trim strategies.
const (
	TrimNone   StreamTrimStrategy = iota
	TrimMaxLen                    // keep the newest MaxLen entries
	TrimMinID                     // drop entries with an ID below MinID
)

// StreamTrim is the MAXLEN/MINID part of XADD and XTRIM. Trimming is exact;
// with Approx ("~") and Limit > 0 at most Limit entries are removed, which
// "~" allows (Redis may trim less than asked with "~", never more).
type StreamTrim struct {
	Strategy StreamTrimStrategy
	MaxLen   int64
	MinID    StreamID
	Approx   bool
	Limit    int64
}

// XAddArgs are the options of XADD.
type XAddArgs struct {
	Mode StreamIDMode
	// ID is the explicit ID (StreamIDExplicit) or its ms (StreamIDAutoSeq).
	ID         StreamID
	NoMkStream bool
	Trim       StreamTrim
}

// loadStreamMeta reads the meta of stream key. found reports whether a
// meta record exists (live streams have Length > 0).
func loadStreamMeta(src recordSource, key []byte) (m streamMeta, found bool, err error) {
	raw, err := src.get(cfMeta, key)
	if errors.Is(err, ErrNotFound) {
		return streamMeta{}, false, nil
	}
	if err != nil {
		return streamMeta{}, false, fmt.Errorf("stream meta of %q: %w", key, err)
	}
	if m, err = decodeStreamMeta(raw); err != nil {
		return streamMeta{}, true, fmt.Errorf("stream meta of %q: %w", key, err)
	}
	if m.Length < 0 {
		return streamMeta{}, true, fmt.Errorf("%w: stream meta of %q has length %d", ErrCorrupt, key, m.Length)
	}
	return m, true, nil
}

// initStreamMeta is Pika's StreamMetaValue::InitMetaValue: version+1, every
// other field zero.
func initStreamMeta(old streamMeta) streamMeta { return streamMeta{Version: old.Version + 1} }

// XAdd appends an entry with the given field/value list (alternating,
// non-empty, even length) and returns its ID. With NoMkStream and no live
// stream it returns ErrNotFound and writes nothing. The automatic ID uses
// w.NowMs, never the clock.
func (d *DB) XAdd(w Writer, key []byte, a XAddArgs, fields [][]byte) (StreamID, error) {
	if len(fields) == 0 || len(fields)%2 != 0 {
		return StreamID{}, fmt.Errorf("xadd %q: %d field/value items, want a non-zero even number", key, len(fields))
	}
	if a.Mode == StreamIDExplicit && a.ID == (StreamID{}) {
		return StreamID{}, ErrStreamIDZero
	}
	var id StreamID
	err := d.update(KindStreams, w, func(t *txn) error {
		m, found, err := loadStreamMeta(t, key)
		if err != nil {
			return err
		}
		if m.Length == 0 {
			if a.NoMkStream {
				return ErrNotFound
			}
			if !found {
				m = initStreamMeta(m) // Pika's not-found branch ...
			}
			m = initStreamMeta(m) // ... then its length == 0 branch
		}
		if m.LastID == MaxStreamID {
			return ErrStreamExhausted
		}
		if m.Length == math.MaxInt32 {
			return fmt.Errorf("%w: stream of %d entries", ErrSizeOverflow, m.Length)
		}
		if id, err = streamNewID(m.LastID, a, t.ms); err != nil {
			return err
		}
		t.put(cfData, encodeStreamDataKey(key, m.Version, id), encodeStreamMessage(fields))
		if m.Length == 0 {
			m.FirstID = id
		}
		m.EntriesAdded++
		m.LastID = id
		m.Length++
		if _, err := streamTrimTx(t, key, &m, a.Trim, &id); err != nil {
			return err
		}
		t.put(cfMeta, key, m.encode())
		return nil
	})
	if err != nil {
		return StreamID{}, fmt.Errorf("xadd %q: %w", key, err)
	}
	return id, nil
}

// streamNewID chooses the ID of a new entry after last, as Redis's
// streamAppendItem does.
func streamNewID(last StreamID, a XAddArgs, nowMs int64) (StreamID, error) {
	var id StreamID
	switch a.Mode {
	case StreamIDAuto:
		ms := uint64(0)
		if nowMs > 0 {
			ms = uint64(nowMs)
		}
		if ms > last.Ms {
			return StreamID{Ms: ms}, nil
		}
		next, ok := last.Next()
		if !ok {
			return StreamID{}, ErrStreamExhausted
		}
		return next, nil
	case StreamIDAutoSeq:
		id = StreamID{Ms: a.ID.Ms}
		if last.Ms == a.ID.Ms {
			if last.Seq == math.MaxUint64 {
				return StreamID{}, ErrStreamIDTooSmall
			}
			id.Seq = last.Seq + 1
		}
	default:
		id = a.ID
	}
	if id.Compare(last) <= 0 {
		return StreamID{}, ErrStreamIDTooSmall
	}
	return id, nil
}

// XDel deletes the entries with the given IDs and returns how many existed.
// Deleting the first entry moves first_id to the next one; the largest
// deleted ID raises max_deleted_entry_id. last_id (the last generated ID)
// is kept, so later automatic IDs stay above every ID ever handed out.
func (d *DB) XDel(w Writer, key []byte, ids []StreamID) (int64, error) {
	var n int64
	err := d.update(KindStreams, w, func(t *txn) error {
		n = 0
		m, _, err := loadStreamMeta(t, key)
		if err != nil || m.Length == 0 {
			return err
		}
		deleted := make(map[StreamID]bool, len(ids))
		for _, id := range ids {
			if deleted[id] {
				continue
			}
			dk := encodeStreamDataKey(key, m.Version, id)
			if _, err := t.get(cfData, dk); errors.Is(err, ErrNotFound) {
				continue
			} else if err != nil {
				return err
			}
			t.del(cfData, dk)
			deleted[id] = true
			if id.Compare(m.MaxDeletedEntryID) > 0 {
				m.MaxDeletedEntryID = id
			}
			n++
		}
		if n == 0 {
			return nil
		}
		if n > int64(m.Length) {
			return fmt.Errorf("%w: stream %q of length %d had %d deleted entries", ErrCorrupt, key, m.Length, n)
		}
		m.Length -= int32(n)
		switch {
		case m.Length == 0:
			m.FirstID = StreamID{}
		case deleted[m.FirstID]:
			first, err := streamFirstExcept(t, key, m.Version, deleted)
			if err != nil {
				return err
			}
			m.FirstID = first
		}
		t.put(cfMeta, key, m.encode())
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("xdel %q: %w", key, err)
	}
	return n, nil
}

// streamFirstExcept returns the smallest committed entry ID of the stream
// version that is not in skip.
func streamFirstExcept(t *txn, key []byte, version int32, skip map[StreamID]bool) (StreamID, error) {
	lower, upper := dataRange(key, version)
	it := t.iter(cfData, lower, upper)
	defer it.Close()
	for it.SeekToFirst(); it.Valid(); it.Next() {
		id, err := decodeStreamIDSuffix(it.KeyCopy()[len(lower):])
		if err != nil {
			return StreamID{}, err
		}
		if !skip[id] {
			return id, nil
		}
	}
	if err := it.Err(); err != nil {
		return StreamID{}, fmt.Errorf("iterate %q: %w", key, err)
	}
	return StreamID{}, fmt.Errorf("%w: stream %q has a length but no entry left", ErrCorrupt, key)
}

// XTrim trims the stream and returns how many entries it removed (0 for a
// missing stream).
func (d *DB) XTrim(w Writer, key []byte, tr StreamTrim) (int64, error) {
	var n int64
	err := d.update(KindStreams, w, func(t *txn) error {
		n = 0
		m, _, err := loadStreamMeta(t, key)
		if err != nil || m.Length == 0 {
			return err
		}
		if n, err = streamTrimTx(t, key, &m, tr, nil); err != nil || n == 0 {
			return err
		}
		t.put(cfMeta, key, m.encode())
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("xtrim %q: %w", key, err)
	}
	return n, nil
}
