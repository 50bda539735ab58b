package info

import (
	"strings"
)

// commandExecCount is Pika's "# Command_Exec_Count": UPPERCASE:calls for
// every command called at least once.
func (in *Info) commandExecCount(_ *request, b *strings.Builder) {
	line(b, "# Command_Exec_Count")
	for _, c := range in.src.Commands.Snapshot() {
		line(b, "%s:%d", strings.ToUpper(c.Name), c.Calls)
	}
}

// commandStats is Pika's "# Commandstats". Pika divides its microsecond
// totals by 1000 before printing them as usec (so the numbers are
// milliseconds); pikaraft prints the same quantities so dashboards built on
// Pika keep their scale.
func (in *Info) commandStats(_ *request, b *strings.Builder) {
	line(b, "# Commandstats")
	for _, c := range in.src.Commands.Snapshot() {
		total := float64(c.Total.Microseconds()) / 1000
		perCall := 0.0
		if c.Calls > 0 {
			perCall = total / float64(c.Calls)
		}
		line(b, "%s:calls=%d, usec=%.2f, usec_per_call=%.2f", c.Name, c.Calls, total, perCall)
	}
}

// cache is Pika's "# Cache" section. pikaraft has no Redis cache in front
// of RocksDB: with cache-model 0 (the default) it prints Pika's Disable
// form; with a Pika config asking for the cache it prints the full form,
// status None and zero counters (what is true: nothing is cached).
func (in *Info) cache(_ *request, b *strings.Builder) {
	line(b, "# Cache")
	if in.confInt("cache-model", 0) == 0 {
		line(b, "cache_status:Disable")
		return
	}
	line(b, "cache_status:None")
	line(b, "cache_db_num:%d", in.confInt("cache-num", 16))
	line(b, "cache_keys:0")
	line(b, "cache_memory:0")
	line(b, "cache_memory_human:0M")
	line(b, "hits:0")
	line(b, "all_cmds:0")
	line(b, "hits_per_sec:0")
	line(b, "read_cmd_per_sec:0")
	line(b, "hitratio_per_sec:0%%")
	line(b, "hitratio_all:0%%")
	line(b, "load_keys_per_sec:0")
	line(b, "waitting_load_keys_num:0")
}

// debug is Pika's INFO debug: its replication manager and server status
// in Pika's layout, filled from the Raft state (approximate: Pika's exact
// text is not in the spec).
func (in *Info) debug(_ *request, b *strings.Builder) {
	line(b, "# Synchronization Status")
	n := in.numDBs()
	st, ok := in.raftStatus()
	role := "Master"
	if ok && st.State != "leader" {
		role = "Slave"
	}
	line(b, "%s DB(%d):", role, n)
	for db := 0; db < n; db++ {
		line(b, " DB (db%d)", db)
		if ok {
			line(b, "  Raft: state=%s term=%d commit=%d applied=%d leader=%s", st.State, st.Term, st.CommitIndex, st.AppliedIndex, st.LeaderAddr)
		}
	}
	line(b, "# Running Status ")
	line(b, "Client Processor thread-pool queue size: 0")
}
