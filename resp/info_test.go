package resp

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestInfoCommandCounting checks that dispatch feeds INFO's per-command
// counters (local, read and write paths) and that CONFIG RESETSTAT clears them.
func TestInfoCommandCounting(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	c := ts.dial(t)
	c.do("SET", "k", "v")
	c.do("GET", "k")
	c.do("GET", "k")
	c.do("PING")
	got := c.do("INFO", "commandstats")
	for _, cmd := range []string{"set", "get", "ping"} {
		require.Regexp(t, regexp.MustCompile(`\r\n`+cmd+`:calls=\d+, usec=\d+\.\d\d, usec_per_call=\d+\.\d\d\r\n`), got)
	}
	require.Contains(t, got, "\r\nget:calls=2, ")
	require.Contains(t, c.do("INFO", "command_exec_count"), "\r\nGET:2\r\n")
	require.Equal(t, "+OK\r\n", c.do("CONFIG", "RESETSTAT"))
	require.NotContains(t, c.do("INFO", "commandstats"), "get:")

	all := c.do("INFO", "all")
	for _, h := range []string{"# Server", "# Data", "# Clients", "# Stats", "# Command_Exec_Count", "# Commandstats",
		"# Cache", "# CPU", "# Replication(MASTER)", "# Keyspace", "# RocksDB", "# Raft"} {
		require.Contains(t, all, "\r\n"+h+"\r\n")
	}
	require.True(t, strings.Contains(all, "\r\ntcp_port:"+strings.Split(ts.srv.Addr().String(), ":")[1]+"\r\n"))
	require.Equal(t, "-ERR syntax error\r\n", c.do("INFO", "server", "nosuch"))
}
