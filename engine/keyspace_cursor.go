package engine

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"sync"
)

// SCAN cursors. A Redis cursor is an unsigned 64-bit number that clients
// parse as such, but our position is a key of unbounded length. A cursor
// therefore carries both:
//
//	bits 63..61  kind (position in Kinds) + 1, so every live cursor is non-zero
//	bits 60..58  n = min(4, len(next key))
//	bits 57..26  the first n bytes of the next key (zero padded)
//	bits 25..0   id of the exact next key in this node's cursor store (0 = none)
//
// The node remembers the exact next key of each cursor it handed out
// (ksCursorStore, bounded FIFO). When the id is known and its key agrees
// with the prefix bits, the scan resumes exactly there. Otherwise (the
// cursor came from another node, the node restarted, or the entry was
// evicted) it resumes at the prefix, which sorts at or before the exact key:
// some keys come again, none is skipped. A scan resumed that way does not
// stop before the next key's prefix differs from the one it started at, so
// even a client whose every cursor misses the store makes progress.
//
// Keys are visited in byte order per instance and instances in Kinds order,
// and every call reads a fresh snapshot, so a key that exists during the
// whole scan is returned at least once, whatever is written meanwhile.

const (
	ksCursorPrefixLen = 4
	ksCursorIDBits    = 26
	ksCursorStoreCap  = 8192
)

// ksCursor is a decoded SCAN cursor.
type ksCursor struct {
	kindPos int    // index into Kinds
	prefix  []byte // first bytes of the next key (len <= ksCursorPrefixLen)
	id      uint32 // store id, 0 = none
}

func (c ksCursor) encode() uint64 {
	var pad [ksCursorPrefixLen]byte
	copy(pad[:], c.prefix)
	v := uint64(c.kindPos+1) << 61
	v |= uint64(len(c.prefix)) << 58
	v |= uint64(binary.BigEndian.Uint32(pad[:])) << ksCursorIDBits
	return v | uint64(c.id)&(1<<ksCursorIDBits-1)
}

// decodeKSCursor parses a non-zero cursor; ok is false for one no scan
// could have produced.
func decodeKSCursor(v uint64) (ksCursor, bool) {
	pos := int(v>>61) - 1
	n := int(v>>58) & 7
	if pos < 0 || pos >= len(Kinds) || n > ksCursorPrefixLen {
		return ksCursor{}, false
	}
	var pad [ksCursorPrefixLen]byte
	binary.BigEndian.PutUint32(pad[:], uint32(v>>ksCursorIDBits))
	for _, b := range pad[n:] {
		if b != 0 {
			return ksCursor{}, false
		}
	}
	return ksCursor{kindPos: pos, prefix: append([]byte{}, pad[:n]...), id: uint32(v) & (1<<ksCursorIDBits - 1)}, true
}

// ksCursorPrefix returns the part of key a cursor carries.
func ksCursorPrefix(key []byte) []byte {
	if len(key) > ksCursorPrefixLen {
		return key[:ksCursorPrefixLen]
	}
	return key
}

// ksCursorStore remembers the exact next key of recent cursors. The zero
// value is ready to use.
type ksCursorStore struct {
	mu    sync.Mutex
	next  uint32
	keys  map[uint32]ksCursorEntry
	order []uint32 // FIFO of ids for eviction
}

type ksCursorEntry struct {
	kindPos int
	key     []byte
}

// put stores key and returns its id (never 0).
func (s *ksCursorStore) put(kindPos int, key []byte) uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys == nil {
		s.keys = make(map[uint32]ksCursorEntry)
		// A random start makes ids from another node unlikely to hit ours.
		s.next = rand.Uint32()
	}
	s.next = (s.next + 1) & (1<<ksCursorIDBits - 1)
	if s.next == 0 {
		s.next = 1
	}
	id := s.next
	if _, exists := s.keys[id]; !exists {
		s.order = append(s.order, id)
	}
	s.keys[id] = ksCursorEntry{kindPos: kindPos, key: append([]byte{}, key...)}
	for len(s.order) > ksCursorStoreCap {
		delete(s.keys, s.order[0])
		s.order = s.order[1:]
	}
	return id
}

// lookup returns the exact key of cursor c if this node issued it.
func (s *ksCursorStore) lookup(c ksCursor) ([]byte, bool) {
	if c.id == 0 {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.keys[c.id]
	if !ok || e.kindPos != c.kindPos || !bytes.Equal(ksCursorPrefix(e.key), c.prefix) {
		return nil, false
	}
	return e.key, true
}
