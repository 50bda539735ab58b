package hotcache

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const allTypes = Types(1<<KindString | 1<<KindList)

func newCache(maxBytes int64) *Cache {
	return New(Config{Enabled: true, MaxBytes: maxBytes, Types: allTypes})
}

// load caches val for key the way a read that missed does.
func load(c *Cache, db int, kind Kind, key, val string, expireSec int32) {
	_, tok, _ := c.Get(db, kind, []byte(key), 0)
	c.Put(tok, db, kind, []byte(key), []byte(val), int64(len(val)), expireSec)
}

func get(c *Cache, db int, kind Kind, key string, nowMs int64) (string, bool) {
	v, _, hit := c.Get(db, kind, []byte(key), nowMs)
	if !hit {
		return "", false
	}
	return string(v.([]byte)), true
}

func TestHitAfterPut(t *testing.T) {
	c := newCache(1 << 20)
	_, ok := get(c, 0, KindString, "k", 0)
	require.False(t, ok)
	load(c, 0, KindString, "k", "v", 0)
	v, ok := get(c, 0, KindString, "k", 0)
	require.True(t, ok)
	require.Equal(t, "v", v)
	st := c.Stats(time.Unix(0, 0))
	require.Equal(t, 1, st.Keys)
	require.Equal(t, uint64(1), st.Hits)
	require.Equal(t, uint64(3), st.Reads) // miss in get, miss in load, hit
}

func TestDatabasesAndKindsAreSeparate(t *testing.T) {
	c := newCache(1 << 20)
	load(c, 0, KindString, "k", "db0", 0)
	load(c, 1, KindString, "k", "db1", 0)
	_, ok := get(c, 0, KindList, "k", 0)
	require.False(t, ok, "a string is not a list")
	v, _ := get(c, 1, KindString, "k", 0)
	require.Equal(t, "db1", v)
	c.BeginKeys(0, [][]byte{[]byte("k")})
	c.EndWrites()
	_, ok = get(c, 0, KindString, "k", 0)
	require.False(t, ok)
	v, ok = get(c, 1, KindString, "k", 0)
	require.True(t, ok, "a write in db0 leaves db1 alone")
	require.Equal(t, "db1", v)
}

func TestWriteDropsEveryKindOfTheKeyName(t *testing.T) {
	c := newCache(1 << 20)
	load(c, 0, KindString, "k", "s", 0)
	load(c, 0, KindList, "k", "l", 0)
	load(c, 0, KindString, "other", "o", 0)
	c.BeginKeys(0, [][]byte{[]byte("k")}) // DEL k: Pika may hold k in every type
	c.EndWrites()
	_, ok := get(c, 0, KindString, "k", 0)
	require.False(t, ok)
	_, ok = get(c, 0, KindList, "k", 0)
	require.False(t, ok)
	_, ok = get(c, 0, KindString, "other", 0)
	require.True(t, ok)
}

func TestExpiryAtReadTime(t *testing.T) {
	c := newCache(1 << 20)
	load(c, 0, KindString, "k", "v", 100) // Pika deadline: second 100
	_, ok := get(c, 0, KindString, "k", 100_999)
	require.True(t, ok, "alive during its last second, as the engine reads it")
	_, ok = get(c, 0, KindString, "k", 101_000)
	require.False(t, ok, "expired once the read time passes the deadline")
	require.Equal(t, 0, c.Stats(time.Unix(0, 0)).Keys, "the expired entry is dropped")
}

func TestRaceWithWriteNeverInsertsStale(t *testing.T) {
	c := newCache(1 << 20)
	key := []byte("k")
	// The read takes its token, then a write begins and ends before the
	// read's (old) value arrives: the insert is refused.
	_, tok, _ := c.Get(0, KindString, key, 0)
	c.BeginKeys(0, [][]byte{key})
	c.EndWrites()
	c.Put(tok, 0, KindString, key, []byte("old"), 3, 0)
	_, ok := get(c, 0, KindString, "k", 0)
	require.False(t, ok)

	// A read that starts while the write is in progress cannot insert either.
	c.BeginKeys(0, [][]byte{key})
	_, tok, _ = c.Get(0, KindString, key, 0)
	c.Put(tok, 0, KindString, key, []byte("maybe old"), 9, 0)
	_, ok = get(c, 0, KindString, "k", 0)
	require.False(t, ok)
	c.EndWrites()
	load(c, 0, KindString, "k", "new", 0)
	v, ok := get(c, 0, KindString, "k", 0)
	require.True(t, ok)
	require.Equal(t, "new", v)
}

func TestWideInvalidations(t *testing.T) {
	c := newCache(1 << 20)
	fill := func() {
		load(c, 0, KindString, "a", "1", 0)
		load(c, 1, KindString, "b", "2", 0)
	}
	has := func(db int, key string) bool { _, ok := get(c, db, KindString, key, 0); return ok }

	fill()
	_, tok, _ := c.Get(1, KindString, []byte("c"), 0)
	c.BeginDB(0) // FLUSHDB in db0
	require.False(t, has(0, "a"))
	require.True(t, has(1, "b"))
	c.Put(tok, 1, KindString, []byte("c"), []byte("3"), 1, 0)
	require.False(t, has(1, "c"), "no insert while a database-wide write runs")
	c.EndWrites()
	c.Put(tok, 1, KindString, []byte("c"), []byte("3"), 1, 0)
	require.False(t, has(1, "c"), "a token from before the write stays refused")

	fill()
	c.BeginAll() // FLUSHALL or a restore
	c.EndWrites()
	require.False(t, has(0, "a"))
	require.False(t, has(1, "b"))

	fill()
	_, tok, _ = c.Get(0, KindString, []byte("c"), 0)
	c.Clear()
	c.Put(tok, 0, KindString, []byte("c"), []byte("3"), 1, 0)
	require.False(t, has(0, "a"))
	require.False(t, has(0, "c"))
}

