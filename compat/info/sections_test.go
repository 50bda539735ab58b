package info

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/engine/hotcache"
)

func TestInfoSectionSelection(t *testing.T) {
	f := newFixture(t)
	headers := func(text string) []string {
		var out []string
		for _, l := range strings.Split(text, "\r\n") {
			if headerRE.MatchString(l) {
				out = append(out, l)
			}
		}
		return out
	}
	require.Equal(t, []string{"# Server", "# Data", "# Clients", "# Stats", "# CPU", "# Replication(MASTER)", "# Keyspace", "# Raft"},
		headers(f.render(t)))
	require.Equal(t, headers(f.render(t)), headers(f.render(t, "default")))
	for _, name := range []string{"server", "SERVER", "data", "clients", "stats", "command_exec_count", "commandstats",
		"cache", "cpu", "replication", "keyspace", "rocksdb", "raft"} {
		got := headers(f.render(t, name))
		require.Len(t, got, 1, name)
	}
	require.Equal(t, []string{"# Synchronization Status"}, headers(f.render(t, "debug")))
	// Redis 7's several sections.
	require.Equal(t, []string{"# Clients", "# Server"}, headers(f.render(t, "clients", "server")))
	// Unknown section: empty reply; malformed: syntax error (Pika).
	require.Equal(t, "", f.render(t, "log"))
	for _, args := range [][]string{{"server", "nosuch"}, {"all", "x"}, {"keyspace", "2"}, {"keyspace", "1", "db0", "x"}} {
		_, err := f.info.Render(args)
		require.EqualError(t, err, "ERR syntax error", args)
	}
	_, err := f.info.Render([]string{"keyspace", "0", "db7"})
	require.EqualError(t, err, "ERR invalid DB for 'db7'")
}

func TestInfoServer(t *testing.T) {
	f := newFixture(t)
	kv := fields(f.render(t, "server"))
	require.Equal(t, "3.5.5", kv["pika_version"])
	require.Equal(t, "9500", kv["tcp_port"])
	require.Equal(t, "/srv/pika-master/pika.conf", kv["config_file"])
	require.Equal(t, strings.Repeat("ab", 20), kv["run_id"])
	require.Equal(t, "1", kv["uptime_in_days"])
	require.InDelta(t, 37, atoi(t, kv["uptime_in_seconds"]), 2)
	require.Equal(t, itoa(os.Getpid()), kv["process_id"])
	require.Regexp(t, `^\S+ \S+ \S+$`, kv["os"])
	f.conf["run-id"] = "0123456789012345678901234567890123456789"
	require.Equal(t, f.conf["run-id"], fields(f.render(t, "server"))["run_id"], "pika.conf's run-id wins")
	f.start = time.Now().Add(-50 * time.Hour)
	require.Equal(t, "3", fields(f.render(t, "server"))["uptime_in_days"])
}

func TestInfoData(t *testing.T) {
	f := newFixture(t)
	kv := fields(f.render(t, "data"))
	require.Equal(t, itoa(int(dirSize(f.conf["db-path"]))), kv["db_size"])
	require.Greater(t, atoi(t, kv["db_size"]), 900000) // the fixture db is ~1 MB
	require.Equal(t, "1234", kv["log_size"])
	require.Equal(t, "snappy", kv["compression"])
	// 6 instances x 2 dbs of empty memtables, as the fixture's 49152.
	require.Equal(t, "49152", kv["db_memtable_usage"])
	used := atoi(t, kv["db_memtable_usage"]) + atoi(t, kv["db_tablereader_usage"]) + atoi(t, kv["db_block_cache_usage"])
	require.Equal(t, used, atoi(t, kv["used_memory"]))
	require.Equal(t, "nullptr", kv["db_fatal_msg"])
	require.Equal(t, "0", kv["db_fatal"])
}

