package engine

import (
	"fmt"
	"strconv"
	"strings"
)

// RocksDB properties and sizes for INFO and metrics. These read RocksDB's
// own counters; they never touch data.

// IntProperty returns the integer RocksDB property name ("rocksdb.xxx") of
// the instance of kind k in database db, summed over Pika's column families
// (what RocksDB's GetAggregatedIntProperty reports, which Pika prints).
// ok is false when no column family knows the property.
func (e *Engine) IntProperty(db int, k Kind, name string) (v uint64, ok bool, err error) {
	in, err := e.instance(db, k)
	if err != nil {
		return 0, false, err
	}
	for i := 0; i < len(in.cfs)-1; i++ { // Pika's CFs; AppliedCF is last
		s := in.db.GetPropertyCF(name, in.cfs[i])
		if s == "" {
			continue
		}
		n, perr := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
		if perr != nil {
			continue
		}
		v += n
		ok = true
	}
	return v, ok, nil
}

// StringProperty returns the text RocksDB property name of the instance of
// kind k in database db, for column family cf (0 = Pika's "default").
func (e *Engine) StringProperty(db int, k Kind, cf int, name string) (string, error) {
	in, err := e.instance(db, k)
	if err != nil {
		return "", err
	}
	if cf < 0 || cf >= len(in.cfs)-1 {
		return "", fmt.Errorf("engine: %s has no column family %d", k, cf)
	}
	return in.db.GetPropertyCF(name, in.cfs[cf]), nil
}

// NumColumnFamilies returns how many of Pika's column families the kind has.
func NumColumnFamilies(k Kind) int { return len(pikaCFNames(k)) }

// LevelFiles is the live SST files of one LSM level: count and bytes.
type LevelFiles struct {
	Files int
	Bytes int64
}

// LiveLevels returns the live SST files per level of the instance of kind k
// in database db, column family cf (0 = "default"), indexed by level.
func (e *Engine) LiveLevels(db int, k Kind, cf int) ([]LevelFiles, error) {
	in, err := e.instance(db, k)
	if err != nil {
		return nil, err
	}
	names := pikaCFNames(k)
	if cf < 0 || cf >= len(names) {
		return nil, fmt.Errorf("engine: %s has no column family %d", k, cf)
	}
	var out []LevelFiles
	for _, f := range in.db.GetLiveFilesMetaData() {
		if f.ColumnFamilyName != names[cf] || f.Level < 0 {
			continue
		}
		for len(out) <= f.Level {
			out = append(out, LevelFiles{})
		}
		out[f.Level].Files++
		out[f.Level].Bytes += f.Size
	}
	return out, nil
}

// BlockCache returns the block cache's usage, pinned usage and capacity in
// bytes: of the shared cache, or summed over the instances' own caches.
func (e *Engine) BlockCache() (usage, pinned, capacity uint64) {
	if e.closed.Load() {
		return 0, 0, 0
	}
	if c := e.opts.cache; c != nil {
		return c.GetUsage(), c.GetPinnedUsage(), c.GetCapacity()
	}
	for _, d := range e.dbs {
		for _, in := range d.inst {
			if in != nil && in.cache != nil {
				usage += in.cache.GetUsage()
				pinned += in.cache.GetPinnedUsage()
				capacity += in.cache.GetCapacity()
			}
		}
	}
	return usage, pinned, capacity
}

// instance returns the open instance of kind k in database db.
func (e *Engine) instance(db int, k Kind) (*instance, error) {
	d, err := e.DB(db)
	if err != nil {
		return nil, err
	}
	if k < 0 || k >= numKinds || d.inst[k] == nil {
		return nil, fmt.Errorf("engine: no %s instance in db%d", k, db)
	}
	return d.inst[k], nil
}
