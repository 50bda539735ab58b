// Package engine is pikaraft's multi-type storage engine on RocksDB.
//
// The data directory is byte-compatible with Pika 3.5.5: every logical
// database dbN holds six RocksDB instances (strings, hashes, sets, lists,
// zsets, streams) with Pika's column families, comparators and encodings
// (see shared/spec/pika-storage.md). The engine knows nothing of Raft or
// RESP: every operation that depends on time takes the current time as an
// argument, and every write carries the position (Raft index) that the
// instance records atomically with the write so that a replayed log never
// applies an entry twice.
package engine
