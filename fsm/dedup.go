package fsm

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/resp/command"
)

// The dedup table: for every client ID that forwarded a write (a follower's
// forwarding session, see package node), the last sequence applied, the
// cluster time it was applied at and its replies. It is replicated state:
// kept in the engine's meta area (engine.UpdateMeta), written by the FSM at
// the entry's log position right after the entry's commands, carried in
// snapshots, never rebuilt from memory. A retry of the last sequence is not
// executed again: it gets the stored replies.
//
// Records older than DedupRetentionMs of cluster time are ignored by the
// lookup (so every node decides the same way whether or not it has deleted
// them yet) and deleted from time to time. A forwarder retries for at most
// its write timeout (seconds), far below the retention.
const (
	DedupRetentionMs = 60 * 60 * 1000
	dedupGCEvery     = 4096 // entries between sweeps of expired records
)

var dedupPrefix = []byte("dedup/")

// ErrStaleRequest is the reply to a forwarded request older than the last
// one applied for its client (a forwarder never sends one).
var errStaleRequest = "ERR stale forwarded request: a newer request of this client was already applied"

func dedupKey(client uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte{}, dedupPrefix...), client)
}

// dedupRecord is one client's entry of the table.
type dedupRecord struct {
	Seq     uint64
	TimeMs  int64
	Replies []byte // EncodeReplies
}

func (r *dedupRecord) encode() []byte {
	b := binary.AppendUvarint(nil, r.Seq)
	b = binary.AppendVarint(b, r.TimeMs)
	return append(b, r.Replies...)
}

func decodeDedupRecord(raw []byte) (*dedupRecord, error) {
	d := &decoder{b: raw}
	r := &dedupRecord{Seq: d.uvarint("sequence"), TimeMs: d.varint("time")}
	if d.err != nil {
		return nil, fmt.Errorf("dedup record: %w", d.err)
	}
	r.Replies = d.b
	return r, nil
}

// lookupDedup returns the live record of client, or nil.
func lookupDedup(eng *engine.Engine, client uint64, now int64) (*dedupRecord, error) {
	raw, err := eng.GetMeta(dedupKey(client))
	if errors.Is(err, engine.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("dedup lookup: %w", err)
	}
	r, err := decodeDedupRecord(raw)
	if err != nil {
		return nil, err
	}
	if r.TimeMs < now-DedupRetentionMs {
		return nil, nil
	}
	return r, nil
}

// dedupReplies returns the replies a duplicate of r gets for an entry of n
// commands with sequence seq.
func dedupReplies(r *dedupRecord, seq uint64, n int) []command.Reply {
	if r.Seq != seq {
		return errorReplies(n, command.Err(errStaleRequest))
	}
	replies, err := DecodeReplies(r.Replies)
	if err != nil || len(replies) != n {
		return errorReplies(n, command.Err("ERR internal error: damaged dedup record"))
	}
	return replies
}

func errorReplies(n int, r command.Reply) []command.Reply {
	out := make([]command.Reply, n)
	for i := range out {
		out[i] = r
	}
	return out
}

// gcDedup deletes records that the lookup already ignores.
func gcDedup(eng *engine.Engine, w engine.Writer) error {
	var ops []engine.MetaOp
	err := eng.ScanMeta(dedupPrefix, func(key, value []byte) error {
		r, err := decodeDedupRecord(value)
		if err != nil || r.TimeMs < w.NowMs-DedupRetentionMs {
			ops = append(ops, engine.MetaOp{Key: append([]byte{}, key...)})
		}
		return nil
	})
	if err != nil || len(ops) == 0 {
		return err
	}
	return eng.UpdateMeta(w, ops)
}

// Replay markers. A forwarded entry's meta-area write (with its dedup
// record) also holds "wr/" + u64 BE index: 1 if its commands ran, 0 if the
// dedup table answered it. A replay after a restart reads the marker
// instead of the dedup table to know whether the first apply ran the
// commands, and so bumped their WATCH versions in the engine's in-memory
// table (FSM.replayForwarded). The markers of entries a snapshot's version
// table holds are deleted when the snapshot writes it (FSM.Snapshot).
var replayMarkerPrefix = []byte("wr/")

func replayMarker(index uint64, ran bool) engine.MetaOp {
	v := []byte{0}
	if ran {
		v[0] = 1
	}
	return engine.MetaOp{Key: binary.BigEndian.AppendUint64(append([]byte{}, replayMarkerPrefix...), index), Value: v}
}

// markedRun reports whether entry index's replay marker says its commands
// ran (false without a marker).
func markedRun(eng *engine.Engine, index uint64) (bool, error) {
	raw, err := eng.GetMeta(replayMarker(index, false).Key)
	if errors.Is(err, engine.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("replay marker of entry %d: %w", index, err)
	}
	return len(raw) == 1 && raw[0] == 1, nil
}

// replayMarkerDeletes returns the deletion of every replay marker.
func replayMarkerDeletes(eng *engine.Engine) ([]engine.MetaOp, error) {
	var ops []engine.MetaOp
	err := eng.ScanMeta(replayMarkerPrefix, func(key, _ []byte) error {
		ops = append(ops, engine.MetaOp{Key: append([]byte{}, key...)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list replay markers: %w", err)
	}
	return ops, nil
}
