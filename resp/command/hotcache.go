package command

import (
	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/engine/hotcache"
)

// The hot-key cache (engine/hotcache) in front of GET and LRANGE. Reads use
// it only when the RESP server puts it in Ctx.Cache; the FSM never does, so
// writes and the reads inside a transaction always see the engine. The FSM
// keeps the cache honest with CacheBegin before an entry runs and the
// cache's EndWrites after its batch.

// listHeadLen is how many elements of a list the cache keeps: LRANGE
// ranges that end inside them are served from the cache.
const listHeadLen = 512

// CacheBegin tells the cache which keys the commands of an entry, run in
// database db, may change: the keys named by the command table's key
// positions, the whole database for a write whose keys it cannot name
// (FLUSHDB, PKPATTERNMATCHDEL), every database for FLUSHALL. Reads change
// nothing. It must run before the commands do.
func CacheBegin(hc *hotcache.Cache, db int, cmds [][][]byte) {
	if hc == nil {
		return
	}
	for _, argv := range cmds {
		if len(argv) == 0 {
			continue
		}
		spec, ok := Commands.Lookup(argv[0])
		if !ok || !spec.IsWrite() {
			continue
		}
		if spec.Name == "flushall" {
			hc.BeginAll()
			continue
		}
		keys, all := modifiedKeys(spec, argv)
		if all {
			hc.BeginDB(db)
			continue
		}
		hc.BeginKeys(db, keys)
	}
}

// cachedGet is GET through the cache: a hit is served from memory, a miss
// reads the engine and caches what it found (a missing key is not cached).
func cachedGet(c *Ctx, key []byte) Reply {
	db := c.DB.Index()
	cached, tok, hit := c.Cache.Get(db, hotcache.KindString, key, c.NowMs)
	if hit {
		return Bulk(cached.([]byte))
	}
	v, exp, err := c.DB.GetExpiring(key, c.NowMs)
	if err != nil {
		return strValueReply(nil, err)
	}
	c.Cache.Put(tok, db, hotcache.KindString, key, v, int64(len(v)), exp)
	return Bulk(v)
}

// cachedLRange is LRANGE through the cache, which keeps the length and the
// first listHeadLen elements of a list. A range that ends inside them is
// served from memory; any other goes to the engine.
func cachedLRange(c *Ctx, key []byte, start, stop int64) Reply {
	db := c.DB.Index()
	val, tok, hit := c.Cache.Get(db, hotcache.KindList, key, c.NowMs)
	var h *engine.ListHead
	if hit {
		h = val.(*engine.ListHead)
	} else {
		head, found, err := c.DB.LHead(key, listHeadLen, c.NowMs)
		if err != nil {
			return ErrReply(err)
		}
		if !found {
			return BulkArray([][]byte{})
		}
		h = &head
		size := int64(0)
		for _, e := range h.Elems {
			size += int64(len(e)) + 24
		}
		c.Cache.Put(tok, db, hotcache.KindList, key, h, size, h.ExpireSec)
	}
	from, to, ok := listRange(start, stop, h.Len)
	if !ok {
		return BulkArray([][]byte{})
	}
	if to < uint64(len(h.Elems)) {
		return BulkArray(h.Elems[from : to+1])
	}
	vals, err := c.DB.LRange(key, start, stop, c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	return BulkArray(vals)
}

// listRange clips LRANGE's start and stop to a list of n elements with
// Redis's rules; ok is false for an empty range.
func listRange(start, stop int64, n uint64) (from, to uint64, ok bool) {
	ln := int64(n)
	if start < 0 {
		start += ln
	}
	if stop < 0 {
		stop += ln
	}
	start = max(start, 0)
	if start > stop || start >= ln {
		return 0, 0, false
	}
	stop = min(stop, ln-1)
	return uint64(start), uint64(stop), true
}
