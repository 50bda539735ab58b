package binlog

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Item is one logical binlog entry: the 34-byte header fields and the command.
type Item struct {
	// ExecTime is the item's time in unix seconds (the entry's leader time).
	ExecTime uint32
	// Term is the logic-offset term (Raft term; 0 in a classic Pika).
	Term uint32
	// Index is the logic id (Raft index; a counter from 1 in a classic Pika).
	Index uint64
	// Filenum and Offset are the producer position recorded in the header:
	// where the producer stood before this item was appended.
	Filenum uint32
	Offset  uint64
	// Content is the command as a RESP multibulk.
	Content []byte
}

// ErrBadItem reports an item whose header or length does not decode.
var ErrBadItem = errors.New("binlog: bad item")

// EncodedLen returns the size of the encoded item.
func (it *Item) EncodedLen() int { return ItemHeaderSize + len(it.Content) }

// AppendItem appends the encoding of it to dst (PikaBinlogTransverter::BinlogEncode).
func AppendItem(dst []byte, it *Item) []byte {
	var h [ItemHeaderSize]byte
	binary.LittleEndian.PutUint16(h[0:], itemTypeFirst)
	binary.LittleEndian.PutUint32(h[2:], it.ExecTime)
	binary.LittleEndian.PutUint32(h[6:], it.Term)
	binary.LittleEndian.PutUint64(h[10:], it.Index)
	binary.LittleEndian.PutUint32(h[18:], it.Filenum)
	binary.LittleEndian.PutUint64(h[22:], it.Offset)
	binary.LittleEndian.PutUint32(h[30:], uint32(len(it.Content)))
	dst = append(dst, h[:]...)
	return append(dst, it.Content...)
}

// DecodeItem decodes one item. Like Pika's BinlogDecode it requires the type
// to be 1 and the bytes after the header to be exactly content_length long.
// Content aliases b.
func DecodeItem(b []byte) (Item, error) {
	if len(b) < ItemHeaderSize {
		return Item{}, fmt.Errorf("%w: %d bytes, header needs %d", ErrBadItem, len(b), ItemHeaderSize)
	}
	if t := binary.LittleEndian.Uint16(b[0:]); t != itemTypeFirst {
		return Item{}, fmt.Errorf("%w: type %d", ErrBadItem, t)
	}
	n := binary.LittleEndian.Uint32(b[30:])
	if uint64(n) != uint64(len(b)-ItemHeaderSize) {
		return Item{}, fmt.Errorf("%w: content length %d, have %d bytes", ErrBadItem, n, len(b)-ItemHeaderSize)
	}
	return Item{
		ExecTime: binary.LittleEndian.Uint32(b[2:]),
		Term:     binary.LittleEndian.Uint32(b[6:]),
		Index:    binary.LittleEndian.Uint64(b[10:]),
		Filenum:  binary.LittleEndian.Uint32(b[18:]),
		Offset:   binary.LittleEndian.Uint64(b[22:]),
		Content:  b[ItemHeaderSize:],
	}, nil
}
