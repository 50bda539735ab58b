package resp

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pikaraft/pikaraft/resp/command"
)

// MONITOR: every command a client of this node runs (after the
// authentication and ACL checks, before it executes) is streamed to the
// node's monitoring clients in Redis's format
//
//	+1700000000.123456 [0 127.0.0.1:50000] "set" "k" "v"
//
// Admin commands and AUTH/HELLO are not shown (as Redis). A monitor that
// cannot keep up (2 s write deadline) is disconnected. RESET or closing the
// connection ends monitoring.

// monitorHub is the set of monitoring connections.
type monitorHub struct {
	n     atomic.Int32 // fast path: no monitors
	mu    sync.Mutex
	conns map[*Conn]bool
}

// add registers c and writes it the reply first, both under the hub's
// lock: a feed that sees the monitor waits for the lock, so none overtakes
// first, and c is counted before first is written, so a command sent after
// the client read first is never skipped by feedMonitors' fast path.
func (h *monitorHub) add(c *Conn, first command.Reply) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.conns == nil {
		h.conns = map[*Conn]bool{}
	}
	if !h.conns[c] {
		h.conns[c] = true
		h.n.Add(1)
	}
	c.push(first)
}

func (h *monitorHub) drop(c *Conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.conns[c] {
		delete(h.conns, c)
		h.n.Add(-1)
	}
}

func (h *monitorHub) list() []*Conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]*Conn, 0, len(h.conns))
	for c := range h.conns {
		out = append(out, c)
	}
	return out
}

// feedMonitors sends argv, run by c, to every monitor of the node.
func (c *Conn) feedMonitors(spec *command.Spec, argv [][]byte) {
	h := &c.srv.monitor
	if h.n.Load() == 0 || spec.Flags&command.FlagAdmin != 0 || spec.Name == "auth" || spec.Name == "hello" {
		return
	}
	now := time.Now()
	var b strings.Builder
	b.WriteString(strconv.FormatInt(now.Unix(), 10))
	b.WriteByte('.')
	us := strconv.Itoa(now.Nanosecond() / 1000)
	b.WriteString(strings.Repeat("0", 6-len(us)) + us)
	b.WriteString(" [")
	b.WriteString(strconv.Itoa(c.DB()))
	b.WriteByte(' ')
	b.WriteString(c.addr)
	b.WriteByte(']')
	for _, a := range argv {
		b.WriteByte(' ')
		b.WriteString(quoteArg(a))
	}
	line := command.Status(b.String())
	for _, m := range h.list() {
		if m != c {
			m.push(line)
		}
	}
}

// quoteArg quotes an argument as Redis's sdscatrepr does.
func quoteArg(a []byte) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, ch := range a {
		switch ch {
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteByte(ch)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		default:
			if ch >= 0x20 && ch < 0x7f {
				b.WriteByte(ch)
			} else {
				b.WriteString(`\x`)
				b.WriteString(strconv.FormatUint(uint64(ch)>>4, 16))
				b.WriteString(strconv.FormatUint(uint64(ch)&15, 16))
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

func init() {
	command.Commands.Register(&command.Spec{
		Name: "monitor", Arity: 1,
		Flags:      command.FlagConnState | command.FlagAdmin | command.FlagNoScript | command.FlagLoading | command.FlagStale | command.FlagNoMulti,
		Categories: []string{"admin", "slow", "dangerous"}, Group: "server", Since: "1.0.0",
		Summary: "Listens for all requests received by the server in real-time.", Run: cmdMonitor,
	})
}

// cmdMonitor writes its +OK itself while joining the hub, so no monitored
// command reaches the client ahead of it, and none that runs after the
// client read +OK is missed.
func cmdMonitor(c *command.Ctx, _ [][]byte) command.Reply {
	conn := c.Conn.(*Conn)
	conn.flush()
	conn.srv.monitor.add(conn, command.OK())
	return command.Reply{Type: command.TypeMulti} // nothing more to send
}
