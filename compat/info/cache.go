package info

import (
	"strconv"
	"strings"
)

// cache is Pika's "# Cache" section, filled from the hot-key cache
// (engine/hotcache): the Disable form while cache-model is 0, else status
// Ok, the entries and their memory, hits against reads of cached types
// (all_cmds), and the per-second rates. pikaraft loads keys into the
// cache on the read that missed, never in the background, so the load
// counters are 0.
func (in *Info) cache(_ *request, b *strings.Builder) {
	line(b, "# Cache")
	st := in.engine().HotCache().Stats(in.src.Now())
	if !st.Enabled {
		line(b, "cache_status:Disable")
		return
	}
	line(b, "cache_status:Ok")
	line(b, "cache_db_num:%d", in.confInt("cache-num", 16))
	line(b, "cache_keys:%d", st.Keys)
	line(b, "cache_memory:%d", st.Bytes)
	line(b, "cache_memory_human:%s", mib(uint64(st.Bytes)))
	line(b, "hits:%d", st.Hits)
	line(b, "all_cmds:%d", st.Reads)
	line(b, "hits_per_sec:%d", st.HitsPerSec)
	line(b, "read_cmd_per_sec:%d", st.ReadsPerSec)
	line(b, "hitratio_per_sec:%s%%", ratio(st.HitsPerSec, st.ReadsPerSec))
	line(b, "hitratio_all:%s%%", ratio(st.Hits, st.Reads))
	line(b, "load_keys_per_sec:0")
	line(b, "waitting_load_keys_num:0")
}

// ratio is 100*hits/reads with 4 significant digits, as Pika prints it
// (0 when there were no reads).
func ratio(hits, reads uint64) string {
	if reads == 0 {
		return "0"
	}
	return strconv.FormatFloat(100*float64(hits)/float64(reads), 'g', 4, 64)
}
