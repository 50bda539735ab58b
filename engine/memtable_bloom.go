package engine

import "github.com/linxGnu/grocksdb"

// memtableBloomRatio is the share of a memtable given to its whole-key
// bloom filter (RocksDB's memtable_prefix_bloom_size_ratio): 2 % of a
// 64 MB memtable is 1.3 MB, ~15 bits per key at 700k small strings.
const memtableBloomRatio = 0.02

// setMemtableBloom gives the column family's memtables a whole-key bloom
// filter, so a point read of a key a memtable does not hold skips that
// memtable's skip-list search (a chain of cache misses in a big memtable):
// GET of a missing key, or of one already flushed to an SST, costs a few
// hashed probes per memtable instead. It changes memory use and CPU, not
// what is written to disk (the SST format and Pika's records are as before).
func setMemtableBloom(co *grocksdb.Options) {
	co.SetMemTablePrefixBloomSizeRatio(memtableBloomRatio)
	co.SetMemtableWholeKeyFiltering(true)
}