func TestInfoStatsAndCommands(t *testing.T) {
	f := newFixture(t)
	kv := fields(f.render(t, "stats"))
	require.Equal(t, "694", kv["total_commands_processed"])
	require.Equal(t, "2.88867", kv["instantaneous_input_kbps"])
	require.Equal(t, "47.2324", kv["instantaneous_output_kbps"])
	require.Equal(t, "No", kv["is_scaning_keyspace"])

	require.Equal(t, "# Command_Exec_Count\r\nGET:2\r\nSET:1\r\n", f.render(t, "command_exec_count"))
	// 30 µs + 50 µs = 0.08 Pika-"usec" (Pika prints µs/1000).
	require.Equal(t, "# Commandstats\r\nget:calls=2, usec=0.08, usec_per_call=0.04\r\nset:calls=1, usec=1.50, usec_per_call=1.50\r\n",
		f.render(t, "commandstats"))
	f.info.src.Commands.Reset()
	require.Equal(t, "# Commandstats\r\n", f.render(t, "commandstats"))
}

func TestCommandStatsBuckets(t *testing.T) {
	s := NewCommandStats()
	s.Record("get", 40*time.Microsecond) // <= 50 µs
	s.Record("get", 2*time.Millisecond)  // (1 ms, 2.5 ms]
	s.Record("get", time.Minute)         // +Inf
	snap := s.Snapshot()
	require.Len(t, snap, 1)
	require.EqualValues(t, 3, snap[0].Calls)
	require.Equal(t, 40*time.Microsecond+2*time.Millisecond+time.Minute, snap[0].Total)
	require.EqualValues(t, 1, snap[0].Buckets[0])
	require.EqualValues(t, 1, snap[0].Buckets[5])
	require.EqualValues(t, 1, snap[0].Buckets[len(LatencyBuckets)])
}

func TestInfoCache(t *testing.T) {
	f := newFixture(t)
	hc := f.eng.HotCache()
	// Two reads of one key: a miss that caches it, then a hit.
	_, tok, hit := hc.Get(0, hotcache.KindString, []byte("k"), 0)
	require.False(t, hit)
	hc.Put(tok, 0, hotcache.KindString, []byte("k"), []byte("value"), 5, 0)
	_, _, hit = hc.Get(0, hotcache.KindString, []byte("k"), 0)
	require.True(t, hit)
	kv := fields(f.render(t, "cache"))
	require.Equal(t, "Ok", kv["cache_status"])
	require.Equal(t, "1", kv["cache_keys"])
	require.Equal(t, "1", kv["hits"])
	require.Equal(t, "2", kv["all_cmds"])
	require.Equal(t, "50%", kv["hitratio_all"])
	require.NotEqual(t, "0", kv["cache_memory"])
	require.Equal(t, kv["cache_memory"], fields(f.render(t, "data"))["db_redis_cache_usage"])

	hc.SetEnabled(false) // CONFIG SET cache-model 0
	require.Equal(t, "# Cache\r\ncache_status:Disable\r\n", f.render(t, "cache"))
	require.Equal(t, "0", fields(f.render(t, "data"))["db_redis_cache_usage"])
}

func TestInfoCPU(t *testing.T) {
	f := newFixture(t)
	kv := fields(f.render(t, "cpu"))
	for _, k := range []string{"used_cpu_sys", "used_cpu_user", "used_cpu_sys_children", "used_cpu_user_children"} {
		require.Regexp(t, `^\d+\.\d\d$`, kv[k])
	}
}

func TestInfoReplicationRoles(t *testing.T) {
	f := newFixture(t)
	// Candidate / no leader: a slave whose link is down.
	f.raft.st = RaftStatus{State: "candidate", Term: 4}
	got := f.render(t, "replication")
	require.Contains(t, got, "role:slave\r\n")
	require.Contains(t, got, "master_link_status:down\r\n")
	require.Contains(t, got, "db0:no_connect\r\ndb1:no_connect\r\n")
	require.Contains(t, got, "db_repl_state:(db0:NoConnect)(db1:NoConnect)\r\n")
	// No Raft at all: Pika's single master, binlogs at zero.
	f.info.src.Raft, f.info.src.Binlog = nil, nil
	require.Equal(t, "# Replication(MASTER)\r\nrole:master\r\nReplicationID:e52621ec43ce732350be2eda3e87039980c1ff6449049d3eb1\r\n"+
		"connected_slaves:0\r\nis_eligible_for_master_election:true\r\n"+
		"db0:binlog_offset=0 0,safety_purge=none\r\ndb1:binlog_offset=0 0,safety_purge=none\r\nslave_repl_offset:0\r\n",
		f.render(t, "replication"))
	// The exporter's form.
	f.conf["info-binlog-offset-format"] = "exporter"
	require.Contains(t, f.render(t, "replication"), "\r\ndb0 binlog_offset=0 0,safety_purge=none\r\n")
}

