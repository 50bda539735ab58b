package info

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/pikaraft/pikaraft/engine"
)

// RocksDBProperties are the integer properties Pika prints per instance,
// as "<type>_<name>:<value>", in Pika's order. The RocksDB property is
// "rocksdb." + name with '_' replaced by '-'.
var RocksDBProperties = []string{
	"num_immutable_mem_table", "num_immutable_mem_table_flushed", "mem_table_flush_pending",
	"num_running_flushes", "compaction_pending", "num_running_compactions", "background_errors",
	"cur_size_active_mem_table", "cur_size_all_mem_tables", "size_all_mem_tables",
	"estimate_num_keys", "estimate_table_readers_mem", "num_snapshots", "num_live_versions",
	"current_super_version_number", "estimate_live_data_size", "total_sst_files_size",
	"live_sst_files_size", "estimate_pending_compaction_bytes", "block_cache_capacity",
	"block_cache_usage", "block_cache_pinned_usage", "num_blob_files", "blob_stats",
	"total_blob_file_size", "live_blob_file_size",
}

// rocksdbKinds are the instances Pika's INFO rocksdb prints, in its order
// (Pika 3.5.5 does not print its streams instance).
var rocksdbKinds = []engine.Kind{engine.KindStrings, engine.KindHashes, engine.KindLists, engine.KindSets, engine.KindZSets}

// InstanceProperties returns the RocksDBProperties of one instance by name.
// blob_stats is a text property in RocksDB (Pika prints a pointer there);
// it is 0 here.
func (in *Info) InstanceProperties(db int, k engine.Kind) (map[string]uint64, error) {
	e := in.engine()
	if e == nil {
		return nil, fmt.Errorf("info: no engine")
	}
	out := make(map[string]uint64, len(RocksDBProperties))
	for _, p := range RocksDBProperties {
		if p == "blob_stats" {
			out[p] = 0
			continue
		}
		v, _, err := e.IntProperty(db, k, "rocksdb."+strings.ReplaceAll(p, "_", "-"))
		if err != nil {
			return nil, err
		}
		out[p] = v
	}
	return out, nil
}

// rocksdb is Pika's "# RocksDB" section: for every db, for every type,
// "#<type>_RocksDB", the properties, then the column-family stats map.
func (in *Info) rocksdb(_ *request, b *strings.Builder) {
	line(b, "# RocksDB")
	e := in.engine()
	if e == nil {
		return
	}
	for db := 0; db < e.NumDBs(); db++ {
		for _, k := range rocksdbKinds {
			prefix := k.String() + "_"
			line(b, "#%sRocksDB", prefix)
			props, err := in.InstanceProperties(db, k)
			if err != nil {
				continue
			}
			for _, p := range RocksDBProperties {
				line(b, "%s%s:%d", prefix, p, props[p])
			}
			stats := in.cfStats(db, k)
			keys := make([]string, 0, len(stats))
			for key := range stats {
				keys = append(keys, key)
			}
			sort.Strings(keys) // Pika prints a std::map: byte order
			for _, key := range keys {
				line(b, "%s%s: %s", prefix, key, stats[key])
			}
		}
	}
}

// cfStats rebuilds RocksDB's kCFStats map property (which the C API does
// not expose) for the default column family: per level with files and Sum,
// compaction.<L>.<field> from the "Compaction Stats" table (file counts
// and sizes exact from the live files), and io_stalls.* from the Stalls
// line. Values keep the table's precision.
func (in *Info) cfStats(db int, k engine.Kind) map[string]string {
	e := in.engine()
	text, err := e.StringProperty(db, k, 0, "rocksdb.cfstats-no-file-histogram")
	if err != nil {
		return nil
	}
	levels, _ := e.LiveLevels(db, k, 0)
	return parseCFStats(text, levels)
}

