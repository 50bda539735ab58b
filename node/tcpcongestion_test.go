package node

import (
	"bytes"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// congestionOf returns the TCP congestion control algorithm of c.
func congestionOf(t *testing.T, c net.Conn) string {
	t.Helper()
	raw, err := c.(*net.TCPConn).SyscallConn()
	require.NoError(t, err)
	var name string
	var gerr error
	require.NoError(t, raw.Control(func(fd uintptr) {
		name, gerr = unix.GetsockoptString(int(fd), unix.IPPROTO_TCP, unix.TCP_CONGESTION)
	}))
	require.NoError(t, gerr)
	return strings.TrimRight(name, "\x00")
}

// The Raft connections a node dials use raft-tcp-congestion; an empty
// setting leaves the system's default, and an algorithm the kernel refuses
// leaves it too, with one warning, without failing the connection.
func TestRaftConnectionsUseTheConfiguredCongestionControl(t *testing.T) {
	raw, err := os.ReadFile("/proc/sys/net/ipv4/tcp_congestion_control")
	require.NoError(t, err)
	system := strings.TrimSpace(string(raw))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var logs bytes.Buffer
	m := newMuxLayer(ln, ln.Addr(), slog.New(slog.NewTextHandler(&logs, nil)), nil)
	defer m.Close()
	go func() { // the Raft side of the listener
		for {
			c, err := m.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	dial := func(congestion string) string {
		t.Helper()
		m.congestion = congestion
		c, err := m.Dial(raft.ServerAddress(ln.Addr().String()), time.Second)
		require.NoError(t, err)
		defer c.Close()
		return congestionOf(t, c)
	}

	// reno is always built into Linux and always allowed.
	require.Equal(t, "reno", dial("reno"))
	require.Equal(t, system, dial(""))
	require.Equal(t, system, dial("nosuchalgo"))
	require.Equal(t, system, dial("nosuchalgo"))
	require.Equal(t, 1, strings.Count(logs.String(), "refused the TCP congestion control"), logs.String())

	require.NoError(t, CheckTCPCongestion(""))
	require.NoError(t, CheckTCPCongestion("cubic"))
	require.Error(t, CheckTCPCongestion("Cubic"))
	require.Error(t, CheckTCPCongestion("a-very-long-algorithm-name"))
	require.Error(t, CheckTCPCongestion("bbr cubic"))
}