func TestInfoRaft(t *testing.T) {
	f := newFixture(t)
	kv := fields(f.render(t, "raft"))
	require.Equal(t, "leader", kv["raft_state"])
	require.Equal(t, "3", kv["raft_term"])
	require.Equal(t, "42", kv["raft_commit_index"])
	require.Equal(t, "41", kv["raft_applied_index"])
	require.Equal(t, "2", kv["raft_num_peers"])
	require.Equal(t, "id=n2,addr=127.0.0.1:12510,client=127.0.0.1:9510,suffrage=voter,self=0,connected=1,lag=7", kv["raft_peer1"])
}

// TestInfoKeyspace follows Pika: INFO keyspace prints the hint only; INFO
// keyspace 1 prints the last counts (none yet) and starts a scan whose
// result the next INFO keyspace 0 shows; counts equal the engine's.
func TestInfoKeyspace(t *testing.T) {
	f := newFixture(t)
	require.Equal(t, "# Keyspace\r\n# Use \"info keyspace 1\" to do async statistics\r\n", f.render(t, "keyspace"))
	first := f.render(t, "keyspace", "1")
	require.Contains(t, first, "# Keyspace\r\n# Start async statistics\r\n# Time:0\r\ndb0 Strings_keys=0, expires=0, invalid_keys=0\r\n")
	require.Eventually(t, func() bool { return !f.info.scan.running() }, 30*time.Second, 10*time.Millisecond)

	got := f.render(t, "keyspace", "0", "db0")
	require.True(t, strings.HasPrefix(got, "# Keyspace\r\n# Use \"info keyspace 1\" to do async statistics\r\n# Time:"))
	require.NotContains(t, got, "db1 ")
	require.Regexp(t, `# Time:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\r\n# Duration: \d+s\r\n`, got)
	d, err := f.eng.DB(0)
	require.NoError(t, err)
	stats, err := d.KeyStats(time.Now().UnixMilli())
	require.NoError(t, err)
	kinds := map[string]engine.KindStats{}
	for _, s := range stats {
		kinds[s.Kind.String()] = s
	}
	for _, k := range keyspaceKinds {
		st := kinds[k.kind.String()]
		require.Contains(t, got, "db0 "+k.name+"_keys="+itoa(int(st.Keys))+", expires="+itoa(int(st.Expires))+
			", invalid_keys="+itoa(int(st.Invalid))+"\r\n")
	}
	require.Greater(t, kinds["strings"].Keys, int64(40))
	require.Equal(t, "OK\r\n", f.render(t, "keyspace", "off"))
}

func TestInfoRocksDB(t *testing.T) {
	f := newFixture(t)
	got := f.render(t, "rocksdb")
	require.Equal(t, 10, strings.Count(got, "_RocksDB\r\n"), "5 types x 2 dbs")
	// The fixture's strings instance of db0 has SST files in L0: the
	// map shows them with exact counts and bytes.
	levels, err := f.eng.LiveLevels(0, engine.KindStrings, 0)
	require.NoError(t, err)
	require.NotEmpty(t, levels)
	require.Contains(t, got, "strings_compaction.L0.NumFiles: "+itoa(levels[0].Files)+".000000\r\n")
	require.Contains(t, got, "strings_compaction.L0.SizeBytes: "+itoa(int(levels[0].Bytes))+".000000\r\n")
	require.Contains(t, got, "strings_block_cache_capacity:8388608\r\n")
	require.Contains(t, got, "zsets_block_cache_capacity:25165824\r\n") // 3 column families
	n, _, err := f.eng.IntProperty(0, engine.KindStrings, "rocksdb.estimate-num-keys")
	require.NoError(t, err)
	require.Contains(t, got, "#strings_RocksDB\r\nstrings_num_immutable_mem_table:0\r\n")
	require.Contains(t, sectionText(got, "RocksDB"), "strings_estimate_num_keys:"+itoa(int(n))+"\r\n")
}

