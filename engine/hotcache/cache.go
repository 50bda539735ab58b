package hotcache

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// numShards is the number of independently locked parts of the cache; a
// key name always lives in the shard its hash picks, whatever its db or kind.
const numShards = 64

// entryOverhead approximates the bytes an entry costs beyond its key and
// value (the item, its map slot and the LRU links).
const entryOverhead = 96

// Config is the cache's initial configuration (pika.conf cache-model,
// cache-maxmemory, cache-type).
type Config struct {
	// Enabled is cache-model 1. A disabled cache holds nothing and serves
	// nothing, but still tracks writes so that enabling it later is safe.
	Enabled bool
	// MaxBytes bounds the approximate memory of every cached entry of
	// every database together.
	MaxBytes int64
	// Types are the kinds that are cached.
	Types Types
}

// Cache is a hot-key cache. Lookups and inserts are safe for concurrent
// use; the Begin*/EndWrites calls belong to the single goroutine that
// applies writes (the Raft FSM).
type Cache struct {
	seed     maphash.Seed
	enabled  atomic.Bool
	types    atomic.Uint32
	maxBytes atomic.Int64

	// epoch grows with every invalidation wider than a key (a database,
	// everything, a configuration change); busyAll counts those still in
	// progress. Tokens remember the epoch and are refused while busy.
	epoch   atomic.Uint64
	busyAll atomic.Int64

	hits, misses atomic.Uint64
	rates        rateSampler

	shards [numShards]shard

	// Writes begun and not yet ended (FSM goroutine only).
	pending    []uint32
	pendingAll int64
}

// shard is one locked part of the cache: a map from key name to the chain
// of entries with that name (one per db and kind), an LRU list and a
// generation that grows with every write begun on one of its keys.
type shard struct {
	mu    sync.Mutex
	gen   uint64
	busy  int // writes begun on keys of this shard and not yet ended
	items map[string]*item
	lru   item // sentinel: lru.next is the most recently used
	bytes int64
	count int
}

// item is one cached value.
type item struct {
	name      string
	db        int
	kind      Kind
	val       any
	size      int64
	expireSec int32 // Pika's expiry deadline in Unix seconds, 0 for none
	sib       *item // next entry with the same name (another db or kind)
	prev      *item
	next      *item
}

// Token is what a read that missed must present to Put: the state of the
// key's shard and of the whole cache when the read began.
type Token struct {
	gen, epoch uint64
	ok         bool
}

// New returns a cache configured by cfg.
func New(cfg Config) *Cache {
	c := &Cache{seed: maphash.MakeSeed()}
	for i := range c.shards {
		s := &c.shards[i]
		s.items = map[string]*item{}
		s.lru.next, s.lru.prev = &s.lru, &s.lru
	}
	c.enabled.Store(cfg.Enabled)
	c.types.Store(uint32(cfg.Types))
	c.maxBytes.Store(cfg.MaxBytes)
	return c
}

// Serves reports whether values of kind are cached now. It is false for a
// nil cache.
func (c *Cache) Serves(k Kind) bool {
	return c != nil && c.enabled.Load() && Types(c.types.Load()).Has(k)
}

// Enabled reports whether the cache is on (cache-model 1).
func (c *Cache) Enabled() bool { return c != nil && c.enabled.Load() }

func (c *Cache) shardIndex(key []byte) uint64 { return maphash.Bytes(c.seed, key) % numShards }

func (c *Cache) shardOf(key []byte) *shard { return &c.shards[c.shardIndex(key)] }

// expired mirrors the engine's rule for Pika's int32-second deadlines: a
// deadline strictly before the read's second has passed.
func expired(expireSec int32, nowMs int64) bool {
	return expireSec != 0 && expireSec < int32(nowMs/1000)
}

// Get looks up the value of key (kind, database db) as of read time nowMs.
// On a hit it returns the value and true. On a miss it returns a Token to
// pass to Put once the value has been read from the engine; the token must
// be taken before that engine read.
func (c *Cache) Get(db int, kind Kind, key []byte, nowMs int64) (any, Token, bool) {
	if !c.Serves(kind) {
		return nil, Token{}, false
	}
	s := c.shardOf(key)
	s.mu.Lock()
	for it := s.items[string(key)]; it != nil; it = it.sib {
		if it.db != db || it.kind != kind {
			continue
		}
		if expired(it.expireSec, nowMs) {
			s.remove(it)
			break
		}
		s.touch(it)
		v := it.val
		s.mu.Unlock()
		c.hits.Add(1)
		return v, Token{}, true
	}
	tok := Token{gen: s.gen, epoch: c.epoch.Load(), ok: s.busy == 0 && c.busyAll.Load() == 0}
	s.mu.Unlock()
	c.misses.Add(1)
	return nil, tok, false
}

// Put caches val as the value of key (kind, database db), read from the
// engine after tok was taken, with Pika expiry deadline expireSec (0 for
// none) and an approximate size in bytes. val must never be modified
// afterwards. The insert is dropped when a write to the key, its database
// or everything began after the token, or is in progress, or when the
// entry alone exceeds the cache's share for the shard.
func (c *Cache) Put(tok Token, db int, kind Kind, key []byte, val any, size int64, expireSec int32) {
	if !tok.ok || !c.Serves(kind) {
		return
	}
	size += int64(len(key)) + entryOverhead
	budget := c.maxBytes.Load() / numShards
	if size > budget {
		return
	}
	s := c.shardOf(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen != tok.gen || s.busy != 0 || c.epoch.Load() != tok.epoch || c.busyAll.Load() != 0 {
		return
	}
	head := s.items[string(key)]
	for it := head; it != nil; it = it.sib {
		if it.db == db && it.kind == kind {
			s.remove(it)
			head = s.items[string(key)]
			break
		}
	}
	it := &item{name: string(key), db: db, kind: kind, val: val, size: size, expireSec: expireSec, sib: head}
	s.items[it.name] = it
	s.pushFront(it)
	s.bytes += size
	s.count++
	s.evict(budget)
}

// touch moves it to the front of the LRU list.
func (s *shard) touch(it *item) {
	if s.lru.next == it {
		return
	}
	it.prev.next, it.next.prev = it.next, it.prev
	s.pushFront(it)
}

func (s *shard) pushFront(it *item) {
	it.prev, it.next = &s.lru, s.lru.next
	s.lru.next.prev = it
	s.lru.next = it
}

// remove unlinks it from the LRU list and from its name's chain.
func (s *shard) remove(it *item) {
	it.prev.next, it.next.prev = it.next, it.prev
	it.prev, it.next = nil, nil
	s.bytes -= it.size
	s.count--
	head := s.items[it.name]
	if head == it {
		if it.sib == nil {
			delete(s.items, it.name)
		} else {
			s.items[it.name] = it.sib
		}
		return
	}
	for p := head; p != nil; p = p.sib {
		if p.sib == it {
			p.sib = it.sib
			return
		}
	}
}

// evict drops least recently used entries until the shard fits budget.
func (s *shard) evict(budget int64) {
	for s.bytes > budget && s.lru.prev != &s.lru {
		s.remove(s.lru.prev)
	}
}

// removeIf drops every entry for which drop returns true.
func (s *shard) removeIf(drop func(*item) bool) {
	for it := s.lru.next; it != &s.lru; {
		next := it.next
		if drop(it) {
			s.remove(it)
		}
		it = next
	}
}
