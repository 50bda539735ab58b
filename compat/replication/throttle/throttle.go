// Package throttle is the byte rate limit of full-sync file transfers
// (throttle-bytes-per-second), shared by the master's file service and
// the Go replica's client.
package throttle

import (
	"sync"
	"time"
)

// Limiter limits bytes per second. The rate is read again on every call,
// so a CONFIG SET takes effect within 100 ms.
type Limiter struct {
	rate  func() int64
	mu    sync.Mutex
	avail float64 // may go negative: debt repaid at the current rate
	last  time.Time
}

// New returns a limiter whose rate (bytes per second) rate returns.
func New(rate func() int64) *Limiter { return &Limiter{rate: rate, last: time.Now()} }

// Rate returns the current rate in bytes per second (at least 1).
func (l *Limiter) Rate() int64 { return max(l.rate(), 1) }

// Chunk returns the largest chunk worth moving at once: 100 ms at the
// current rate (Pika's 100 ms throttle cycle), between 4 KiB and want.
func (l *Limiter) Chunk(want uint64) uint64 {
	c := uint64(max(l.Rate()/10, 4096))
	return min(c, want)
}

// Wait blocks until n bytes may move; false if stop closed first.
func (l *Limiter) Wait(n int, stop <-chan struct{}) bool {
	for {
		l.mu.Lock()
		r := float64(l.Rate())
		now := time.Now()
		l.avail = min(l.avail+r*now.Sub(l.last).Seconds(), r/10)
		l.last = now
		if l.avail > 0 {
			l.avail -= float64(n)
			l.mu.Unlock()
			return true
		}
		d := time.Duration((-l.avail + 1) / r * float64(time.Second))
		l.mu.Unlock()
		d = min(max(d, time.Millisecond), 100*time.Millisecond)
		t := time.NewTimer(d)
		select {
		case <-stop:
			t.Stop()
			return false
		case <-t.C:
		}
	}
}
