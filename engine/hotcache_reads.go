package engine

import "github.com/pikaraft/pikaraft/engine/hotcache"

// Reads for the hot-key cache: they return what the cache must store with
// a value, its Pika expiry deadline (Unix seconds, 0 for none). The bytes
// are the caller's (copied out of RocksDB), so a cached value never aliases
// engine memory.

// HotCache returns the hot-key cache the engine was opened with (nil for
// none, and for a nil engine).
func (e *Engine) HotCache() *hotcache.Cache {
	if e == nil {
		return nil
	}
	return e.opts.HotCache
}

// GetExpiring returns the value of key and its expiry deadline, or
// ErrNotFound if it is missing or expired at nowMs.
func (d *DB) GetExpiring(key []byte, nowMs int64) ([]byte, int32, error) {
	return d.readString(key, nowMs) // readString copies out of RocksDB
}

// ListHead is the start of a list as the cache keeps it.
type ListHead struct {
	// Len is the length of the whole list.
	Len uint64
	// Elems are the first min(Len, max) elements.
	Elems [][]byte
	// ExpireSec is the list's Pika expiry deadline (0 for none).
	ExpireSec int32
}

// LHead reads the length, expiry deadline and first max elements of the
// list key from one snapshot. found is false for a list that is missing,
// empty or expired at nowMs.
func (d *DB) LHead(key []byte, max uint64, nowMs int64) (h ListHead, found bool, err error) {
	r, err := d.read(KindLists, true)
	if err != nil {
		return ListHead{}, false, err
	}
	defer r.close()
	m, err := liveListMeta(r, key, msToSec(nowMs))
	if err == ErrNotFound {
		return ListHead{}, false, nil
	}
	if err != nil {
		return ListHead{}, false, err
	}
	h = ListHead{Len: m.Count, ExpireSec: m.TS}
	if n := min(m.Count, max); n > 0 {
		if h.Elems, err = readList(r, key, m.Version, m.Left+1, m.Left+n); err != nil {
			return ListHead{}, false, err
		}
	}
	return h, true, nil
}
