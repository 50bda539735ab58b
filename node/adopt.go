package node

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/raft"

	"github.com/pikaraft/pikaraft/engine"
)

// Adopting data that no Raft entry wrote (an in-place upgrade from Pika 3.5).
//
// A Pika 3.5 db-path opened by pikaraft holds records at applied position
// zero: they are in the engine but in no Raft log. A node that joins later
// and replays the log from index 1 would never see them. So a node that
// bootstraps alone on such data takes a snapshot (an engine checkpoint,
// which carries the data) as soon as it leads, and truncates its whole log
// behind it: every server added afterwards starts from that snapshot.
// A node that would form or join a multi-server cluster on such data is
// refused: its records would exist on it alone.

// errNotEmpty stops engine.Dump at the first record.
var errNotEmpty = errors.New("engine holds data")

// hasForeignData reports whether the engine holds records but has applied
// no Raft entry that wrote any.
func hasForeignData(eng *engine.Engine) (bool, error) {
	if !eng.Applied().IsZero() {
		return false, nil
	}
	err := eng.Dump(func(int, engine.Kind, int, []byte, []byte) error { return errNotEmpty })
	if errors.Is(err, errNotEmpty) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("node: look for existing data: %w", err)
	}
	return false, nil
}

// needsAdoption decides, before bootstrap, whether the engine's data must
// be adopted (see above). It returns an error when the data cannot be
// adopted safely by this node's configuration.
func (n *Node) needsAdoption(logs raft.LogStore, snaps raft.SnapshotStore) (bool, error) {
	foreign, err := hasForeignData(n.fsm.Engine())
	if err != nil || !foreign {
		return false, err
	}
	list, err := snaps.List()
	if err != nil {
		return false, fmt.Errorf("node: list snapshots: %w", err)
	}
	if len(list) > 0 {
		// Adopted before, or received from a leader: the snapshot carries it.
		return false, nil
	}
	has, err := raft.HasExistingState(logs, n.store, snaps)
	if err != nil {
		return false, fmt.Errorf("node: check raft state: %w", err)
	}
	alone := n.cfg.Bootstrap && len(n.cfg.Peers) <= 1
	if has {
		// Bootstrapped but stopped before the adoption snapshot.
		conf := n.raft.GetConfiguration()
		if err := conf.Error(); err != nil {
			return false, fmt.Errorf("node: read raft configuration: %w", err)
		}
		servers := conf.Configuration().Servers
		alone = len(servers) == 1 && servers[0].ID == raft.ServerID(n.cfg.ID)
	}
	if !alone {
		return false, fmt.Errorf("node: %s holds data that was not written through Raft (a Pika data directory?); "+
			"start this node alone (--bootstrap-expect 1, no --join or --peers) to adopt it, then join the other nodes to it, "+
			"or start this node on an empty db-path", n.cfg.DBPath)
	}
	return true, nil
}

// adoptData waits until this node leads, then snapshots the engine and
// truncates the whole Raft log, so that servers added later install the
// snapshot instead of replaying a log that lacks the adopted data.
func (n *Node) adoptData(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := n.waitReady(ctx); err != nil {
		return fmt.Errorf("node: adopt existing data: not the leader after %s: %w", timeout, err)
	}
	rc := n.raft.ReloadableConfig()
	trailing := rc.TrailingLogs
	rc.TrailingLogs = 0
	if err := n.raft.ReloadConfig(rc); err != nil {
		return fmt.Errorf("node: adopt existing data: %w", err)
	}
	serr := n.raft.Snapshot().Error()
	rc.TrailingLogs = trailing
	if err := n.raft.ReloadConfig(rc); err != nil {
		return fmt.Errorf("node: adopt existing data: restore trailing logs: %w", err)
	}
	if serr != nil {
		return fmt.Errorf("node: adopt existing data: snapshot: %w", serr)
	}
	n.log.Info("adopted the existing data in db-path: snapshot taken, raft log truncated; nodes that join install it",
		"db_path", n.cfg.DBPath)
	return nil
}
