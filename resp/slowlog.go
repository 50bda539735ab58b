package resp

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pikaraft/pikaraft/resp/command"
)

// SLOWLOG: commands that took at least slowlog-log-slower-than µs (0 logs
// every command, a negative value none), newest first, at most
// slowlog-max-len entries. Per node, as in Pika and Redis. The time is the
// one INFO commandstats charges (a write includes its Raft round trip).

// Redis's limits on what one entry keeps of a command.
const (
	slowlogMaxArgc   = 32
	slowlogMaxArgLen = 128
)

// slowEntry is one SLOWLOG entry.
type slowEntry struct {
	id       int64
	at       int64 // Unix seconds
	micros   int64
	argv     []string
	addr     string
	clientNm string
}

// slowlog keeps the entries; its parameters live in runtimeConfig.
type slowlog struct {
	mu sync.Mutex
	// entries are oldest first: add appends and drops from the front, so
	// logging a slow command costs O(1) amortized, not a copy of the log.
	entries []slowEntry
	nextID  int64
}

// newest returns the i-th newest entry (0 is the newest); l.mu is held.
func (l *slowlog) newest(i int) slowEntry { return l.entries[len(l.entries)-1-i] }

func (l *slowlog) add(now time.Time, d time.Duration, argv [][]byte, addr, name string, maxLen int) {
	n := min(len(argv), slowlogMaxArgc)
	args := make([]string, n)
	for i := 0; i < n; i++ {
		a := argv[i]
		if i == slowlogMaxArgc-1 && len(argv) > slowlogMaxArgc {
			args[i] = fmt.Sprintf("... (%d more arguments)", len(argv)-slowlogMaxArgc+1)
			break
		}
		if len(a) > slowlogMaxArgLen {
			args[i] = fmt.Sprintf("%s... (%d more bytes)", a[:slowlogMaxArgLen], len(a)-slowlogMaxArgLen)
		} else {
			args[i] = string(a)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e := slowEntry{id: l.nextID, at: now.Unix(), micros: d.Microseconds(), argv: args, addr: addr, clientNm: name}
	l.nextID++
	l.entries = append(l.entries, e)
	if drop := len(l.entries) - max(maxLen, 0); drop > 0 {
		clear(l.entries[:drop]) // let the dropped arguments be collected
		l.entries = l.entries[drop:]
	}
}

// recordCall charges a finished command to INFO commandstats and, when
// slow enough, to SLOWLOG.
func (c *Conn) recordCall(spec *command.Spec, argv [][]byte, d time.Duration) {
	c.srv.cmdStats.Record(spec.Name, d)
	slower, maxLen := c.srv.rt.getSlowlog()
	if slower >= 0 && d.Microseconds() >= slower && spec.Name != "slowlog" {
		c.mu.Lock()
		name := c.name
		c.mu.Unlock()
		c.srv.slowlog.add(time.Now(), d, argv, c.addr, name, maxLen)
	}
}

func init() {
	command.Commands.Register(&command.Spec{
		Name: "slowlog", Arity: -2,
		Flags:      command.FlagConnState | command.FlagAdmin | command.FlagLoading | command.FlagStale,
		Categories: []string{"admin", "slow", "dangerous"}, Group: "server", Since: "2.2.12",
		Summary: "A container for slow log commands.", Run: cmdSlowlog,
	})
}

func cmdSlowlog(c *command.Ctx, argv [][]byte) command.Reply {
	l := &c.Conn.(*Conn).srv.slowlog
	sub := strings.ToLower(string(argv[1]))
	switch {
	case sub == "len" && len(argv) == 2:
		l.mu.Lock()
		defer l.mu.Unlock()
		return command.Int(int64(len(l.entries)))
	case sub == "reset" && len(argv) == 2:
		l.mu.Lock()
		defer l.mu.Unlock()
		l.entries = nil
		return command.OK()
	case sub == "get" && len(argv) <= 3:
		n := int64(10)
		if len(argv) == 3 {
			v, err := strconv.ParseInt(string(argv[2]), 10, 64)
			if err != nil || v < -1 {
				return command.Err("ERR count should be greater than or equal to -1")
			}
			n = v
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		if n == -1 || n > int64(len(l.entries)) {
			n = int64(len(l.entries))
		}
		out := make([]command.Reply, n)
		for i := range out {
			e := l.newest(i)
			args := make([]command.Reply, len(e.argv))
			for j, a := range e.argv {
				args[j] = command.BulkString(a)
			}
			out[i] = command.Array(command.Int(e.id), command.Int(e.at), command.Int(e.micros),
				command.Array(args...), command.BulkString(e.addr), command.BulkString(e.clientNm))
		}
		return command.Array(out...)
	case sub == "help" && len(argv) == 2:
		return command.Array(
			command.Status("SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"),
			command.Status("GET [<count>]"),
			command.Status("    Return top <count> entries from the slowlog (default: 10, -1 mean all)."),
			command.Status("    Entries are made of:"),
			command.Status("    id, timestamp, time in microseconds, arguments array, client IP and port,"),
			command.Status("    client name"),
			command.Status("LEN"),
			command.Status("    Return the length of the slowlog."),
			command.Status("RESET"),
			command.Status("    Reset the slowlog."),
			command.Status("HELP"),
			command.Status("    Print this help."),
		)
	}
	switch sub {
	case "len", "reset", "get", "help":
		return command.WrongArity("slowlog|" + sub)
	}
	return command.Err("ERR unknown subcommand '" + string(argv[1]) + "'. Try SLOWLOG HELP.")
}

// loadServerParams reads the parameters the server applies itself and
// that are not in ServerConfig from the config store (Pika's defaults when
// absent): slowlog-log-slower-than 10000 µs, slowlog-max-len 128.
func (s *Server) loadServerParams() {
	s.rt.slowlogSlower, s.rt.slowlogMaxLen = 10000, 128
	for _, name := range []string{"slowlog-log-slower-than", "slowlog-max-len"} {
		for _, kv := range s.conf.Get(name) {
			if kv[0] != name {
				continue
			}
			if fn, err := serverParam(name, strings.TrimSpace(kv[1])); err == nil && fn != nil {
				fn(s.rt)
			} else if err != nil {
				s.cfg.Logger.Warn("ignoring a bad config value", "name", name, "value", kv[1], "err", err)
			}
		}
	}
	s.rt.publish()
}
