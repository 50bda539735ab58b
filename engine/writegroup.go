package engine

import (
	"fmt"

	"github.com/linxGnu/grocksdb"
)

// WriteGroup gathers the writes of consecutive commands to one instance into
// one RocksDB write. A Raft entry under load holds tens of SETs; each as its
// own write costs a RocksDB write round and an insert of the applied
// position, about a quarter of its engine time (BenchmarkSetGrouped). A
// group commits them together with the position of the last one, so a crash
// keeps all of them or none: a replay re-runs exactly the commands whose
// writes were lost, as it does for one command.
//
// Only blind writes join a group (Set without a condition, KEEPTTL or GET,
// and MSet: nothing they write depends on what the instance holds), since a
// grouped write is not visible to reads until the group commits. The caller
// commits the group before anything else reads or writes the engine
// (Commit), and every other write that is handed a Writer with a group
// commits it first. The zero value is empty and ready; a group is used by
// one goroutine.
type WriteGroup struct {
	// OnCommit, if set, is called after every commit of pending writes
	// (by Commit, or by a write that commits the group first) with its
	// error: the caller learns which commands' writes landed or failed.
	OnCommit func(err error)

	d   *DB
	in  *instance
	b   *grocksdb.WriteBatch
	pos Pos // the last grouped command's position
}

// Pending reports whether the group holds writes not yet committed.
func (g *WriteGroup) Pending() bool { return g.b != nil }

// Holds reports whether the group holds the uncommitted write of the
// command at position p (the last one that joined).
func (g *WriteGroup) Holds(p Pos) bool { return g.b != nil && g.pos == p }

// Commit writes what the group holds, with the position of its last
// command, and empties it (also when the write fails).
func (g *WriteGroup) Commit() error {
	if g.b == nil {
		return nil
	}
	d, in, b, pos := g.d, g.in, g.b, g.pos
	g.d, g.in, g.b, g.pos = nil, nil, nil, Pos{}
	err := commitBatch(d, in, b, pos)
	b.Destroy()
	if g.OnCommit != nil {
		g.OnCommit(err)
	}
	return err
}

// commitBatch writes b with position pos to instance in of d.
func commitBatch(d *DB, in *instance, b *grocksdb.WriteBatch, pos Pos) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.db == nil {
		return ErrClosed
	}
	b.PutCF(in.appliedCF(), appliedKey, pos.encode())
	if err := d.eng.write(in, b, false); err != nil {
		return fmt.Errorf("commit grouped writes: %w", err)
	}
	in.applied = pos
	return nil
}

// commitGroup commits w's group, if any, before a write or read of
// another kind.
func (w Writer) commitGroup() error {
	if w.Group == nil {
		return nil
	}
	return w.Group.Commit()
}

// updateBlind is update for a write whose fn reads nothing: with a group
// in w it joins the group instead of committing.
func (d *DB) updateBlind(k Kind, w Writer, fn func(t *txn)) error {
	g := w.Group
	if g == nil || w.Pos.IsZero() {
		return d.update(k, w, func(t *txn) error { fn(t); return nil })
	}
	in := d.inst[k]
	if g.Pending() && (g.d != d || g.in != in) {
		// Commit before taking in's lock: never two instance locks at once.
		if err := g.Commit(); err != nil {
			return err
		}
	}
	held, err := lockForWrite(in, w)
	if err != nil {
		return err
	}
	defer in.mu.Unlock()
	if held {
		return nil // replayed: the instance has the command's effect
	}
	if g.b == nil {
		g.d, g.in, g.b = d, in, grocksdb.NewWriteBatch()
	}
	fn(&txn{in: in, b: g.b, now: w.nowSec(), ms: w.NowMs})
	g.pos = w.Pos
	return nil
}
