package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/linxGnu/grocksdb"

	"github.com/pikaraft/pikaraft/engine/hotcache"
)

// MaxDatabases is Pika's limit on logical databases (MAX_DB_NUM).
const MaxDatabases = 8

// Options configures an Engine. Zero values take Pika's defaults; the
// server fills them from pika.conf (docs/OPERATIONS.md, "Memory").
type Options struct {
	// Databases is the number of logical databases (db0..dbN-1), 1..8.
	Databases int
	// Compression is one of snappy (default), zlib, lz4, zstd, none. As in
	// Pika, levels 0 and 1 stay uncompressed.
	Compression string
	// BlockCacheBytes is the size of the LRU block cache (default 8 MB):
	// one cache for every instance of every database, or one per instance
	// with PrivateBlockCaches.
	BlockCacheBytes uint64
	// PrivateBlockCaches gives each instance its own BlockCacheBytes cache
	// (Pika's share-block-cache no); the default shares one.
	PrivateBlockCaches bool
	// NoBlockCache turns the block cache off (Pika's block-cache 0).
	NoBlockCache bool
	// CacheIndexAndFilterBlocks keeps index and bloom filter blocks in the
	// block cache (charged to it) instead of in table-reader memory.
	CacheIndexAndFilterBlocks bool
	// PinL0FilterAndIndexBlocks pins level-0 index and filter blocks in the
	// block cache (with CacheIndexAndFilterBlocks).
	PinL0FilterAndIndexBlocks bool
	// BlockSize is the data block size (default 4 KB).
	BlockSize int
	// WriteBufferBytes is the memtable size of each column family (default 64 MB).
	WriteBufferBytes uint64
	// MaxWriteBuffers is the number of memtables a column family may hold,
	// the one being written included (default 2).
	MaxWriteBuffers int
	// MemtableBudgetBytes caps the memtables of all instances together
	// (Pika's max-write-buffer-size): each instance gets an equal share as
	// RocksDB's db_write_buffer_size and flushes its largest column family
	// when it is over. 0 means no cap beyond WriteBufferBytes × MaxWriteBuffers
	// per column family.
	MemtableBudgetBytes uint64
	// TargetFileSizeBase is the SST file size at level 1 (default 64 MB).
	TargetFileSizeBase uint64
	// MaxBackgroundJobs bounds concurrent flushes and compactions per
	// instance (default 2).
	MaxBackgroundJobs int
	// MaxBytesForLevelMultiplier is the size ratio between levels (default 10).
	MaxBytesForLevelMultiplier float64
	// OptimizeFiltersForHits drops bloom filters of the last level.
	OptimizeFiltersForHits bool
	// MaxOpenFiles limits open SST files per instance (default -1, unlimited).
	MaxOpenFiles int
	// HotCache is the hot-key cache readers and the FSM share (nil: none).
	// The engine only carries it; see engine/hotcache.
	HotCache *hotcache.Cache

	cache *grocksdb.Cache // the shared block cache (nil if private or none)
}

func (o *Options) fill() error {
	if o.Databases == 0 {
		o.Databases = 1
	}
	if o.Databases < 1 || o.Databases > MaxDatabases {
		return fmt.Errorf("databases must be 1..%d, got %d", MaxDatabases, o.Databases)
	}
	if o.Compression == "" {
		o.Compression = "snappy"
	}
	if _, ok := compressionTypes[o.Compression]; !ok {
		return fmt.Errorf("unknown compression %q (want snappy, zlib, lz4, zstd or none)", o.Compression)
	}
	if o.BlockCacheBytes == 0 {
		o.BlockCacheBytes = 8 << 20
	}
	if o.BlockSize <= 0 {
		o.BlockSize = 4 << 10
	}
	if o.WriteBufferBytes == 0 {
		o.WriteBufferBytes = 64 << 20
	}
	if o.MaxWriteBuffers <= 0 {
		o.MaxWriteBuffers = 2
	}
	if o.MaxOpenFiles == 0 {
		o.MaxOpenFiles = -1
	}
	return nil
}

// instanceMemtableBudget is each instance's db_write_buffer_size (0: none).
func (o *Options) instanceMemtableBudget() uint64 {
	if o.MemtableBudgetBytes == 0 {
		return 0
	}
	share := o.MemtableBudgetBytes / uint64(o.Databases*int(numKinds))
	if share < 1<<20 {
		share = 1 << 20
	}
	return share
}

// writeOutBytes is how many bytes RocksDB lets a WAL or SST file gather in
// the page cache before it starts writing them out (bytes_per_sync,
// wal_bytes_per_sync).
const writeOutBytes = 1 << 20

