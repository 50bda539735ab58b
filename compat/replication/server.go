package replication

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"

	"github.com/pikaraft/pikaraft/compat/replication/throttle"

	"github.com/pikaraft/pikaraft/compat/binlog"
)

// Server is the master side: the replication service (P+2000) and the
// full-sync file service (P+10001).
type Server struct {
	cfg Config

	mu       sync.Mutex
	slaves   map[string]*slave // by "ip:port"
	sessions []int32           // next session id per database
	conns    map[net.Conn]struct{}
	closed   bool

	dumps   *dumps
	limiter *throttle.Limiter
	connSeq atomic.Int64
	wg      sync.WaitGroup
	stop    chan struct{}
}

// New prepares a server; Serve starts it.
func New(cfg Config) (*Server, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	s := &Server{
		cfg:      cfg,
		slaves:   map[string]*slave{},
		sessions: make([]int32, cfg.Databases),
		conns:    map[net.Conn]struct{}{},
		stop:     make(chan struct{}),
	}
	s.limiter = throttle.New(func() int64 { return cfg.Settings.Int("throttle-bytes-per-second", 200<<20) })
	s.dumps = newDumps(&s.cfg, s.fullSyncing)
	return s, nil
}

// Listen opens the two ports on host (P+2000 and P+10001) and serves them
// in the background.
func (s *Server) Listen(host string) error {
	repl, err := net.Listen("tcp", net.JoinHostPort(host, fmt.Sprint(s.cfg.Port+PortShiftRepl)))
	if err != nil {
		return fmt.Errorf("replication: listen: %w", err)
	}
	rs, err := net.Listen("tcp", net.JoinHostPort(host, fmt.Sprint(s.cfg.Port+PortShiftRsync)))
	if err != nil {
		repl.Close()
		return fmt.Errorf("replication: listen for file transfer: %w", err)
	}
	s.Serve(repl, rs)
	return nil
}

// Serve serves the replication protocol on repl and the file transfer on
// rsync in the background, until Close.
func (s *Server) Serve(repl, rsync net.Listener) {
	s.wg.Add(3)
	go s.accept(repl, s.serveRepl)
	go s.accept(rsync, s.serveRsync)
	go func() {
		defer s.wg.Done()
		s.dumps.expireLoop(s.stop)
	}()
	s.cfg.Logger.Info("replication: serving classic Pika replicas", "repl", repl.Addr().String(), "rsync", rsync.Addr().String())
}

func (s *Server) accept(ln net.Listener, serve func(net.Conn)) {
	defer s.wg.Done()
	go func() {
		<-s.stop
		ln.Close()
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		if !s.track(c) {
			c.Close()
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.untrack(c)
			serve(c)
		}()
	}
}

func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	c.Close()
}

// Close stops both services, drops every replica and waits.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.stop)
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	s.dumps.wait()
	return nil
}

// fullSyncing reports whether any replica is in full sync on db (dumps
// are not expired then).
func (s *Server) fullSyncing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sl := range s.slaves {
		for _, l := range sl.links {
			if l.isFullSync() {
				return true
			}
		}
	}
	return false
}

// producer returns db's producer position.
func (s *Server) producer(db int) binlog.Position { return s.cfg.Binlog.Producer(db) }

// DropAll closes every replica connection (after the binlog restarted at
// a new position): replicas reconnect, then continue or full-sync.
func (s *Server) DropAll() {
	s.mu.Lock()
	var conns []*replConn
	for _, sl := range s.slaves {
		conns = append(conns, sl.conn)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.c.Close()
	}
}
