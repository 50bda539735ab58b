package engine

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/linxGnu/grocksdb"
)

// Kind is one of the six data types Pika keeps in separate RocksDB instances.
type Kind int

// The kinds, in the order Pika opens their instances.
const (
	KindStrings Kind = iota
	KindHashes
	KindSets
	KindLists
	KindZSets
	KindStreams
	numKinds
)

// Kinds lists every kind in Pika's open order.
var Kinds = []Kind{KindStrings, KindHashes, KindSets, KindLists, KindZSets, KindStreams}

// String returns the instance directory name of the kind ("strings", ...).
func (k Kind) String() string {
	switch k {
	case KindStrings:
		return "strings"
	case KindHashes:
		return "hashes"
	case KindSets:
		return "sets"
	case KindLists:
		return "lists"
	case KindZSets:
		return "zsets"
	case KindStreams:
		return "streams"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Column family indices inside an instance (spec §1.2). cfMeta is handle 0
// ("default") in every instance.
const (
	cfMeta  = 0
	cfData  = 1 // hashes data_cf, sets member_cf, lists data_cf, zsets data_cf, streams data_cf
	cfScore = 2 // zsets score_cf
)

// AppliedCF is the extra column family in which pikaraft keeps the position
// (Raft index) of the last command applied to an instance. Pika does not
// know it; it is dropped from every directory handed to Pika (see
// docs/ARCHITECTURE.md).
const AppliedCF = "pikaraft_applied"

var appliedKey = []byte("applied")

// pikaCFNames returns Pika's column families of a kind, in handle order.
func pikaCFNames(k Kind) []string {
	switch k {
	case KindStrings:
		return []string{"default"}
	case KindSets:
		return []string{"default", "member_cf"}
	case KindZSets:
		return []string{"default", "data_cf", "score_cf"}
	default:
		return []string{"default", "data_cf"}
	}
}

// Pos is the position of a command in the replicated log: the Raft index of
// its entry and, for entries that carry several commands (EXEC), the
// command's number inside it. The zero Pos means "not replicated": such a
// write is always applied and records nothing.
type Pos struct {
	Index uint64
	Sub   uint32
}

// Less reports whether p comes before q.
func (p Pos) Less(q Pos) bool {
	return p.Index < q.Index || (p.Index == q.Index && p.Sub < q.Sub)
}

// IsZero reports whether p is the zero position.
func (p Pos) IsZero() bool { return p.Index == 0 && p.Sub == 0 }

func (p Pos) encode() []byte {
	out := make([]byte, 12)
	binary.LittleEndian.PutUint64(out, p.Index)
	binary.LittleEndian.PutUint32(out[8:], p.Sub)
	return out
}

func decodePos(raw []byte) (Pos, error) {
	if len(raw) != 12 {
		return Pos{}, fmt.Errorf("%w: applied position of %d bytes", ErrCorrupt, len(raw))
	}
	return Pos{binary.LittleEndian.Uint64(raw), binary.LittleEndian.Uint32(raw[8:])}, nil
}

// instance is one RocksDB database holding one kind of one logical DB.
type instance struct {
	kind   Kind
	path   string
	db     *grocksdb.DB
	cfs    []*grocksdb.ColumnFamilyHandle // Pika's CFs, then AppliedCF last
	opts   []*grocksdb.Options            // kept alive until close (they own comparators)
	dbOpts *grocksdb.Options
	cache  *grocksdb.Cache // the instance's own block cache (private caches only)

	// mu serialises writers: every write is a read-modify-write of meta records.
	mu      sync.Mutex
	applied Pos // guarded by mu

	ro *grocksdb.ReadOptions
	wo *grocksdb.WriteOptions
}

func (in *instance) appliedCF() *grocksdb.ColumnFamilyHandle { return in.cfs[len(in.cfs)-1] }

// openInstance opens (creating if needed) the instance of kind k at path.
func openInstance(dbIndex int, k Kind, path string, o *Options, filters *filterSet) (*instance, error) {
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	cache, private := o.cache, o.PrivateBlockCaches && !o.NoBlockCache
	if private {
		cache = grocksdb.NewLRUCache(o.BlockCacheBytes)
	}
	dbOpts := o.baseOptions(cache)
	dbOpts.SetCreateIfMissing(true)
	dbOpts.SetCreateIfMissingColumnFamilies(true)
	// See wal.go: the WAL buffer is written by FlushWAL, not by each write.
	dbOpts.SetManualWALFlush(true)
	// Flush Pika's column families and pikaraft_applied together, so that a
	// write whose WAL is lost (DISABLEWAL) loses its applied position with
	// it instead of leaving a position that claims it.
	dbOpts.SetAtomicFlush(true)

	names := append(pikaCFNames(k), AppliedCF)
	cfOpts := make([]*grocksdb.Options, len(names))
	for i := range names {
		co := o.baseOptions(cache)
		switch {
		case k == KindLists && i == cfData:
			co.SetNativeComparator(newListsComparator())
		case k == KindZSets && i == cfScore:
			co.SetNativeComparator(newZSetsScoreComparator())
		case k == KindStrings && i == cfMeta:
			setMemtableBloom(co)
		}
		if f := filters.forCF(dbIndex, k, i, len(names)-1); f != nil {
			co.SetCompactionFilter(f)
		}
		cfOpts[i] = co
	}
	db, cfs, err := grocksdb.OpenDbColumnFamilies(dbOpts, path, names, cfOpts)
	if err != nil {
		for _, co := range cfOpts {
			co.Destroy()
		}
		dbOpts.Destroy()
		if private {
			cache.Destroy()
		}
		return nil, fmt.Errorf("open %s instance %s: %w", k, path, err)
	}
	in := &instance{kind: k, path: path, db: db, cfs: cfs, opts: cfOpts, dbOpts: dbOpts,
		ro: grocksdb.NewDefaultReadOptions(), wo: grocksdb.NewDefaultWriteOptions()}
	if private {
		in.cache = cache
	}
	raw, err := in.get(in.ro, len(cfs)-1, appliedKey)
	if err == nil {
		if in.applied, err = decodePos(raw); err != nil {
			in.close()
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
	} else if err != ErrNotFound {
		in.close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return in, nil
}

func (in *instance) close() {
	if in.db == nil {
		return
	}
	_ = in.db.FlushWAL(false) // see wal.go; Close flushes memtables only with the WAL off
	for _, h := range in.cfs {
		h.Destroy()
	}
	in.db.Close()
	in.db = nil
	for _, co := range in.opts {
		co.Destroy()
	}
	in.dbOpts.Destroy()
	if in.cache != nil {
		in.cache.Destroy()
		in.cache = nil
	}
	in.ro.Destroy()
	in.wo.Destroy()
}

// get reads one record; ErrNotFound if absent. The returned slice is a copy.
func (in *instance) get(ro *grocksdb.ReadOptions, cf int, key []byte) ([]byte, error) {
	h, err := in.getPinned(ro, cf, key)
	if err != nil {
		return nil, err
	}
	defer h.Destroy()
	return append([]byte{}, h.Data()...), nil
}

// getPinned reads one record without copying it out of RocksDB (block
// cache or memtable); ErrNotFound if absent. The caller must Destroy the
// handle, after which its Data must not be used.
func (in *instance) getPinned(ro *grocksdb.ReadOptions, cf int, key []byte) (*grocksdb.PinnableSliceHandle, error) {
	h, err := in.db.GetPinnedCF(ro, in.cfs[cf], key)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", in.kind, err)
	}
	if !h.Exists() {
		h.Destroy()
		return nil, ErrNotFound
	}
	return h, nil
}

// checkpoint writes a consistent RocksDB checkpoint of the instance into dir.
func (in *instance) checkpoint(dir string) error {
	cp, err := in.db.NewCheckpoint()
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", in.path, err)
	}
	defer cp.Destroy()
	if err := cp.CreateCheckpoint(dir, 0); err != nil {
		return fmt.Errorf("checkpoint %s into %s: %w", in.path, dir, err)
	}
	return nil
}

// instanceDir returns <dbPath>/db<i>/<kind>.
func instanceDir(root string, db int, k Kind) string {
	return filepath.Join(root, fmt.Sprintf("db%d", db), k.String())
}
