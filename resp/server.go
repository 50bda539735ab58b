package resp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pikaraft/pikaraft/compat/info"
	"github.com/pikaraft/pikaraft/resp/acl"
)

// Server is the RESP server: it accepts client connections and runs their
// commands against a Cluster.
type Server struct {
	cfg     ServerConfig
	cluster Cluster
	conf    ConfigStore
	rt      *runtimeConfig
	started time.Time

	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex
	ln     []net.Listener
	loops  []*eventLoop // event loops serving listeners (evloop.go)
	conns  map[int64]*Conn
	closed bool
	wg     sync.WaitGroup

	nextID atomic.Int64
	stats  serverStats
	ps     pubsubHub

	runIDOnce sync.Once
	runIDVal  string

	// info renders INFO; cmdStats counts calls and time per command.
	info     *info.Info
	cmdStats *info.CommandStats

	// aclView caches the users enforced (acl_view.go); lastRepl is the
	// last replicated user set read; aclLog is ACL LOG.
	aclView  atomic.Pointer[aclView]
	lastRepl atomic.Pointer[acl.Users]
	aclLog   *acl.Log

	slowlog slowlog
	monitor monitorHub
	bgsave  bgsaveState
}

// serverStats are the counters INFO reports and CONFIG RESETSTAT clears.
type serverStats struct {
	connectionsReceived atomic.Int64
	rejectedConnections atomic.Int64
	commandsProcessed   atomic.Int64
	netInputBytes       atomic.Int64
	netOutputBytes      atomic.Int64
	ops                 opsMeter
	inBytes, outBytes   opsMeter // instantaneous_input_kbps / output
}

func (s *serverStats) reset() {
	s.connectionsReceived.Store(0)
	s.rejectedConnections.Store(0)
	s.commandsProcessed.Store(0)
	s.netInputBytes.Store(0)
	s.netOutputBytes.Store(0)
}

// NewServer returns a server for cluster. conf backs CONFIG GET/SET/REWRITE;
// the parameters the server itself owns (timeout, maxclients, requirepass,
// userpass, userblacklist, proto-max-bulk-len) also take effect at once
// when CONFIG SET changes them.
func NewServer(cfg ServerConfig, cluster Cluster, conf ConfigStore) (*Server, error) {
	if cluster == nil {
		return nil, errors.New("resp: nil cluster")
	}
	if conf == nil {
		return nil, errors.New("resp: nil config store")
	}
	cfg.fill()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg:     cfg,
		cluster: cluster,
		conf:    conf,
		rt:      newRuntimeConfig(&cfg),
		started: time.Now(),
		ctx:     ctx,
		cancel:  cancel,
		conns:   map[int64]*Conn{},
		aclLog:  acl.NewLog(defaultACLLogMaxLen),
	}
	s.loadServerParams()
	s.cmdStats = info.NewCommandStats()
	src := info.Sources{Engine: cluster.Engine, Config: conf, Server: s.infoStats, Commands: s.cmdStats}
	if _, ok := cluster.(Admin); ok {
		src.Raft = adminRaft{s}
	}
	if b, ok := cluster.(info.BinlogSource); ok {
		src.Binlog = b
	}
	s.info = info.New(src)
	s.wg.Add(1)
	go s.cron()
	return s, nil
}

// ListenAndServe listens on cfg.Addr and serves until Close.
func (s *Server) ListenAndServe() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("resp: listen %s: %w", s.cfg.Addr, err)
	}
	return s.Serve(ln)
}

// Serve accepts connections on ln until Close. It returns nil after Close.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return nil
	}
	s.ln = append(s.ln, ln)
	s.mu.Unlock()
	if tl, ok := ln.(*net.TCPListener); ok && s.cfg.EventLoop {
		return s.serveEventLoop(tl)
	}
	return s.serveGoroutines(ln)
}

