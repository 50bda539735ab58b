package command

import (
	"fmt"
	"maps"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/engine/hotcache"
)

// Flags describe a command (Redis 7 COMMAND flags).
type Flags uint32

// Command flags. Write commands go through Raft; everything else runs on
// the node that received it.
const (
	FlagWrite Flags = 1 << iota
	FlagReadOnly
	FlagAdmin
	FlagFast
	FlagSlow
	FlagMayReplicate
	FlagNoAuth
	FlagLoading
	FlagStale
	FlagNoScript
	FlagPubSub
	FlagDenyOOM
	FlagBlocking
	FlagNoMulti   // not allowed inside MULTI (e.g. SHUTDOWN is, WATCH is not)
	FlagConnState // touches only connection or server state, never the engine
	// FlagMovableKeys marks commands whose keys are not all covered by the
	// FirstKey/LastKey/Step triple (XREAD: the keys follow STREAMS).
	FlagMovableKeys
)

var flagNames = []struct {
	f    Flags
	name string
}{
	{FlagWrite, "write"}, {FlagReadOnly, "readonly"}, {FlagDenyOOM, "denyoom"},
	{FlagAdmin, "admin"}, {FlagPubSub, "pubsub"}, {FlagNoScript, "noscript"},
	{FlagBlocking, "blocking"}, {FlagLoading, "loading"}, {FlagStale, "stale"},
	{FlagNoAuth, "no_auth"}, {FlagMayReplicate, "may_replicate"},
	{FlagFast, "fast"}, {FlagMovableKeys, "movablekeys"},
}

// Names returns the Redis names of the flags, in COMMAND order.
func (f Flags) Names() []string {
	var out []string
	for _, fn := range flagNames {
		if f&fn.f != 0 {
			out = append(out, fn.name)
		}
	}
	return out
}

// Handler runs a command. argv[0] is the command name as sent.
type Handler func(c *Ctx, argv [][]byte) Reply

// Spec is one entry of the command table.
type Spec struct {
	Name  string // lower case
	Arity int    // Redis convention: negative = at least -Arity arguments (incl. name)
	Flags Flags
	// ACL categories without the '@' ("string", "keyspace", "write", ...).
	Categories []string
	// Key positions (Redis 7 legacy triple): first key, last key (negative
	// counts from the end), step. 0,0,0 for commands without keys.
	FirstKey, LastKey, Step int
	// Group and Summary feed COMMAND DOCS ("string", "Set the string value of a key").
	Group, Summary, Since string
	// Run executes the command.
	Run Handler
	// WriteGroup: the handler writes the engine only through DB.Set and
	// DB.MSet, so the FSM may let its blind writes join those of the
	// commands around it in one engine write (engine.WriteGroup).
	WriteGroup bool
}

// IsWrite reports whether the command changes the data and must go through Raft.
func (s *Spec) IsWrite() bool { return s.Flags&FlagWrite != 0 }

// CheckArity reports whether argc (including the name) fits the arity.
func (s *Spec) CheckArity(argc int) bool {
	if s.Arity >= 0 {
		return argc == s.Arity
	}
	return argc >= -s.Arity
}

// Keys returns the positions in argv of the command's keys.
func (s *Spec) Keys(argc int) []int {
	first, last, step, ok := s.keyRange(argc)
	if !ok {
		return nil
	}
	var out []int
	for i := first; i <= last; i += step {
		out = append(out, i)
	}
	return out
}

// keyRange returns the argument positions Keys lists: first, first+step,
// ... up to last; ok is false when there are none.
func (s *Spec) keyRange(argc int) (first, last, step int, ok bool) {
	if s.FirstKey <= 0 || argc <= s.FirstKey {
		return 0, 0, 0, false
	}
	last = s.LastKey
	if last < 0 {
		last = argc + last
	}
	if last >= argc {
		last = argc - 1
	}
	step = s.Step
	if step <= 0 {
		step = 1
	}
	return s.FirstKey, last, step, last >= s.FirstKey
}

// Table is the command table: the one place that says which commands exist.
// Lookups read an immutable map through an atomic pointer (no lock: every
// command, read or applied, is looked up, and an RLock writes memory shared
// by all CPUs); Register, which runs at start-up, copies the map.
type Table struct {
	mu    sync.Mutex // serializes Register
	specs atomic.Pointer[map[string]*Spec]
}

