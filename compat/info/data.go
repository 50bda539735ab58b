package info

import (
	"strings"

	"github.com/pikaraft/pikaraft/engine"
)

// DataUsage is the memory and disk figures of Pika's "# Data" section.
type DataUsage struct {
	DBSize, LogSize                     uint64
	Memtables, TableReaders, BlockCache uint64
	// RedisCache is the hot-key cache's memory (Pika's Redis cache).
	RedisCache uint64
	// Fatal lists "db<i>/<type>" of instances with background errors.
	Fatal []string
}

// Used is Pika's used_memory: memtables + table readers + block cache +
// the Redis (hot-key) cache.
func (d DataUsage) Used() uint64 { return d.Memtables + d.TableReaders + d.BlockCache + d.RedisCache }

// Data measures the engine: sizes of db-path and log-path on disk and the
// RocksDB memory properties summed over every instance.
func (in *Info) Data() DataUsage {
	d := DataUsage{DBSize: dirSize(in.conf("db-path")), LogSize: dirSize(in.conf("log-path"))}
	e := in.engine()
	if e == nil {
		return d
	}
	if d.DBSize == 0 {
		d.DBSize = dirSize(e.Path())
	}
	d.BlockCache, _, _ = e.BlockCache() // one cache shared by every instance
	d.RedisCache = uint64(e.HotCache().Stats(in.src.Now()).Bytes)
	for db := 0; db < e.NumDBs(); db++ {
		for _, k := range engine.Kinds {
			v, _, _ := e.IntProperty(db, k, "rocksdb.cur-size-all-mem-tables")
			d.Memtables += v
			v, _, _ = e.IntProperty(db, k, "rocksdb.estimate-table-readers-mem")
			d.TableReaders += v
			if v, _, _ = e.IntProperty(db, k, "rocksdb.background-errors"); v > 0 {
				d.Fatal = append(d.Fatal, "db"+itoa(db)+"/"+k.String())
			}
		}
	}
	return d
}

// data is Pika's "# Data" section.
func (in *Info) data(_ *request, b *strings.Builder) {
	d := in.Data()
	compression := in.conf("compression")
	if compression == "" {
		compression = "snappy"
	}
	fatal, msg := 0, "nullptr"
	if len(d.Fatal) > 0 {
		fatal, msg = 1, strings.Join(d.Fatal, ",")
	}
	line(b, "# Data")
	line(b, "db_size:%d", d.DBSize)
	line(b, "db_size_human:%s", mib(d.DBSize))
	line(b, "log_size:%d", d.LogSize)
	line(b, "log_size_human:%s", mib(d.LogSize))
	line(b, "compression:%s", compression)
	line(b, "used_memory:%d", d.Used())
	line(b, "used_memory_human:%s", mib(d.Used()))
	line(b, "db_memtable_usage:%d", d.Memtables)
	line(b, "db_tablereader_usage:%d", d.TableReaders)
	line(b, "db_block_cache_usage:%d", d.BlockCache)
	line(b, "db_redis_cache_usage:%d", d.RedisCache)
	line(b, "db_fatal:%d", fatal)
	line(b, "db_fatal_msg:%s", msg)
}
