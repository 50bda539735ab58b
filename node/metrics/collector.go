package metrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pikaraft/pikaraft/compat/info"
	"github.com/pikaraft/pikaraft/engine"
)

// namespace prefixes every metric name.
const namespace = "pikaraft"

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(namespace, "", name), help, labels, nil)
}

// Metric descriptions (static ones; RocksDB properties are built in init).
var (
	descCommands     = desc("commands_total", "Commands executed, by command.", "cmd")
	descCmdDuration  = desc("command_duration_seconds", "Command latency as the server measured it, by command.", "cmd")
	descUptime       = desc("uptime_seconds", "Seconds since the server started.")
	descClients      = desc("connected_clients", "Open client connections.")
	descConnsTotal   = desc("connections_received_total", "Client connections accepted.")
	descProcessed    = desc("commands_processed_total", "Commands received (including rejected ones).")
	descOps          = desc("instantaneous_ops_per_sec", "Commands per second over the last seconds.")
	descNetIn        = desc("net_input_bytes_total", "Bytes read from clients.")
	descNetOut       = desc("net_output_bytes_total", "Bytes written to clients.")
	descDBSize       = desc("db_size_bytes", "Size of db-path on disk.")
	descLogSize      = desc("log_size_bytes", "Size of log-path (binlog) on disk.")
	descMemory       = desc("used_memory_bytes", "Memtables + table readers + block cache.")
	descMemtables    = desc("memtable_bytes", "RocksDB memtables of every instance.")
	descTableReaders = desc("table_readers_bytes", "RocksDB table readers of every instance.")
	descBlockCache   = desc("block_cache_bytes", "Usage of the shared RocksDB block cache.")
	descKeys         = desc("keys", "Live keys at the last INFO keyspace 1 scan.", "db", "data_type")
	descExpires      = desc("expire_keys", "Live keys with a TTL at the last INFO keyspace 1 scan.", "db", "data_type")
	descInvalid      = desc("invalid_keys", "Expired or deleted keys not compacted yet at the last scan.", "db", "data_type")
	descRaftState    = desc("raft_state", "1 for the Raft state this node is in.", "state")
	descRaftLeader   = desc("raft_is_leader", "1 if this node is the Raft leader.")
	descRaftTerm     = desc("raft_term", "Current Raft term.")
	descRaftCommit   = desc("raft_commit_index", "Raft commit index.")
	descRaftApplied  = desc("raft_applied_index", "Last log index applied to the engine.")
	descRaftLast     = desc("raft_last_log_index", "Last index in the Raft log.")
	descRaftPeers    = desc("raft_peers", "Members of the Raft configuration.")
	descRaftLag      = desc("raft_peer_lag_entries", "Entries a member has not applied yet, as this node knows.", "peer")
	descBinlogFile   = desc("binlog_offset_filenum", "Binlog producer file number.", "db")
	descBinlogOffset = desc("binlog_offset_bytes", "Binlog producer offset inside its file.", "db")
	descUp           = desc("up", "1 when /health would answer 200.")
)

// rocksdbDescs holds one gauge family per RocksDB property.
var rocksdbDescs = map[string]*prometheus.Desc{}

func init() {
	for _, p := range info.RocksDBProperties {
		if p == "blob_stats" {
			continue // a text property
		}
		rocksdbDescs[p] = desc("rocksdb_"+p, "RocksDB property rocksdb."+p+" of the instance (summed over its column families).", "db", "data_type")
	}
}

// raftStates are the states raft_state reports.
var raftStates = []string{"leader", "follower", "candidate", "shutdown"}

