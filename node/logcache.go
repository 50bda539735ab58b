package node

import (
	"fmt"
	"sync"

	"github.com/hashicorp/raft"
)

// Bounds of the in-memory cache of recent Raft log entries (the leader
// reads them back to replicate and apply). raft.LogCache bounds only the
// number of entries; an entry carries a whole pipelined batch of commands,
// so 1024 of them held 48 MB after a load of 1M 100-byte strings and would
// hold gigabytes with large values.
const (
	logCacheEntries = 1024
	logCacheBytes   = 8 << 20
)

// logCache is raft.LogCache bounded by bytes as well as entries: it keeps
// the most recent contiguous run of stored entries that fits.
type logCache struct {
	raft.LogStore

	mu       sync.RWMutex
	ring     []*raft.Log
	lo, hi   uint64 // cached indexes lo..hi; none when hi < lo
	bytes    int64
	maxBytes int64
}

func newLogCache(store raft.LogStore, entries int, maxBytes int64) (*logCache, error) {
	if entries < 1 || maxBytes < 1 {
		return nil, fmt.Errorf("log cache needs positive bounds, got %d entries, %d bytes", entries, maxBytes)
	}
	return &logCache{LogStore: store, ring: make([]*raft.Log, entries), lo: 1, maxBytes: maxBytes}, nil
}

// IsMonotonic implements raft.MonotonicLogStore as the underlying store does.
func (c *logCache) IsMonotonic() bool {
	m, ok := c.LogStore.(raft.MonotonicLogStore)
	return ok && m.IsMonotonic()
}

// GetLog implements raft.LogStore.
func (c *logCache) GetLog(idx uint64, log *raft.Log) error {
	c.mu.RLock()
	var cached *raft.Log
	if idx >= c.lo && idx <= c.hi {
		cached = c.ring[idx%uint64(len(c.ring))]
	}
	c.mu.RUnlock()
	if cached != nil && cached.Index == idx {
		*log = *cached
		return nil
	}
	return c.LogStore.GetLog(idx, log)
}

// StoreLog implements raft.LogStore.
func (c *logCache) StoreLog(log *raft.Log) error { return c.StoreLogs([]*raft.Log{log}) }

// StoreLogs implements raft.LogStore: the store first, then the cache.
func (c *logCache) StoreLogs(logs []*raft.Log) error {
	if err := c.LogStore.StoreLogs(logs); err != nil {
		return err
	}
	c.mu.Lock()
	for _, l := range logs {
		c.add(l)
	}
	c.mu.Unlock()
	return nil
}

// DeleteRange implements raft.LogStore; it empties the cache.
func (c *logCache) DeleteRange(min, max uint64) error {
	c.mu.Lock()
	c.reset()
	c.mu.Unlock()
	return c.LogStore.DeleteRange(min, max)
}

func logSize(l *raft.Log) int64 { return int64(len(l.Data) + len(l.Extensions)) }

func (c *logCache) add(l *raft.Log) {
	size := logSize(l)
	if c.hi >= c.lo && l.Index != c.hi+1 || size > c.maxBytes {
		c.reset()
		if size > c.maxBytes {
			return
		}
	}
	for c.hi >= c.lo && (c.hi-c.lo+1 >= uint64(len(c.ring)) || c.bytes+size > c.maxBytes) {
		slot := c.lo % uint64(len(c.ring))
		c.bytes -= logSize(c.ring[slot])
		c.ring[slot] = nil
		c.lo++
	}
	if c.hi < c.lo {
		c.lo = l.Index
	}
	c.ring[l.Index%uint64(len(c.ring))] = l
	c.hi = l.Index
	c.bytes += size
}

func (c *logCache) reset() {
	clear(c.ring)
	c.lo, c.hi, c.bytes = 1, 0, 0
}
