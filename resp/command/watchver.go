package command

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"

	"github.com/pikaraft/pikaraft/engine"
)

// Modification versions for WATCH.
//
// Every write the FSM applies bumps a version for the keys it touches; a
// WATCHed EXEC carries the versions its connection read and the FSM aborts
// it when any changed. The versions are replicated state: the FSM writes
// them in the engine's meta area (engine.UpdateMeta; pikaraft's applied
// column family, never visible to Pika) at the entry's log position, so
// they are identical on every node, skipped on replay like any write and
// carried in snapshots.
//
// A version is the Raft index of the last entry that modified the key, so
// versions only grow. To stay bounded the store keeps one version per
// bucket: a key's bucket is FNV-1a 64 of (db, key) modulo WatchBuckets,
// part of the on-disk format. Two keys in one bucket share a version, so a
// write to one aborts a transaction watching the other — a rare false
// abort (with W distinct keys written between WATCH and EXEC, about
// W/WatchBuckets per watched key). A real modification is never missed.
//
// Writes without key positions (FLUSHDB, PKPATTERNMATCHDEL) and writes
// whose keys the table cannot name bump a per-db epoch, FLUSHALL a global
// one; a key's version is the largest of its bucket, its db's epoch and the
// global epoch.
const WatchBuckets = 1 << 18

var (
	watchBucketPrefix = []byte("wk/") // + u32 BE bucket
	watchDBPrefix     = []byte("wd/") // + u16 BE db
	watchAllKey       = []byte("wa")
)

// WatchedKey is one key a connection WATCHes: what it read at WATCH time.
type WatchedKey struct {
	DB  int
	Key []byte
	// Version is the key's modification version when it was watched.
	Version uint64
	// Deadline is the key's expiry (Unix seconds) when it was watched, 0
	// if it had none or did not exist: EXEC aborts once it has passed.
	Deadline int32
}

func watchBucket(db int, key []byte) uint32 {
	h := fnv.New64a()
	var b [2]byte
	binary.BigEndian.PutUint16(b[:], uint16(db))
	h.Write(b[:])
	h.Write(key)
	return uint32(h.Sum64() % WatchBuckets)
}

func watchBucketKey(db int, key []byte) []byte { return bucketKey(watchBucket(db, key)) }

func bucketKey(bucket uint32) []byte {
	return binary.BigEndian.AppendUint32(append([]byte{}, watchBucketPrefix...), bucket)
}

func watchDBKey(db int) []byte {
	return binary.BigEndian.AppendUint16(append([]byte{}, watchDBPrefix...), uint16(db))
}

func readVersion(eng *engine.Engine, key []byte) (uint64, error) {
	raw, err := eng.GetMeta(key)
	if errors.Is(err, engine.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read watch version: %w", err)
	}
	v, n := binary.Uvarint(raw)
	if n <= 0 {
		return 0, fmt.Errorf("read watch version: %w: bad record", engine.ErrCorrupt)
	}
	return v, nil
}

// KeyVersion returns the modification version of key in database db.
func KeyVersion(eng *engine.Engine, db int, key []byte) (uint64, error) {
	var best uint64
	for _, k := range [][]byte{watchBucketKey(db, key), watchDBKey(db), watchAllKey} {
		v, err := readVersion(eng, k)
		if err != nil {
			return 0, err
		}
		best = max(best, v)
	}
	return best, nil
}

// WatchKey reads what WATCH records for key: its version and its expiry
// deadline at nowMs.
func WatchKey(eng *engine.Engine, db int, key []byte, nowMs int64) (WatchedKey, error) {
	w := WatchedKey{DB: db, Key: append([]byte{}, key...)}
	var err error
	if w.Version, err = KeyVersion(eng, db, key); err != nil {
		return w, err
	}
	d, err := eng.DB(db)
	if err != nil {
		return w, fmt.Errorf("watch: %w", err)
	}
	if w.Deadline, err = d.ExpiryDeadline(key, nowMs); err != nil {
		return w, fmt.Errorf("watch: %w", err)
	}
	return w, nil
}

// WatchesHold reports whether no watched key was modified or expired:
// the check a WATCHed EXEC passes at apply time (cluster time nowMs).
func WatchesHold(eng *engine.Engine, watches []WatchedKey, nowMs int64) (bool, error) {
	for _, w := range watches {
		if engine.DeadlinePassed(w.Deadline, nowMs) {
			return false, nil
		}
		v, err := KeyVersion(eng, w.DB, w.Key)
		if err != nil {
			return false, err
		}
		if v != w.Version {
			return false, nil
		}
	}
	return true, nil
}

