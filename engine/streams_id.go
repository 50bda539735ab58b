package engine

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
)

// Stream IDs and entries, and the serialisation of an entry's field/value
// list (spec §2.6). The ID type itself (StreamID) and the meta record are in
// codec.go.

// MaxStreamID is the largest stream ID ("+" in XRANGE).
var MaxStreamID = StreamID{Ms: math.MaxUint64, Seq: math.MaxUint64}

// String formats the ID as Redis does: "ms-seq".
func (id StreamID) String() string {
	b := strconv.AppendUint(make([]byte, 0, 41), id.Ms, 10)
	b = append(b, '-')
	return string(strconv.AppendUint(b, id.Seq, 10))
}

// Compare returns -1, 0 or 1 as id is smaller than, equal to or greater than o.
func (id StreamID) Compare(o StreamID) int {
	switch {
	case id.Ms < o.Ms:
		return -1
	case id.Ms > o.Ms:
		return 1
	case id.Seq < o.Seq:
		return -1
	case id.Seq > o.Seq:
		return 1
	}
	return 0
}

// Next returns the smallest ID greater than id; ok is false for MaxStreamID.
func (id StreamID) Next() (next StreamID, ok bool) {
	switch {
	case id.Seq < math.MaxUint64:
		return StreamID{id.Ms, id.Seq + 1}, true
	case id.Ms < math.MaxUint64:
		return StreamID{id.Ms + 1, 0}, true
	}
	return id, false
}

// Prev returns the largest ID smaller than id; ok is false for 0-0.
func (id StreamID) Prev() (prev StreamID, ok bool) {
	switch {
	case id.Seq > 0:
		return StreamID{id.Ms, id.Seq - 1}, true
	case id.Ms > 0:
		return StreamID{id.Ms - 1, math.MaxUint64}, true
	}
	return id, false
}

// StreamEntry is one stream entry: its ID and its fields and values,
// alternating (field, value, field, value, ...) in the order XADD got them.
type StreamEntry struct {
	ID     StreamID
	Fields [][]byte
}

// encodeStreamMessage serialises an entry's field/value list as Pika's
// StreamUtils::SerializeMessage does: `u32le len | bytes` per item.
func encodeStreamMessage(fields [][]byte) []byte {
	n := 0
	for _, f := range fields {
		n += 4 + len(f)
	}
	out := make([]byte, 0, n)
	for _, f := range fields {
		out = binary.LittleEndian.AppendUint32(out, uint32(len(f)))
		out = append(out, f...)
	}
	return out
}

// decodeStreamMessage parses an entry value. A truncated item or an odd
// number of items (a field without its value) is ErrCorrupt.
func decodeStreamMessage(raw []byte) ([][]byte, error) {
	var out [][]byte
	for len(raw) > 0 {
		if len(raw) < 4 {
			return nil, fmt.Errorf("%w: stream message item header of %d bytes", ErrCorrupt, len(raw))
		}
		n := binary.LittleEndian.Uint32(raw)
		if uint64(n) > uint64(len(raw)-4) {
			return nil, fmt.Errorf("%w: stream message item of %d bytes, %d left", ErrCorrupt, n, len(raw)-4)
		}
		out = append(out, append([]byte{}, raw[4:4+n]...))
		raw = raw[4+n:]
	}
	if len(out)%2 != 0 {
		return nil, fmt.Errorf("%w: stream message with %d items (field without value)", ErrCorrupt, len(out))
	}
	return out, nil
}

// decodeStreamIDSuffix parses the 16-byte big-endian ID that ends a stream
// data key (the part after the `len|key|version` prefix).
func decodeStreamIDSuffix(suffix []byte) (StreamID, error) {
	if len(suffix) != 16 {
		return StreamID{}, fmt.Errorf("%w: stream data key ID of %d bytes", ErrCorrupt, len(suffix))
	}
	return StreamID{binary.BigEndian.Uint64(suffix), binary.BigEndian.Uint64(suffix[8:])}, nil
}
