package resp

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/pikaraft/pikaraft/resp/command"
)

// INFO with the basic sections (server, clients, stats, keyspace), field
// names as Pika 3.5.5 prints them. The compat layer replaces this with
// Pika's full INFO later.

func init() {
	command.Commands.Register(&command.Spec{
		Name: "info", Arity: -1,
		Flags:      command.FlagConnState | command.FlagLoading | command.FlagStale,
		Categories: []string{"dangerous"}, Group: "server", Since: "1.0.0",
		Summary: "Returns information and statistics about the server.",
		Run:     cmdInfo,
	})
}

// infoSections are the sections in the order INFO prints them.
var infoSections = []struct {
	name string
	fn   func(*Server, *strings.Builder)
}{
	{"server", infoServer},
	{"clients", infoClients},
	{"stats", infoStats},
	{"replication", infoReplication}, // info_replication.go
	{"keyspace", infoKeyspace},
}

func cmdInfo(c *command.Ctx, argv [][]byte) command.Reply {
	srv := c.Conn.(*Conn).srv
	want := map[string]bool{}
	all := len(argv) == 1
	for _, a := range argv[1:] {
		s := strings.ToLower(string(a))
		switch s {
		case "all", "default", "everything":
			all = true
		default:
			want[s] = true
		}
	}
	var b strings.Builder
	for _, sec := range infoSections {
		if !all && !want[sec.name] {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		sec.fn(srv, &b)
	}
	return command.BulkString(b.String())
}

func infoLine(b *strings.Builder, format string, args ...any) {
	fmt.Fprintf(b, format, args...)
	b.WriteString("\r\n")
}

func infoServer(s *Server, b *strings.Builder) {
	up := int64(time.Since(s.started).Seconds())
	port := ""
	if a := s.Addr(); a != nil {
		_, port, _ = net.SplitHostPort(a.String())
	}
	infoLine(b, "# Server")
	infoLine(b, "pika_version:%s", PikaVersion)
	infoLine(b, "pika_git_sha:0")
	infoLine(b, "pika_build_compile_date: %s", "")
	infoLine(b, "redis_version:%s", RedisVersion)
	infoLine(b, "os:%s", osLine())
	infoLine(b, "arch_bits:%d", 32<<(^uint(0)>>63))
	infoLine(b, "process_id:%d", os.Getpid())
	infoLine(b, "tcp_port:%s", port)
	infoLine(b, "thread_num:%d", runtime.GOMAXPROCS(0))
	infoLine(b, "uptime_in_seconds:%d", up)
	infoLine(b, "uptime_in_days:%d", up/86400+1) // Pika counts the first day as 1
	infoLine(b, "config_file:%s", s.cfg.ConfigFile)
	infoLine(b, "server_id:1")
	infoLine(b, "run_id:%s", s.runID())
}

func infoClients(s *Server, b *strings.Builder) {
	infoLine(b, "# Clients")
	infoLine(b, "connected_clients:%d", s.numClients())
}

func infoStats(s *Server, b *strings.Builder) {
	st := &s.stats
	infoLine(b, "# Stats")
	infoLine(b, "total_connections_received:%d", st.connectionsReceived.Load())
	infoLine(b, "instantaneous_ops_per_sec:%d", st.ops.perSec())
	infoLine(b, "total_commands_processed:%d", st.commandsProcessed.Load())
	infoLine(b, "total_net_input_bytes:%d", st.netInputBytes.Load())
	infoLine(b, "total_net_output_bytes:%d", st.netOutputBytes.Load())
	infoLine(b, "rejected_connections:%d", st.rejectedConnections.Load())
}

// infoKeyspace prints what Pika prints before any "INFO keyspace 1" has
// computed key counts; the per-type counts come with the compat INFO.
func infoKeyspace(s *Server, b *strings.Builder) {
	infoLine(b, "# Keyspace")
	infoLine(b, "# Use \"info keyspace 1\" to do async statistics")
}

// osLine is Pika's "os" field: kernel name, release and machine.
func osLine() string {
	release, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return runtime.GOOS + " " + runtime.GOARCH
	}
	machine := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[runtime.GOARCH]
	if machine == "" {
		machine = runtime.GOARCH
	}
	name := strings.ToUpper(runtime.GOOS[:1]) + runtime.GOOS[1:]
	return name + " " + strings.TrimSpace(string(release)) + " " + machine
}

// runID returns the server's random 40-hex-digit run id.
func (s *Server) runID() string {
	s.runIDOnce.Do(func() {
		var b [20]byte
		if _, err := rand.Read(b[:]); err == nil {
			s.runIDVal = hex.EncodeToString(b[:])
		}
	})
	return s.runIDVal
}
