package engine

import (
	"encoding/binary"
	"fmt"
	"math"
)

// This file holds Pika 3.5.5's record encodings (spec §2). All integers are
// little-endian fixed width except the stream ID in stream data keys.

// Sentinel list indices of an empty list (exclusive bounds, spec §2.5).
const (
	listInitialLeft  uint64 = math.MaxInt64     // 0x7FFFFFFFFFFFFFFF
	listInitialRight uint64 = math.MaxInt64 + 1 // 0x8000000000000000
)

// Sizes of fixed-width values.
const (
	baseMetaLen   = 12
	listMetaLen   = 32
	streamMetaLen = 68
)

// encodeStringValue returns `value | i32le ts`.
func encodeStringValue(value []byte, ts int32) []byte {
	out := make([]byte, len(value)+4)
	copy(out, value)
	binary.LittleEndian.PutUint32(out[len(value):], uint32(ts))
	return out
}

// decodeStringValue splits a strings record into its user value and timestamp.
func decodeStringValue(raw []byte) (value []byte, ts int32, err error) {
	if len(raw) < 4 {
		return nil, 0, fmt.Errorf("%w: string value of %d bytes", ErrCorrupt, len(raw))
	}
	n := len(raw) - 4
	return raw[:n], int32(binary.LittleEndian.Uint32(raw[n:])), nil
}

// baseMeta is the meta record of a hash, set or zset (spec §2.0).
type baseMeta struct {
	Count   int32
	Version int32
	TS      int32
}

func (m baseMeta) encode() []byte {
	out := make([]byte, baseMetaLen)
	binary.LittleEndian.PutUint32(out[0:], uint32(m.Count))
	binary.LittleEndian.PutUint32(out[4:], uint32(m.Version))
	binary.LittleEndian.PutUint32(out[8:], uint32(m.TS))
	return out
}

// decodeBaseMeta parses a base meta value. Pika reads count from the first
// four bytes and version/timestamp from the last eight.
func decodeBaseMeta(raw []byte) (baseMeta, error) {
	if len(raw) < baseMetaLen {
		return baseMeta{}, fmt.Errorf("%w: meta value of %d bytes", ErrCorrupt, len(raw))
	}
	n := len(raw)
	return baseMeta{
		Count:   int32(binary.LittleEndian.Uint32(raw[0:])),
		Version: int32(binary.LittleEndian.Uint32(raw[n-8:])),
		TS:      int32(binary.LittleEndian.Uint32(raw[n-4:])),
	}, nil
}

// listMeta is the meta record of a list (spec §2.5).
type listMeta struct {
	Count   uint64
	Version int32
	TS      int32
	Left    uint64
	Right   uint64
}

func (m listMeta) encode() []byte {
	out := make([]byte, listMetaLen)
	binary.LittleEndian.PutUint64(out[0:], m.Count)
	binary.LittleEndian.PutUint32(out[8:], uint32(m.Version))
	binary.LittleEndian.PutUint32(out[12:], uint32(m.TS))
	binary.LittleEndian.PutUint64(out[16:], m.Left)
	binary.LittleEndian.PutUint64(out[24:], m.Right)
	return out
}

func decodeListMeta(raw []byte) (listMeta, error) {
	if len(raw) != listMetaLen {
		return listMeta{}, fmt.Errorf("%w: list meta value of %d bytes", ErrCorrupt, len(raw))
	}
	return listMeta{
		Count:   binary.LittleEndian.Uint64(raw[0:]),
		Version: int32(binary.LittleEndian.Uint32(raw[8:])),
		TS:      int32(binary.LittleEndian.Uint32(raw[12:])),
		Left:    binary.LittleEndian.Uint64(raw[16:]),
		Right:   binary.LittleEndian.Uint64(raw[24:]),
	}, nil
}

// StreamID is a stream entry ID (milliseconds and sequence number).
type StreamID struct {
	Ms  uint64
	Seq uint64
}

// streamMeta is the meta record of a stream (spec §2.6).
type streamMeta struct {
	GroupsID          uint32
	EntriesAdded      uint64
	FirstID           StreamID
	LastID            StreamID
	MaxDeletedEntryID StreamID
	Length            int32
	Version           int32
}

func (m streamMeta) encode() []byte {
	out := make([]byte, streamMetaLen)
	binary.LittleEndian.PutUint32(out[0:], m.GroupsID)
	binary.LittleEndian.PutUint64(out[4:], m.EntriesAdded)
	binary.LittleEndian.PutUint64(out[12:], m.FirstID.Ms)
	binary.LittleEndian.PutUint64(out[20:], m.FirstID.Seq)
	binary.LittleEndian.PutUint64(out[28:], m.LastID.Ms)
	binary.LittleEndian.PutUint64(out[36:], m.LastID.Seq)
	binary.LittleEndian.PutUint64(out[44:], m.MaxDeletedEntryID.Ms)
	binary.LittleEndian.PutUint64(out[52:], m.MaxDeletedEntryID.Seq)
	binary.LittleEndian.PutUint32(out[60:], uint32(m.Length))
	binary.LittleEndian.PutUint32(out[64:], uint32(m.Version))
	return out
}