var compressionTypes = map[string]grocksdb.CompressionType{
	"none":   grocksdb.NoCompression,
	"snappy": grocksdb.SnappyCompression,
	"zlib":   grocksdb.ZLibCompression,
	"lz4":    grocksdb.LZ4Compression,
	"zstd":   grocksdb.ZSTDCompression,
}

// baseOptions returns fresh RocksDB options as Pika sets them: block-based
// tables (format_version left at the default 5) reading through cache (nil:
// no block cache), bloom filters (10 bits per key) on every column family,
// and compression from level 2 down.
func (o *Options) baseOptions(cache *grocksdb.Cache) *grocksdb.Options {
	opts := grocksdb.NewDefaultOptions()
	bbto := grocksdb.NewDefaultBlockBasedTableOptions()
	if cache != nil {
		bbto.SetBlockCache(cache)
	} else {
		bbto.SetNoBlockCache(true)
	}
	bbto.SetBlockSize(o.BlockSize)
	bbto.SetCacheIndexAndFilterBlocks(o.CacheIndexAndFilterBlocks)
	bbto.SetPinL0FilterAndIndexBlocksInCache(o.PinL0FilterAndIndexBlocks)
	bbto.SetFilterPolicy(grocksdb.NewBloomFilter(10))
	opts.SetBlockBasedTableFactory(bbto)
	opts.SetWriteBufferSize(o.WriteBufferBytes)
	opts.SetMaxWriteBufferNumber(o.MaxWriteBuffers)
	if b := o.instanceMemtableBudget(); b > 0 {
		opts.SetDbWriteBufferSize(b)
	}
	if o.TargetFileSizeBase > 0 {
		opts.SetTargetFileSizeBase(o.TargetFileSizeBase)
	}
	if o.MaxBackgroundJobs > 0 {
		opts.SetMaxBackgroundJobs(o.MaxBackgroundJobs)
	}
	if o.MaxBytesForLevelMultiplier > 0 {
		opts.SetMaxBytesForLevelMultiplier(o.MaxBytesForLevelMultiplier)
	}
	opts.SetOptimizeFiltersForHits(o.OptimizeFiltersForHits)
	opts.SetMaxOpenFiles(o.MaxOpenFiles)
	// INFO, as in Pika's (release) RocksDB. Debian's librocksdb defaults to
	// DEBUG, which writes a LOG line for every FlushWAL (one per applied
	// batch of Raft entries): ~50 bytes per write, a LOG that grows without
	// bound, and a formatted line on the apply path.
	opts.SetInfoLogLevel(grocksdb.InfoInfoLogLevel)
	opts.SetLevelCompactionDynamicLevelBytes(true)
	// Start writing the WAL and new SST files out every MiB, in the
	// background (sync_file_range, no fsync). Otherwise the kernel writes
	// them back ~30 s after the fact in one burst, and the Raft log's fsync
	// (same disk) waits behind it: tens of milliseconds for every writer.
	opts.SetBytesPerSync(writeOutBytes)
	opts.SetWALBytesPerSync(writeOutBytes)
	c := compressionTypes[o.Compression]
	if c != grocksdb.NoCompression {
		opts.SetCompressionPerLevel([]grocksdb.CompressionType{
			grocksdb.NoCompression, grocksdb.NoCompression, c, c, c, c, c,
		})
	} else {
		opts.SetCompression(grocksdb.NoCompression)
	}
	return opts
}

// Engine is an open Pika-format data directory (Pika's db-path).
type Engine struct {
	path    string
	opts    Options
	dbs     []*DB
	filters *filterSet
	closed  atomic.Bool
	maint   sync.RWMutex // held shared by FlushMemtables, exclusively by Close
	attach  sync.Map     // Attachment values (attach.go)
	wal     walTracker
	// versions is the table of WATCH versions (watchversions.go).
	versions watchVersions
}

// Open opens (creating if needed) the data directory at path with the
// layout <path>/db<i>/<kind>/. A directory written by Pika 3.5.5 opens in place.
func Open(path string, o Options) (*Engine, error) {
	if err := o.fill(); err != nil {
		return nil, fmt.Errorf("engine options: %w", err)
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, fmt.Errorf("create db-path %s: %w", path, err)
	}
	if !o.NoBlockCache && !o.PrivateBlockCaches {
		o.cache = grocksdb.NewLRUCache(o.BlockCacheBytes)
	}
	e := &Engine{path: path, opts: o, filters: newFilterSet()}
	for i := 0; i < o.Databases; i++ {
		e.dbs = append(e.dbs, &DB{eng: e, index: i})
	}
	// The instances are independent RocksDB databases: open them at once
	// (most of an open is waiting for fsyncs of new MANIFEST/OPTIONS files).
	errs := make([]error, len(e.dbs)*len(Kinds))
	var wg sync.WaitGroup
	for i, d := range e.dbs {
		for j, k := range Kinds {
			wg.Add(1)
			go func() {
				defer wg.Done()
				in, err := openInstance(i, k, instanceDir(path, i, k), &e.opts, e.filters)
				if err != nil {
					errs[i*len(Kinds)+j] = err
					return
				}
				d.inst[k] = in
				e.filters.attach(i, k, in)
			}()
		}
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		e.Close()
		return nil, err
	}
	if err := e.loadWatchVersions(); err != nil {
		e.Close()
		return nil, fmt.Errorf("open %s: load WATCH versions: %w", path, err)
	}
	return e, nil
}

