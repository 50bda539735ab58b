package command

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"

	"github.com/pikaraft/pikaraft/engine"
)

// Modification versions for WATCH.
//
// Every write the FSM applies bumps a version for the keys it touches; a
// WATCHed EXEC carries the versions its connection read and the FSM aborts
// it when any changed. The versions are replicated state: the FSM bumps
// them after each entry's commands ran, in log order, so they are identical
// on every node; the engine keeps them in memory and persists them with
// each snapshot (engine/watchversions.go).
//
// A version is the Raft index of the last entry that modified the key, so
// versions only grow. To stay bounded the table keeps one version per
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
const WatchBuckets = engine.VersionBuckets

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

// KeyVersion returns the modification version of key in database db.
func KeyVersion(eng *engine.Engine, db int, key []byte) uint64 {
	return eng.WatchVersion(db, watchBucket(db, key))
}

// WatchKey reads what WATCH records for key: its version and its expiry
// deadline at nowMs.
func WatchKey(eng *engine.Engine, db int, key []byte, nowMs int64) (WatchedKey, error) {
	w := WatchedKey{DB: db, Key: append([]byte{}, key...), Version: KeyVersion(eng, db, key)}
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
// the check the WATCHed EXEC of log entry index passes at apply time
// (cluster time nowMs).
//
// A watched version equal to index was bumped by this entry itself, so its
// first apply ran, and this is a replay: of an entry the version table
// already holds (at or below its floor), or of the last entry of a data
// directory from before the in-memory table, whose versions were written
// with each command and which a crash may have cut short
// (engine/watchversions.go). The replay then runs it too.
func WatchesHold(eng *engine.Engine, index uint64, watches []WatchedKey, nowMs int64) bool {
	for _, w := range watches {
		if KeyVersion(eng, w.DB, w.Key) == index {
			return true
		}
	}
	for _, w := range watches {
		if engine.DeadlinePassed(w.Deadline, nowMs) || KeyVersion(eng, w.DB, w.Key) != w.Version {
			return false
		}
	}
	return true
}

// AddVersionBumps adds to b what the writes of cmds, run in database db,
// bump. Read commands bump nothing. The result depends only on the
// arguments, so a replayed entry bumps the same versions.
func AddVersionBumps(b *engine.VersionBumps, db int, cmds [][][]byte) {
	visitVersions(db, cmds, func(all, dbEpoch bool, bucket uint32) {
		switch {
		case all:
			b.All = true
		case dbEpoch:
			if db >= 0 && db < engine.MaxDatabases {
				b.DBs |= 1 << db
			}
		default:
			b.Buckets = append(b.Buckets, bucket)
		}
	})
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