// cfColumns are the "Compaction Stats" table columns after Files and Size,
// as kCFStats map field names.
var cfColumns = []string{"Score", "ReadGB", "RnGB", "Rnp1GB", "WriteGB", "WnewGB", "MovedGB",
	"WriteAmp", "ReadMBps", "WriteMBps", "CompSec", "CompMergeCPU", "CompCount", "AvgSec",
	"KeyIn", "KeyDrop", "RblobGB", "WblobGB"}

// parseCFStats parses the text of rocksdb.cfstats-no-file-histogram.
func parseCFStats(text string, levels []engine.LevelFiles) map[string]string {
	out := map[string]string{}
	inTable := false
	var sumFiles int
	var sumBytes int64
	for _, l := range levels {
		sumFiles += l.Files
		sumBytes += l.Bytes
	}
	for _, raw := range strings.Split(text, "\n") {
		f := strings.Fields(raw)
		switch {
		case len(f) > 0 && f[0] == "Level":
			inTable = true
			continue
		case len(f) == 0 || f[0] == "Priority":
			inTable = false
		case strings.HasPrefix(raw, "Stalls(count):"):
			parseStalls(raw, out)
		}
		if !inTable || len(f) < 4+len(cfColumns) {
			continue
		}
		name := f[0]
		var files int
		var bytes int64
		switch {
		case name == "Sum":
			files, bytes = sumFiles, sumBytes
		case strings.HasPrefix(name, "L"):
			lv, err := strconv.Atoi(name[1:])
			if err != nil {
				continue
			}
			if lv < len(levels) {
				files, bytes = levels[lv].Files, levels[lv].Bytes
			}
		default:
			continue // "Int" (interval) row: not in the map
		}
		pfx := "compaction." + name + "."
		compacting := "0"
		if _, c, ok := strings.Cut(f[1], "/"); ok {
			compacting = c
		}
		out[pfx+"NumFiles"] = fmt.Sprintf("%f", float64(files))
		out[pfx+"CompactedFiles"] = fmt.Sprintf("%f", humanFloat(compacting))
		out[pfx+"SizeBytes"] = fmt.Sprintf("%f", float64(bytes))
		for i, col := range cfColumns {
			out[pfx+col] = fmt.Sprintf("%f", humanFloat(f[4+i]))
		}
	}
	return out
}

// humanFloat parses a table number, with RocksDB's K/M/G/T suffixes.
func humanFloat(s string) float64 {
	mult := 1.0
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'K':
			mult, s = 1e3, s[:n-1]
		case 'M':
			mult, s = 1e6, s[:n-1]
		case 'G':
			mult, s = 1e9, s[:n-1]
		case 'T':
			mult, s = 1e12, s[:n-1]
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0
	}
	return v * mult
}

// parseStalls reads "Stalls(count): 0 level0_slowdown, 0 ..., interval 0
// total count" into io_stalls.* with RocksDB's total_stop/total_slowdown.
func parseStalls(raw string, out map[string]string) {
	counts := map[string]uint64{}
	for _, part := range strings.Split(strings.TrimPrefix(raw, "Stalls(count):"), ",") {
		f := strings.Fields(part)
		if len(f) < 2 {
			continue
		}
		n, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			continue
		}
		counts[strings.Join(f[1:], "_")] = n
	}
	set := func(key string, v uint64) { out["io_stalls."+key] = strconv.FormatUint(v, 10) }
	for _, k := range []string{"level0_slowdown", "level0_slowdown_with_compaction", "level0_numfiles",
		"level0_numfiles_with_compaction", "memtable_compaction", "memtable_slowdown"} {
		set(k, counts[k])
	}
	stopPending := counts["stop_for_pending_compaction_bytes"]
	slowPending := counts["slowdown_for_pending_compaction_bytes"]
	set("stop_for_pending_compaction_bytes", stopPending)
	set("slowdown_for_pending_compaction_bytes", slowPending)
	set("total_stop", counts["level0_numfiles"]+counts["level0_numfiles_with_compaction"]+stopPending+counts["memtable_compaction"])
	set("total_slowdown", counts["level0_slowdown"]+counts["level0_slowdown_with_compaction"]+slowPending+counts["memtable_slowdown"])
}
