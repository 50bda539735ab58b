package node

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/hashicorp/raft"
)

// Periodic Raft snapshots are taken here, not by hashicorp/raft (whose own
// threshold is set out of reach in raftConfig), so that the memtables can
// be flushed (and the binlog fsynced) first. hashicorp/raft calls FSM.Snapshot on the goroutine that
// applies entries, and the snapshot's engine checkpoint flushes every
// memtable while it holds every writer: with 64 MB memtables that stopped
// all writes for hundreds of milliseconds (306 ms after 200k SETs,
// docs/BENCHMARKS.md "Write latency tail"). Flushed beforehand, concurrently
// with the writes, the checkpoint only has the last few milliseconds of
// writes left to flush. Likewise the binlog's fsync in FSM.Snapshot, which
// could find up to 30 s of writes not yet on disk.
//
// The schedule is hashicorp/raft's: every SnapshotInterval to twice that,
// a snapshot if the log holds SnapshotThreshold entries past the last one.

// defaultSnapshotThreshold and defaultSnapshotInterval are hashicorp/raft's
// defaults, used when Config leaves them zero.
const (
	defaultSnapshotThreshold = 8192
	defaultSnapshotInterval  = 120 * time.Second
)

// raftSnapshotThreshold is the threshold hashicorp/raft itself is given: it
// never takes a snapshot on its own.
const raftSnapshotThreshold = math.MaxUint64

func (n *Node) snapshotThreshold() uint64 {
	if n.cfg.SnapshotThreshold > 0 {
		return n.cfg.SnapshotThreshold
	}
	return defaultSnapshotThreshold
}

func (n *Node) snapshotInterval() time.Duration {
	if n.cfg.SnapshotInterval > 0 {
		return n.cfg.SnapshotInterval
	}
	return defaultSnapshotInterval
}

// snapshotLoop takes the periodic snapshots until n.stop is closed; it
// closes n.snapDone when it returns.
func (n *Node) snapshotLoop() {
	defer close(n.snapDone)
	interval := n.snapshotInterval()
	for {
		select {
		case <-n.stop:
			return
		case <-time.After(interval + rand.N(interval)):
		}
		if !n.snapshotDue() {
			continue
		}
		if err := n.takeSnapshot(); err != nil && !errors.Is(err, raft.ErrNothingNewToSnapshot) {
			n.log.Error("periodic snapshot failed", "error", err)
		}
	}
}

// snapshotDue reports whether the Raft log holds at least the threshold of
// entries past the last snapshot (hashicorp/raft's shouldSnapshot).
func (n *Node) snapshotDue() bool {
	last := n.raft.LastIndex()
	snap, err := strconv.ParseUint(n.raft.Stats()["last_snapshot_index"], 10, 64)
	if err != nil {
		n.log.Warn("snapshot: cannot read the last snapshot index", "error", err)
		return false
	}
	return last > snap && last-snap >= n.snapshotThreshold()
}

// takeSnapshot flushes the engine's memtables and fsyncs the binlog
// (FSM.PrepareSnapshot), then has Raft take a snapshot (which checkpoints
// the engine on the apply goroutine).
func (n *Node) takeSnapshot() error {
	start := time.Now()
	if err := n.fsm.PrepareSnapshot(); err != nil {
		// Only slower without it: the snapshot writes what is left.
		n.log.Warn("snapshot: preparing (memtable flush, binlog fsync) failed", "error", err)
	}
	flushed := time.Since(start)
	if err := n.raft.Snapshot().Error(); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	n.log.Info("snapshot taken", "flush", flushed.Round(time.Millisecond),
		"total", time.Since(start).Round(time.Millisecond))
	return nil
}