// serveGoroutines accepts connections on ln until Close, each served by a
// goroutine of its own.
func (s *Server) serveGoroutines(ln net.Listener) error {
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.isClosed() {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return fmt.Errorf("resp: accept: %w", err)
		}
		s.accept(nc)
	}
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// accept registers a new connection, or refuses it over maxclients.
func (s *Server) accept(nc net.Conn) {
	s.stats.connectionsReceived.Add(1)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		nc.Close()
		return
	}
	if len(s.conns) >= s.rt.getMaxClients() {
		s.mu.Unlock()
		s.stats.rejectedConnections.Add(1)
		nc.SetWriteDeadline(time.Now().Add(time.Second))
		nc.Write([]byte("-ERR max number of clients reached\r\n"))
		nc.Close()
		return
	}
	c := newConn(s, nc, s.nextID.Add(1))
	s.conns[c.id] = c
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		c.serve()
		s.forget(c)
	}()
}

// forget removes a closed connection from the server's books.
func (s *Server) forget(c *Conn) {
	s.ps.drop(c)
	s.monitor.drop(c)
	s.mu.Lock()
	delete(s.conns, c.id)
	s.mu.Unlock()
	s.wg.Done()
}

// Close stops accepting, closes every connection and waits for them.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for _, ln := range s.ln {
		ln.Close()
	}
	for _, c := range s.conns {
		c.kill()
	}
	for _, l := range s.loops {
		l.stop.Store(true)
		l.wake()
	}
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	return nil
}

// Addr returns the address of the first listener, or nil before Serve.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.ln) == 0 {
		return nil
	}
	return s.ln[0].Addr()
}

// clients returns the open connections sorted by id.
func (s *Server) clients() []*Conn {
	s.mu.Lock()
	out := make([]*Conn, 0, len(s.conns))
	for _, c := range s.conns {
		out = append(out, c)
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// numDBs returns the number of logical databases (Pika's `databases`).
func (s *Server) numDBs() int {
	if eng := s.cluster.Engine(); eng != nil {
		return eng.NumDBs()
	}
	return 1
}

// numClients returns the number of open connections.
func (s *Server) numClients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// cron closes idle clients (the `timeout` parameter) and samples the
// operation rate, once per cronInterval.
func (s *Server) cron() {
	defer s.wg.Done()
	t := time.NewTicker(cronInterval)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case now := <-t.C:
			s.stats.ops.sample(now, s.stats.commandsProcessed.Load())
			s.stats.inBytes.sample(now, s.stats.netInputBytes.Load())
			s.stats.outBytes.sample(now, s.stats.netOutputBytes.Load())
			timeout := s.rt.getTimeout()
			if timeout <= 0 {
				continue
			}
			for _, c := range s.clients() {
				if !c.busy.Load() && c.idleSince(now) > timeout {
					c.kill()
				}
			}
		}
	}
}

// cronInterval is how often idle clients are checked (Redis checks every
// client about once a second too).
const cronInterval = 250 * time.Millisecond

// opsMeter computes instantaneous_ops_per_sec from samples of the command
// counter, as Redis does (average over the last samples).
type opsMeter struct {
	mu      sync.Mutex
	lastT   time.Time
	lastN   int64
	samples [16]float64
	idx     int
}

func (m *opsMeter) sample(now time.Time, n int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.lastT.IsZero() {
		if dt := now.Sub(m.lastT).Seconds(); dt > 0 && n >= m.lastN {
			m.samples[m.idx%len(m.samples)] = float64(n-m.lastN) / dt
			m.idx++
		}
	}
	m.lastT, m.lastN = now, n
}

func (m *opsMeter) perSec() int64 { return int64(m.rate()) }

// rate is the average of the recent per-second samples.
func (m *opsMeter) rate() float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := min(m.idx, len(m.samples))
	if k == 0 {
		return 0
	}
	var sum float64
	for i := 0; i < k; i++ {
		sum += m.samples[i]
	}
	return sum / float64(k)
}
