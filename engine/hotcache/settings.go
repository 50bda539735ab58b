package hotcache

import "time"

// SetEnabled turns the cache on or off (CONFIG SET cache-model). Turning
// it off drops every entry.
func (c *Cache) SetEnabled(on bool) {
	if c == nil {
		return
	}
	c.enabled.Store(on)
	c.Clear()
}

// SetMaxBytes changes the memory bound (CONFIG SET cache-maxmemory),
// evicting at once what no longer fits.
func (c *Cache) SetMaxBytes(n int64) {
	if c == nil {
		return
	}
	c.maxBytes.Store(n)
	budget := n / numShards
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		s.evict(budget)
		s.mu.Unlock()
	}
}

// SetTypes changes the cached kinds (CONFIG SET cache-type), dropping the
// entries of kinds no longer cached.
func (c *Cache) SetTypes(t Types) {
	if c == nil {
		return
	}
	c.types.Store(uint32(t))
	c.epoch.Add(1)
	c.dropIf(func(it *item) bool { return !t.Has(it.kind) })
}

// Stats are the cache's counters for INFO's Cache section.
type Stats struct {
	Enabled bool
	Keys    int   // entries cached
	Bytes   int64 // approximate memory of the entries
	Hits    uint64
	// Reads counts every lookup of a cached kind (hits and misses): Pika's
	// all_cmds.
	Reads uint64
	// HitsPerSec and ReadsPerSec are measured over the last second or more
	// between two Stats calls.
	HitsPerSec, ReadsPerSec uint64
}

// Stats returns the counters; now stamps the per-second rates.
func (c *Cache) Stats(now time.Time) Stats {
	if c == nil {
		return Stats{}
	}
	st := Stats{Enabled: c.enabled.Load(), Hits: c.hits.Load()}
	st.Reads = st.Hits + c.misses.Load()
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		st.Keys += s.count
		st.Bytes += s.bytes
		s.mu.Unlock()
	}
	st.HitsPerSec, st.ReadsPerSec = c.rates.sample(now, st.Hits, st.Reads)
	return st
}