func TestBoundedByBytesLRU(t *testing.T) {
	// One shard's budget is MaxBytes/numShards; fill one shard by using
	// keys that land in it.
	c := newCache(numShards * 1000)
	val := string(make([]byte, 200)) // ~200+96+len(key) bytes per entry: 3 fit in 1000
	var keys []string
	for i := 0; len(keys) < 4; i++ {
		k := fmt.Sprintf("key%d", i)
		if c.shardIndex([]byte(k)) == 0 {
			keys = append(keys, k)
		}
	}
	for _, k := range keys[:3] {
		load(c, 0, KindString, k, val, 0)
	}
	_, ok := get(c, 0, KindString, keys[0], 0) // keys[0] becomes the most recent
	require.True(t, ok)
	load(c, 0, KindString, keys[3], val, 0)
	_, ok = get(c, 0, KindString, keys[1], 0)
	require.False(t, ok, "the least recently used entry is evicted")
	for _, k := range []string{keys[0], keys[2], keys[3]} {
		_, ok = get(c, 0, KindString, k, 0)
		require.True(t, ok, k)
	}
	st := c.Stats(time.Unix(0, 0))
	require.LessOrEqual(t, st.Bytes, int64(1000))

	// A value larger than a shard's share is not cached at all.
	load(c, 0, KindString, "big", string(make([]byte, 2000)), 0)
	_, ok = get(c, 0, KindString, "big", 0)
	require.False(t, ok)

	// Lowering the bound evicts at once.
	c.SetMaxBytes(0)
	require.Equal(t, 0, c.Stats(time.Unix(0, 0)).Keys)
}

func TestDisabledAndTypes(t *testing.T) {
	c := New(Config{Enabled: false, MaxBytes: 1 << 20, Types: allTypes})
	load(c, 0, KindString, "k", "v", 0)
	_, ok := get(c, 0, KindString, "k", 0)
	require.False(t, ok)
	require.False(t, c.Stats(time.Unix(0, 0)).Enabled)

	c.SetEnabled(true)
	load(c, 0, KindString, "k", "v", 0)
	load(c, 0, KindList, "l", "v", 0)
	c.SetTypes(1 << KindList)
	_, ok = get(c, 0, KindString, "k", 0)
	require.False(t, ok, "strings are no longer cached")
	_, ok = get(c, 0, KindList, "l", 0)
	require.True(t, ok)

	c.SetEnabled(false)
	_, ok = get(c, 0, KindList, "l", 0)
	require.False(t, ok)

	var nilCache *Cache
	require.False(t, nilCache.Serves(KindString))
	nilCache.BeginKeys(0, [][]byte{[]byte("k")})
	nilCache.EndWrites()
}

// A write begun while the cache was off still blocks inserts after it is
// turned on, until the write ends.
func TestEnableDuringWrite(t *testing.T) {
	c := New(Config{Enabled: false, MaxBytes: 1 << 20, Types: allTypes})
	c.BeginKeys(0, [][]byte{[]byte("k")})
	c.SetEnabled(true)
	load(c, 0, KindString, "k", "old", 0)
	_, ok := get(c, 0, KindString, "k", 0)
	require.False(t, ok)
	c.EndWrites()
}

func TestParseTypes(t *testing.T) {
	ts, err := ParseTypes("string, set, zset, list, hash, bit")
	require.NoError(t, err)
	require.True(t, ts.Has(KindString))
	require.True(t, ts.Has(KindList))
	ts, err = ParseTypes("HASH,set")
	require.NoError(t, err)
	require.False(t, ts.Has(KindString))
	require.False(t, ts.Has(KindList))
	_, err = ParseTypes("string,blob")
	require.ErrorContains(t, err, `"blob"`)
}

// Concurrent readers and one writer: after every write's EndWrites, no
// reader ever sees a value older than the last ended write.
func TestConcurrentReadersSeeNoOlderValue(t *testing.T) {
	c := newCache(1 << 20)
	key := []byte("k")
	var mu sync.RWMutex // the "engine"
	engineVal := 0
	var ended atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 8)
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				floor := ended.Load()
				v, tok, hit := c.Get(0, KindString, key, 0)
				var got int
				if hit {
					got = v.(int)
				} else {
					mu.RLock()
					got = engineVal
					mu.RUnlock()
					runtime.Gosched() // let the writer move on before the insert
					c.Put(tok, 0, KindString, key, got, 8, 0)
				}
				if int64(got) < floor {
					errs <- fmt.Errorf("read %d after write %d ended", got, floor)
					return
				}
			}
		}()
	}
	deadline := time.Now().Add(300 * time.Millisecond)
	for i := 1; time.Now().Before(deadline); i++ {
		c.BeginKeys(0, [][]byte{key})
		mu.Lock()
		engineVal = i
		mu.Unlock()
		c.EndWrites()
		ended.Store(int64(i))
		runtime.Gosched()
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}
