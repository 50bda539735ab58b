package resp

import (
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Versions the server reports. Clients see a Redis 7 server (HELLO, INFO
// redis_version) and Pika tooling sees Pika 3.5.5 (INFO pika_version).
const (
	RedisVersion = "7.2.0"
	PikaVersion  = "3.5.5"
)

// ServerConfig configures a Server. Zero values take the defaults noted.
type ServerConfig struct {
	// Addr is the listen address for ListenAndServe ("127.0.0.1:9221").
	Addr string
	// MaxClients is the most simultaneous client connections (default
	// 10000, Pika's default); more get "ERR max number of clients reached".
	MaxClients int
	// Timeout closes a client idle for this long; 0 never does.
	Timeout time.Duration
	// ProtoMaxBulkLen is the largest bulk argument accepted (default 512 MB).
	ProtoMaxBulkLen int64
	// RequirePass is the admin password (Pika requirepass); empty means no
	// AUTH is required.
	RequirePass string
	// UserPass is the password of Pika's limited user, who may not run the
	// commands in UserBlacklist. Ignored when empty or equal to RequirePass.
	UserPass string
	// UserBlacklist is Pika's comma-separated list of commands the limited
	// user may not run ("FLUSHALL, SHUTDOWN, KEYS, CONFIG").
	UserBlacklist string
	// PipelineWrites is how many consecutive write commands of one pipeline
	// may go to Cluster.Write in one call (one log entry). 0 or 1 proposes
	// every write on its own.
	PipelineWrites int
	// PipelineBytes bounds the argument bytes of such a group (default
	// DefaultPipelineBytes); a single bigger command is its own group.
	PipelineBytes int
	// EventLoop serves new TCP connections from an event loop that runs
	// fast reads itself and hands every other connection over to a
	// goroutine of its own (evloop.go). cmd/pikaraft sets it from
	// pika.conf's event-loop (default yes).
	EventLoop bool
	// ConfigFile is shown by INFO (config_file).
	ConfigFile string
	// ClusterName is the master name SENTINEL commands answer to (Pika
	// config cluster-name; default "pikaraft").
	ClusterName string
	// Shutdown is called, in its own goroutine, when a client runs
	// SHUTDOWN. Nil makes SHUTDOWN fail.
	Shutdown func()
	// LastSave returns the Unix time of the last successful save (LASTSAVE);
	// nil reports the server's start time.
	LastSave func() int64
	// Logger receives connection-level logs (default slog.Default()).
	Logger *slog.Logger
}

func (c *ServerConfig) fill() {
	if c.MaxClients <= 0 {
		c.MaxClients = 10000
	}
	if c.ProtoMaxBulkLen <= 0 {
		c.ProtoMaxBulkLen = DefaultProtoMaxBulkLen
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.PipelineBytes <= 0 {
		c.PipelineBytes = DefaultPipelineBytes
	}
	if c.ClusterName == "" {
		c.ClusterName = "pikaraft"
	}
}

// DefaultPipelineBytes is the default ServerConfig.PipelineBytes.
const DefaultPipelineBytes = 1 << 20

// runtimeConfig holds the parameters CONFIG SET can change while the server
// runs. Every connection reads them through the server. Writers hold mu
// and call publish before they release it.
type runtimeConfig struct {
	// hot is a copy of what every command reads (generation, slowlog,
	// proto-max-bulk-len), published on each change: an atomic load does
	// not write to memory shared by the CPUs, as RLock does.
	hot atomic.Pointer[hotParams]

	mu          sync.RWMutex
	maxClients  int
	timeout     time.Duration
	maxBulk     int64
	requirePass string
	userPass    string
	blacklist   map[string]bool
	gen         uint64 // bumped by every CONFIG SET of a server parameter
	// slowlog-log-slower-than (µs) and slowlog-max-len.
	slowlogSlower int64
	slowlogMaxLen int
}

// hotParams are the runtime parameters read on every command.
type hotParams struct {
	gen           uint64
	maxBulk       int64
	slowlogSlower int64
	slowlogMaxLen int
}

func newRuntimeConfig(c *ServerConfig) *runtimeConfig {
	r := &runtimeConfig{
		maxClients:  c.MaxClients,
		timeout:     c.Timeout,
		maxBulk:     c.ProtoMaxBulkLen,
		requirePass: c.RequirePass,
		userPass:    c.UserPass,
		blacklist:   parseBlacklist(c.UserBlacklist),
	}
	r.publish()
	return r
}

// publish makes the current values visible to the hot readers; the
// caller holds mu (or is the only one with r).
func (r *runtimeConfig) publish() {
	r.hot.Store(&hotParams{gen: r.gen, maxBulk: r.maxBulk, slowlogSlower: r.slowlogSlower, slowlogMaxLen: r.slowlogMaxLen})
}

// parseBlacklist parses Pika's userblacklist: command names separated by
// commas (and blanks), case-insensitive.
func parseBlacklist(s string) map[string]bool {
	out := map[string]bool{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		out[strings.ToLower(f)] = true
	}
	return out
}

// generation counts CONFIG SET changes; the ACL view rebuilds the
// built-in users when it moves.
func (r *runtimeConfig) generation() uint64 { return r.hot.Load().gen }

func (r *runtimeConfig) getSlowlog() (slower int64, maxLen int) {
	h := r.hot.Load()
	return h.slowlogSlower, h.slowlogMaxLen
}

func (r *runtimeConfig) getTimeout() time.Duration {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.timeout
}

func (r *runtimeConfig) getMaxClients() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.maxClients
}

func (r *runtimeConfig) getMaxBulk() int64 { return r.hot.Load().maxBulk }
