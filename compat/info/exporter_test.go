package info

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/compat/pikaconf"
)

// exporterValue converts an INFO value as pika_exporter does (spec §4.3).
func exporterValue(v string) (float64, bool) {
	switch strings.ToLower(v) {
	case "yes", "up", "online", "true", "ok":
		return 1, true
	case "no", "down", "offline", "null", "false":
		return 0, true
	}
	f, err := strconv.ParseFloat(v, 64)
	return f, err == nil
}

// TestExporterRules parses INFO ALL with pika_exporter's rules (spec §4.3)
// and checks that every metric it derives for a >= 3.5 server is found and
// numeric, for a leader (master metrics) and a follower (slave metrics).
func TestExporterRules(t *testing.T) {
	f := newFixture(t)
	f.conf["info-binlog-offset-format"] = "exporter"
	f.scanKeyspace(t)
	text := f.render(t, "ALL")
	kv := fields(text)

	// The version must be a plain semver: anything else and the exporter
	// emits no INFO metric at all.
	parts := strings.SplitN(kv["pika_version"], ".", 4)
	require.Regexp(t, `^\d+\.\d+\.\d+$`, strings.Join(parts[:min(3, len(parts))], "."))

	for _, k := range []string{"os", "arch_bits", "pika_version", "pika_git_sha", "pika_build_compile_date",
		"process_id", "tcp_port", "config_file", "server_id", "role", "run_id"} {
		require.NotEmpty(t, kv[k], "label %s", k)
	}
	numeric := []string{"uptime_in_seconds", "thread_num", "sync_thread_num", "connected_clients",
		"db_size", "log_size", "used_memory", "db_memtable_usage", "db_tablereader_usage", "db_fatal",
		"total_connections_received", "instantaneous_ops_per_sec", "total_commands_processed",
		"total_net_input_bytes", "total_net_output_bytes", "total_net_repl_input_bytes", "total_net_repl_output_bytes",
		"instantaneous_input_kbps", "instantaneous_output_kbps", "instantaneous_input_repl_kbps",
		"instantaneous_output_repl_kbps", "slow_logs_count", "used_cpu_sys", "used_cpu_user",
		"used_cpu_sys_children", "used_cpu_user_children", "connected_slaves",
		"cache_db_num", "cache_memory", "hits_per_sec"}
	for _, k := range numeric {
		_, ok := exporterValue(kv[k])
		require.True(t, ok, "%s=%q is not numeric", k, kv[k])
	}
	require.Contains(t, kv, "db_size")
	require.NotEmpty(t, kv["compression"])
	require.Contains(t, kv, "cache_status")
	for _, k := range []string{"hitratio_per_sec", "hitratio_all"} {
		require.Regexp(t, `^(\d+)%$`, kv[k])
	}
	require.Equal(t, "master", kv["role"])

	// Regex-derived metrics.
	require.Regexp(t, `is_bgsaving:(No|Yes),?`, text)
	require.Regexp(t, `(?s)is_scaning_keyspace:(No|Yes).*#\s*Time:`, text)
	require.Regexp(t, `(?s)is_compact:.*compact_cron:.*compact_interval:`, text)

	slave := regexp.MustCompile(`slave\d+:ip=([\d.]+),port=([\d.]+),conn_fd=(\d+),lag=([^\r\n]*)`).FindStringSubmatch(text)
	require.NotNil(t, slave)
	lags := regexp.MustCompile(`(db[\d.]+):(\d+)`).FindAllStringSubmatch(slave[4], -1)
	require.Len(t, lags, 2)

	keys := regexp.MustCompile(`(db\d+)\s*([^_]+)\w*keys=(\d+)[,\s]*expires=(\d+)[,\s]*invalid_keys=(\d+)`).FindAllStringSubmatch(text, -1)
	require.Len(t, keys, 10) // 5 types x 2 dbs
	types := map[string]bool{}
	for _, m := range keys {
		types[m[2]] = true
	}
	require.Len(t, types, 5)

	tm := regexp.MustCompile(`#\sTime:([^\r\n]*)`).FindStringSubmatch(text)
	require.NotNil(t, tm)
	_, err := time.Parse("2006-01-02 15:04:05", tm[1])
	require.NoError(t, err)

	binlog := regexp.MustCompile(`(db\d+)\s*binlog_offset=(\S*)\s*(\d*),*safety_purge=([^\s\r\n]*)`).FindAllStringSubmatch(text, -1)
	require.Len(t, binlog, 2)
	for _, m := range binlog {
		_, err := strconv.ParseFloat(m[2], 64)
		require.NoError(t, err)
		_, err = strconv.ParseFloat(m[3], 64)
		require.NoError(t, err)
	}

	_, execText, _ := strings.Cut(text, "# Command_Exec_Count")
	execText = execText[:strings.Index(execText[1:], "#")+1]
	execs := 0
	for _, l := range strings.Split(strings.TrimSpace(execText), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(l), ":")
		require.True(t, ok, l)
		_, isNum := exporterValue(v)
		require.True(t, isNum && k != "", l)
		execs++
	}
	require.Equal(t, 2, execs)
	calls := regexp.MustCompile(`(\w+)[:\s]*calls=(\d+)[,\s]*usec=([\d.]+)[,\s]*usec_per_call=([\d.]+)`).FindAllStringSubmatch(text, -1)
	require.Len(t, calls, 2)

	for _, p := range RocksDBProperties {
		m := regexp.MustCompile(`(\w+)_.*?`+p+`:(\d+)`).FindAllStringSubmatch(text, -1)
		require.NotEmpty(t, m, p)
	}

	// Follower: master_link_status and slave_priority.
	f.raft.st = RaftStatus{State: "follower", LeaderID: "n1", LeaderHost: "127.0.0.1", LeaderPort: 9500, LastContact: time.Millisecond}
	kv = fields(f.render(t, "ALL"))
	require.Equal(t, "slave", kv["role"])
	v, ok := exporterValue(kv["master_link_status"])
	require.True(t, ok)
	require.Equal(t, 1.0, v)
	require.NotEmpty(t, kv["master_host"])
	_, ok = exporterValue(kv["master_port"])
	require.True(t, ok)
	_, ok = exporterValue(kv["slave_priority"])
	require.True(t, ok)
}

// TestExporterConfigGet checks the two CONFIG GET replies without which the
// exporter drops every INFO metric.
func TestExporterConfigGet(t *testing.T) {
	c := pikaconf.New()
	require.Equal(t, [][2]string{{"instance-mode", "classic"}}, c.Get("instance-mode"))
	require.Equal(t, [][2]string{{"consensus-level", "0"}}, c.Get("consensus-level"))
	require.Equal(t, [][2]string{{"info-binlog-offset-format", "pika"}}, c.Get("info-binlog-offset-format"))
	require.NoError(t, c.Set("info-binlog-offset-format", "exporter"))
	require.Error(t, c.Set("info-binlog-offset-format", "json"))
}
