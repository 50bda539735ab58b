// Package hotcache is pikaraft's hot-key cache (Pika 3.5's cache layer,
// pika.conf cache-model 1): an in-memory, byte-bounded LRU of values that
// reads recently fetched from the engine, kept per logical database.
//
// The cache never serves a value older than the engine. The Raft FSM is the
// only writer of the engine, and it brackets every batch of entries it
// applies: BeginKeys / BeginDB / BeginAll before an entry's commands run
// (dropping what they may change and blocking inserts for those keys), and
// EndWrites after the batch's writes are in the engine and before the
// applied index moves (so before any reply is sent and before any read
// that waits for that index runs).
//
// A read that misses takes a Token before it reads the engine and passes
// it to Put: the insert is refused if a write to the key (or its database,
// or everything) began since the token was taken or is still in progress.
// So a reader that raced with a write never inserts the value it read
// before the write. Each cached value carries its expiry deadline (Pika's
// int32 seconds) and a lookup checks it against the read time it is given.
package hotcache
