package engine

import (
	"errors"
	"fmt"
)

// Stream reads. Streams have no TTL, so no read takes the time. A missing
// stream and one without entries read alike (ErrNotFound where a caller
// must tell them from an empty result).

// liveStreamMeta loads the meta of a stream that has entries, or returns
// ErrNotFound.
func liveStreamMeta(src recordSource, key []byte) (streamMeta, error) {
	m, _, err := loadStreamMeta(src, key)
	if err != nil {
		return streamMeta{}, err
	}
	if m.Length == 0 {
		return streamMeta{}, ErrNotFound
	}
	return m, nil
}

// XLen returns the number of entries (0 for a missing stream).
func (d *DB) XLen(key []byte) (int64, error) {
	r, err := d.read(KindStreams, false)
	if err != nil {
		return 0, err
	}
	defer r.close()
	m, _, err := loadStreamMeta(r, key)
	if err != nil {
		return 0, fmt.Errorf("xlen %q: %w", key, err)
	}
	return int64(m.Length), nil
}

// XRange returns the entries with start <= ID <= end (both inclusive),
// oldest first, or newest first with rev, at most count of them (count <= 0:
// all). A missing stream is ErrNotFound.
func (d *DB) XRange(key []byte, start, end StreamID, count int64, rev bool) ([]StreamEntry, error) {
	r, err := d.read(KindStreams, true)
	if err != nil {
		return nil, err
	}
	defer r.close()
	m, err := liveStreamMeta(r, key)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, err
		}
		return nil, fmt.Errorf("xrange %q: %w", key, err)
	}
	out, err := streamScan(r, key, m.Version, start, end, count, rev)
	if err != nil {
		return nil, fmt.Errorf("xrange %q: %w", key, err)
	}
	return out, nil
}

// streamScan reads the entries of one stream version with IDs in
// [start, end], in ID order or reversed, at most count (count <= 0: all).
func streamScan(src recordSource, key []byte, version int32, start, end StreamID, count int64, rev bool) ([]StreamEntry, error) {
	if start.Compare(end) > 0 {
		return nil, nil
	}
	prefixLen := len(dataKeyPrefix(key, version))
	lower := encodeStreamDataKey(key, version, start)
	upper := append(encodeStreamDataKey(key, version, end), 0) // just above end
	it := src.iter(cfData, lower, upper)
	defer it.Close()
	var out []StreamEntry
	if rev {
		it.SeekToLast()
	} else {
		it.SeekToFirst()
	}
	for ; it.Valid() && (count <= 0 || int64(len(out)) < count); streamStep(it, rev) {
		id, err := decodeStreamIDSuffix(it.KeyCopy()[prefixLen:])
		if err != nil {
			return nil, err
		}
		fields, err := decodeStreamMessage(it.ValueCopy())
		if err != nil {
			return nil, fmt.Errorf("entry %s: %w", id, err)
		}
		out = append(out, StreamEntry{ID: id, Fields: fields})
	}
	if err := it.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func streamStep(it *Iter, rev bool) {
	if rev {
		it.Prev()
	} else {
		it.Next()
	}
}

// XReadStream is one stream of an XREAD: entries with an ID above After, or
// above the stream's last ID when FromLast ("$").
type XReadStream struct {
	Key      []byte
	After    StreamID
	FromLast bool
}

// XReadResult is the reply of XREAD for one stream.
type XReadResult struct {
	Key     []byte
	Entries []StreamEntry
}

// XRead returns, for every stream that has entries above its ID, at most
// count of them (count <= 0: all), oldest first, all read at one point in
// time. Streams with nothing to read are left out.
func (d *DB) XRead(streams []XReadStream, count int64) ([]XReadResult, error) {
	r, err := d.read(KindStreams, true)
	if err != nil {
		return nil, err
	}
	defer r.close()
	var out []XReadResult
	for _, s := range streams {
		m, err := liveStreamMeta(r, s.Key)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("xread %q: %w", s.Key, err)
		}
		after := s.After
		if s.FromLast {
			after = m.LastID
		}
		start, ok := after.Next()
		if !ok {
			continue
		}
		entries, err := streamScan(r, s.Key, m.Version, start, MaxStreamID, count, false)
		if err != nil {
			return nil, fmt.Errorf("xread %q: %w", s.Key, err)
		}
		if len(entries) > 0 {
			out = append(out, XReadResult{Key: s.Key, Entries: entries})
		}
	}
	return out, nil
}

// StreamInfo is what XINFO STREAM reports: the meta fields Pika keeps and
// the first and last entries.
type StreamInfo struct {
	Length               int64
	LastGeneratedID      StreamID
	MaxDeletedEntryID    StreamID
	EntriesAdded         uint64
	RecordedFirstEntryID StreamID
	FirstEntry           StreamEntry
	LastEntry            StreamEntry
}

// XInfo describes a stream, or returns ErrNotFound.
func (d *DB) XInfo(key []byte) (StreamInfo, error) {
	r, err := d.read(KindStreams, true)
	if err != nil {
		return StreamInfo{}, err
	}
	defer r.close()
	m, err := liveStreamMeta(r, key)
	if errors.Is(err, ErrNotFound) {
		return StreamInfo{}, err
	}
	if err != nil {
		return StreamInfo{}, fmt.Errorf("xinfo %q: %w", key, err)
	}
	info := StreamInfo{
		Length:               int64(m.Length),
		LastGeneratedID:      m.LastID,
		MaxDeletedEntryID:    m.MaxDeletedEntryID,
		EntriesAdded:         m.EntriesAdded,
		RecordedFirstEntryID: m.FirstID,
	}
	for _, rev := range []bool{false, true} {
		e, err := streamScan(r, key, m.Version, StreamID{}, MaxStreamID, 1, rev)
		if err != nil {
			return StreamInfo{}, fmt.Errorf("xinfo %q: %w", key, err)
		}
		if len(e) != 1 {
			return StreamInfo{}, fmt.Errorf("%w: stream %q has length %d but no entry", ErrCorrupt, key, m.Length)
		}
		if rev {
			info.LastEntry = e[0]
		} else {
			info.FirstEntry = e[0]
		}
	}
	return info, nil
}