func TestParseCFStats(t *testing.T) {
	text := `** Compaction Stats [default] **
Level    Files   Size     Score Read(GB)  Rn(GB) Rnp1(GB) Write(GB) Wnew(GB) Moved(GB) W-Amp Rd(MB/s) Wr(MB/s) Comp(sec) CompMergeCPU(sec) Comp(cnt) Avg(sec) KeyIn KeyDrop Rblob(GB) Wblob(GB)
----
  L0      2/1    2.48 KB   0.5      0.1     0.0      0.1       0.2      0.0       0.0   1.0      3.5      2.1      0.01              0.00         4    0.001    12K      3       0.0       0.0
 Sum      2/1    2.48 KB   0.0      0.1     0.0      0.1       0.2      0.0       0.0   1.0      3.5      2.1      0.01              0.00         4    0.001    12K      3       0.0       0.0
 Int      0/0    0.00 KB   0.0      0.0     0.0      0.0       0.0      0.0       0.0   1.0      0.0      2.1      0.00              0.00         1    0.001       0      0       0.0       0.0

** Compaction Stats [default] **
Priority    Files   Size     Score Read(GB)  Rn(GB) Rnp1(GB) Write(GB) Wnew(GB) Moved(GB) W-Amp Rd(MB/s) Wr(MB/s) Comp(sec) CompMergeCPU(sec) Comp(cnt) Avg(sec) KeyIn KeyDrop Rblob(GB) Wblob(GB)
High      0/0    0.00 KB   0.0      0.0     0.0      0.0       0.0      0.0       0.0   0.0      0.0      2.1      0.00              0.00         1    0.001       0      0       0.0       0.0
Stalls(count): 1 level0_slowdown, 2 level0_slowdown_with_compaction, 3 level0_numfiles, 4 level0_numfiles_with_compaction, 5 stop for pending_compaction_bytes, 6 slowdown for pending_compaction_bytes, 7 memtable_compaction, 8 memtable_slowdown, interval 0 total count
`
	m := parseCFStats(text, []engine.LevelFiles{{Files: 2, Bytes: 2540}})
	require.Equal(t, "2.000000", m["compaction.L0.NumFiles"])
	require.Equal(t, "1.000000", m["compaction.L0.CompactedFiles"])
	require.Equal(t, "2540.000000", m["compaction.L0.SizeBytes"])
	require.Equal(t, "0.500000", m["compaction.L0.Score"])
	require.Equal(t, "3.500000", m["compaction.L0.ReadMBps"])
	require.Equal(t, "12000.000000", m["compaction.Sum.KeyIn"])
	require.Equal(t, "4.000000", m["compaction.Sum.CompCount"])
	require.NotContains(t, m, "compaction.Int.KeyIn")
	require.NotContains(t, m, "compaction.High.KeyIn")
	require.Equal(t, "3", m["io_stalls.level0_numfiles"])
	require.Equal(t, "5", m["io_stalls.stop_for_pending_compaction_bytes"])
	require.Equal(t, "6", m["io_stalls.slowdown_for_pending_compaction_bytes"])
	require.Equal(t, itoa(3+4+5+7), m["io_stalls.total_stop"])
	require.Equal(t, itoa(1+2+6+8), m["io_stalls.total_slowdown"])
	require.Len(t, m, 2*21+10)
}

// atoi parses an INFO number in a test.
func atoi(t *testing.T, s string) int {
	t.Helper()
	n := 0
	for _, c := range s {
		require.True(t, c >= '0' && c <= '9', "not a number: %q", s)
		n = n*10 + int(c-'0')
	}
	return n
}
