package engine

import (
	"sort"
	"sync"
)

// Staged meta records. The FSM stages the WATCH versions of a command that
// did not write the meta instance itself (a HSET, an LPUSH, ...) instead of
// writing them at once: the next positioned write to the meta instance
// (db0's strings: a SET, the dedup record of a forwarded entry, or the
// FSM's CommitMeta after each batch of entries) carries them, staged
// records first. GetMeta sees staged records at once; ScanMeta does not
// (only versions are staged, and nothing scans them).
//
// Crash safety: a staged record of entry E is written at the position of
// the first write to the meta instance after E, at the latest the FSM's
// CommitMeta at the end of E's batch. Since what survives a crash is a
// prefix of the writes (wal.go), a meta instance that holds some position
// P holds every record staged before the write at P. A replayed entry
// stages its records again, and a replayed write to the meta instance that
// the instance already holds drops the staged records instead of writing
// them (they are in the instance already).
type metaStage struct {
	mu  sync.Mutex
	ops map[string][]byte // key -> value (nil: delete)
}

// StageMeta stages ops for the next positioned write to the meta instance.
func (e *Engine) StageMeta(ops []MetaOp) {
	if len(ops) == 0 {
		return
	}
	e.stage.mu.Lock()
	defer e.stage.mu.Unlock()
	if e.stage.ops == nil {
		e.stage.ops = make(map[string][]byte, len(ops))
	}
	for _, op := range ops {
		e.stage.ops[string(op.Key)] = op.Value
	}
}

// staged returns the staged value of key and whether there is one.
func (s *metaStage) get(key []byte) (value []byte, deleted, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.ops[string(key)]
	if !ok {
		return nil, false, false
	}
	return append([]byte{}, v...), v == nil, true
}

// pending returns the staged ops in key order (nil for none).
func (s *metaStage) pending() []MetaOp {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.ops) == 0 {
		return nil
	}
	out := make([]MetaOp, 0, len(s.ops))
	for k, v := range s.ops {
		out = append(out, MetaOp{Key: []byte(k), Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return string(out[i].Key) < string(out[j].Key) })
	return out
}

// clear drops every staged op (written, or already in the instance).
func (s *metaStage) clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.ops) > 0 {
		s.ops = nil
	}
}

// CommitMeta writes the staged records, if any, as a meta write at w's
// position (the FSM calls it after each batch, with the position of the
// last entry that staged records).
func (e *Engine) CommitMeta(w Writer) error {
	ops := e.stage.pending()
	if len(ops) == 0 {
		return nil
	}
	return e.UpdateMeta(w, ops)
}