// VersionOps returns the meta-area changes that record entry index's
// writes: cmds ran in database db. Read commands change nothing. The
// result depends only on the arguments, so a replayed entry bumps the
// same versions.
func VersionOps(index uint64, db int, cmds [][][]byte) []engine.MetaOp {
	val := binary.AppendUvarint(nil, index)
	var seen map[string]bool // only for many keys; a few are compared directly
	var ops []engine.MetaOp
	add := func(k []byte) {
		if seen == nil && len(ops) < 8 {
			for _, op := range ops {
				if bytes.Equal(op.Key, k) {
					return
				}
			}
			ops = append(ops, engine.MetaOp{Key: k, Value: val})
			return
		}
		if seen == nil {
			seen = make(map[string]bool, 2*len(ops))
			for _, op := range ops {
				seen[string(op.Key)] = true
			}
		}
		if !seen[string(k)] {
			seen[string(k)] = true
			ops = append(ops, engine.MetaOp{Key: k, Value: val})
		}
	}
	visitVersions(db, cmds, func(all, dbEpoch bool, bucket uint32) {
		switch {
		case all:
			add(watchAllKey)
		case dbEpoch:
			add(watchDBKey(db))
		default:
			add(bucketKey(bucket))
		}
	})
	return ops
}

// VersionBuckets calls fn with the version bucket of each key that cmds,
// run in database db, may modify, and reports whether they bump the
// database's or the global version instead (FLUSHDB, FLUSHALL, writes whose
// keys cannot be named). The FSM gives every version an entry bumps the
// entry's index, so writes that must not share one version — those of
// different clients coalesced into one entry (node) — are told apart by
// these buckets.
func VersionBuckets(db int, cmds [][][]byte, fn func(bucket uint32)) (epoch bool) {
	visitVersions(db, cmds, func(all, dbEpoch bool, bucket uint32) {
		if all || dbEpoch {
			epoch = true
			return
		}
		fn(bucket)
	})
	return epoch
}

// visitVersions calls fn for each version record a write of cmds bumps:
// the global one (all), the database's (dbEpoch) or a key's bucket.
func visitVersions(db int, cmds [][][]byte, fn func(all, dbEpoch bool, bucket uint32)) {
	for _, argv := range cmds {
		if len(argv) == 0 {
			continue
		}
		spec, ok := Commands.Lookup(argv[0])
		if !ok || !spec.IsWrite() {
			continue
		}
		keys, all := modifiedKeys(spec, argv)
		switch {
		case spec.Name == "flushall":
			fn(true, false, 0)
		case all:
			fn(false, true, 0)
		default:
			for _, k := range keys {
				fn(false, false, watchBucket(db, k))
			}
		}
	}
}

// modifiedKeys returns the keys a write command may modify, or all=true
// when it cannot name them (no key positions, or keys the table does not
// cover).
//
// The result may share argv's backing array (capacity limited to its
// length, so appending to it copies); callers must not modify it.
func modifiedKeys(spec *Spec, argv [][]byte) (keys [][]byte, all bool) {
	first, last, step, ok := spec.keyRange(len(argv))
	if !ok || spec.Flags&FlagMovableKeys != 0 {
		return nil, true
	}
	switch spec.Name {
	case "sdiffstore", "sinterstore", "sunionstore", "pfmerge", "bitop",
		"zrangestore", "geosearchstore", "zunionstore", "zinterstore":
		// Only the destination changes; the sources are read.
		return argv[first : first+1 : first+1], false
	case "georadius", "georadiusbymember":
		// STORE / STOREDIST name a destination outside the key triple.
		keys = [][]byte{argv[first]}
		for i := first + 1; i+1 < len(argv); i++ {
			if EqualFold(argv[i], "store") || EqualFold(argv[i], "storedist") {
				keys = append(keys, argv[i+1])
			}
		}
		return keys, false
	}
	if step == 1 {
		// Consecutive keys (SET, HSET, DEL k1 k2 ...): no copy.
		return argv[first : last+1 : last+1], false
	}
	for p := first; p <= last; p += step {
		keys = append(keys, argv[p])
	}
	return keys, false
}

// WrittenKeys returns the keys a write command may modify (nil for a read,
// or for a write whose keys cannot be named, like FLUSHDB).
func WrittenKeys(argv [][]byte) [][]byte {
	if len(argv) == 0 {
		return nil
	}
	spec, ok := Commands.Lookup(argv[0])
	if !ok || !spec.IsWrite() {
		return nil
	}
	keys, all := modifiedKeys(spec, argv)
	if all {
		return nil
	}
	return keys
}

// BlockingKeys returns the keys a blocking command waits on: every list
// of BLPOP/BRPOP, the source of BRPOPLPUSH/BLMOVE.
func BlockingKeys(argv [][]byte) [][]byte {
	if len(argv) < 3 {
		return nil
	}
	switch lowerASCII(argv[0]) {
	case "blpop", "brpop":
		return argv[1 : len(argv)-1]
	}
	return argv[1:2]
}