func decodeStreamMeta(raw []byte) (streamMeta, error) {
	if len(raw) != streamMetaLen {
		return streamMeta{}, fmt.Errorf("%w: stream meta value of %d bytes", ErrCorrupt, len(raw))
	}
	le := binary.LittleEndian
	return streamMeta{
		GroupsID:          le.Uint32(raw[0:]),
		EntriesAdded:      le.Uint64(raw[4:]),
		FirstID:           StreamID{le.Uint64(raw[12:]), le.Uint64(raw[20:])},
		LastID:            StreamID{le.Uint64(raw[28:]), le.Uint64(raw[36:])},
		MaxDeletedEntryID: StreamID{le.Uint64(raw[44:]), le.Uint64(raw[52:])},
		Length:            int32(le.Uint32(raw[60:])),
		Version:           int32(le.Uint32(raw[64:])),
	}, nil
}

// dataKeyPrefix returns `u32le len(key) | key | i32le version`, the prefix
// shared by every data record of one collection version.
func dataKeyPrefix(key []byte, version int32) []byte {
	out := make([]byte, 0, 8+len(key)+16)
	return appendDataKeyPrefix(out, key, version)
}

func appendDataKeyPrefix(dst, key []byte, version int32) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(key)))
	dst = append(dst, key...)
	return binary.LittleEndian.AppendUint32(dst, uint32(version))
}

// encodeDataKey returns the base data key `prefix | suffix` (hash field, set
// member, zset member).
func encodeDataKey(key []byte, version int32, suffix []byte) []byte {
	out := make([]byte, 0, 8+len(key)+len(suffix))
	out = appendDataKeyPrefix(out, key, version)
	return append(out, suffix...)
}

// parsedDataKey is a decoded base data key.
type parsedDataKey struct {
	Key     []byte
	Version int32
	Suffix  []byte
}

// decodeDataKey parses `u32le len | key | i32le version | suffix`.
func decodeDataKey(raw []byte) (parsedDataKey, error) {
	if len(raw) < 8 {
		return parsedDataKey{}, fmt.Errorf("%w: data key of %d bytes", ErrCorrupt, len(raw))
	}
	n := binary.LittleEndian.Uint32(raw)
	if uint64(n)+8 > uint64(len(raw)) {
		return parsedDataKey{}, fmt.Errorf("%w: data key length %d exceeds record", ErrCorrupt, n)
	}
	return parsedDataKey{
		Key:     raw[4 : 4+n],
		Version: int32(binary.LittleEndian.Uint32(raw[4+n:])),
		Suffix:  raw[8+n:],
	}, nil
}

// encodeListDataKey returns `prefix | u64le index`.
func encodeListDataKey(key []byte, version int32, index uint64) []byte {
	out := make([]byte, 0, 16+len(key))
	out = appendDataKeyPrefix(out, key, version)
	return binary.LittleEndian.AppendUint64(out, index)
}

// encodeZSetScoreKey returns `prefix | f64le score | member`.
func encodeZSetScoreKey(key []byte, version int32, score float64, member []byte) []byte {
	out := make([]byte, 0, 16+len(key)+len(member))
	out = appendDataKeyPrefix(out, key, version)
	out = binary.LittleEndian.AppendUint64(out, math.Float64bits(score))
	return append(out, member...)
}

// encodeScore returns the 8-byte value of a zset data_cf record.
func encodeScore(score float64) []byte {
	return binary.LittleEndian.AppendUint64(make([]byte, 0, 8), math.Float64bits(score))
}

func decodeScore(raw []byte) (float64, error) {
	if len(raw) != 8 {
		return 0, fmt.Errorf("%w: zset score of %d bytes", ErrCorrupt, len(raw))
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(raw)), nil
}

// encodeStreamDataKey returns `prefix | u64be ms | u64be seq`.
func encodeStreamDataKey(key []byte, version int32, id StreamID) []byte {
	out := make([]byte, 0, 24+len(key))
	out = appendDataKeyPrefix(out, key, version)
	out = binary.BigEndian.AppendUint64(out, id.Ms)
	return binary.BigEndian.AppendUint64(out, id.Seq)
}

// nextVersion implements Pika's UpdateVersion: the version of a
// (re)initialised collection is now, or old+1 if old is not below now.
func nextVersion(old, nowSec int32) int32 {
	if old >= nowSec {
		return old + 1
	}
	return nowSec
}

// isStale reports whether a record with expiry ts has expired at nowSec
// (strictly less: a key whose timestamp equals the current second is alive).
func isStale(ts, nowSec int32) bool {
	return ts != 0 && ts < nowSec
}

// prefixUpperBound returns the smallest key greater than every key that
// starts with prefix, or nil if there is none (prefix is all 0xff).
func prefixUpperBound(prefix []byte) []byte {
	out := append([]byte(nil), prefix...)
	for i := len(out) - 1; i >= 0; i-- {
		if out[i] != 0xff {
			out[i]++
			return out[:i+1]
		}
	}
	return nil
}