// Path returns the data directory.
func (e *Engine) Path() string { return e.path }

// NumDBs returns the number of logical databases.
func (e *Engine) NumDBs() int { return len(e.dbs) }

// DB returns logical database i.
func (e *Engine) DB(i int) (*DB, error) {
	if e.closed.Load() {
		return nil, ErrClosed
	}
	if i < 0 || i >= len(e.dbs) {
		return nil, ErrInvalidDB
	}
	return e.dbs[i], nil
}

// SetExpiryHorizon tells the compaction filters up to which time (Unix ms)
// expired records may be physically dropped. The engine never reads the
// clock: the Raft FSM sets this to the last applied leader time, so no node
// drops a record the cluster still considers alive.
func (e *Engine) SetExpiryHorizon(ms int64) { e.filters.setNow(ms) }

// Applied returns the highest position recorded by any instance: the last
// log entry whose writes reached the engine.
func (e *Engine) Applied() Pos {
	var max Pos
	for _, d := range e.dbs {
		for _, in := range d.inst {
			if in == nil {
				continue
			}
			in.mu.Lock()
			if max.Less(in.applied) {
				max = in.applied
			}
			in.mu.Unlock()
		}
	}
	return max
}

// lockAll blocks every writer of every instance (in a fixed order) and
// returns the function that releases them.
func (e *Engine) lockAll() func() {
	for _, d := range e.dbs {
		for _, in := range d.inst {
			in.mu.Lock()
		}
	}
	return func() {
		for _, d := range e.dbs {
			for _, in := range d.inst {
				in.mu.Unlock()
			}
		}
	}
}

// Checkpoint writes a consistent copy of every instance into dir, in the
// same layout (dir/db<i>/<kind>/). Writers are blocked while it runs, so the
// copy matches one applied position. dir must not exist.
func (e *Engine) Checkpoint(dir string) error {
	if e.closed.Load() {
		return ErrClosed
	}
	if _, err := os.Stat(dir); err == nil {
		return fmt.Errorf("checkpoint: %s already exists", dir)
	}
	for _, d := range e.dbs {
		if err := os.MkdirAll(filepath.Join(dir, fmt.Sprintf("db%d", d.index)), 0o755); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
	}
	unlock := e.lockAll()
	defer unlock()
	// The instances are checkpointed at once: each checkpoint waits for
	// several fsyncs (flush, MANIFEST, CURRENT, directory), and writers are
	// blocked until the last one is done.
	var (
		wg   sync.WaitGroup
		errs = make([]error, len(e.dbs)*int(numKinds))
	)
	for i, d := range e.dbs {
		for _, k := range Kinds {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i*int(numKinds)+int(k)] = d.inst[k].checkpoint(instanceDir(dir, d.index, k))
			}()
		}
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Close closes every instance. It is safe to call more than once.
func (e *Engine) Close() error {
	e.maint.Lock()
	defer e.maint.Unlock()
	if e.closed.Swap(true) {
		return nil
	}
	e.filters.detachAll()
	var (
		errs []error
		mu   sync.Mutex
		wg   sync.WaitGroup
	)
	for _, d := range e.dbs {
		for k, in := range d.inst {
			if in == nil {
				continue
			}
			wg.Add(1)
			go func() { // instances close independently, like they open
				defer wg.Done()
				in.mu.Lock()
				if err := e.wal.forget(in); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
				in.close()
				in.mu.Unlock()
				d.inst[k] = nil
			}()
		}
	}
	wg.Wait()
	if e.opts.cache != nil {
		e.opts.cache.Destroy()
	}
	return errors.Join(errs...)
}

// DB is one logical database (db0..db7) with its six instances.
type DB struct {
	eng   *Engine
	index int
	inst  [numKinds]*instance
	scans ksCursorStore // exact positions of recent SCAN cursors (keyspace_cursor.go)
}

// Index returns the database number.
func (d *DB) Index() int { return d.index }
