package info

import (
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"
)

// PikaVersion is the Pika release pikaraft answers as (INFO pika_version).
// pika_exporter needs a plain x.y.z here.
const PikaVersion = "3.5.5"

// server is Pika's "# Server" section.
func (in *Info) server(_ *request, b *strings.Builder) {
	st := in.serverStats()
	sha, date := buildInfo()
	up := int64(0)
	if !st.Started.IsZero() {
		up = int64(in.src.Now().Sub(st.Started).Seconds())
	}
	serverID := in.conf("server-id")
	if serverID == "" {
		serverID = "1"
	}
	runID := in.conf("run-id")
	if runID == "" {
		runID = st.RunID
	}
	line(b, "# Server")
	line(b, "pika_version:%s", PikaVersion)
	line(b, "pika_git_sha:%s", sha)
	line(b, "pika_build_compile_date: %s", date)
	sys, machine := osLine()
	line(b, "os:%s", sys)
	line(b, "arch_bits:%s", machine[max(0, len(machine)-2):])
	line(b, "process_id:%d", os.Getpid())
	line(b, "tcp_port:%d", st.TCPPort)
	line(b, "thread_num:%d", in.confInt("thread-num", 1))
	line(b, "sync_thread_num:%d", in.confInt("sync-thread-num", 6))
	line(b, "sync_binlog_thread_num:%d", in.confInt("sync-binlog-thread-num", 1))
	line(b, "uptime_in_seconds:%d", up)
	line(b, "uptime_in_days:%d", up/86400+1) // Pika counts the first day as 1
	line(b, "config_file:%s", st.ConfigFile)
	line(b, "server_id:%s", serverID)
	line(b, "run_id:%s", runID)
}

var (
	buildOnce         sync.Once
	buildSHA, buildAt string
)

// buildInfo returns the git revision ("0" if unknown, as Pika prints) and
// the build time of the binary (its VCS commit time, else its mtime).
func buildInfo() (sha, date string) {
	buildOnce.Do(func() {
		buildSHA = "0"
		var at time.Time
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				switch s.Key {
				case "vcs.revision":
					buildSHA = s.Value
				case "vcs.time":
					at, _ = time.Parse(time.RFC3339, s.Value)
				}
			}
		}
		if at.IsZero() {
			if exe, err := os.Executable(); err == nil {
				if fi, err := os.Stat(exe); err == nil {
					at = fi.ModTime()
				}
			}
		}
		buildAt = at.Local().Format("2006-01-02 15:04:05")
	})
	return buildSHA, buildAt
}

// osLine returns Pika's "os" value (uname sysname, release, machine) and
// the machine name.
func osLine() (string, string) {
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		return runtime.GOOS + " " + runtime.GOARCH, runtime.GOARCH
	}
	sys, rel, mach := cstr(u.Sysname[:]), cstr(u.Release[:]), cstr(u.Machine[:])
	return sys + " " + rel + " " + mach, mach
}

// cstr converts a NUL-terminated utsname field.
func cstr[T int8 | uint8](f []T) string {
	var sb strings.Builder
	for _, c := range f {
		if c == 0 {
			break
		}
		sb.WriteByte(byte(c))
	}
	return sb.String()
}

// clients is Pika's "# Clients" section.
func (in *Info) clients(_ *request, b *strings.Builder) {
	line(b, "# Clients")
	line(b, "connected_clients:%d", in.serverStats().ConnectedClients)
}

// stats is Pika's "# Stats" section. pikaraft has no classic replication
// traffic yet (repl counters are 0), no bgsave in progress, no slots and
// no slow log.
func (in *Info) stats(_ *request, b *strings.Builder) {
	st := in.serverStats()
	scanning := "No"
	if in.scan.running() {
		scanning = "Yes"
	}
	line(b, "# Stats")
	line(b, "total_connections_received:%d", st.ConnectionsReceived)
	line(b, "instantaneous_ops_per_sec:%d", st.OpsPerSec)
	line(b, "total_commands_processed:%d", st.CommandsProcessed)
	line(b, "total_net_input_bytes:%d", st.NetInputBytes)
	line(b, "total_net_output_bytes:%d", st.NetOutputBytes)
	line(b, "total_net_repl_input_bytes:%d", 0)
	line(b, "total_net_repl_output_bytes:%d", 0)
	line(b, "instantaneous_input_kbps:%s", formatG(st.InputKbps))
	line(b, "instantaneous_output_kbps:%s", formatG(st.OutputKbps))
	line(b, "instantaneous_input_repl_kbps:%s", formatG(0))
	line(b, "instantaneous_output_repl_kbps:%s", formatG(0))
	line(b, "is_bgsaving:No")
	line(b, "is_scaning_keyspace:%s", scanning)
	line(b, "is_compact:No")
	line(b, "compact_cron:%s", in.conf("compact-cron"))
	line(b, "compact_interval:%s", in.conf("compact-interval"))
	line(b, "is_slots_reloading:No, , 0")
	line(b, "is_slots_cleaningup:No, , 0")
	line(b, "is_slots_migrating:No, , 0")
	line(b, "slow_logs_count:0")
}

// cpu is Pika's "# CPU" section (getrusage of the process and children).
func (in *Info) cpu(_ *request, b *strings.Builder) {
	var self, kids syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids)
	sec := func(tv syscall.Timeval) float64 { return float64(tv.Sec) + float64(tv.Usec)/1e6 }
	line(b, "# CPU")
	line(b, "used_cpu_sys:%.2f", sec(self.Stime))
	line(b, "used_cpu_user:%.2f", sec(self.Utime))
	line(b, "used_cpu_sys_children:%.2f", sec(kids.Stime))
	line(b, "used_cpu_user_children:%.2f", sec(kids.Utime))
}