// Commands is the process-wide command table. Command files register their
// commands into it from init functions.
var Commands = &Table{}

// table returns the current map (empty before the first Register).
func (t *Table) table() map[string]*Spec {
	if m := t.specs.Load(); m != nil {
		return *m
	}
	return nil
}

// Register adds specs to the table. It panics on a duplicate name: that is
// a programming error found at start-up.
func (t *Table) Register(specs ...*Spec) {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := maps.Clone(t.table())
	if m == nil {
		m = map[string]*Spec{}
	}
	for _, s := range specs {
		s.Name = strings.ToLower(s.Name)
		if _, dup := m[s.Name]; dup {
			panic(fmt.Sprintf("command %q registered twice", s.Name))
		}
		if s.Step == 0 && s.FirstKey > 0 {
			s.Step = 1
		}
		m[s.Name] = s
	}
	t.specs.Store(&m)
}

// Lookup finds a command by name, case-insensitively.
func (t *Table) Lookup(name []byte) (*Spec, bool) {
	var buf [32]byte
	if len(name) <= len(buf) {
		// Lower-case on the stack: looking a command up allocates nothing.
		for i, c := range name {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf[i] = c
		}
		s, ok := t.table()[string(buf[:len(name)])]
		return s, ok
	}
	s, ok := t.table()[lowerASCII(name)]
	return s, ok
}

// All returns every spec, sorted by name.
func (t *Table) All() []*Spec {
	m := t.table()
	out := make([]*Spec, 0, len(m))
	for _, s := range m {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Len returns the number of commands.
func (t *Table) Len() int {
	return len(t.table())
}

func lowerASCII(b []byte) string {
	for _, c := range b {
		if c >= 'A' && c <= 'Z' {
			out := make([]byte, len(b))
			for i, c := range b {
				if c >= 'A' && c <= 'Z' {
					c += 'a' - 'A'
				}
				out[i] = c
			}
			return string(out)
		}
	}
	return string(b)
}

// Ctx is what a handler runs with.
type Ctx struct {
	// Engine is the whole engine (FLUSHALL, SWAPDB-style commands).
	Engine *engine.Engine
	// DB is the selected logical database.
	DB *engine.DB
	// W is the write context (log position and cluster time) for writes.
	W engine.Writer
	// NowMs is the cluster time in Unix ms; for writes it equals W.NowMs,
	// for reads it is the node's read time (never behind the last applied
	// leader time).
	NowMs int64
	// Seed seeds every random choice a write makes (SPOP, SRANDMEMBER).
	Seed uint64
	// Cache is the hot-key cache GET and LRANGE read through (nil: read
	// the engine). Only the RESP server's reads set it, never the FSM.
	Cache *hotcache.Cache
	// Conn is the client connection for connection and server commands
	// (nil when the FSM applies a write). Its concrete type belongs to the
	// RESP server.
	Conn any
}

// WrongArity is the Redis error for a wrong number of arguments.
func WrongArity(name string) Reply {
	return Err(fmt.Sprintf("ERR wrong number of arguments for '%s' command", strings.ToLower(name)))
}

// Exec looks argv[0] up in the table, checks its arity and runs it. The FSM
// uses it to apply committed writes; the server to run reads.
func (t *Table) Exec(c *Ctx, argv [][]byte) Reply {
	if len(argv) == 0 {
		return Err("ERR empty command")
	}
	spec, ok := t.Lookup(argv[0])
	if !ok {
		return UnknownCommand(argv)
	}
	return spec.Exec(c, argv)
}

// Exec checks argv's arity against s and runs s; argv[0] names s.
func (s *Spec) Exec(c *Ctx, argv [][]byte) Reply {
	if !s.CheckArity(len(argv)) {
		return WrongArity(s.Name)
	}
	return s.Run(c, argv)
}

// UnknownCommand is Redis 7's error for a command that does not exist.
func UnknownCommand(argv [][]byte) Reply {
	var args strings.Builder
	for _, a := range argv[1:] {
		if args.Len() > 128 {
			break
		}
		fmt.Fprintf(&args, "'%s' ", a)
	}
	name := ""
	if len(argv) > 0 {
		name = string(argv[0])
		if len(name) > 128 {
			name = name[:128]
		}
	}
	return Err(fmt.Sprintf("ERR unknown command '%s', with args beginning with: %s", name, args.String()))
}
