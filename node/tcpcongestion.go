package node

import (
	"fmt"
	"regexp"
	"syscall"

	"golang.org/x/sys/unix"
)

// congestionName is what Linux accepts as a TCP congestion control
// algorithm name (TCP_CA_NAME_MAX is 16 bytes with the terminating zero).
var congestionName = regexp.MustCompile(`^[a-z0-9_]{1,15}$`)

// CheckTCPCongestion reports whether name can be a Config.RaftTCPCongestion:
// empty (the system's default) or an algorithm name. Whether the kernel has
// that algorithm is found out when a connection is opened.
func CheckTCPCongestion(name string) error {
	if name != "" && !congestionName.MatchString(name) {
		return fmt.Errorf("%q is not a TCP congestion control name", name)
	}
	return nil
}

// controlDial sets the congestion control algorithm of a Raft connection
// this node opens, before it connects (a net.Dialer Control function). The
// sender's algorithm is what counts, and this node sends the bulk of what
// travels on the connections it opens: log entries and snapshots. When the
// kernel refuses the algorithm (not built or not allowed), the connection
// keeps the system's and the refusal is logged once.
func (m *muxLayer) controlDial(_, _ string, c syscall.RawConn) error {
	if m.congestion == "" {
		return nil
	}
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptString(int(fd), unix.IPPROTO_TCP, unix.TCP_CONGESTION, m.congestion)
	}); err != nil {
		return fmt.Errorf("raft port: socket control: %w", err)
	}
	if serr != nil {
		m.congestionRefused.Do(func() {
			m.log.Warn("raft port: the kernel refused the TCP congestion control of peer connections; they use the system's",
				"raft_tcp_congestion", m.congestion, "error", serr)
		})
	}
	return nil
}