// collector builds every metric at scrape time from the INFO sources.
type collector struct {
	in     *info.Info
	health func() (bool, string)
}

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descCommands, descCmdDuration, descUptime, descClients, descConnsTotal,
		descProcessed, descOps, descNetIn, descNetOut, descDBSize, descLogSize, descMemory, descMemtables,
		descTableReaders, descBlockCache, descKeys, descExpires, descInvalid, descRaftState, descRaftLeader,
		descRaftTerm, descRaftCommit, descRaftApplied, descRaftLast, descRaftPeers, descRaftLag,
		descBinlogFile, descBinlogOffset, descUp} {
		ch <- d
	}
	for _, d := range rocksdbDescs {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	src := c.in.Sources()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	ok, _ := c.health()
	gauge(descUp, b2f(ok))
	c.commands(src, ch)
	if src.Server != nil {
		st := src.Server()
		if !st.Started.IsZero() {
			gauge(descUptime, src.Now().Sub(st.Started).Seconds())
		}
		gauge(descClients, float64(st.ConnectedClients))
		counter(descConnsTotal, float64(st.ConnectionsReceived))
		counter(descProcessed, float64(st.CommandsProcessed))
		gauge(descOps, float64(st.OpsPerSec))
		counter(descNetIn, float64(st.NetInputBytes))
		counter(descNetOut, float64(st.NetOutputBytes))
	}
	c.raft(src, gauge)
	c.storage(gauge)
}

// commands emits the per-command counters and latency histograms.
func (c *collector) commands(src info.Sources, ch chan<- prometheus.Metric) {
	if src.Commands == nil {
		return
	}
	for _, s := range src.Commands.Snapshot() {
		ch <- prometheus.MustNewConstMetric(descCommands, prometheus.CounterValue, float64(s.Calls), s.Name)
		buckets := make(map[float64]uint64, len(info.LatencyBuckets))
		var cum uint64
		for i, ub := range info.LatencyBuckets {
			cum += s.Buckets[i]
			buckets[ub] = cum
		}
		cum += s.Buckets[len(info.LatencyBuckets)]
		h, err := prometheus.NewConstHistogram(descCmdDuration, cum, s.Total.Seconds(), buckets, s.Name)
		if err == nil {
			ch <- h
		}
	}
}

// raft emits the Raft gauges.
func (c *collector) raft(src info.Sources, gauge func(*prometheus.Desc, float64, ...string)) {
	if src.Raft == nil {
		return
	}
	st := src.Raft.RaftStatus()
	for _, s := range raftStates {
		gauge(descRaftState, b2f(st.State == s), s)
	}
	gauge(descRaftLeader, b2f(st.State == "leader"))
	gauge(descRaftTerm, float64(st.Term))
	gauge(descRaftCommit, float64(st.CommitIndex))
	gauge(descRaftApplied, float64(st.AppliedIndex))
	gauge(descRaftLast, float64(st.LastLogIndex))
	gauge(descRaftPeers, float64(len(st.Peers)))
	for _, p := range st.Peers {
		if !p.Self {
			gauge(descRaftLag, float64(p.Lag), p.ID)
		}
	}
}

// storage emits data usage, RocksDB properties, key counts and binlog offsets.
func (c *collector) storage(gauge func(*prometheus.Desc, float64, ...string)) {
	src := c.in.Sources()
	if src.Engine == nil || src.Engine() == nil {
		return
	}
	e := src.Engine()
	d := c.in.Data()
	gauge(descDBSize, float64(d.DBSize))
	gauge(descLogSize, float64(d.LogSize))
	gauge(descMemory, float64(d.Used()))
	gauge(descMemtables, float64(d.Memtables))
	gauge(descTableReaders, float64(d.TableReaders))
	gauge(descBlockCache, float64(d.BlockCache))
	for db := 0; db < e.NumDBs(); db++ {
		dbName := "db" + strconv.Itoa(db)
		for _, k := range engine.Kinds {
			props, err := c.in.InstanceProperties(db, k)
			if err != nil {
				continue
			}
			for p, dsc := range rocksdbDescs {
				gauge(dsc, float64(props[p]), dbName, k.String())
			}
		}
		if counts, ok := c.in.KeyCounts(db); ok {
			for _, k := range engine.Kinds {
				s := counts[k]
				gauge(descKeys, float64(s.Keys), dbName, k.String())
				gauge(descExpires, float64(s.Expires), dbName, k.String())
				gauge(descInvalid, float64(s.Invalid), dbName, k.String())
			}
		}
	}
	for db, o := range c.in.BinlogOffsets() {
		gauge(descBinlogFile, float64(o.Filenum), "db"+strconv.Itoa(db))
		gauge(descBinlogOffset, float64(o.Offset), "db"+strconv.Itoa(db))
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
