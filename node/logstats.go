package node

import (
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
)

// Process-wide counters of Raft log appends (one StoreLogs = one bolt
// transaction = one fsync), for profiling how many entries share an fsync.
var logAppends, logEntries, logAppendNanos atomic.Uint64

// LogAppendStats returns, for every node of this process since it started,
// the number of Raft log appends (each one fsync), the entries they stored
// and the total time spent in them.
func LogAppendStats() (appends, entries uint64, spent time.Duration) {
	return logAppends.Load(), logEntries.Load(), time.Duration(logAppendNanos.Load())
}

// countingLogStore counts the appends of the LogStore it wraps.
type countingLogStore struct {
	raft.LogStore
}

// IsMonotonic implements raft.MonotonicLogStore for a store that does (raft-wal
// refuses gaps: after a snapshot install Raft must clear the log, not leave
// a gap behind the snapshot).
func (s countingLogStore) IsMonotonic() bool {
	m, ok := s.LogStore.(raft.MonotonicLogStore)
	return ok && m.IsMonotonic()
}

// StoreLog implements raft.LogStore.
func (s countingLogStore) StoreLog(l *raft.Log) error {
	return s.StoreLogs([]*raft.Log{l})
}

// StoreLogs implements raft.LogStore.
func (s countingLogStore) StoreLogs(logs []*raft.Log) error {
	start := time.Now()
	err := s.LogStore.StoreLogs(logs)
	logAppendNanos.Add(uint64(time.Since(start)))
	logAppends.Add(1)
	logEntries.Add(uint64(len(logs)))
	return err
}
