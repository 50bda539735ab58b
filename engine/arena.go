package engine

// copyArena hands out copies of byte slices carved from a few shared
// buffers instead of one allocation per slice: a read that returns many
// records (MGET, HGETALL, LRANGE) copies them out of RocksDB's pinned
// memory with a handful of allocations. A buffer is never written again
// where a copy was carved, and every copy is capped at its own length, so
// copies stay valid and independent for as long as anyone holds them.
type copyArena struct{ buf []byte }

// Buffer sizes: the first buffer is small (one short reply), each next one
// doubles up to arenaMaxBuf; a slice larger than the next buffer gets an
// allocation of its own.
const (
	arenaFirstBuf = 256
	arenaMaxBuf   = 64 << 10
)

// copy returns a copy of b (an empty, non-nil slice for an empty b).
func (a *copyArena) copy(b []byte) []byte {
	if a.buf == nil || len(b) > cap(a.buf)-len(a.buf) {
		size := min(max(2*cap(a.buf), arenaFirstBuf), arenaMaxBuf)
		if len(b) > size {
			return append(make([]byte, 0, len(b)), b...)
		}
		a.buf = make([]byte, 0, size)
	}
	n := len(a.buf)
	a.buf = append(a.buf, b...)
	return a.buf[n:len(a.buf):len(a.buf)]
}
