package binlog

import "encoding/binary"

// zeroPad is the block-tail filler: Produce writes `leftover` (< 8) zero bytes.
var zeroPad [RecordHeaderSize]byte

// appendFramed appends the physical records of one logical item to dst, as
// Binlog::Produce does, starting at pos (the file offset dst's end will have).
// Each record header carries t as its time. It returns the new buffer and the
// file offset after the item.
//
// Quirks kept for byte-exactness: a block tail shorter than a header is
// zero-filled, and when exactly 8 bytes remain in a block a zero-length
// record (type First) is written there.
func appendFramed(dst []byte, pos uint64, item []byte, t uint32) ([]byte, uint64) {
	begin := true
	for {
		blockOff := int(pos % BlockSize)
		if leftover := BlockSize - blockOff; leftover < RecordHeaderSize {
			dst = append(dst, zeroPad[:leftover]...)
			pos += uint64(leftover)
			blockOff = 0
		}
		avail := BlockSize - blockOff - RecordHeaderSize
		frag := len(item)
		if frag > avail {
			frag = avail
		}
		end := frag == len(item)
		var typ byte
		switch {
		case begin && end:
			typ = recFull
		case begin:
			typ = recFirst
		case end:
			typ = recLast
		default:
			typ = recMiddle
		}
		dst = appendRecordHeader(dst, frag, t, typ)
		dst = append(dst, item[:frag]...)
		pos += uint64(RecordHeaderSize + frag)
		item = item[frag:]
		begin = false
		if end {
			return dst, pos
		}
	}
}

// appendRecordHeader appends an 8-byte record header: 24-bit LE length,
// 32-bit LE time, type (Binlog::EmitPhysicalRecord).
func appendRecordHeader(dst []byte, n int, t uint32, typ byte) []byte {
	var h [RecordHeaderSize]byte
	putRecordHeader(h[:], n, t, typ)
	return append(dst, h[:]...)
}

// putRecordHeader writes a record header into h[:8].
func putRecordHeader(h []byte, n int, t uint32, typ byte) {
	h[0] = byte(n)
	h[1] = byte(n >> 8)
	h[2] = byte(n >> 16)
	binary.LittleEndian.PutUint32(h[3:], t)
	h[7] = typ
}

// recordHeader is a decoded physical record header.
type recordHeader struct {
	length int
	time   uint32
	typ    byte
}

// parseRecordHeader decodes an 8-byte header; b must hold at least 8 bytes.
func parseRecordHeader(b []byte) recordHeader {
	return recordHeader{
		length: int(b[0]) | int(b[1])<<8 | int(b[2])<<16,
		time:   binary.LittleEndian.Uint32(b[3:]),
		typ:    b[7],
	}
}
