package info

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// LatencyBuckets are the upper bounds, in seconds, of the per-command
// latency histogram (Prometheus-style cumulative buckets are derived from
// them when exported).
var LatencyBuckets = []float64{
	0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
	0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
}

// latencyBucketsNs is LatencyBuckets in nanoseconds, for Record.
var latencyBucketsNs = func() []int64 {
	out := make([]int64, len(LatencyBuckets))
	for i, b := range LatencyBuckets {
		out[i] = int64(b * 1e9)
	}
	return out
}()

// cmdStat is the counters of one command: a few atomics, so recording
// costs no lock.
type cmdStat struct {
	calls   atomic.Int64
	nanos   atomic.Int64
	buckets []atomic.Uint64 // len(LatencyBuckets)+1: the last is +Inf
}

// CommandStats counts calls and time per command (INFO commandstats,
// Command_Exec_Count and the Prometheus latency histograms).
type CommandStats struct {
	m sync.Map // lower-case command name -> *cmdStat
}

// NewCommandStats returns empty counters.
func NewCommandStats() *CommandStats { return &CommandStats{} }

// Record counts one call of command name (lower case) that took d.
func (s *CommandStats) Record(name string, d time.Duration) {
	v, ok := s.m.Load(name)
	if !ok {
		v, _ = s.m.LoadOrStore(name, &cmdStat{buckets: make([]atomic.Uint64, len(LatencyBuckets)+1)})
	}
	st := v.(*cmdStat)
	ns := d.Nanoseconds()
	if ns < 0 {
		ns = 0
	}
	st.calls.Add(1)
	st.nanos.Add(ns)
	i := 0
	for i < len(latencyBucketsNs) && ns > latencyBucketsNs[i] {
		i++
	}
	st.buckets[i].Add(1)
}

// Reset clears every counter (CONFIG RESETSTAT).
func (s *CommandStats) Reset() {
	s.m.Range(func(k, _ any) bool {
		s.m.Delete(k)
		return true
	})
}

// CommandStat is a snapshot of one command's counters.
type CommandStat struct {
	Name  string // lower case
	Calls int64
	Total time.Duration
	// Buckets counts calls per latency bucket (not cumulative): index i
	// is (LatencyBuckets[i-1], LatencyBuckets[i]], the last is +Inf.
	Buckets []uint64
}

// Snapshot returns the commands called at least once, sorted by name.
func (s *CommandStats) Snapshot() []CommandStat {
	var out []CommandStat
	s.m.Range(func(k, v any) bool {
		st := v.(*cmdStat)
		cs := CommandStat{Name: k.(string), Calls: st.calls.Load(), Total: time.Duration(st.nanos.Load())}
		cs.Buckets = make([]uint64, len(st.buckets))
		for i := range st.buckets {
			cs.Buckets[i] = st.buckets[i].Load()
		}
		if cs.Calls > 0 {
			out = append(out, cs)
		}
		return true
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
