package hotcache

import (
	"sync"
	"time"
)

// rateSampler turns the hit and read counters into per-second rates,
// re-measured when at least a second has passed since the last sample.
type rateSampler struct {
	mu                  sync.Mutex
	at                  time.Time
	hits, reads         uint64
	hitsRate, readsRate uint64
}

func (r *rateSampler) sample(now time.Time, hits, reads uint64) (uint64, uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.at.IsZero() {
		r.at, r.hits, r.reads = now, hits, reads
		return 0, 0
	}
	if dt := now.Sub(r.at); dt >= time.Second {
		secs := dt.Seconds()
		r.hitsRate = uint64(float64(hits-r.hits) / secs)
		r.readsRate = uint64(float64(reads-r.reads) / secs)
		r.at, r.hits, r.reads = now, hits, reads
	}
	return r.hitsRate, r.readsRate
}
