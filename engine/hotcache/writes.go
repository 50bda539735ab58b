package hotcache

// Invalidation by the FSM. Every Begin call drops the entries the write may
// change and blocks inserts that could bring an older value back; EndWrites
// ends every write begun since the last EndWrites. The FSM calls Begin*
// before an entry's commands touch the engine and EndWrites once the whole
// batch is in the engine, before it publishes the new applied index.

// BeginKeys starts a write to keys of database db: their entries of every
// kind are dropped, and no read that began before now (or before the
// matching EndWrites) can insert a value for them.
func (c *Cache) BeginKeys(db int, keys [][]byte) {
	if c == nil {
		return
	}
	for _, key := range keys {
		idx := uint32(c.shardIndex(key))
		s := &c.shards[idx]
		s.mu.Lock()
		s.gen++
		s.busy++
		s.dropName(db, key)
		s.mu.Unlock()
		c.pending = append(c.pending, idx)
	}
}

// BeginDB starts a write that may change any key of database db
// (FLUSHDB, or a command whose keys the command table cannot name).
func (c *Cache) BeginDB(db int) {
	if c == nil {
		return
	}
	c.beginWide(func(it *item) bool { return it.db == db })
}

// BeginAll starts a write that may change every database (FLUSHALL, a
// snapshot restore).
func (c *Cache) BeginAll() {
	if c == nil {
		return
	}
	c.beginWide(func(*item) bool { return true })
}

func (c *Cache) beginWide(drop func(*item) bool) {
	c.busyAll.Add(1)
	c.pendingAll++
	c.epoch.Add(1)
	c.dropIf(drop)
}

// EndWrites ends every write begun since the last call: their changes are
// in the engine, so reads that start from now on may cache what they read.
func (c *Cache) EndWrites() {
	if c == nil {
		return
	}
	for _, idx := range c.pending {
		s := &c.shards[idx]
		s.mu.Lock()
		s.busy--
		s.gen++
		s.mu.Unlock()
	}
	c.pending = c.pending[:0]
	if c.pendingAll != 0 {
		c.epoch.Add(1)
		c.busyAll.Add(-c.pendingAll)
		c.pendingAll = 0
	}
}

// Clear drops every entry (CACHE CLEAR, a configuration change). Reads in
// progress cannot insert what they read before the call.
func (c *Cache) Clear() {
	if c == nil {
		return
	}
	c.epoch.Add(1)
	c.dropIf(func(*item) bool { return true })
}

// ClearDB drops every entry of database db.
func (c *Cache) ClearDB(db int) {
	if c == nil {
		return
	}
	c.epoch.Add(1)
	c.dropIf(func(it *item) bool { return it.db == db })
}

func (c *Cache) dropIf(drop func(*item) bool) {
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		s.removeIf(drop)
		s.mu.Unlock()
	}
}

// Drop removes the entries of keys in database db (CACHE DEL); reads in
// progress cannot insert what they read before the call.
func (c *Cache) Drop(db int, keys [][]byte) {
	if c == nil {
		return
	}
	for _, key := range keys {
		s := c.shardOf(key)
		s.mu.Lock()
		s.gen++
		s.dropName(db, key)
		s.mu.Unlock()
	}
}

// dropName removes every entry (of any kind) of key in database db.
func (s *shard) dropName(db int, key []byte) {
	for it := s.items[string(key)]; it != nil; {
		next := it.sib
		if it.db == db {
			s.remove(it)
		}
		it = next
	}
}
