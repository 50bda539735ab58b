package fsm

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/pikaraft/pikaraft/resp/command"
)

// maxReplyDepth bounds the nesting DecodeReplies accepts.
const maxReplyDepth = 64

// EncodeReplies returns the binary form of replies (stored in the dedup
// table, so a retried forward gets the original replies):
//
//	count uvarint | per reply: type u8 | str (len uvarint, bytes)
//	| bulk (len+1 uvarint, 0 = nil; bytes) | int varint | float u64 LE
//	| elems (count uvarint, replies)
func EncodeReplies(replies []command.Reply) []byte {
	b := binary.AppendUvarint(nil, uint64(len(replies)))
	for i := range replies {
		b = appendReply(b, &replies[i])
	}
	return b
}

func appendReply(b []byte, r *command.Reply) []byte {
	b = append(b, byte(r.Type))
	b = binary.AppendUvarint(b, uint64(len(r.Str)))
	b = append(b, r.Str...)
	if r.Bulk == nil {
		b = binary.AppendUvarint(b, 0)
	} else {
		b = binary.AppendUvarint(b, uint64(len(r.Bulk))+1)
		b = append(b, r.Bulk...)
	}
	b = binary.AppendVarint(b, r.Int)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(r.Float))
	b = binary.AppendUvarint(b, uint64(len(r.Elems)))
	for i := range r.Elems {
		b = appendReply(b, &r.Elems[i])
	}
	return b
}

// DecodeReplies parses EncodeReplies' output; it never panics.
func DecodeReplies(data []byte) ([]command.Reply, error) {
	d := &decoder{b: data}
	out := decodeReplyList(d, 0)
	if d.err == nil && len(d.b) != 0 {
		d.fail("trailing bytes")
	}
	if d.err != nil {
		return nil, fmt.Errorf("replies: %w", d.err)
	}
	return out, nil
}

func decodeReplyList(d *decoder, depth int) []command.Reply {
	if depth > maxReplyDepth {
		d.fail("replies nested too deeply")
		return nil
	}
	// Every reply takes at least 12 bytes (type, 3 lengths, float).
	n := d.count("reply count", maxArgs, 12)
	if d.err != nil || n == 0 {
		return nil
	}
	out := make([]command.Reply, n)
	for i := 0; i < n && d.err == nil; i++ {
		r := &out[i]
		r.Type = command.ReplyType(d.byte("reply type"))
		r.Str = string(d.bytes(d.count("string length", uint64(len(d.b)), 0), "string"))
		if bl := d.count("bulk length", uint64(len(d.b))+1, 0); d.err == nil && bl > 0 {
			r.Bulk = append([]byte{}, d.bytes(bl-1, "bulk")...)
		}
		r.Int = d.varint("integer")
		r.Float = math.Float64frombits(d.u64("float"))
		r.Elems = decodeReplyList(d, depth+1)
	}
	return out
}
